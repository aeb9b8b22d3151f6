import { describe, expect, it } from 'vitest';
import { parseDelimited } from '../data/readers';
import {
  barsSvg,
  composeSvg,
  csvCell,
  exportFileName,
  inlineStyles,
  legendLayout,
  pngSize,
  styleDeclaration,
  toCsv,
  type ComputedStyleLike,
  type StyledNode,
} from './chart-export';

// The project's own RFC 4180 reader (the one that reads users' CSV data) is the oracle.
const readBack = (text: string) => parseDelimited(text, ',').map((r) => r.fields);

describe('CSV', () => {
  it('quotes commas, quotes, line breaks and edge spaces, and reads back to the same strings', () => {
    const awkward = ['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\r\nlf', ' padded ', '', 'ünïcødé'];
    const text = toCsv({ columns: ['i', 'text'], rows: awkward.map((s, i) => [i, s]) });
    expect(text.split('\n')[0]).toBe('i,text');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell(' padded ')).toBe('" padded "');
    expect(csvCell('plain')).toBe('plain');
    const back = readBack(text);
    expect(back[0]).toEqual(['i', 'text']);
    // The reader turns a quoted CRLF into LF (as it does for training data).
    expect(back.slice(1).map((r) => r[1])).toEqual(awkward.map((s) => s.replace(/\r\n/g, '\n')));
  });

  it('writes numbers so the exact double comes back, non-finite as pandas spells them, null as empty', () => {
    const xs = [0.1 + 0.2, 1e-30, -2.5e21, 3, 1 / 3];
    const text = toCsv({ columns: ['x'], rows: xs.map((x) => [x]) });
    expect(
      readBack(text)
        .slice(1)
        .map((r) => Number(r[0])),
    ).toEqual(xs);
    expect([NaN, Infinity, -Infinity, null, undefined, true].map(csvCell)).toEqual([
      'nan',
      'inf',
      '-inf',
      '',
      '',
      'true',
    ]);
  });

  it('refuses a row whose width differs from the header, naming the row', () => {
    expect(() => toCsv({ columns: ['a', 'b'], rows: [[1, 2], [3]] })).toThrow(/row 1 has 1 fields, the header has 2/);
  });
});

/** A fake element: a style per node, the attributes the walk writes, children. */
class FakeNode implements StyledNode {
  attrs: Record<string, string> = {};
  constructor(
    public style: Record<string, string>,
    public children: FakeNode[] = [],
  ) {}
  setAttribute(name: string, value: string) {
    this.attrs[name] = value;
  }
}
const computed = (n: StyledNode): ComputedStyleLike => ({
  getPropertyValue: (p: string) => (n as FakeNode).style[p] ?? '',
});
const copy = (n: FakeNode): FakeNode => new FakeNode({}, n.children.map(copy));

describe('inline styles', () => {
  it('keeps the properties that change how an element looks and leaves out initial values', () => {
    expect(
      styleDeclaration(
        computed(
          new FakeNode({
            fill: 'rgb(37, 99, 235)',
            stroke: 'none',
            'stroke-dasharray': 'none',
            opacity: '1',
            'font-weight': '700',
            display: 'inline',
            'paint-order': 'stroke', // a tick label's halo: without it the text is hidden
            color: 'red', // not an SVG paint property: not copied
          }),
        ),
      ),
    ).toBe('fill: rgb(37, 99, 235); stroke: none; font-weight: 700; paint-order: stroke');
  });

  it('copies each source element’s computed look onto the same element of the clone, depth first', () => {
    const src = new FakeNode({ fill: 'none' }, [
      new FakeNode({ stroke: 'rgb(220, 38, 38)', 'stroke-dasharray': '6px, 4px' }),
      new FakeNode({}, [new FakeNode({ 'font-size': '12px', 'text-anchor': 'middle' })]),
    ]);
    const clone = copy(src);
    inlineStyles(src, clone, computed);
    expect(clone.attrs.style).toBe('fill: none');
    expect(clone.children[0].attrs.style).toBe('stroke: rgb(220, 38, 38); stroke-dasharray: 6px, 4px');
    expect(clone.children[1].attrs.style).toBeUndefined(); // nothing to say
    expect(clone.children[1].children[0].attrs.style).toBe('font-size: 12px; text-anchor: middle');
  });

  it('refuses a clone whose tree differs from the source (the chart re-rendered mid-copy)', () => {
    const src = new FakeNode({}, [new FakeNode({})]);
    expect(() => inlineStyles(src, new FakeNode({}), computed)).toThrow(/changed while it was being copied/);
  });
});

describe('one standalone SVG', () => {
  const base = { background: 'rgb(17, 24, 39)', textColor: 'rgb(229, 231, 235)', fontFamily: 'system-ui, "Segoe UI"' };

  it('puts the title above, each part at its place below it, the background behind, escaped text', () => {
    const { svg, width, height } = composeSvg(
      [
        { markup: '<svg width="100" height="50"><path d="M0 0"/></svg>', x: 0, y: 0, width: 100, height: 50 },
        {
          markup: '<svg width="100" height="50"/>',
          x: 110.4,
          y: 20,
          width: 100,
          height: 50,
          caption: 'lr <log> & "x"',
        },
      ],
      { ...base, width: 210.2, height: 70, title: 'Objective by parameter' },
    );
    expect([width, height]).toEqual([211, 28 + 70]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain(`width="211" height="98" viewBox="0 0 211 98"`);
    expect(svg).toContain('<rect width="100%" height="100%" fill="rgb(17, 24, 39)"/>');
    expect(svg).toContain('>Objective by parameter</text>');
    expect(svg).toContain('<g transform="translate(0 28)"><svg width="100" height="50"><path d="M0 0"/></svg></g>');
    expect(svg).toContain('<g transform="translate(110 48)">');
    expect(svg).toContain('lr &lt;log&gt; &amp; &quot;x&quot;');
    expect(svg).toContain('font-family="system-ui, &quot;Segoe UI&quot;"');
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('adds the legend below the chart, wrapping rows to the width', () => {
    const legend = [
      { label: 'train loss', color: '#2563eb' },
      { label: 'eval loss (summary, per epoch)', color: '#dc2626', dashed: true },
      { label: 'smoothed', color: '#1d4ed8' },
    ];
    // Widths 26 + 7/char + 16: 112, 252, 98. From x 8: 120, 372, then 470 > 400: the third wraps.
    const places = legendLayout(legend, 400);
    expect(places).toEqual([
      { x: 8, row: 0 },
      { x: 120, row: 0 },
      { x: 8, row: 1 },
    ]);
    expect(legendLayout(legend, 300).map((p) => p.row)).toEqual([0, 1, 2]);
    const { svg, height } = composeSvg([], { ...base, width: 400, height: 100, legend });
    expect(height).toBe(100 + 2 * 20 + 8);
    expect(svg).toContain('stroke="#dc2626" stroke-width="2.5" stroke-dasharray="5 3"/>');
    expect(svg.match(/<line /g)).toHaveLength(3);
    // Where recharts kept room for its legend inside the chart: drawn there, the file no taller.
    const inside = composeSvg([], { ...base, width: 400, height: 100, legend, legendAt: 50 });
    expect(inside.height).toBe(100);
    expect(inside.svg).toContain('<line x1="8" y1="60" x2="26" y2="60"');
  });
});

describe('bars drawn from data', () => {
  it('scales each bar to the largest, prints the share as a percentage, escapes the names', () => {
    const part = barsSvg(
      [
        { label: 'learning_rate', value: 0.75 },
        { label: 'a<b', value: 0.25 },
      ],
      { width: 500, color: '#2563eb', track: '#e5e7eb', textColor: '#111827' },
    );
    // Names' column 13 × 6.6 + 12 ≈ 98, value column 56, gaps 16: bars 330 px at most.
    const bars = [...part.markup.matchAll(/<rect x="98" y="\d+" width="([\d.]+)"[^>]*fill="#2563eb"/g)].map((m) =>
      Number(m[1]),
    );
    expect(bars).toEqual([330, 110]);
    // A long name on a narrow panel: the file widens so the name and a bar still fit.
    const narrow = barsSvg([{ label: 'per_device_train_batch_size', value: 1 }], {
      width: 238,
      color: '#2563eb',
      track: '#e5e7eb',
      textColor: '#111827',
    });
    expect(narrow.width).toBe(Math.round(27 * 6.6 + 12) + 56 + 16 + 120);
    expect(part.markup).toContain('>75.0%</text>');
    expect(part.markup).toContain('>25.0%</text>');
    expect(part.markup).toContain('>a&lt;b</text>');
    expect(part.height).toBe(2 * 26);
  });
});

describe('names and sizes', () => {
  it('names the file after the chart and the time', () => {
    expect(exportFileName('ROUGE (validation)', 'csv', new Date('2026-12-05T10:04:59.123Z'))).toBe(
      'rouge-validation-2026-12-05T10-04-59.csv',
    );
    expect(exportFileName('***', 'png', new Date('2026-01-02T03:04:05Z'))).toBe('chart-2026-01-02T03-04-05.png');
  });

  it('draws the PNG at twice the size, shrunk to stay within the canvas limit', () => {
    expect(pngSize(600, 300)).toEqual({ w: 1200, h: 600, scale: 2 });
    const big = pngSize(10_000, 500);
    expect(big.w).toBe(8192);
    expect(big.h).toBe(Math.round(500 * big.scale));
  });
});
