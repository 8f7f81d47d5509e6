import Database from "better-sqlite3";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareKeys, formatSettings, marshalIndent, parseSettings, type JsonObject } from "../../src/xui/panel-json.js";
import { copyRealFixture, listRealFixtures } from "../support/xui-fixture.js";
import { jsonValue } from "../support/arbitraries.js";


describe("formatSettings", () => {
  it("matches the reference port of Go's MarshalIndent for any value", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: "binary", maxLength: 8 }), jsonValue, { maxKeys: 8 }), (obj) => {
        expect(formatSettings(obj as JsonObject)).toBe(marshalIndent(obj as JsonObject));
      }),
      { numRuns: 2000 },
    );
  });

  it("writes Go's escapes, byte-ordered keys and integers", () => {
    const out = formatSettings({ b: "<a href='x'>&</a>", a: 1786116809000, "😀": 1, "ﬀ": 2, c: [], d: {}, e: 1e21, f: 1e-7 });
    expect(out).toBe(
      [
        "{",
        '  "a": 1786116809000,',
        `  "b": "\\u003ca href='x'\\u003e\\u0026\\u003c/a\\u003e",`,
        '  "c": [],',
        '  "d": {},',
        '  "e": 1e+21,',
        '  "f": 1e-7,',
        '  "ﬀ": 2,',
        '  "😀": 1',
        "}",
      ].join("\n"),
    );
  });

  it("orders keys by UTF-8 bytes, not UTF-16 units", () => {
    // U+FF00 sorts before U+1F600 in UTF-8, after it in UTF-16.
    expect(["😀", "\uff00"].sort(compareKeys)).toEqual(["\uff00", "😀"]);
    expect(["b", "a", "B"].sort(compareKeys)).toEqual(["B", "a", "b"]);
  });

  it("keeps index-like keys in Go's order where JS objects would reorder them", () => {
    expect(formatSettings({ "10": 1, "9": 2, a: 3 })).toBe('{\n  "10": 1,\n  "9": 2,\n  "a": 3\n}');
  });

  it("keeps a __proto__ key, sorted among the others, at any depth", () => {
    const parsed = parseSettings('{"b": 1, "__proto__": {"y": 2, "x": 1}, "a": [{"z": 1, "__proto__": "p"}]}');
    expect(formatSettings(parsed)).toBe(
      ['{', '  "__proto__": {', '    "x": 1,', '    "y": 2', "  },", '  "a": [', "    {", '      "__proto__": "p",', '      "z": 1', "    }", "  ],", '  "b": 1', "}"].join("\n"),
    );
  });

  it("keeps keys named like Object.prototype's members, sorted or not", () => {
    const key = fc.oneof(fc.constantFrom("__proto__", "constructor", "toString", "valueOf", "hasOwnProperty", "__defineGetter__", "a", "z"), fc.string({ maxLength: 4 }));
    // As settings arrive: JSON text, which makes every one of them an own key.
    const objectText = (entries: [string, string][]) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(", ")}}`;
    const { object } = fc.letrec<{ value: string; object: string }>((tie) => ({
      value: fc.oneof({ maxDepth: 3 }, fc.constantFrom("null", "1", '"s"', "true", "[]"), tie("object")),
      object: fc.array(fc.tuple(key, tie("value")), { maxLength: 6 }).map(objectText),
    }));
    fc.assert(
      fc.property(object, (text) => {
        const parsed = parseSettings(text);
        const out = formatSettings(parsed);
        expect(out).toBe(marshalIndent(parsed));
        expect(formatSettings(parseSettings(out))).toBe(out);
      }),
      { numRuns: 1000 },
    );
  });

  it("reproduces every real panel-written settings column byte for byte", () => {
    let checked = 0;
    // Copies: even a read-only open of a WAL file leaves -wal/-shm files beside it.
    for (const file of listRealFixtures()) {
      const db = new Database(copyRealFixture(file), { readonly: true });
      for (const { settings } of db.prepare("SELECT settings FROM inbounds").all() as { settings: string }[]) {
        let parsed: JsonObject;
        try {
          parsed = parseSettings(settings);
        } catch {
          continue;
        }
        // Files written by the panel's MarshalIndent must come back identical.
        if (marshalIndent(parsed) === settings) {
          expect(formatSettings(parsed)).toBe(settings);
          checked++;
        }
      }
      db.close();
    }
    expect(checked).toBeGreaterThan(10);
  });
});

describe("parseSettings", () => {
  it("rejects text that is not a JSON object", () => {
    for (const bad of ["", "[]", "null", "12", "{", '{"clients": [}']) expect(() => parseSettings(bad)).toThrow();
  });
});

