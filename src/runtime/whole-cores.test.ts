// withWholeCores: the worker's navigator reports twice its hardware threads while tfjs-wasm starts,
// and the real value shows through again afterwards, however the start ends.
import { afterEach, expect, it } from 'vitest';
import { withWholeCores } from './whole-cores';

const realNavigator = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
afterEach(() => {
  if (realNavigator) Object.defineProperty(globalThis, 'navigator', realNavigator);
  else delete (globalThis as { navigator?: unknown }).navigator;
});

/** A navigator like WorkerNavigator: hardwareConcurrency is a getter on the prototype. */
function fakeNavigator(threads: number): object {
  const proto = {};
  Object.defineProperty(proto, 'hardwareConcurrency', { get: () => threads, configurable: true });
  const nav = Object.create(proto) as object;
  Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true, writable: true });
  return nav;
}

it('doubles hardwareConcurrency for the start only, then restores the getter', async () => {
  const nav = fakeNavigator(2) as { hardwareConcurrency: number };
  expect(await withWholeCores(async () => nav.hardwareConcurrency)).toBe(4);
  expect(nav.hardwareConcurrency).toBe(2);
  expect(Object.prototype.hasOwnProperty.call(nav, 'hardwareConcurrency')).toBe(false);
});

it('restores it when the start throws', async () => {
  const nav = fakeNavigator(3) as { hardwareConcurrency: number };
  await expect(
    withWholeCores(async () => {
      throw new Error('wasm failed');
    }),
  ).rejects.toThrow('wasm failed');
  expect(nav.hardwareConcurrency).toBe(3);
});

it('leaves a navigator without a usable count alone', async () => {
  const nav = fakeNavigator(0) as { hardwareConcurrency: number };
  expect(await withWholeCores(async () => nav.hardwareConcurrency)).toBe(0);
  delete (globalThis as { navigator?: unknown }).navigator;
  expect(await withWholeCores(async () => 'started')).toBe('started');
});
