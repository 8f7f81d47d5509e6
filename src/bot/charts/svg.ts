// Charts as SVG text: pure functions from data to a picture, drawn in one monospaced font so
// that a label's width is known exactly and a long email is cut to fit, never overlapping.
// png.ts turns the text into the PNG Telegram shows.

/** The font the charts are drawn in (png.ts loads it from assets/fonts). */
export const CHART_FONT = "DejaVu Sans Mono";
/** DejaVu Sans Mono's advance width: 1233 of 2048 units per em. */
const CHAR_EM = 1233 / 2048;

export const CHART_WIDTH = 800;
const TITLE_SIZE = 18;
const LABEL_SIZE = 13;
const AXIS_SIZE = 11;
const BAR = "#3b82f6";
const GRID = "#e5e7eb";
const INK = "#111827";
const MUTED = "#6b7280";

export interface Bar {
  label: string;
  value: number;
}

export interface ChartSpec {
  title: string;
  bars: Bar[];
  /** How a value is written (on a bar, on the axis). */
  format: (value: number) => string;
  /** Shown in the middle when every value is zero (or there are none). */
  empty: string;
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Characters of `size` px that fit in `px`. */
export const charsFitting = (px: number, size: number) => Math.max(1, Math.floor(px / (size * CHAR_EM)));

/** `text` cut to `max` characters (a code point each), an ellipsis marking the cut. */
export function fitText(text: string, max: number): string {
  const chars = Array.from(text.replace(/\s+/g, " "));
  return chars.length <= max ? chars.join("") : `${chars.slice(0, Math.max(0, max - 1)).join("")}…`;
}

function text(x: number, y: number, size: number, content: string, options: { anchor?: "start" | "middle" | "end"; fill?: string } = {}): string {
  const anchor = options.anchor ?? "start";
  return `<text x="${x}" y="${y}" font-size="${size}" text-anchor="${anchor}" fill="${options.fill ?? INK}">${escapeXml(content)}</text>`;
}

function svg(height: number, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH}" height="${height}" viewBox="0 0 ${CHART_WIDTH} ${height}" font-family="${CHART_FONT}">`,
    `<rect width="${CHART_WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...body,
    "</svg>",
  ].join("\n");
}

const title = (t: string) => text(16, 30, TITLE_SIZE, fitText(t, charsFitting(CHART_WIDTH - 32, TITLE_SIZE)));

/** Horizontal bars, one row per item, labels on the left (for the top clients). */
export function horizontalBars(spec: ChartSpec): string {
  const row = 30;
  const top = 52;
  const labelWidth = 240;
  const valueWidth = 110;
  const x0 = 16 + labelWidth + 8;
  const span = CHART_WIDTH - x0 - valueWidth;
  const height = top + Math.max(1, spec.bars.length) * row + 16;
  const max = Math.max(0, ...spec.bars.map((b) => b.value));
  const body = [title(spec.title)];
  if (max === 0) body.push(text(CHART_WIDTH / 2, top + row / 2 + 5, LABEL_SIZE, spec.empty, { anchor: "middle", fill: MUTED }));
  else {
    spec.bars.forEach((b, i) => {
      const y = top + i * row;
      const w = Math.max(1, (b.value / max) * span);
      body.push(
        text(16, y + 19, LABEL_SIZE, fitText(b.label, charsFitting(labelWidth, LABEL_SIZE))),
        `<rect x="${x0}" y="${y + 5}" width="${w.toFixed(1)}" height="${row - 10}" rx="3" fill="${BAR}"/>`,
        text(x0 + w + 6, y + 19, LABEL_SIZE, fitText(spec.format(b.value), charsFitting(valueWidth - 8, LABEL_SIZE)), { fill: MUTED }),
      );
    });
  }
  return svg(height, body);
}

/** A "nice" axis maximum at or above `max`: 1, 2 or 5 times a power of ten. */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return ([1, 2, 5, 10].map((m) => m * power).find((m) => m >= max) as number);
}

/** Vertical columns over a time axis (per day), with a value grid (for days ahead or behind). */
export function columns(spec: ChartSpec): string {
  const height = 360;
  const left = 90;
  const right = CHART_WIDTH - 16;
  const top = 56;
  const bottom = height - 40;
  const n = Math.max(1, spec.bars.length);
  const step = (right - left) / n;
  const max = niceMax(Math.max(0, ...spec.bars.map((b) => b.value)));
  const body = [title(spec.title)];
  for (let g = 0; g <= 4; g++) {
    const y = bottom - ((bottom - top) * g) / 4;
    body.push(`<line x1="${left}" y1="${y}" x2="${right}" y2="${y}" stroke="${GRID}"/>`);
    body.push(text(left - 6, y + 4, AXIS_SIZE, fitText(spec.format((max * g) / 4), charsFitting(left - 10, AXIS_SIZE)), { anchor: "end", fill: MUTED }));
  }
  // Every k-th label, k chosen so that neighbours never touch.
  const widest = Math.max(1, ...spec.bars.map((b) => Array.from(b.label).length));
  const every = Math.ceil((widest * AXIS_SIZE * CHAR_EM + 6) / step);
  spec.bars.forEach((b, i) => {
    const x = left + i * step;
    const h = (b.value / max) * (bottom - top);
    if (b.value > 0) body.push(`<rect x="${(x + step * 0.15).toFixed(1)}" y="${(bottom - h).toFixed(1)}" width="${(step * 0.7).toFixed(1)}" height="${h.toFixed(1)}" fill="${BAR}"/>`);
    if (i % every === 0) body.push(text(x + step / 2, bottom + 16, AXIS_SIZE, b.label, { anchor: "middle", fill: MUTED }));
  });
  if (spec.bars.every((b) => b.value === 0)) body.push(text((left + right) / 2, (top + bottom) / 2, LABEL_SIZE, spec.empty, { anchor: "middle", fill: MUTED }));
  return svg(height, body);
}
