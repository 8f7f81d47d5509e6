import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DiffTable, newOpResult } from "../../src/core/diff-table.js";
import type { ClientState } from "../../src/core/types.js";
import { clientDiff } from "../support/arbitraries.js";

/** Every diff of a table, in order. */
const all = (t: DiffTable) => Array.from({ length: t.length }, (_, i) => t.diff(i));
const s = (expiryTime: number, enabled = true): ClientState => ({ enabled, active: enabled, expiryTime, totalBytes: 0, reset: 0, up: 0, down: 0 });

describe("DiffTable", () => {
  it("gives back the diffs it holds, through its bytes too", () => {
    fc.assert(
      fc.property(fc.array(clientDiff), (diffs) => {
        const table = DiffTable.of(diffs);
        expect(all(table)).toEqual(diffs);
        expect(all(DiffTable.fromBytes(table.toBytes()))).toEqual(diffs);
      }),
    );
  });

  it("stores its numbers little-endian, the same bytes on any machine", () => {
    const table = DiffTable.of([{ email: "a", inboundId: 1, before: s(1), after: s(2), notes: [] }]);
    const bytes = table.toBytes();
    const headerEnd = 8 + bytes.readUInt32LE(4);
    // created (1 byte), the notes mask (2 bytes, little-endian), before.enabled and .active (a
    // byte each), then before.expiryTime as a little-endian double: 1.0 is 00 00 00 00 00 00 f0 3f.
    const expiry = headerEnd + 1 + 2 + 1 + 1;
    expect(bytes.subarray(expiry, expiry + 8).toString("hex")).toBe("000000000000f03f");
    expect(bytes.readDoubleLE(expiry)).toBe(1);
  });

  // Built by hand from docs/audit-format.md, not by toBytes: the document and the reader agree.
  function documented(magic: "XDT1" | "XDT2"): Buffer {
    const header = Buffer.from(JSON.stringify({ n: 2, emails: ["a", "b"], inboundIds: [1, 2], noteCodes: ["reactivated", "never-expires"], afterFields: ["active", "expiryTime"] }));
    const u8 = (...v: number[]) => Buffer.from(v);
    const u16 = (...v: number[]) => Buffer.concat(v.map((x) => Buffer.from([x & 0xff, x >> 8])));
    const f64 = (...v: number[]) => Buffer.concat(v.map((x) => { const b = Buffer.alloc(8); b.writeDoubleLE(x); return b; }));
    const length = Buffer.alloc(4);
    length.writeUInt32LE(header.length);
    const notes = magic === "XDT1" ? u8(1, 2) : u16(1, 2);
    const before = [u8(1, 1), u8(0, 1), f64(100, 0), f64(0, 0), f64(0, 0), f64(5, 0), f64(6, 0)];
    const after = [u8(1, 1), f64(200, 0)];
    const stamps = magic === "XDT1" ? [] : [f64(Number.NaN, 7), f64(9, 8)];
    return Buffer.concat([Buffer.from(magic), length, header, u8(0, 1), notes, ...before, ...after, ...stamps]);
  }

  it("reads the documented version 2 layout, and version 1 entries written before it", () => {
    const a = { email: "a", inboundId: 1, before: { enabled: true, active: false, expiryTime: 100, totalBytes: 0, reset: 0, up: 5, down: 6 }, after: { enabled: true, active: true, expiryTime: 200, totalBytes: 0, reset: 0, up: 5, down: 6 }, notes: ["reactivated"] };
    const b = { email: "b", inboundId: 2, before: null, after: { enabled: true, active: true, expiryTime: 0, totalBytes: 0, reset: 0, up: 0, down: 0 }, notes: ["never-expires"] };
    expect(all(DiffTable.fromBytes(documented("XDT2")))).toEqual([{ ...a, updatedAt: { before: null, after: 9 } }, { ...b, updatedAt: { before: 7, after: 8 } }]);
    expect(all(DiffTable.fromBytes(documented("XDT1")))).toEqual([a, b]);
    expect(() => DiffTable.fromBytes(Buffer.from("XDT9...."))).toThrow(/not a stored DiffTable/);
  });

  it("keeps an edit's fields and a deleted client with their diff when sliced and truncated", () => {
    const table = DiffTable.of([
      { email: "a", inboundId: 1, before: s(1), after: s(1), notes: [], fields: { tgId: { before: "7", after: 8 } } },
      { email: "b", inboundId: 1, before: s(1), after: s(1), notes: ["deleted"], removed: { index: 3, json: { email: "b" }, row: { id: 9 }, ips: null } },
      { email: "c", inboundId: 1, before: s(1), after: s(2), notes: [] },
    ]);
    expect(all(table.slice(1)).map((d) => [d.email, d.fields, d.removed?.index])).toEqual([["b", undefined, 3], ["c", undefined, undefined]]);
    table.truncate(1);
    expect(DiffTable.fromBytes(table.toBytes()).diff(0).fields).toEqual({ tgId: { before: "7", after: 8 } });
  });

  it("tells changed diffs from unchanged ones", () => {
    const table = DiffTable.of([
      { email: "a", inboundId: 1, before: s(1), after: s(2), notes: [] },
      { email: "b", inboundId: 2, before: s(5), after: s(5), notes: ["never-expires", "no-change"] },
      { email: "c", inboundId: 1, before: null, after: s(9), notes: [] },
    ]);
    expect(table.indices(true)).toEqual([0, 2]);
    expect(table.indices(false)).toEqual([1]);
    expect([table.count(true), table.count(false)]).toEqual([2, 1]);
    expect(table.list(true).map((d) => [d.email, d.before, d.after.expiryTime])).toEqual([["a", s(1), 2], ["c", null, 9]]);
  });

  it("refuses more diffs than it was made for, and forgets the ones truncated", () => {
    const table = new DiffTable(2);
    table.push("a", 1, s(1), s(2), 0, false);
    table.push("b", 1, s(1), s(3), 0, true);
    expect(() => table.push("c", 1, s(1), s(2), 0, false)).toThrow(RangeError);
    expect(table.anyRestart()).toBe(true);
    table.truncate(1);
    expect(all(table).map((d) => d.email)).toEqual(["a"]);
    expect(table.anyRestart()).toBe(false);
  });

  it("shows changed and unchanged diffs in JSON, not its columns", () => {
    const table = DiffTable.of([{ email: "a", inboundId: 1, before: s(1), after: s(2), notes: [] }]);
    const json = JSON.parse(JSON.stringify(newOpResult("extend", table, false))) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(["operation", "changed", "unchanged", "needsApply", "dryRun", "transactions", "longestLockMs"]);
    expect(json.changed).toEqual([{ email: "a", inboundId: 1, before: s(1), after: s(2), notes: [] }]);
  });
});
