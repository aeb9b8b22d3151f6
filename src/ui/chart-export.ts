// The pure half of "take a chart away": a chart's data as CSV text, the inline styles that make an
// SVG copied out of the page look the same on its own (the page's stylesheets and CSS variables do
// not travel with it), and one standalone SVG document made of a chart's parts, with its title and
// legend (recharts draws legends as HTML, so they would be lost). No DOM here: the browser glue
// (cloning, computed styles, the canvas for PNG) is chart-export-dom.ts; this file is unit-tested.

// ---------- CSV ----------

export type CsvCell = string | number | boolean | null | undefined;

/** A chart's data: a header and rows of the same width. */
export interface CsvTable {
  columns: readonly string[];
  rows: readonly (readonly CsvCell[])[];
}

/** One field, as trialsToCsv writes them (pandas-readable): non-finite numbers as nan / inf / -inf. */
export function csvCell(v: CsvCell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'nan';
    if (v === Infinity) return 'inf';
    if (v === -Infinity) return '-inf';
    return String(v); // shortest round-trip form: the exact double comes back
  }
  const s = String(v);
  // RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled; leading or
  // trailing spaces are quoted too, since some readers trim them.
  return /[",\n\r]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The table as CSV text: header line, one line per row, '\n' endings (as trials.csv). */
export function toCsv(table: CsvTable): string {
  const width = table.columns.length;
  table.rows.forEach((r, i) => {
    if (r.length !== width)
      throw new Error(`CSV row ${i} has ${r.length} fields, the header has ${width} (${table.columns.join(', ')})`);
  });
  return [table.columns, ...table.rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

// ---------- inline styles ----------

/**
 * The properties that decide how an SVG element looks, with the value that needs no mention (the
 * initial value, or what every chart here leaves as is). Computed values are absolute (colours as
 * rgb(), lengths in px), so var(--x) and class rules come out resolved.
 */
export const INLINED_PROPS: Readonly<Record<string, string | null>> = {
  fill: null,
  'fill-opacity': '1',
  stroke: null,
  'stroke-width': null,
  'stroke-dasharray': 'none',
  'stroke-opacity': '1',
  'stroke-linecap': 'butt',
  'stroke-linejoin': 'miter',
  opacity: '1',
  'font-family': null,
  'font-size': null,
  'font-weight': '400',
  'font-style': 'normal',
  'text-anchor': 'start',
  'dominant-baseline': 'auto',
  visibility: 'visible',
  display: null,
  // A halo drawn under tick labels (the parallel coordinates' ticks): without it, the stroke hides the text.
  'paint-order': 'normal',
};

export interface ComputedStyleLike {
  getPropertyValue(property: string): string;
}

/** The node shape inlineStyles walks: an Element, or a fake of one in a test. */
export interface StyledNode {
  readonly children: ArrayLike<StyledNode>;
  setAttribute(name: string, value: string): void;
}

/** `fill: rgb(37, 99, 235); stroke-width: 2px`: a computed style's telling properties as a style attribute. */
export function styleDeclaration(cs: ComputedStyleLike): string {
  const out: string[] = [];
  for (const [prop, plain] of Object.entries(INLINED_PROPS)) {
    const v = cs.getPropertyValue(prop).trim();
    if (v === '' || v === plain || (prop === 'display' && v === 'inline')) continue;
    out.push(`${prop}: ${v}`);
  }
  return out.join('; ');
}

/**
 * Writes each source element's computed look onto the matching element of its clone (the same tree,
 * walked in step). Throws when the trees differ: a clone taken while React re-rendered.
 */
export function inlineStyles(source: StyledNode, clone: StyledNode, styleOf: (n: StyledNode) => ComputedStyleLike) {
  const decl = styleDeclaration(styleOf(source));
  if (decl !== '') clone.setAttribute('style', decl);
  if (source.children.length !== clone.children.length)
    throw new Error('the chart changed while it was being copied: try the export again');
  for (let i = 0; i < source.children.length; i++) inlineStyles(source.children[i], clone.children[i], styleOf);
}

// ---------- one standalone SVG ----------

export const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** One <svg> of the chart, serialised with its styles inlined, where it sat in the chart's box (px). */
export interface SvgPart {
  markup: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** The caption above it on the page (a slice plot's parameter), drawn just above the part. */
  caption?: string;
}

export interface LegendEntry {
  label: string;
  color: string;
  /** Dashed in the chart (an eval line, a pruned trial). */
  dashed?: boolean;
}

export interface ComposeOptions {
  /** The chart's box (px): the parts' coordinates are relative to its top left. */
  width: number;
  height: number;
  title?: string;
  legend?: readonly LegendEntry[];
  /** Where the legend sat in the chart's box (recharts keeps room for it inside its svg); below the chart otherwise. */
  legendAt?: number;
  /** The page's panel colour behind the chart (dark mode keeps its dark background). */
  background: string;
  textColor: string;
  fontFamily: string;
}

const TITLE_BAND = 28;
const LEGEND_ROW = 20;
const CHAR_PX = 7; // ~12px sans-serif: enough to lay the legend out without measuring text

/** Legend entries in rows that fit `width`: each entry's x and its row. */
export function legendLayout(entries: readonly LegendEntry[], width: number): { x: number; row: number }[] {
  const out: { x: number; row: number }[] = [];
  let x = 8;
  let row = 0;
  for (const e of entries) {
    const w = 26 + e.label.length * CHAR_PX + 16; // swatch, text, gap
    if (x > 8 && x + w > width) {
      row += 1;
      x = 8;
    }
    out.push({ x, row });
    x += w;
  }
  return out;
}

/**
 * The chart as one SVG file: a background, the title above, every part at its place, the legend
 * below. Sizes are whole pixels so the PNG drawn from it is sharp.
 */
export function composeSvg(
  parts: readonly SvgPart[],
  o: ComposeOptions,
): { svg: string; width: number; height: number } {
  // A part drawn from data may be wider than the box it replaces on the page.
  const width = Math.max(1, Math.ceil(Math.max(o.width, ...parts.map((p) => p.x + p.width))));
  const top = o.title ? TITLE_BAND : 0;
  const legend = o.legend ?? [];
  const places = legendLayout(legend, width);
  const legendRows = places.length === 0 ? 0 : places[places.length - 1].row + 1;
  const bodyHeight = Math.max(1, Math.ceil(o.height));
  const legendTop = top + (o.legendAt !== undefined ? Math.round(o.legendAt) : bodyHeight + 8);
  const height = Math.max(top + bodyHeight, legendRows > 0 ? legendTop + legendRows * LEGEND_ROW : 0);
  const font = escapeXml(o.fontFamily);
  const text = escapeXml(o.textColor);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${font}">`,
    `<rect width="100%" height="100%" fill="${escapeXml(o.background)}"/>`,
  ];
  if (o.title)
    out.push(
      `<text x="8" y="19" font-size="15" font-weight="600" fill="${text}" style="font-family: ${font}">${escapeXml(o.title)}</text>`,
    );
  for (const p of parts) {
    const x = Math.round(p.x);
    const y = Math.round(p.y) + top;
    if (p.caption)
      out.push(
        `<text x="${x + 4}" y="${Math.max(top + 12, y - 5)}" font-size="12" font-weight="600" fill="${text}" style="font-family: ${font}">${escapeXml(p.caption)}</text>`,
      );
    out.push(`<g transform="translate(${x} ${y})">${p.markup}</g>`);
  }
  legend.forEach((e, i) => {
    const { x, row } = places[i];
    const y = legendTop + row * LEGEND_ROW + 10;
    const c = escapeXml(e.color);
    out.push(
      `<line x1="${x}" y1="${y}" x2="${x + 18}" y2="${y}" stroke="${c}" stroke-width="2.5"${e.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
      `<text x="${x + 24}" y="${y}" dy="0.35em" font-size="12" fill="${text}" style="font-family: ${font}">${escapeXml(e.label)}</text>`,
    );
  });
  out.push('</svg>');
  return { svg: out.join('\n'), width, height };
}

/**
 * Horizontal bars drawn from data, for a chart the page draws as HTML (the parameter importances):
 * name, a bar scaled to the largest value, and the value as a percentage.
 */
export function barsSvg(
  entries: readonly { label: string; value: number }[],
  o: { width: number; color: string; track: string; textColor: string },
): SvgPart {
  const ROW = 26;
  const valueW = 56;
  // The names' column fits the longest name (~6.6 px a character at 12 px); the file widens for it.
  const longest = entries.reduce((m, e) => Math.max(m, e.label.length), 0);
  const labelW = Math.round(Math.max(60, longest * 6.6 + 12));
  const width = Math.max(Math.round(o.width), labelW + valueW + 16 + 120);
  const barW = Math.max(20, width - labelW - valueW - 16);
  const max = entries.reduce((m, e) => Math.max(m, e.value), 0);
  const text = escapeXml(o.textColor);
  const rows = entries.map((e, i) => {
    const y = i * ROW;
    const w = max > 0 ? (e.value / max) * barW : 0;
    return [
      `<text x="${labelW - 8}" y="${y + ROW / 2}" dy="0.35em" text-anchor="end" font-size="12" fill="${text}">${escapeXml(e.label)}</text>`,
      `<rect x="${labelW}" y="${y + 6}" width="${barW}" height="${ROW - 12}" rx="3" fill="${escapeXml(o.track)}"/>`,
      `<rect x="${labelW}" y="${y + 6}" width="${w.toFixed(1)}" height="${ROW - 12}" rx="3" fill="${escapeXml(o.color)}"/>`,
      `<text x="${labelW + barW + 8}" y="${y + ROW / 2}" dy="0.35em" font-size="12" fill="${text}">${(e.value * 100).toFixed(1)}%</text>`,
    ].join('');
  });
  const height = Math.max(ROW, entries.length * ROW);
  return {
    markup: `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${rows.join('')}</svg>`,
    x: 0,
    y: 8,
    width,
    height,
  };
}

// ---------- names ----------

/** `loss-2026-12-05T10-04-59.png`: the chart's name in lower-case dashes and when it was taken. */
export function exportFileName(chart: string, ext: 'png' | 'svg' | 'csv', at: Date = new Date()): string {
  const slug =
    chart
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'chart';
  const stamp = at
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace(/:/g, '-');
  return `${slug}-${stamp}.${ext}`;
}

/** The PNG's pixel size: `scale`× the chart (sharp on a hi-dpi screen), within the canvas limit. */
export function pngSize(
  width: number,
  height: number,
  scale = 2,
  maxSide = 8192,
): { w: number; h: number; scale: number } {
  const s = Math.max(0.1, Math.min(scale, maxSide / Math.max(width, 1), maxSide / Math.max(height, 1)));
  return { w: Math.round(width * s), h: Math.round(height * s), scale: s };
}
