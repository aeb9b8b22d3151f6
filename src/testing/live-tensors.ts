// Tensors alive beyond the kept constants (kernels/constants.ts): what a leak check compares. A
// constant made during the checked code is kept on purpose and bounded, not leaked.
import * as tf from '@tensorflow/tfjs-core';
import { keptConstants } from '../kernels/constants';

export const liveTensors = (): number => tf.memory().numTensors - keptConstants();
