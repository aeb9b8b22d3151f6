// Messages about user input stay short whatever the input: a config naming 100,000 layers or a zip
// of 60,000 entries once produced error messages of millions of characters (and froze the page
// while building them). Everything that formats user-supplied names, paths or problems goes
// through these: name the count, show the first few, clip each to a readable length.

/** The most characters any message shown to the user may have. */
export const MAX_MESSAGE_CHARS = 500;

/** `s` cut to at most `max` characters, the cut marked with "…". */
export function clipText(s: string, max = 80): string {
  if (s.length <= max) return s;
  // Do not cut a surrogate pair in half: the "…" would follow a lone high surrogate.
  let end = Math.max(0, max - 1);
  const code = s.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${s.slice(0, end)}…`;
}

/**
 * "a, b, c and 59,997 more": at most `max` items, each clipped to `itemChars`, then the count of
 * the rest. Takes any iterable and reads only what it shows (plus a count), so a list of millions
 * costs no more than its length.
 */
export function listSome(items: Iterable<string>, max = 5, itemChars = 60): string {
  const shown: string[] = [];
  let total = 0;
  for (const item of items) {
    if (total < max) shown.push(clipText(String(item), itemChars));
    total++;
  }
  if (total === 0) return '(none)';
  const more = total - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more.toLocaleString('en-US')} more` : shown.join(', ');
}

/** The last resort before a message reaches the page: at most MAX_MESSAGE_CHARS characters. */
export function boundedMessage(s: string, max = MAX_MESSAGE_CHARS): string {
  if (s.length <= max) return s;
  const note = ` (${s.length.toLocaleString('en-US')} characters, cut)`;
  return clipText(s, max - note.length) + note;
}
