// The run's secret for the BroadcastChannel fallback: made per run with crypto.getRandomValues and
// required by the worker protocol wherever a group talks over a channel.
import { describe, expect, it } from 'vitest';
import { checkToWorker, newGroupSecret } from './protocol';

const start = (replica: Record<string, unknown>) => ({
  type: 'start',
  spec: {},
  data: { kind: 'url', trainUrl: '/t.jsonl' },
  replica: { rank: 0, memory: null, channel: 'studio-run-1-1', powerPreference: 'high-performance', ...replica },
});

describe('group secret', () => {
  it('is 128 random bits as hex, new each run', () => {
    const a = newGroupSecret();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(Array.from({ length: 50 }, newGroupSecret)).size).toBe(50);
  });

  it('a group over BroadcastChannel must be given one; a bad one is refused', () => {
    const ok = checkToWorker(start({ world: 2, secret: newGroupSecret() }));
    expect(typeof ok).toBe('object');
    expect(checkToWorker(start({ world: 2 }))).toMatch(/replica.secret must be 32 to 128 hex digits/);
    expect(checkToWorker(start({ world: 2, secret: 'guessable' }))).toMatch(/replica.secret/);
    expect(checkToWorker(start({ world: 2, secret: 42 }))).toMatch(/replica.secret/);
    // One replica talks to nobody: no secret needed.
    expect(typeof checkToWorker(start({ world: 1 }))).toBe('object');
    // Shared memory (cross-origin isolated) carries no channel payloads either.
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    expect(typeof checkToWorker(start({ world: 2, memory }))).toBe('object');
  });
});
