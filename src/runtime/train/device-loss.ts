// A lost GPU device (driver reset, tab in the background too long, device.destroy()) fails every
// later GPU call, or hangs it. The worker watches its device to say so at once, with a flag the
// page uses to resume in a fresh worker (a new worker gets a new device) from the last checkpoint.
import * as tf from '@tensorflow/tfjs-core';

/** tfjs-webgpu's device (the backend keeps it as a field); null on other backends. */
export const gpuDevice = (): GPUDevice | null =>
  tf.getBackend() === 'webgpu' ? ((tf.backend() as unknown as { device?: GPUDevice }).device ?? null) : null;

export class DeviceWatch {
  private watched: GPUDevice | null = null;

  /** Watches the current backend's device (none off webgpu); onLost gets the browser's reason. */
  watch(backend: string, onLost: (message: string) => void): void {
    const device = backend === 'webgpu' ? gpuDevice() : null;
    this.watched = device;
    void device?.lost.then((info) =>
      onLost(`the GPU device was lost (${info.reason}${info.message ? `: ${info.message}` : ''})`),
    );
  }

  /** True when a run's failure came from a lost device (onLost has said so already). */
  async wasLost(): Promise<boolean> {
    if (!this.watched) return false;
    // An op can fail a moment before device.lost settles: give it that moment.
    return Promise.race([
      this.watched.lost.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 500)),
    ]);
  }
}
