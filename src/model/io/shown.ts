// A value from a user's JSON file as an error message quotes it: JSON text, at most `max`
// characters. JSON.stringify then clipping would first build the whole text — a "target_modules"
// of a million names, or an object nested 50,000 deep, costs time (or the stack) to show 60
// characters of it — so this writes only until the budget is spent.
import { clipText } from '../../core/bounded-text';

export function shown(v: unknown, max = 60): string {
  let out = '';
  const full = () => out.length > max;
  const walk = (x: unknown, depth: number): void => {
    if (full()) return;
    if (depth > 20) {
      out += '…';
      return;
    }
    if (Array.isArray(x)) {
      out += '[';
      for (let i = 0; i < x.length && !full(); i++) {
        if (i) out += ',';
        walk(x[i], depth + 1);
      }
      out += ']';
    } else if (typeof x === 'object' && x !== null) {
      out += '{';
      let first = true;
      for (const k in x) {
        if (full()) break;
        if (!Object.prototype.hasOwnProperty.call(x, k)) continue;
        out += `${first ? '' : ','}${JSON.stringify(clipText(k, max))}:`;
        first = false;
        walk((x as Record<string, unknown>)[k], depth + 1);
      }
      out += '}';
    } else if (typeof x === 'string') out += JSON.stringify(clipText(x, max + 1));
    else if (x === undefined) out += 'undefined';
    else out += JSON.stringify(x) ?? String(x);
  };
  walk(v, 0);
  return clipText(out, max);
}
