// How deep a JSON text nests, found by scanning its characters before anything walks the parsed
// value. A study file nested 50,000 levels deep once reached the validator, whose recursive walk
// then spelled out all 50,000 steps of the path in its refusal; anything recursive on such a value
// (a walk, JSON.stringify, structuredClone) can also overflow the stack. The scan is one loop with
// a counter, so it costs one pass over the text whatever the nesting, and the refusal names the
// limit and where the text crosses it, not the path.

/** The deepest a study file or any JSON value inside a study (a user attribute, the config) may nest. */
export const MAX_JSON_NESTING = 100;

export interface NestingExcess {
  /** 1-based line and column of the bracket that goes one level too deep. */
  line: number;
  column: number;
}

/**
 * Where `text` first nests arrays/objects deeper than `max` levels, or null when it never does.
 * Brackets inside strings (escapes included) do not count. Malformed JSON is left to JSON.parse.
 */
export function findNestingExcess(text: string, max = MAX_JSON_NESTING): NestingExcess | null {
  let depth = 0;
  let inString = false;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return { line, column: i - lineStart + 1 };
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
    else if (c === 0x0a /* \n */) {
      line++;
      lineStart = i + 1;
    }
  }
  return null;
}

/** The refusal for a text nested too deep, or null: short, with the limit and the place. */
export function nestingProblem(text: string, what = 'the file', max = MAX_JSON_NESTING): string | null {
  const at = findNestingExcess(text, max);
  if (at === null) return null;
  return (
    `${what} nests arrays and objects more than ${max} levels deep (line ${at.line.toLocaleString('en-US')}, ` +
    `column ${at.column.toLocaleString('en-US')}); a study file may nest at most ${max} levels`
  );
}
