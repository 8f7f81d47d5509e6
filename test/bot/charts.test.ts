// The charts: SVG drawn here, PNG rendered by resvg with the font shipped in assets/fonts (no
// system fonts), decoded back with pngjs: the expected size, something drawn, Cyrillic drawn,
// and labels cut so they never run into the bars.
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { GB } from "../../src/core/units.js";
import { clientUsageChart, expiringChart, topClientsChart } from "../../src/bot/charts/stats-charts.js";
import { svgToPng } from "../../src/bot/charts/png.js";
import { CHART_WIDTH, charsFitting, columns, fitText, horizontalBars, niceMax } from "../../src/bot/charts/svg.js";
import { en } from "../../src/bot/locales/en.js";
import { ru } from "../../src/bot/locales/ru.js";

/** Pixels that are not (near) white, and those that are the bars' blue. */
function ink(png: Buffer): { width: number; height: number; dark: number; blue: number } {
  const image = PNG.sync.read(png);
  let dark = 0;
  let blue = 0;
  for (let i = 0; i < image.data.length; i += 4) {
    const [r, g, b] = [image.data[i] as number, image.data[i + 1] as number, image.data[i + 2] as number];
    if (r + g + b < 600) dark++;
    if (r === 0x3b && g === 0x82 && b === 0xf6) blue++;
  }
  return { width: image.width, height: image.height, dark, blue };
}

const days = (n: number, value: (i: number) => number) =>
  Array.from({ length: n }, (_, i) => ({ day: `2026-03-${String(i + 1).padStart(2, "0")}`, up: value(i), down: 0 }));

describe("charts", () => {
  it("top clients: one bar per client, 800 px wide, as tall as the rows need", () => {
    const top = Array.from({ length: 10 }, (_, i) => ({ email: `client-${i}@example.com`, inboundId: 1, up: 0, down: (10 - i) * GB, used: (10 - i) * GB }));
    const png = ink(topClientsChart(en, top));
    expect([png.width, png.height]).toEqual([CHART_WIDTH, 52 + 10 * 30 + 16]);
    expect(png.blue).toBeGreaterThan(10 * 100); // ten bars, the shortest a tenth of the longest
    expect(png.dark).toBeGreaterThan(500); // the title and the labels
  });

  it("expiring per day and a client's daily usage: 800 x 360 columns", () => {
    const expiring = ink(expiringChart(ru, Array.from({ length: 30 }, (_, i) => ({ day: `2026-04-${String(i + 1).padStart(2, "0")}`, count: i % 4 }))));
    expect([expiring.width, expiring.height]).toEqual([800, 360]);
    expect(expiring.blue).toBeGreaterThan(1000);
    const usage = ink(clientUsageChart(en, "alice", days(30, (i) => i * 100_000_000)));
    expect([usage.width, usage.height]).toEqual([800, 360]);
    expect(usage.blue).toBeGreaterThan(1000);
  });

  it("with no data, says so instead of drawing bars", () => {
    const empty = ink(topClientsChart(ru, []));
    expect(empty.blue).toBe(0);
    expect(empty.dark).toBeGreaterThan(100);
    expect(ink(clientUsageChart(ru, "боб", days(30, () => 0))).blue).toBe(0);
  });

  it("draws Cyrillic with the shipped font (no system fonts are loaded)", () => {
    const only = (text: string) =>
      ink(svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="200" height="60"><rect width="200" height="60" fill="#fff"/><text x="10" y="40" font-size="30" font-family="DejaVu Sans Mono">${text}</text></svg>`)).dark;
    expect(only("Жизнь")).toBeGreaterThan(100);
    expect(only("     ")).toBe(0);
  });

  it("cuts long emails to fit their column, escapes markup, and never overlaps the bars", () => {
    const long = `${"очень-длинное-имя-клиента".repeat(4)}@<example>&.com`;
    const svg = horizontalBars({ title: "t", bars: [{ label: long, value: 5 }, { label: "a&b", value: 1 }], format: String, empty: "-" });
    const labels = [...svg.matchAll(/<text x="16" y="[\d.]+" font-size="13"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1] as string);
    const max = charsFitting(240, 13);
    expect(labels[0]).toBe(fitText(long, max).replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`));
    expect(Array.from(fitText(long, max))).toHaveLength(max);
    expect(fitText(long, max).endsWith("…")).toBe(true);
    // The widest label ends before the bars start (x = 264): 13 px characters 0.602 em wide.
    expect(16 + max * 13 * (1233 / 2048)).toBeLessThanOrEqual(16 + 240);
    expect(labels[1]).toBe("a&#38;b");
    expect(ink(svgToPng(svg)).blue).toBeGreaterThan(0); // valid SVG: it renders
  });

  it("labels a 30-day axis without letting neighbours touch, on round values", () => {
    const bars = Array.from({ length: 30 }, (_, i) => ({ label: `2026-04-${String(i + 1).padStart(2, "0")}`, value: i }));
    const svg = columns({ title: "t", bars, format: String, empty: "-" });
    const xs = [...svg.matchAll(/<text x="([\d.]+)" y="336"[^>]*>2026-04-\d\d<\/text>/g)].map((m) => Number(m[1]));
    expect(xs.length).toBeGreaterThan(3);
    const width = 10 * 11 * (1233 / 2048); // ten 11 px characters
    for (let i = 1; i < xs.length; i++) expect((xs[i] as number) - (xs[i - 1] as number)).toBeGreaterThan(width);
    expect([niceMax(0), niceMax(3), niceMax(11), niceMax(0.013)]).toEqual([1, 5, 20, 0.02]);
  });
});
