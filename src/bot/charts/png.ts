// SVG to PNG with resvg (no system toolchain, no system fonts): the font ships in
// assets/fonts, so the charts look the same, Cyrillic included, on every machine.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Resvg } from "@resvg/resvg-js";
import { CHART_FONT } from "./svg.js";

const FONT_FILE = join("assets", "fonts", "DejaVuSansMono.ttf");

/** The font file: the nearest assets/ above this module (src/bot/charts, dist/..., a bundle). */
function fontPath(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const path = join(dir, FONT_FILE);
    if (existsSync(path)) return path;
    if (dirname(dir) === dir) throw new Error(`${FONT_FILE} not found above ${fileURLToPath(import.meta.url)}`);
  }
}

let font: string | undefined;

export function svgToPng(svg: string): Buffer {
  font ??= fontPath();
  const resvg = new Resvg(svg, { font: { fontFiles: [font], loadSystemFonts: false, defaultFontFamily: CHART_FONT } });
  return resvg.render().asPng();
}
