import { describe, expect, it } from 'vitest';
import { softwareAdapterReason } from './software-adapter';

describe('softwareAdapterReason', () => {
  it('names SwiftShader as Chromium reports it, and the other CPU renderers', () => {
    expect(softwareAdapterReason({ info: { vendor: 'google', architecture: 'swiftshader', description: '' } })).toBe(
      'the WebGPU adapter is swiftshader, a software renderer on the CPU',
    );
    expect(softwareAdapterReason({ info: { description: 'llvmpipe (LLVM 15.0.6, 256 bits)' } })).toMatch(/llvmpipe/);
    expect(softwareAdapterReason({ info: { description: 'Microsoft Basic Render Driver' } })).toMatch(/Basic Render/);
  });

  it('takes the fallback flag, old or new place, when the name says nothing', () => {
    expect(softwareAdapterReason({ isFallbackAdapter: true, info: {} })).toMatch(/fallback/);
    expect(softwareAdapterReason({ info: { isFallbackAdapter: true } })).toMatch(/fallback/);
  });

  it('leaves real GPUs alone', () => {
    expect(
      softwareAdapterReason({ info: { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' } }),
    ).toBe('');
    expect(softwareAdapterReason({ info: { vendor: 'apple', architecture: 'metal-3' } })).toBe('');
    expect(softwareAdapterReason({ isFallbackAdapter: false })).toBe('');
  });
});
