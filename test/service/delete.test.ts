// Delete removes a client from every place the panel keeps it, after a backup; its undo puts
// it back exactly: the same JSON bytes at the same place, the same rows, usage included.
import { existsSync, readdirSync } from "node:fs";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { DAY_MS, GB } from "../../src/core/units.js";
import { XuiService } from "../../src/service/xui-service.js";
import { AuditLog } from "../../src/store/audit-log.js";
import { clientTables, fileHash, ipsRow, jsonClient, rawRow, settingsTexts } from "../support/db-inspect.js";
import { buildXuiDb, tempDbPath, type FixtureClient, type SchemaVariant } from "../support/xui-fixture.js";

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

function setup(clients: FixtureClient[], more: FixtureClient[] = [], variant: SchemaVariant = "2.8") {
  const path = tempDbPath();
  buildXuiDb(path, {
    variant,
    inbounds: [
      { id: 1, protocol: "vless", clients, streamSettings: { network: "tcp", security: "reality" } },
      { id: 2, protocol: "trojan", clients: more },
    ],
  });
  const audit = new AuditLog(tempDbPath("audit"));
  const service = XuiService.open(path, { now: () => NOW, audit, backupDir: `${path}.backups` });
  open.push(service, audit);
  return { path, audit, service };
}

const alice: FixtureClient = {
  email: "alice",
  key: "11111111-2222-4333-8444-555555555555",
  subId: "alicesub00000000",
  tgId: 4242,
  limitIp: 3,
  comment: "pays <cash> & late",
  expiryTime: NOW + 9 * DAY_MS,
  totalBytes: 50 * GB,
  reset: 30,
  up: 3 * GB,
  down: 7 * GB,
  allTime: 40 * GB,
  lastOnline: NOW - 60_000,
  ips: '["1.2.3.4","5.6.7.8"]',
  jsonOverrides: { flow: "xtls-rprx-vision", created_at: 1_700_000_000_000, updated_at: 1_750_000_000_000, custom: { keep: [1, 2] } },
};

describe("delete", () => {
  it("removes the JSON client, its row and its IP record, after a backup even for one client", async () => {
    const { path, service, audit } = setup([{ email: "first" }, alice, { email: "last" }]);
    const result = await service.delete({ refs: ["ALICE"] }, { actor: "1" });
    expect(result.changed.map((d) => [d.email, d.notes])).toEqual([["alice", ["deleted"]]]);
    expect(result.needsApply).toBe(true); // Xray keeps serving it until it restarts
    expect(jsonClient(path, "alice")).toBeUndefined();
    expect(rawRow(path, "alice")).toBeUndefined();
    expect(ipsRow(path, "alice")).toBeUndefined();
    expect(jsonClient(path, "first")?.client).toBeDefined();
    expect(result.backup && existsSync(result.backup)).toBe(true);
    expect(readdirSync(`${path}.backups`)).toHaveLength(1);
    expect(audit.get(result.auditId!)?.operation).toBe("delete");
    expect(service.check().findings).toEqual([]);
  });

  it("--keep-traffic leaves the client_traffics row; a dry run writes nothing", async () => {
    const { path, service } = setup([alice]);
    const hash = fileHash(path);
    const dry = await service.delete({ refs: ["alice"] }, { dryRun: true });
    expect(dry.changed[0]?.notes).toEqual(["deleted"]);
    expect(fileHash(path)).toBe(hash);
    await service.delete({ refs: ["alice"] }, { keepTraffic: true });
    expect(jsonClient(path, "alice")).toBeUndefined();
    expect(rawRow(path, "alice")).toMatchObject({ up: 3 * GB, down: 7 * GB });
    expect(ipsRow(path, "alice")).toBeUndefined();
  });

  it("undo puts the client back byte for byte: JSON at its place, row with its usage, IP record", async () => {
    const { path, service, audit } = setup([{ email: "first" }, alice, { email: "last" }], [{ email: "t1", ips: "[]" }]);
    const before = clientTables(path);
    const result = await service.delete({ refs: ["alice", "t1"] }, { actor: "1" });
    expect(settingsTexts(path).get(1)).not.toBe(before.settings.get(1));
    const undo = await service.undo(audit.get(result.auditId!)!, { actor: "1" });
    expect(undo.skipped).toEqual([]);
    expect(undo.result?.changed.map((d) => d.email).sort()).toEqual(["alice", "t1"]);
    expect(clientTables(path)).toEqual(before);
    expect(audit.get(result.auditId!)?.undoneBy).toBe(undo.result?.auditId);
  });

  it("undo after --keep-traffic puts the JSON client back beside the row it kept", async () => {
    const { path, service, audit } = setup([alice]);
    const before = clientTables(path);
    const result = await service.delete({ refs: ["alice"] }, { keepTraffic: true, actor: "1" });
    await service.undo(audit.get(result.auditId!)!, { actor: "1" });
    expect(clientTables(path)).toEqual(before);
  });

  it("undo leaves a client alone whose email was taken since, and says so", async () => {
    const { path, service, audit } = setup([alice]);
    const result = await service.delete({ refs: ["alice"] }, { actor: "1" });
    await service.create({ inboundId: 2, email: "Alice" });
    const undo = await service.undo(audit.get(result.auditId!)!, { actor: "1" });
    expect(undo).toMatchObject({ result: null, skipped: ["alice"] });
    expect(jsonClient(path, "Alice")?.inboundId).toBe(2);
  });

  it("delete and its undo of any clients, on any layout, leave the file's clients exactly as they were", async () => {
    const client = fc.record({
      tgId: fc.oneof(fc.nat(), fc.constant("100001"), fc.constant(null)),
      comment: fc.string({ maxLength: 12 }),
      expiryTime: fc.oneof(fc.constant(0), fc.integer({ min: -30, max: 400 }).map((d) => NOW + d * DAY_MS), fc.constant(-7 * DAY_MS)),
      totalBytes: fc.nat({ max: 100 }).map((g) => g * GB),
      up: fc.nat({ max: 2 ** 40 }),
      enable: fc.boolean(),
      reset: fc.nat({ max: 90 }),
      ips: fc.option(fc.constant('["9.9.9.9"]'), { nil: undefined }),
      stamp: fc.option(fc.nat(), { nil: undefined }),
    });
    const world = fc.record({
      clients: fc.array(client, { minLength: 1, maxLength: 6 }),
      pick: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
      keepTraffic: fc.boolean(),
      variant: fc.constantFrom<SchemaVariant>("2.8", "legacy", "extra-columns"),
    });
    await fc.assert(
      fc.asyncProperty(world, async ({ clients, pick, keepTraffic, variant }) => {
        const fixtures = clients.map((c, i): FixtureClient => ({
          email: `c${i}`,
          tgId: c.tgId,
          comment: c.comment,
          expiryTime: c.expiryTime,
          totalBytes: c.totalBytes,
          up: c.up,
          enable: c.enable,
          reset: c.reset,
          ...(c.ips ? { ips: c.ips } : {}),
          ...(c.stamp === undefined ? { omitKeys: ["updated_at"] } : { jsonOverrides: { updated_at: c.stamp } }),
        }));
        const { path, service, audit } = setup(fixtures.filter((_, i) => i % 2 === 0), fixtures.filter((_, i) => i % 2 === 1), variant);
        const before = clientTables(path);
        const refs = [...new Set(pick.map((p) => `c${p % clients.length}`))];
        const result = await service.delete({ refs }, { keepTraffic, actor: "1" });
        for (const ref of refs) expect(jsonClient(path, ref)).toBeUndefined();
        const undo = await service.undo(audit.get(result.auditId!)!, { actor: "1" });
        expect(undo.skipped).toEqual([]);
        expect(clientTables(path)).toEqual(before);
        service.close();
        audit.close();
      }),
      { numRuns: 40 },
    );
  });
});
