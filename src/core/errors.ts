// What a caught value says: an Error's message, or the value itself in words (a worker, a library or
// a user's code can throw anything). Every refusal and every 'error' event is built from it, so it
// is also where a message is bounded (core/bounded-text.ts): whatever built it, the page never gets
// thousands of characters. Messages are bounded where they are built too; this is the net under them.
import { boundedMessage } from './bounded-text';

export function errorMessage(err: unknown): string {
  return boundedMessage(err instanceof Error ? err.message : String(err));
}

/** "What failed: why", bounded as a whole (a prefix on a bounded reason could pass the limit). */
export function failure(what: string, err: unknown): string {
  return boundedMessage(`${what}: ${errorMessage(err)}`);
}
