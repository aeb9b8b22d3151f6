// What a WebGPU workload asks of the device, counted at the API rather than estimated: compute
// dispatches (by pipeline label: tfjs labels each pipeline with its program's class name),
// pipelines compiled and the time spent compiling them, GPU buffers created and destroyed, bytes
// uploaded from the CPU, GPU→CPU readbacks and the bytes read, queue submissions. On a discrete GPU
// these decide a small model's step time more than its FLOPs do: a readback stalls the queue,
// and every tiny dispatch costs microseconds of driver and validation work.
//
// It wraps the WebGPU prototypes (GPUDevice, GPUQueue, GPUBuffer, GPUComputePassEncoder) of the
// device tfjs uses, once per realm, so buffers tfjs pooled before the wrap are counted too. The
// wrapped methods call the originals unchanged; the only cost is a few counter increments.
import * as tf from '@tensorflow/tfjs-core';

export interface DeviceCounts {
  dispatches: number;
  /** Dispatches by pipeline label (tfjs's program class name, or the kernel's own label). */
  dispatchesBy: Record<string, number>;
  /** Compute pipelines created (sync and async). */
  pipelines: number;
  /** Wall time inside createShaderModule and sync createComputePipeline, plus async pipelines' time to resolve. */
  compileMs: number;
  buffersCreated: number;
  buffersDestroyed: number;
  /** Bytes written from the CPU into non-uniform buffers: queue.writeBuffer and buffers mapped at creation. */
  bytesUploaded: number;
  /** Bytes written into uniform buffers (tfjs writes each dispatch's shapes and scalars this way). */
  uniformBytes: number;
  /** mapAsync(READ) calls: each waits for the queue to drain up to it. */
  readbacks: number;
  bytesRead: number;
  submits: number;
}

export const zeroCounts = (): DeviceCounts => ({
  dispatches: 0,
  dispatchesBy: {},
  pipelines: 0,
  compileMs: 0,
  buffersCreated: 0,
  buffersDestroyed: 0,
  bytesUploaded: 0,
  uniformBytes: 0,
  readbacks: 0,
  bytesRead: 0,
  submits: 0,
});

/** after − before, field by field (dispatchesBy too, dropping labels that did not move). */
export function diffCounts(after: DeviceCounts, before: DeviceCounts): DeviceCounts {
  const by: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.dispatchesBy)) {
    const d = v - (before.dispatchesBy[k] ?? 0);
    if (d !== 0) by[k] = d;
  }
  const out = { ...after, dispatchesBy: by };
  for (const k of Object.keys(out) as (keyof DeviceCounts)[])
    if (k !== 'dispatchesBy') (out[k] as number) = (after[k] as number) - (before[k] as number);
  return out;
}

/** counts divided by n (per step of n steps), dispatchesBy included. */
export function scaleCounts(c: DeviceCounts, n: number): DeviceCounts {
  const by: Record<string, number> = {};
  for (const [k, v] of Object.entries(c.dispatchesBy)) by[k] = v / n;
  const out = { ...c, dispatchesBy: by };
  for (const k of Object.keys(out) as (keyof DeviceCounts)[])
    if (k !== 'dispatchesBy') (out[k] as number) = (c[k] as number) / n;
  return out;
}

/** "MatMulPackedProgram 21, AdamWFused 9, …": dispatches by program, most first. */
export const describeDispatches = (by: Record<string, number>): string =>
  Object.entries(by)
    .sort((x, y) => y[1] - x[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

export interface DeviceCounter {
  /** The running totals since the wrap (a copy). */
  counts(): DeviceCounts;
}

// GPUBufferUsage / GPUMapMode bits (fixed by the WebGPU spec; written out so the module needs no globals).
const MAP_READ = 0x0001;
const UNIFORM = 0x0040;

type AnyFn = (...a: unknown[]) => unknown;
type Proto = Record<string, AnyFn>;

const totals = zeroCounts();
const wrapped = new WeakSet<object>();
// A pass encoder's current pipeline's label, for dispatchesBy.
const currentLabel = new WeakMap<object, string>();

/** Replaces proto[name] by wrap(original) once (the prototype is shared by every object of the class). */
function patch(proto: Proto, name: string, wrap: (orig: AnyFn) => AnyFn): void {
  const orig = proto[name];
  if (typeof orig !== 'function') throw new Error(`device-counter: WebGPU method ${name} is missing`);
  Object.defineProperty(proto, name, { value: wrap(orig), configurable: true, writable: true });
}

const protoOf = (o: object) => Object.getPrototypeOf(o) as Proto;

/**
 * Wraps the prototypes of `device`'s objects once; later calls on any device of this realm return
 * the same totals. Probes an encoder, a pass and a buffer to reach their prototypes (nothing is submitted).
 */
export function countDevice(device: GPUDevice): DeviceCounter {
  const dev = protoOf(device);
  if (!wrapped.has(dev)) {
    const probeBuf = device.createBuffer({ size: 4, usage: MAP_READ | 0x0008 /* COPY_DST */ });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    const passProto = protoOf(pass);
    pass.end();
    const bufProto = protoOf(probeBuf);
    probeBuf.destroy();
    wrapDevice(dev);
    wrapQueue(protoOf(device.queue));
    wrapBuffer(bufProto);
    wrapPass(passProto);
    wrapped.add(dev);
  }
  return {
    counts: () => ({ ...totals, dispatchesBy: { ...totals.dispatchesBy } }),
  };
}

/** The counter for the device of tfjs's current 'webgpu' backend (throws on another backend). */
export function countTfjsWebGPU(): DeviceCounter {
  if (tf.getBackend() !== 'webgpu')
    throw new Error(`device-counter: the current backend is ${tf.getBackend()}, not webgpu`);
  return countDevice((tf.backend() as unknown as { device: GPUDevice }).device);
}

/** orig with its wall time added to compileMs (and counted as a pipeline when it makes one). */
const timed = (orig: AnyFn, pipeline: boolean): AnyFn =>
  function (this: unknown, desc: unknown) {
    if (pipeline) totals.pipelines += 1;
    const t0 = performance.now();
    try {
      return orig.call(this, desc);
    } finally {
      totals.compileMs += performance.now() - t0;
    }
  };

function wrapDevice(p: Proto): void {
  patch(
    p,
    'createBuffer',
    (orig) =>
      function (this: unknown, desc: unknown) {
        const d = desc as GPUBufferDescriptor;
        totals.buffersCreated += 1;
        // tfjs uploads through buffers mapped at creation (staging, or the destination itself).
        if (d.mappedAtCreation && (d.usage & MAP_READ) === 0) totals.bytesUploaded += d.size;
        return orig.call(this, desc);
      },
  );
  patch(p, 'createShaderModule', (orig) => timed(orig, false));
  patch(p, 'createComputePipeline', (orig) => timed(orig, true));
  patch(
    p,
    'createComputePipelineAsync',
    (orig) =>
      function (this: unknown, desc: unknown) {
        totals.pipelines += 1;
        const t0 = performance.now();
        const done = orig.call(this, desc) as Promise<unknown>;
        // Overlapping compilations each add their own wall time: an upper bound on the work, not elapsed time.
        void done.then(
          () => (totals.compileMs += performance.now() - t0),
          () => undefined,
        );
        return done;
      },
  );
}

function wrapQueue(p: Proto): void {
  patch(
    p,
    'writeBuffer',
    (orig) =>
      function (this: unknown, ...a: unknown[]) {
        const [buffer, , data, dataOffset, size] = a as [
          GPUBuffer,
          number,
          ArrayBufferView | ArrayBuffer,
          number?,
          number?,
        ];
        const bytes =
          size !== undefined
            ? size *
              (ArrayBuffer.isView(data) && !(data instanceof DataView) ? (data as Float32Array).BYTES_PER_ELEMENT : 1)
            : data.byteLength - (dataOffset ?? 0);
        if ((buffer.usage & UNIFORM) !== 0) totals.uniformBytes += bytes;
        else totals.bytesUploaded += bytes;
        return orig.apply(this, a);
      },
  );
  patch(
    p,
    'submit',
    (orig) =>
      function (this: unknown, ...a: unknown[]) {
        totals.submits += 1;
        return orig.apply(this, a);
      },
  );
}

function wrapBuffer(p: Proto): void {
  patch(
    p,
    'mapAsync',
    (orig) =>
      function (this: GPUBuffer, ...a: unknown[]) {
        const [mode, offset, size] = a as [number, number?, number?];
        if ((mode & MAP_READ) !== 0) {
          totals.readbacks += 1;
          totals.bytesRead += size ?? this.size - (offset ?? 0);
        }
        return orig.apply(this, a);
      },
  );
  patch(
    p,
    'destroy',
    (orig) =>
      function (this: unknown) {
        totals.buffersDestroyed += 1;
        return orig.call(this);
      },
  );
}

function wrapPass(p: Proto): void {
  patch(
    p,
    'setPipeline',
    (orig) =>
      function (this: object, pipeline: unknown) {
        currentLabel.set(this, (pipeline as { label?: string }).label || 'unlabelled');
        return orig.call(this, pipeline);
      },
  );
  patch(
    p,
    'dispatchWorkgroups',
    (orig) =>
      function (this: object, ...a: unknown[]) {
        totals.dispatches += 1;
        const label = currentLabel.get(this) ?? 'unlabelled';
        totals.dispatchesBy[label] = (totals.dispatchesBy[label] ?? 0) + 1;
        return orig.apply(this, a);
      },
  );
}
