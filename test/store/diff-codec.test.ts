import fc from "fast-check";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { ClientDiff } from "../../src/core/types.js";
import { DiffTable } from "../../src/core/diff-table.js";
import { AuditLog } from "../../src/store/audit-log.js";
import { encodeDiffs } from "../../src/store/diff-codec.js";
import { clientDiff } from "../support/arbitraries.js";
import { tempDbPath } from "../support/xui-fixture.js";

describe("audit diff storage", () => {
  it("gives back the changed clients' diffs an entry stored in the audit file", () => {
    const path = tempDbPath();
    fc.assert(
      fc.property(fc.array(clientDiff, { maxLength: 20 }), (diffs) => {
        const log = new AuditLog(path);
        const id = log.record({ actor: "cli", operation: "extend", op: null, diffs: DiffTable.of(diffs) });
        expect(log.get(id)?.diffs).toEqual(diffs.filter((d) => !d.notes.includes("no-change")));
        log.close();
      }),
      { numRuns: 30 },
    );
  });

  it("stores a bulk extension in under a third of the space of plain objects", () => {
    const diffs = Array.from({ length: 1000 }, (_, i): ClientDiff => {
      const before = { enabled: true, active: true, expiryTime: 1_790_000_000_000 + i, totalBytes: 2 ** 36, reset: 0, up: 10 ** 9 + i, down: 10 ** 10 + i };
      return { email: `user${i}@example.com`, inboundId: 1, before, after: { ...before, expiryTime: before.expiryTime + 30 * 86_400_000 }, notes: [] };
    });
    expect(encodeDiffs(DiffTable.of(diffs)).length).toBeLessThan(JSON.stringify(diffs).length / 3);
  });

  it("still reads entries written as plain objects and as tuples by earlier versions", () => {
    const path = tempDbPath();
    const created: ClientDiff = { email: "a@x", inboundId: 2, before: null, after: { enabled: true, active: true, expiryTime: 0, totalBytes: 0, reset: 0, up: 0, down: 0 }, notes: [] };
    const blockedBefore = { enabled: true, active: true, expiryTime: 5, totalBytes: 7, reset: 0, up: 1, down: 2 };
    const blocked: ClientDiff = { email: "b@x", inboundId: 3, before: blockedBefore, after: { ...blockedBefore, enabled: false, active: false }, notes: [] };
    // The tuple format: [email, inboundId, before-tuple, changed fields, notes].
    const tuples = [["b@x", 3, [true, true, 5, 7, 0, 1, 2], { enabled: false, active: false }, []]];
    new AuditLog(path).close();
    const raw = new Database(path);
    const insert = raw.prepare("INSERT INTO audit (at, actor, operation, op, diffs) VALUES (?, 'cli', 'block', NULL, ?)");
    insert.run(Date.now(), JSON.stringify([created]));
    insert.run(Date.now(), JSON.stringify(tuples));
    raw.close();
    const log = new AuditLog(path);
    expect(log.latest(2).map((e) => e.diffs)).toEqual([[blocked], [created]]);
    log.close();
  });
});
