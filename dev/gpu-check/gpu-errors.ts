// WebGPU errors nobody catches (tfjs installs no handler): an invalid pipeline — a shader this
// GPU's compiler rejects, more storage buffers than its per-stage limit — is only printed by Dawn,
// and the dispatches that use it are dropped, so the work "runs" on garbage. The check counts them
// and fails on any, naming the first few.
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

export interface GpuErrorLog {
  count: number;
  first: string[]; // the first MAX_KEPT messages' first lines
}

const MAX_KEPT = 5;

/** Starts counting the uncaptured errors of the tfjs 'webgpu' backend's device. */
export function watchGpuErrors(): { log: GpuErrorLog; settle: () => Promise<void> } {
  const device = (tf.findBackend('webgpu') as WebGPUBackend).device;
  const log: GpuErrorLog = { count: 0, first: [] };
  const onError = (ev: Event) => {
    log.count++;
    const message = (ev as GPUUncapturedErrorEvent).error?.message ?? String(ev);
    if (log.first.length < MAX_KEPT) log.first.push(message.split('\n')[0]);
  };
  device.addEventListener('uncapturederror', onError);
  // Errors arrive as events after the work that raised them: wait for the queue before reading the count.
  return { log, settle: () => device.queue.onSubmittedWorkDone() };
}
