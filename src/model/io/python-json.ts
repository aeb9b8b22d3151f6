// JSON text byte for byte as Python's `json.dumps(obj, indent=2, sort_keys=True)` writes it — the
// form PEFT's adapter_config.json takes — so a file the studio writes diffs clean against one PEFT
// wrote. Three things differ from JSON.stringify(obj, null, 2): keys are sorted at every depth,
// everything outside printable ASCII is a \uXXXX escape (ensure_ascii, the default), and a Python
// float is written as repr() writes it (0.0, 1e-05), which JSON.stringify would give as 0 and 0.00001.

export type PyJson = null | boolean | number | string | PyFloat | PyJson[] | { [key: string]: PyJson };

/** A number Python holds as a float: written 0.0, not 0 (e.g. lora_dropout, a float field). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** Python's repr(float): shortest round-trip digits; exponent form below 1e-4 or from 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN'; // json.dumps writes these (allow_nan=True); JSON readers refuse them
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expText] = x.toExponential().split('e'); // shortest digits, e.g. "1.5e-7"
  const exp = Number(expText);
  const sign = mant.startsWith('-') ? '-' : '';
  const digits = mant.replace('-', '').replace('.', ''); // "15"
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${int}.${frac || '0'}`;
}

/** A JSON string literal with ensure_ascii: every code unit outside 0x20–0x7e escaped as Python does. */
export function pyJsonString(s: string): string {
  return JSON.stringify(s).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function dump(v: PyJson, indent: string, step: string): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  if (typeof v === 'number') {
    // A JS number that is an integer is a Python int (lora_alpha 16); any other is a float.
    return Number.isInteger(v) ? String(v) : pyFloatRepr(v);
  }
  if (typeof v === 'string') return pyJsonString(v);
  const inner = indent + step;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => inner + dump(x, inner, step)).join(',\n')}\n${indent}]`;
  }
  // Python sorts str keys by code point; for the BMP that is JS's default (UTF-16) order.
  const keys = Object.keys(v).sort();
  if (keys.length === 0) return '{}';
  return `{\n${keys.map((k) => `${inner}${pyJsonString(k)}: ${dump(v[k], inner, step)}`).join(',\n')}\n${indent}}`;
}

/** json.dumps(v, indent=2, sort_keys=True), no trailing newline (PEFT writes none). */
export function pythonJsonDumps(v: PyJson, indent = 2): string {
  return dump(v, '', ' '.repeat(indent));
}
