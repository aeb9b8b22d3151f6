import { describe, expect, it } from 'vitest';
import { checkStoredSettings } from './run';
import { defaultSpec } from '../train/spec';

describe('checkStoredSettings (what the persisted store accepts on reload)', () => {
  const wrap = (settings: unknown) => JSON.stringify({ state: { settings }, version: 1 });

  it('accepts a valid saved spec', () => {
    const saved = { ...defaultSpec('tiny'), learningRate: 1e-3 };
    expect(checkStoredSettings(wrap(saved))).toEqual({ ok: true, settings: saved });
  });

  it('fills fields a newer spec added and drops unknown ones', () => {
    const { validationSize: _dropped, ...older } = defaultSpec('small');
    const r = checkStoredSettings(wrap({ ...older, batchSize: 4, junk: '<b>x</b>' }));
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.settings.batchSize).toBe(4);
      expect(r.settings.validationSize).toBe(defaultSpec('small').validationSize);
      expect('junk' in r.settings).toBe(false);
    }
  });

  it('rejects broken JSON and invalid fields, naming the problem', () => {
    const broken = checkStoredSettings('{"state":');
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.problem).toMatch(/not valid JSON/);
    const bad = checkStoredSettings(wrap({ ...defaultSpec(), learningRate: 5 }));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problem).toMatch(/learningRate/);
    expect(checkStoredSettings('null').ok).toBe(false);
  });
});
