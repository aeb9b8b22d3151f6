// What a caught value says: an Error's message, or the value itself in words (a worker, a library or
// a user's code can throw anything). Every refusal and every 'error' event is built from it.

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
