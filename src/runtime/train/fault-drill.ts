// Fault drills (tests, the console's __studio.injectFault): the next step's loss becomes NaN, or
// the GPU device is destroyed under the run. Both go down the paths a real fault takes: a skipped,
// counted update on every replica, or a device loss the page recovers from.
import * as tf from '@tensorflow/tfjs-core';
import type { FaultKind } from '../../core/run-types';
import { gpuDevice } from './device-loss';

export class FaultDrill {
  private poisonNext = false;

  /** say: a status line, for a drill that cannot act on this backend. */
  constructor(private readonly say: (message: string) => void) {}

  inject(kind: FaultKind): void {
    if (kind === 'nan-loss') {
      this.poisonNext = true;
      return;
    }
    const device = gpuDevice();
    if (device) device.destroy();
    else this.say(`fault drill: no GPU device to lose on the ${tf.getBackend()} backend`);
  }

  /** runTraining's poison hook: true once, at the first step after a 'nan-loss' drill. */
  readonly poison = (): boolean => {
    const p = this.poisonNext;
    this.poisonNext = false;
    return p;
  };
}
