// Which failures mean "this batch does not fit". The search halves the batch only on these; every
// other error is a bug that a smaller batch would hide, so it must surface unchanged. The messages
// differ per backend and JS engine (WebGPU error scopes, tfjs, V8, Emscripten), hence the list.
import type { BatchTry } from '../../core/events';

/** A batch rejected before allocating: one tensor of its step would exceed a device limit. */
export class BatchTooLargeError extends Error {
  override name = 'BatchTooLargeError';
  constructor(
    message: string,
    readonly tensor: string,
    readonly bytes: number,
    readonly limitName: string,
    readonly limit: number,
  ) {
    super(message);
  }
}

/** An allocation failed while a batch was tried (a WebGPU out-of-memory error scope, a failed malloc). */
export class OutOfMemoryError extends Error {
  override name = 'OutOfMemoryError';
}

/** What the message of an allocation failure says, on each backend and JS engine. */
const OOM_MESSAGES = [
  /out[- ]of[- ]memory/i, // WebGPU GPUOutOfMemoryError, CUDA-style messages, device lost for memory
  /not enough memory/i,
  /failed to allocate/i, // tfjs ("Failed to allocate ...")
  /allocation failed/i, // V8: "RangeError: Array buffer allocation failed"
  /invalid typed array length/i, // V8: a typed array too large to create
  /cannot enlarge memory/i, // Emscripten: the wasm heap cannot grow
  /\bOOM\b/,
];

const OOM_NAMES = new Set(['BatchTooLargeError', 'OutOfMemoryError', 'GPUOutOfMemoryError']);

/** True for failures that a smaller batch may avoid; anything else is a bug and must surface. */
export function isOutOfMemory(e: unknown): boolean {
  if (e === null || e === undefined) return false;
  if (typeof e === 'string') return OOM_MESSAGES.some((re) => re.test(e));
  if (typeof e !== 'object') return false;
  const o = e as { name?: unknown; message?: unknown; constructor?: { name?: unknown } };
  if (typeof o.name === 'string' && OOM_NAMES.has(o.name)) return true;
  if (typeof o.constructor?.name === 'string' && OOM_NAMES.has(o.constructor.name)) return true;
  return typeof o.message === 'string' && OOM_MESSAGES.some((re) => re.test(o.message as string));
}

/** The short reason a tried size failed, for the tried list and the UI. */
export function oomReason(e: unknown): string {
  if (e instanceof BatchTooLargeError) return `${e.tensor} over ${e.limitName}`;
  return 'out of memory';
}

/** "64 ✗ out of memory, 32 ✓" */
export function formatTried(tried: readonly BatchTry[]): string {
  return tried.map((t) => `${t.batchSize} ${t.ok ? '✓' : `✗ ${t.reason ?? 'failed'}`}`).join(', ');
}
