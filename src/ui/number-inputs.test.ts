// Every number input the forms render must accept its own default value under the browser's
// constraint validation (min, max, and step counted from min): the Hub form once had min 1, step
// 100 and a default of 1000, so the browser refused the default and "Load" did nothing. The forms
// are rendered to markup in Node (no DOM needed) and every <input type="number"> is checked.
import { describe, expect, it } from 'vitest';
import { createElement, type FunctionComponent } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { SettingsPanel } from './train/SettingsPanel';
import { HubSourceForm } from './data/HubSourceForm';
import { SweepSettings } from './sweep/SweepSettings';
import { useRunStore } from '../store/run';
import { defaultSpec } from '../train/spec';

/**
 * Server rendering reads a zustand store's initial state (its server snapshot), not its current one:
 * render with LoRA chosen by changing that object for the call.
 */
function withLora<T>(f: () => T): T {
  const initial = useRunStore.getInitialState();
  const settings = initial.settings;
  initial.settings = { ...defaultSpec(), finetune: 'lora' };
  try {
    return f();
  } finally {
    initial.settings = settings;
  }
}

interface NumberInput {
  tag: string;
  value: number;
  min?: number;
  max?: number;
  step: number | 'any';
}

const attr = (tag: string, name: string): string | undefined => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];

function numberInputs(html: string): NumberInput[] {
  return [...html.matchAll(/<input\b[^>]*>/g)]
    .map((m) => m[0])
    .filter((tag) => attr(tag, 'type') === 'number')
    .map((tag) => {
      const num = (n: string) => (attr(tag, n) === undefined ? undefined : Number(attr(tag, n)));
      const step = attr(tag, 'step');
      return {
        tag,
        value: Number(attr(tag, 'value')),
        min: num('min'),
        max: num('max'),
        step: step === 'any' ? 'any' : step === undefined ? 1 : Number(step), // HTML's default step is 1
      };
    });
}

/** HTML's step mismatch: (value − step base) must be a whole number of steps; the base is min, else the value attribute. */
function problems(i: NumberInput): string[] {
  const out: string[] = [];
  if (!Number.isFinite(i.value)) out.push('no numeric value');
  if (i.min !== undefined && i.value < i.min) out.push(`value ${i.value} < min ${i.min}`);
  if (i.max !== undefined && i.value > i.max) out.push(`value ${i.value} > max ${i.max}`);
  if (i.step !== 'any') {
    const steps = (i.value - (i.min ?? i.value)) / i.step;
    if (Math.abs(steps - Math.round(steps)) > 1e-9) out.push(`value ${i.value} is off min ${i.min} by step ${i.step}`);
  }
  return out;
}

const render = (c: FunctionComponent<never>, props: object = {}) =>
  renderToStaticMarkup(createElement(c as FunctionComponent<object>, props));

describe('number inputs with their default values', () => {
  it('the scan finds a step mismatch (the Hub form as it was: min 1, step 100, value 1000)', () => {
    const [hub] = numberInputs('<input type="number" min="1" step="100" value="1000"/>');
    expect(problems(hub)).toEqual(['value 1000 is off min 1 by step 100']);
    const [ok] = numberInputs('<input type="number" min="1" step="1" value="1000"/>');
    expect(problems(ok)).toEqual([]);
  });

  it.each([
    ['the run settings (Full)', () => render(SettingsPanel)],
    ['the run settings (LoRA)', () => withLora(() => render(SettingsPanel))],
    ['the Hub data source', () => render(HubSourceForm, { disabled: false })],
    ['the sweep settings', () => render(SweepSettings)],
  ])('%s: every number input accepts its default', (_, html) => {
    const inputs = numberInputs(html());
    expect(inputs.length).toBeGreaterThan(0);
    const bad = inputs.map((i) => ({ tag: i.tag, problems: problems(i) })).filter((b) => b.problems.length > 0);
    expect(bad).toEqual([]);
  });

  it('the run settings render every numeric setting as a number input', () => {
    // Full: 10 main, 3 parallel, 5 generation, 4 advanced; LoRA adds r, alpha and dropout. A field that stops rendering fails here.
    expect(numberInputs(render(SettingsPanel)).length).toBe(22);
    expect(withLora(() => numberInputs(render(SettingsPanel)).length)).toBe(25);
  });
});
