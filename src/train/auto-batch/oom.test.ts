import { describe, expect, it } from 'vitest';
import { BatchTooLargeError, isOutOfMemory, OutOfMemoryError } from './oom';

describe('isOutOfMemory', () => {
  it.each([
    ['WebGPU error scope', { constructor: { name: 'GPUOutOfMemoryError' }, message: 'Not enough memory left.' }],
    ['our OutOfMemoryError', new OutOfMemoryError('WebGPU out of memory at batch 32: x')],
    ['a device-limit rejection', new BatchTooLargeError('too big', 'attention scores', 1, 'maxBufferSize', 0)],
    ['tfjs', new Error('Failed to allocate 4096 bytes')],
    ['plain message', new Error('out of memory')],
    ['V8 typed array', new RangeError('Array buffer allocation failed')],
    ['V8 typed array length', new RangeError('Invalid typed array length: 4294967296')],
    ['Emscripten heap', new Error('Aborted(Cannot enlarge memory arrays to size 4294967296 bytes (OOM))')],
    ['a string', 'CUDA out of memory.'],
  ])('true for %s', (_, e) => expect(isOutOfMemory(e)).toBe(true));

  it.each([
    [
      'a shape bug',
      new Error('Error in matMul: inner shapes (3) and (4) of Tensors with shapes 2,3 and 4,2 must match'),
    ],
    ['a type error', new TypeError('x is undefined')],
    ['a WebGPU validation error', new Error('WebGPU validation error while probing batch 8: invalid bind group')],
    ['null', null],
    ['a number', 42],
  ])('false for %s', (_, e) => expect(isOutOfMemory(e)).toBe(false));
});
