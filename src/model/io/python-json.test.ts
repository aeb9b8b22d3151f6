import { describe, expect, it } from 'vitest';
import { PyFloat, pyFloatRepr, pythonJsonDumps } from './python-json';

// Oracles: the text CPython 3 prints for the same values (repr(x), json.dumps(v, indent=2, sort_keys=True)).
describe("Python's json.dumps", () => {
  it('writes floats as repr() does', () => {
    const cases: [number, string][] = [
      [0, '0.0'],
      [-0, '-0.0'],
      [0.05, '0.05'],
      [1e-5, '1e-05'],
      [1.5e-7, '1.5e-07'],
      [123, '123.0'],
      [1e16, '1e+16'],
      [12345678901234568, '1.2345678901234568e+16'],
      [0.1 + 0.2, '0.30000000000000004'],
      [1e-4, '0.0001'],
      [2.5e-4, '0.00025'],
    ];
    for (const [x, py] of cases) expect(pyFloatRepr(x), String(x)).toBe(py);
  });

  it('sorts keys at every depth, escapes to ASCII, writes empty containers inline', () => {
    const v = { b: [], a: { z: 1, y: 'é😀\x7f\n"' }, c: [1, {}] };
    expect(pythonJsonDumps(v)).toBe(
      [
        '{',
        '  "a": {',
        '    "y": "\\u00e9\\ud83d\\ude00\\u007f\\n\\"",',
        '    "z": 1',
        '  },',
        '  "b": [],',
        '  "c": [',
        '    1,',
        '    {}',
        '  ]',
        '}',
      ].join('\n'),
    );
  });

  it('keeps an int an int and a float a float', () => {
    expect(pythonJsonDumps({ alpha: 16, dropout: new PyFloat(0), lr: 0.5 })).toBe(
      '{\n  "alpha": 16,\n  "dropout": 0.0,\n  "lr": 0.5\n}',
    );
  });
});
