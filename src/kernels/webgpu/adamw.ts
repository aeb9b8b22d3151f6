// The optimizer step's element-wise parts as WebGPU kernels, replacing plain-adamw.ts on the webgpu
// backend (ops.ts chooses; plain-adamw.ts is the reference they are tested against):
//   Σg² of each gradient tensor → slot k of a (K) partials tensor       one dispatch per tensor
//   step gate (4) [loss, ‖g‖, clip coefficient, finite] from the partials one dispatch
//   AdamW on p, m, v in place from g and the gate                       one dispatch per tensor
// The plain path runs ~10 element-wise ops per tensor for AdamW and 3 for the norm, each with its
// scalar operands uploaded through a fresh staging buffer, and needs the norm on the CPU to clip.
// Here every scalar the update needs from the step (clip coefficient, finite flag) is read by the
// kernel from the gate on the device, and the rest (lr, β, bias corrections) are uniforms: a step
// needs no read-back before its update and uploads nothing but uniforms.
//
// AdamW writes three tensors (p, m, v), and a tfjs program has one writable binding, so it is a
// pipeline of its own, compiled once per device and recorded on tfjs's own command encoder and
// compute pass: commands keep tfjs's order (g is produced, p is read by the next forward pass, in
// encoder order), and tfjs's deferred disposal and submit batching cover it as its own dispatches.
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { adamwScalars, GATE_SIZE, type AdamWStep } from '../plain-adamw';
import { assertWebGPU, FlatProgram } from './kernels';

// GPUBufferUsage / GPUMapMode values (WebGPU spec), spelled out: the engine names no platform global.
const USAGE_COPY_DST = 0x0008;
const USAGE_UNIFORM = 0x0040;
const USAGE_STORAGE = 0x0080;

const WG = 64; // AdamW threads per workgroup
const SUM_WG = 256; // Σg² threads (one workgroup per tensor)

/** Σ g² of a 1-D gradient into result[slot] (the other slots untouched: output is the partials tensor). */
class SumSquaresProgram extends FlatProgram {
  variableNames = ['g'];
  shaderKey = 'studioSumSquares';
  uniforms = 'n : i32, slot : i32,';
  constructor(k: number) {
    super([k], 1, SUM_WG);
  }
  getUserCode(): string {
    return `
  var<workgroup> part : array<f32, ${SUM_WG}>;
  fn main(index : i32) {
    let tid = i32(localId.x);
    var s = 0.0;
    for (var i = tid; i < uniforms.n; i += ${SUM_WG}) { let x = g[i]; s += x * x; }
    part[tid] = s;
    workgroupBarrier();
    for (var w = ${SUM_WG / 2}; w > 0; w = w / 2) {
      if (tid < w) { part[tid] += part[tid + w]; }
      workgroupBarrier();
    }
    if (tid == 0) { result[uniforms.slot] = part[0]; }
  }`;
  }
}

/** The step gate (4) from the loss (1) and the partial sums of squares (K), in slot order. */
class StepGateProgram extends FlatProgram {
  variableNames = ['loss', 'partials'];
  shaderKey = 'studioStepGate';
  uniforms = 'k : i32, maxNorm : f32,';
  constructor() {
    super([GATE_SIZE], 1, 1);
  }
  getUserCode(): string {
    return `
  fn finiteBits(x : f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u; }
  fn main(index : i32) {
    if (index != 0) { return; }
    var sq = 0.0;
    for (var i = 0; i < uniforms.k; i++) { sq += partials[i]; }
    let l = loss[0];
    let norm = sqrt(sq);
    var coef = 1.0;
    if (uniforms.maxNorm > 0.0) { coef = min(1.0, uniforms.maxNorm / (norm + 1e-6)); }
    result[0] = l;
    result[1] = norm;
    result[2] = coef;
    result[3] = select(0.0, 1.0, finiteBits(l) && finiteBits(sq));
  }`;
  }
}

/** The step gate (4) of a loss (scalar) and gradients, on the webgpu backend: K + 2 dispatches. */
export function stepGateWebGPU(loss: tf.Scalar, grads: readonly tf.Tensor[], maxNorm: number): tf.Tensor1D {
  assertWebGPU('stepGate');
  const b = tf.backend() as WebGPUBackend;
  return tf.tidy(() => {
    const k = Math.max(1, grads.length);
    // (K): every slot is written below, so no fill; with no gradient at all, one zero slot.
    const partials =
      grads.length > 0 ? tf.engine().makeTensorFromTensorInfo(b.makeTensorInfo([k], 'float32')) : tf.fill([1], 0);
    grads.forEach((g, slot) => {
      const flat = tf.reshape(g, [g.size]); // shares g's buffer
      b.runWebGPUProgram(
        new SumSquaresProgram(k),
        [flat],
        'float32',
        [{ type: 'int32', data: [g.size, slot] }],
        partials,
      );
    });
    const info = b.runWebGPUProgram(new StepGateProgram(), [tf.reshape(loss, [1]), partials], 'float32', [
      { type: 'int32', data: [grads.length] },
      { type: 'float32', data: [maxNorm] },
    ]);
    return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor1D;
  });
}

// ---- The fused AdamW pipeline ----

const ADAMW_WGSL = `
struct Hyper {
  b1 : f32, c1 : f32, b2 : f32, c2 : f32,
  bc2 : f32, eps : f32, stepSize : f32, keep : f32,
  decay : u32, size : u32, rowStride : u32, pad : u32,
};
@group(0) @binding(0) var<storage, read_write> p : array<f32>;
@group(0) @binding(1) var<storage, read_write> m : array<f32>;
@group(0) @binding(2) var<storage, read_write> v : array<f32>;
@group(0) @binding(3) var<storage, read> g : array<f32>;
@group(0) @binding(4) var<storage, read> gate : array<f32>; // [loss, norm, coef, finite]
@group(0) @binding(5) var<uniform> h : Hyper;

@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) id : vec3<u32>) {
  let i = id.y * h.rowStride + id.x;
  if (i >= h.size || gate[3] == 0.0) { return; } // a non-finite step leaves p, m, v as they are
  let gi = g[i] * gate[2];
  let m1 = m[i] * h.b1 + gi * h.c1;
  let v1 = v[i] * h.b2 + (gi * gi) * h.c2;
  var decayed = p[i];
  if (h.decay != 0u) { decayed = decayed * h.keep; }
  let denom = sqrt(v1 / h.bc2) + h.eps;
  m[i] = m1;
  v[i] = v1;
  p[i] = decayed - (m1 / denom) * h.stepSize;
}`;

/** What of tfjs-backend-webgpu 4.22's internals the fused AdamW records through (private in its typings). */
interface TensorData {
  values: unknown;
  dtype: string;
  resource?: unknown;
}
interface Internals {
  device: GPUDevice;
  queue: GPUQueue;
  tensorMap: { get(dataId: object): TensorData | undefined };
  bufferManager: { acquireBuffer(size: number, usage: number): GPUBuffer };
  commandEncoder: GPUCommandEncoder | null;
  computePassEncoder: GPUComputePassEncoder | null;
  commandQueueOwnedIds: WeakSet<object>;
  uniformPendingDisposal: GPUBuffer[];
  dispatchCountInPass: number;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  uploadToGPU(dataId: object): void;
  refCount(dataId: object): number;
}

function internals(b: WebGPUBackend): Internals {
  const i = b as unknown as Internals;
  for (const f of [
    'ensureCommandEncoderReady',
    'endComputePassEncoder',
    'submitQueue',
    'uploadToGPU',
    'refCount',
  ] as const)
    if (typeof i[f] !== 'function')
      throw new Error(`adamwUpdateWebGPU: this tfjs-backend-webgpu has no ${f}() (written against 4.22)`);
  if (!(i.commandQueueOwnedIds instanceof WeakSet) || !Array.isArray(i.uniformPendingDisposal))
    throw new Error('adamwUpdateWebGPU: this tfjs-backend-webgpu lacks the command queue fields of 4.22');
  return i;
}

/** The pipeline and the always-apply gate, made once per device. */
interface DeviceState {
  pipeline: GPUComputePipeline;
  always: GPUBuffer; // a gate [0, 0, 1, 1]: scale 1, finite, for updates given no gate
}
const perDevice = new WeakMap<GPUDevice, DeviceState>();

function deviceState(device: GPUDevice): DeviceState {
  let s = perDevice.get(device);
  if (!s) {
    const pipeline = device.createComputePipeline({
      label: 'AdamWFused', // what device-counter.ts files its dispatches under
      layout: 'auto',
      compute: { module: device.createShaderModule({ code: ADAMW_WGSL }), entryPoint: 'main' },
    });
    const always = device.createBuffer({ size: 16, usage: USAGE_STORAGE | USAGE_COPY_DST, mappedAtCreation: true });
    new Float32Array(always.getMappedRange()).set([0, 0, 1, 1]);
    always.unmap();
    s = { pipeline, always };
    perDevice.set(device, s);
  }
  return s;
}

/** tensor's GPU buffer, uploaded first when its values are still on the CPU. */
function bufferOf(i: Internals, t: tf.Tensor, what: string): GPUBuffer {
  i.uploadToGPU(t.dataId);
  const d = i.tensorMap.get(t.dataId);
  const r = d?.resource as GPUBuffer | undefined;
  if (!d || d.dtype !== 'float32' || !r || typeof r.mapAsync !== 'function')
    throw new Error(`adamwUpdateWebGPU: ${what} must be a float32 tensor held in a GPU buffer`);
  return r;
}

/**
 * Gives variable x a buffer of its own when another tensor shares it (a tf.variable made from a live
 * tensor, a reshape still held): the kernel writes in place, and must not change what they hold.
 */
function ownBuffer(i: Internals, x: tf.Variable): void {
  if (i.refCount(x.dataId) > 1) tf.tidy(() => x.assign(tf.neg(tf.neg(x)))); // an exact copy
}

/**
 * AdamW on p with gradient g and moments m, v, in place, in one dispatch (plain-adamw.ts's
 * adamwUpdate, fused). gate: the step gate (4) on the device; none applies g as it is.
 */
export function adamwUpdateWebGPU(
  p: tf.Variable,
  g: tf.Tensor,
  m: tf.Variable,
  v: tf.Variable,
  s: AdamWStep,
  gate?: tf.Tensor1D,
): void {
  assertWebGPU('adamwUpdate');
  if (g.size !== p.size || m.size !== p.size || v.size !== p.size)
    throw new Error(`adamwUpdateWebGPU: p, g, m, v must have one size, got ${p.size}, ${g.size}, ${m.size}, ${v.size}`);
  if (gate && gate.size !== GATE_SIZE) throw new Error(`adamwUpdateWebGPU: the gate holds ${gate.size} values, not 4`);
  if (p.size === 0) return;
  const i = internals(tf.backend() as WebGPUBackend);
  const { pipeline, always } = deviceState(i.device);
  for (const x of [p, m, v]) ownBuffer(i, x);
  const buffers = [bufferOf(i, p, 'p'), bufferOf(i, m, 'm'), bufferOf(i, v, 'v'), bufferOf(i, g, 'g')];
  const gateBuffer = gate ? bufferOf(i, gate, 'the gate') : always;
  // The kernel changes p, m and v on the GPU: any copy tfjs cached on the CPU by an earlier read is stale.
  for (const x of [p, m, v]) i.tensorMap.get(x.dataId)!.values = null;

  // 2-D grid when one row of workgroups would exceed the device's per-dimension limit.
  const groups = Math.ceil(p.size / WG);
  const maxX = i.device.limits.maxComputeWorkgroupsPerDimension;
  const gx = Math.min(groups, maxX);
  const gy = Math.ceil(groups / gx);

  const { beta1, beta2, eps, weightDecay } = s;
  const { bc2, stepSize, keep } = adamwScalars(s);
  const hyper = new ArrayBuffer(48);
  new Float32Array(hyper, 0, 8).set([beta1, 1 - beta1, beta2, 1 - beta2, bc2, eps, stepSize, keep]);
  new Uint32Array(hyper, 32, 4).set([weightDecay > 0 ? 1 : 0, p.size, gx * WG, 0]);
  // A pooled uniform buffer, released after the submit that uses it (as tfjs's own programs' uniforms).
  const uniform = i.bufferManager.acquireBuffer(48, USAGE_COPY_DST | USAGE_UNIFORM);
  i.queue.writeBuffer(uniform, 0, hyper);
  i.uniformPendingDisposal.push(uniform);

  const bindGroup = i.device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [...buffers, gateBuffer, uniform].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  // Disposal of any of these tensors waits for the submit (tfjs's own rule for a program's bindings).
  for (const t of [p, m, v, g, ...(gate ? [gate] : [])]) i.commandQueueOwnedIds.add(t.dataId);
  i.ensureCommandEncoderReady();
  i.computePassEncoder ??= i.commandEncoder!.beginComputePass({});
  i.computePassEncoder.setPipeline(pipeline);
  i.computePassEncoder.setBindGroup(0, bindGroup);
  i.computePassEncoder.dispatchWorkgroups(gx, gy, 1);
  i.dispatchCountInPass++;
  if (i.dispatchCountInPass >= (tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') as number)) {
    i.endComputePassEncoder();
    i.submitQueue();
  }
}
