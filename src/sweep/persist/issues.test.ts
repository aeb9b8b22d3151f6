import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_CHARS } from '../../core/bounded-text';
import { absorb, at, clipPath, issueCount, issuesMessage, MAX_KEPT_ISSUES, say } from './issues';
import { findNestingExcess, nestingProblem } from './json-nesting';

describe('problems stay bounded whatever the input', () => {
  it('keeps the first MAX_KEPT_ISSUES, counts the rest, and absorbs counts from other lists', () => {
    const out: string[] = [];
    for (let i = 0; i < 10_000; i++) say(out, `trials[${i}]`, 'bad');
    expect(out).toHaveLength(MAX_KEPT_ISSUES);
    expect(out[0]).toBe('trials[0]: bad');
    expect(issueCount(out)).toBe(10_000);
    const merged: string[] = ['first'];
    absorb(merged, out);
    expect(merged).toHaveLength(MAX_KEPT_ISSUES);
    expect(issueCount(merged)).toBe(10_001);
  });

  it('clips keys in paths, long paths in the middle, and long details', () => {
    expect(at('config', 'k'.repeat(1000))).toBe(`config["${'k'.repeat(39)}…"]`);
    expect(at('config', 'a b'.repeat(100))).toBe(`config[${JSON.stringify(`${'a b'.repeat(13)}…`)}]`);
    const deep = Array.from({ length: 100 }, (_, i) => `.level${i}`).join('');
    const clipped = clipPath(`study.config${deep}`);
    expect(clipped.length).toBe(120);
    expect(clipped.startsWith('study.config.level0.level1')).toBe(true);
    expect(clipped.endsWith('.level98.level99')).toBe(true);
    const out: string[] = [];
    say(out, 'x', 'y'.repeat(10_000));
    expect(out[0].length).toBeLessThan(260);
  });

  it('issuesMessage: one problem as it is; many as a count and the first few that fit', () => {
    expect(issuesMessage('cannot import this file', ['a: b'])).toBe('cannot import this file: a: b');
    expect(issuesMessage('ctx', ['a: 1', 'b: 2', 'c: 3'])).toBe('ctx: 3 problems: a: 1; b: 2; c: 3');
    const many: string[] = [];
    for (let i = 0; i < 1000; i++) say(many, `study.trials[${i}].value`, 'x'.repeat(200));
    const m = issuesMessage('cannot import this file', many);
    expect(m.length).toBeLessThan(MAX_MESSAGE_CHARS);
    expect(m).toMatch(/^cannot import this file: 1,000 problems: study\.trials\[0\]\.value: x+; and 99\d more$/);
  });
});

describe('json-nesting: how deep a text nests, in one pass', () => {
  it('counts brackets outside strings only, escapes included, and says where the limit is crossed', () => {
    expect(findNestingExcess('{"a": "[[[[[[", "b": "\\"[[[["}', 2)).toBeNull();
    expect(findNestingExcess('[[1]]', 2)).toBeNull();
    expect(findNestingExcess('[\n [\n  [1]]]', 2)).toEqual({ line: 3, column: 3 });
    expect(nestingProblem('[[[]]]', 'this', 2)).toBe(
      'this nests arrays and objects more than 2 levels deep (line 1, column 3); a study file may nest at most 2 levels',
    );
  });

  it('ten million levels: no recursion, no stack overflow', () => {
    const t = '['.repeat(10_000_000);
    expect(findNestingExcess(t)).toEqual({ line: 1, column: 101 });
  });
});
