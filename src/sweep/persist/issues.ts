// How a validation problem is worded: "path: what is wrong", with the path of the bad field
// (`study.trials[3].state: expected …, got "done"`) and a short description of the value found,
// because "invalid file" alone leaves the user nothing to fix. Shared by validation and import.
//
// Everything here is bounded whatever the file holds: a key of a million characters is clipped
// in the path, a path 100 levels deep keeps its head and tail, each problem's text is clipped,
// and a list keeps the first MAX_KEPT_ISSUES problems and only counts the rest (a hand-broken
// 100,000-trial file once meant hundreds of thousands of strings and a message to match).
import { boundedMessage, clipText } from '../../core/bounded-text';
import { errorMessage } from '../../core/errors';

/** Problems kept word for word; the rest are counted (issueCount). */
export const MAX_KEPT_ISSUES = 50;
const MAX_PATH_CHARS = 120;
const MAX_DETAIL_CHARS = 240;
const MAX_KEY_CHARS = 40;

// Problems counted but not kept, per list (a WeakMap so a list stays a plain string[]).
const dropped = new WeakMap<string[], number>();

export function say(out: string[], path: string, message: string): void {
  if (out.length >= MAX_KEPT_ISSUES) {
    dropped.set(out, (dropped.get(out) ?? 0) + 1);
    return;
  }
  out.push(`${clipPath(path)}: ${clipText(message, MAX_DETAIL_CHARS)}`);
}

/** Every problem of `list` into `out`, as if each had been said there (kept or counted). */
export function absorb(out: string[], list: string[]): void {
  for (const issue of list) {
    if (out.length < MAX_KEPT_ISSUES) out.push(issue);
    else dropped.set(out, (dropped.get(out) ?? 0) + 1);
  }
  const more = dropped.get(list) ?? 0;
  if (more > 0) dropped.set(out, (dropped.get(out) ?? 0) + more);
}

/** How many problems a list stands for: those kept plus those only counted. */
export function issueCount(list: readonly string[]): number {
  return list.length + (dropped.get(list as string[]) ?? 0);
}

/**
 * The message for a list of problems, under MAX_MESSAGE_CHARS: the only problem, or the count and
 * the first few that fit ("cannot import this file: 10,000 problems: a; b; and 9,998 more").
 */
export function issuesMessage(context: string, issues: readonly string[]): string {
  const total = issueCount(issues);
  if (total === 0) return boundedMessage(context);
  if (total === 1) return boundedMessage(`${context}: ${issues[0]}`);
  const head = `${context}: ${total.toLocaleString('en-US')} problems: `;
  const shown: string[] = [issues[0]];
  let length = head.length + issues[0].length;
  for (const issue of issues.slice(1, 5)) {
    if (length + issue.length + 30 > 480) break; // room for "; and N more"
    shown.push(issue);
    length += issue.length + 2;
  }
  const more = total - shown.length;
  return boundedMessage(head + shown.join('; ') + (more > 0 ? `; and ${more.toLocaleString('en-US')} more` : ''));
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

/** `path.key`, `path["odd key"]` or `path[3]`; a long key is clipped (a path is for reading). */
export function at(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  const k = clipText(key, MAX_KEY_CHARS);
  return /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`;
}

/** A path of at most MAX_PATH_CHARS: its head (which part of the file) and tail (which field). */
export function clipPath(path: string, max = MAX_PATH_CHARS): string {
  if (path.length <= max) return path;
  const head = Math.floor(max * 0.5);
  return `${path.slice(0, head)}…${path.slice(path.length - (max - head - 1))}`;
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
