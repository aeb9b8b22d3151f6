// Lets tfjs-wasm use every hardware thread it is asked for (see withWholeCores).

/**
 * tfjs-wasm 4.22 caps its thread pool at navigator.hardwareConcurrency / 2 (backend.cc: it assumes two
 * hyperthreads per core, `min(requested, 8, cores / 2)`), read once while the module instantiates. On a
 * 2-thread machine that is 1 thread whatever setThreadsCount asks for. For the length of the start-up
 * only, this worker's navigator reports twice its threads, so the cap becomes the real count and
 * setThreadsCount decides; the own property is removed afterwards and the real getter shows through.
 */
export async function withWholeCores<T>(start: () => Promise<T>): Promise<T> {
  const nav = typeof navigator !== 'undefined' ? navigator : null;
  const hw = nav?.hardwareConcurrency ?? 0;
  if (!nav || !(hw > 0) || Object.prototype.hasOwnProperty.call(nav, 'hardwareConcurrency')) return start();
  try {
    Object.defineProperty(nav, 'hardwareConcurrency', { value: hw * 2, configurable: true });
  } catch {
    return start(); // a navigator that can't take the property: tfjs keeps its own cap
  }
  try {
    return await start();
  } finally {
    delete (nav as unknown as Record<string, unknown>).hardwareConcurrency;
  }
}
