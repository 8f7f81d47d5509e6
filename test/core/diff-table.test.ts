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
