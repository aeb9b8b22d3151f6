// The switch every alternative model path shares (the wasm fast path, the WebGPU kernels): 'auto'
// takes the path on the backend it was written for, 'on'/'off' force it (tests, benchmarks).

export type PathMode = 'auto' | 'on' | 'off';

export interface PathSwitch {
  set(m: PathMode): void;
  mode(): PathMode;
  /** 'on' → true, 'off' → false, 'auto' → autoChoice(). */
  use(autoChoice: () => boolean): boolean;
}

/** A switch named `what` in its error message ("fast path mode must be …"). */
export function pathSwitch(what: string): PathSwitch {
  let mode: PathMode = 'auto';
  return {
    set(m) {
      if (m !== 'auto' && m !== 'on' && m !== 'off') throw new Error(`${what} mode must be 'auto', 'on' or 'off', got ${String(m)}`);
      mode = m;
    },
    mode: () => mode,
    use: (autoChoice) => (mode === 'auto' ? autoChoice() : mode === 'on'),
  };
}
