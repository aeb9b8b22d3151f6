// How a validation problem is worded: "path: what is wrong", with the path of the bad field
// (`study.trials[3].state: expected …, got "done"`) and a short description of the value found,
// because "invalid file" alone leaves the user nothing to fix. Shared by validation and import.
import { errorMessage } from '../../core/errors';
export function say(out: string[], path: string, message: string): void {
  out.push(`${path}: ${message}`);
}

export function expectation(what: string, got: unknown): string {
  return got === undefined ? `missing, expected ${what}` : `expected ${what}, got ${describe(got)}`;
}

export function oneOf(out: string[], path: string, v: unknown, allowed: readonly string[]): boolean {
  if (typeof v === 'string' && allowed.includes(v)) return true;
  say(out, path, expectation(`one of ${allowed.join(', ')}`, v));
  return false;
}

/** Runs a check that throws; its message becomes an issue at `path`. */
export function attempt(out: string[], path: string, check: () => unknown, prefix = ''): void {
  try {
    check();
  } catch (err) {
    say(out, path, prefix + errorMessage(err));
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function at(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') {
    const ctor = (Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null)?.constructor?.name;
    return isPlainObject(v) ? 'an object' : `a ${ctor ?? 'non-plain'} object`;
  }
  return `a ${typeof v}`;
}
