import { describe, expect, it } from 'vitest';
import { HeartbeatMonitor } from './heartbeat';

describe('HeartbeatMonitor', () => {
  it('reports ranks silent for more than timeoutMs, including ones that never beat', () => {
    const m = new HeartbeatMonitor(3, 1000, 0);
    expect(m.missing(1000)).toEqual([]); // exactly timeoutMs is not "more than"
    expect(m.missing(1001)).toEqual([0, 1, 2]);
    m.beat(1, 900);
    m.beat(2, 1500);
    expect(m.missing(1901)).toEqual([0, 1]);
    m.beat(0, 1950);
    expect(m.missing(2000)).toEqual([1]);
    expect(m.lastSeen(2)).toBe(1500);
  });

  it('ignores beats that arrive out of order (never moves a rank back in time)', () => {
    const m = new HeartbeatMonitor(2, 100, 0);
    m.beat(0, 500);
    m.beat(0, 200);
    expect(m.lastSeen(0)).toBe(500);
    expect(m.missing(600)).toEqual([1]);
  });

  it('stops reporting removed ranks, even if a stale beat arrives later', () => {
    const m = new HeartbeatMonitor(3, 100, 0);
    m.remove(2);
    expect(m.missing(1000)).toEqual([0, 1]);
    m.beat(2, 1000);
    expect(m.lastSeen(2)).toBeUndefined();
    expect(m.missing(5000)).toEqual([0, 1]);
  });

  it('validates its arguments', () => {
    expect(() => new HeartbeatMonitor(0, 100, 0)).toThrow(/world/);
    expect(() => new HeartbeatMonitor(2, 0, 0)).toThrow(/timeoutMs/);
    expect(() => new HeartbeatMonitor(2, 100, NaN)).toThrow(/startedAt/);
    const m = new HeartbeatMonitor(2, 100, 0);
    expect(() => m.beat(2, 0)).toThrow(/rank 2 is outside 0\.\.1/);
    expect(() => m.remove(-1)).toThrow(/outside/);
  });
});
