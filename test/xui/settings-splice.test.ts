import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatSettings, type JsonObject } from "../../src/xui/panel-json.js";
import { clientSpans, isCanonicalLayout, spliceClients } from "../../src/xui/settings-splice.js";
import { jsonValue } from "../support/arbitraries.js";

const client = fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("email", "id", "flow", "settings")), jsonValue, { maxKeys: 6 });
const settings = fc.record({
  clients: fc.array(client, { minLength: 1, maxLength: 12 }),
  rest: fc.dictionary(fc.string({ maxLength: 6 }).filter((k) => k !== "clients"), jsonValue, { maxKeys: 3 }),
});

describe("splicing clients into the stored settings text", () => {
  it("gives exactly the whole serialisation of the edited settings, and the spans of the result", () => {
    fc.assert(
      fc.property(settings, fc.array(fc.tuple(fc.nat(), client), { minLength: 1, maxLength: 5 }), ({ clients, rest }, edits) => {
        const before: JsonObject = { ...rest, clients };
        const base = formatSettings(before);
        const spans = clientSpans(base, clients.length);
        expect(spans).not.toBeNull();
        const replaced = new Map(edits.map(([k, c]) => [k % clients.length, c]));
        const after: JsonObject = { ...rest, clients: clients.map((c, k) => replaced.get(k) ?? c) };
        const out = spliceClients(base, spans!, [...replaced].sort((a, b) => a[0] - b[0]));
        expect(out.text).toBe(formatSettings(after));
        expect(out.spans).toEqual(clientSpans(out.text, clients.length));
      }),
      { numRuns: 400 },
    );
  });

  it("finds no spans in a text laid out otherwise, or for another count of clients", () => {
    const value = { clients: [{ email: "a" }, { email: "b" }], decryption: "none" };
    const text = formatSettings(value);
    expect(clientSpans(text, 2)).not.toBeNull();
    expect(clientSpans(text, 3)).toBeNull();
    expect(clientSpans(text, 1)).toBeNull();
    expect(clientSpans(JSON.stringify(value), 2)).toBeNull();
    expect(clientSpans(JSON.stringify(value, null, 4), 2)).toBeNull();
    expect(clientSpans(formatSettings({ clients: [] }), 0)).toBeNull();
  });

  it("tells the panel's own layout, checked a client at a time, exactly as a whole serialisation tells it", () => {
    // Texts the panel wrote, and the same with one stretch re-indented, reordered or re-spaced.
    const variants = (text: string): string[] => [
      text,
      text.replace('": ', '":  '),
      text.replace(/\n {6}"/, '\n       "'),
      text.replace(/\{\n {6}("[^"]*": [^\n]*),\n {6}("[^"]*": [^\n]*)\n/, (_, a: string, b: string) => `{\n      ${b},\n      ${a}\n`),
      text.replace(/\\u003c/, "<"),
      text.replace(/1e\+21/, "1000000000000000000000"),
    ];
    const seen = new Set<boolean>();
    fc.assert(
      fc.property(settings, ({ clients, rest }) => {
        for (const text of variants(formatSettings({ ...rest, clients }))) {
          const spans = clientSpans(text);
          if (!spans) continue;
          let whole: boolean;
          try {
            whole = formatSettings(JSON.parse(text) as JsonObject) === text;
          } catch {
            whole = false;
          }
          expect(isCanonicalLayout(text, spans)).toBe(whole);
          seen.add(whole);
        }
      }),
      { numRuns: 400 },
    );
    expect([...seen].sort()).toEqual([false, true]);
  });

  it("finds the clients without being told how many there are", () => {
    const text = formatSettings({ clients: [{ email: "a", nested: { deep: [1, { x: 2 }] } }, {}, { email: "c" }], fallbacks: [] });
    const spans = clientSpans(text)!;
    expect([...spans.starts].map((start, k) => JSON.parse(text.slice(start, spans.ends[k])) as unknown)).toEqual([{ email: "a", nested: { deep: [1, { x: 2 }] } }, {}, { email: "c" }]);
    expect(clientSpans(formatSettings({ clients: [{ email: "a" }, 7] }))).toBeNull();
  });

  it("refuses positions out of order", () => {
    const text = formatSettings({ clients: [{ email: "a" }, { email: "b" }] });
    const spans = clientSpans(text, 2)!;
    expect(() => spliceClients(text, spans, [[1, { email: "x" }], [0, { email: "y" }]])).toThrow(RangeError);
  });
});
