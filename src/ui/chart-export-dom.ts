// The browser half of "take a chart away": copy a chart's <svg> elements out of the page with their
// computed styles inlined (chart-export.ts), lay them out as one SVG file, and draw that on a canvas
// for the PNG. Runs only on a click, in the page.
import { download } from './download';
import {
  composeSvg,
  exportFileName,
  inlineStyles,
  pngSize,
  toCsv,
  type CsvTable,
  type LegendEntry,
  type StyledNode,
  type SvgPart,
} from './chart-export';

/** Icons and legend swatches are smaller than this; the chart surfaces are larger. */
const MIN_CHART_PX = 40;

const transparent = (c: string) => c === '' || c === 'transparent' || /^rgba\(.*,\s*0\)$/.test(c);

/** The colour behind `el`: its first ancestor (or itself) with a background, the page's otherwise. */
function backgroundOf(el: Element): string {
  for (let e: Element | null = el; e; e = e.parentElement) {
    const c = getComputedStyle(e).backgroundColor;
    if (!transparent(c)) return c;
  }
  return '#ffffff';
}

/** recharts draws its legend as HTML: each entry's text and the colour recharts gave it. */
function rechartsLegend(root: Element): LegendEntry[] {
  return [...root.querySelectorAll('.recharts-legend-item')].map((item) => {
    const text = item.querySelector('.recharts-legend-item-text');
    return {
      label: (text?.textContent ?? '').trim(),
      color: text ? getComputedStyle(text).color : getComputedStyle(item).color,
    };
  });
}

export interface ChartSource {
  /** Holds the chart's <svg> elements (one, or a grid of small ones). */
  root: HTMLElement;
  /** Drawn above the chart, and names the files. */
  title: string;
  /** Entries drawn below the chart; by default recharts' own legend, read from the page. */
  legend?: readonly LegendEntry[];
  /** For a chart the page draws as HTML: its svg parts drawn from data, in the page's colours. */
  draw?: (colors: { text: string; accent: string; track: string }) => SvgPart[];
}

/** The chart as one standalone SVG document with its size in px. */
export function chartSvg({ root, title, legend, draw }: ChartSource): { svg: string; width: number; height: number } {
  const box = root.getBoundingClientRect();
  const serializer = new XMLSerializer();
  const style = getComputedStyle(root);
  const vars = getComputedStyle(document.documentElement);
  const parts: SvgPart[] = draw
    ? draw({
        text: style.color,
        accent: vars.getPropertyValue('--accent').trim() || '#2563eb',
        track: vars.getPropertyValue('--border').trim() || '#e5e7eb',
      })
    : [];
  for (const svg of draw ? [] : root.querySelectorAll('svg')) {
    if (svg.parentElement?.closest('svg')) continue; // nested: travels with its outer svg
    const r = svg.getBoundingClientRect();
    if (r.width < MIN_CHART_PX || r.height < MIN_CHART_PX) continue;
    const clone = svg.cloneNode(true) as SVGSVGElement;
    inlineStyles(svg as unknown as StyledNode, clone as unknown as StyledNode, (n) =>
      getComputedStyle(n as unknown as Element),
    );
    clone.setAttribute('width', String(Math.round(r.width)));
    clone.setAttribute('height', String(Math.round(r.height)));
    // A small multiple's caption (a slice plot's parameter) is HTML above its svg: drawn in the file.
    const figure = svg.closest('figure');
    const caption =
      figure && figure !== root && root.contains(figure)
        ? figure.querySelector('figcaption')?.textContent?.trim()
        : undefined;
    parts.push({
      markup: serializer.serializeToString(clone),
      x: r.left - box.left,
      y: r.top - box.top,
      width: r.width,
      height: r.height,
      caption: caption || undefined,
    });
  }
  if (parts.length === 0) throw new Error(`the ${title} chart has nothing drawn yet`);
  // HTML above the first svg (a heading, this toolbar) is not drawn: close the gap it leaves.
  const gap = Math.max(0, Math.min(...parts.map((p) => p.y - (p.caption ? 18 : 0))));
  for (const p of parts) p.y -= gap;
  const height = Math.max(...parts.map((p) => p.y + p.height));
  // recharts' legend sits in room its svg keeps for it: draw ours there, not below the svg.
  const wrapper = legend ? null : root.querySelector('.recharts-legend-wrapper');
  const legendAt = wrapper ? wrapper.getBoundingClientRect().top - box.top - gap : undefined;
  return composeSvg(parts, {
    legendAt,
    width: box.width,
    height,
    title,
    legend: legend ?? rechartsLegend(root),
    background: backgroundOf(root),
    textColor: style.color,
    fontFamily: style.fontFamily,
  });
}

/** The SVG drawn on a canvas at twice its size, as PNG bytes. */
async function svgToPng(svg: string, width: number, height: number): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml;charset=utf-8' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const size = pngSize(width, height);
    const canvas = document.createElement('canvas');
    canvas.width = size.w;
    canvas.height = size.h;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('this browser gives no 2D canvas to draw the PNG on');
    ctx.scale(size.scale, size.scale);
    ctx.drawImage(img, 0, 0, width, height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the canvas made no PNG'))), 'image/png'),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

export type ExportFormat = 'png' | 'svg' | 'csv';

/** Saves the chart (or its data) as a file named after it. */
export async function exportChart(format: ExportFormat, source: ChartSource, table: () => CsvTable): Promise<void> {
  // Computed once the click lands: the chart as it is on screen now.
  const name = exportFileName(source.title, format);
  if (format === 'csv') return download(name, toCsv(table()), 'text/csv');
  const { svg, width, height } = chartSvg(source);
  if (format === 'svg') return download(name, svg, 'image/svg+xml');
  const png = await svgToPng(svg, width, height);
  download(name, new Uint8Array(await png.arrayBuffer()), 'image/png');
}
