import { afterEach, describe, expect, it } from "vitest";
import { XuiError } from "../../src/core/errors.js";
import { DAY_MS, GB } from "../../src/core/units.js";
import { XuiService } from "../../src/service/xui-service.js";
import { marshalIndent, parseSettings } from "../../src/xui/panel-json.js";
import { fileHash, jsonClient, rawRow, settingsTexts, usage } from "../support/db-inspect.js";
import { buildXuiDb, tempDbPath, type FixtureClient } from "../support/xui-fixture.js";

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const open: XuiService[] = [];

function setup(clients: FixtureClient[], extra: FixtureClient[] = []) {
  const path = tempDbPath();
  buildXuiDb(path, {
    inbounds: [
      { id: 1, protocol: "vless", remark: "main", port: 443, clients, extraSettings: { decryption: "none", fallbacks: [{ dest: 8080 }], testseed: [900, 500] } },
      { id: 2, protocol: "trojan", remark: "other", port: 8443, clients: extra },
    ],
  });
  const service = XuiService.open(path, { now: () => NOW });
  open.push(service);
  return { path, service };
}

afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

const future = NOW + 10 * DAY_MS;
const past = NOW - 5 * DAY_MS;

describe("extend", () => {
  it("adds days to a future expiry, restarts an expired one from now, delays a delayed start, leaves never alone", async () => {
    const { path, service } = setup([
      { email: "future", expiryTime: future },
      { email: "expired", expiryTime: past, active: false },
      { email: "delayed", expiryTime: -3 * DAY_MS },
      { email: "never", expiryTime: 0 },
    ]);
    const result = await service.apply({ kind: "extend", days: 30 }, { refs: ["future", "EXPIRED", "delayed", "never"] });
    const after = (email: string) => rawRow(path, email)?.expiry_time;
    expect(after("future")).toBe(future + 30 * DAY_MS);
    expect(after("expired")).toBe(NOW + 30 * DAY_MS);
    expect(after("delayed")).toBe(-33 * DAY_MS);
    expect(after("never")).toBe(0);
    // Both places agree, and the JSON is stamped.
    for (const email of ["future", "expired", "delayed"]) {
      const json = jsonClient(path, email)?.client;
      expect(json?.expiryTime).toBe(after(email));
      expect(json?.updated_at).toBe(NOW);
    }
    expect(result.changed.map((d) => d.email).sort()).toEqual(["delayed", "expired", "future"]);
    expect(result.unchanged).toEqual([expect.objectContaining({ email: "never", notes: expect.arrayContaining(["never-expires"]) })]);
    // The expired client's panel flag is back on: it is valid again.
    expect(rawRow(path, "expired")?.enable).toBe(1);
    expect(result.changed.find((d) => d.email === "expired")?.notes).toContain("reactivated");
    expect(result.needsApply).toBe(true);
    expect(service.check().findings).toEqual([]);
  });

  it("keeps usage, unknown keys, other clients and untouched inbounds exactly as they were", async () => {
    const { path, service } = setup(
      [
        { email: "a", expiryTime: future, up: 5 * GB, down: 7 * GB, allTime: 20 * GB, lastOnline: NOW - 1000, jsonOverrides: { futureKey: { nested: [1, "x"] } } },
        { email: "b", expiryTime: future },
      ],
      [{ email: "t1", expiryTime: future }],
    );
    const usageBefore = usage(path);
    const textsBefore = settingsTexts(path);
    const bBefore = jsonClient(path, "b")?.client;
    await service.apply({ kind: "extend", days: 7 }, { refs: ["a"] });
    expect(usage(path)).toEqual(usageBefore);
    const texts = settingsTexts(path);
    expect(texts.get(2)).toBe(textsBefore.get(2));
    const settings = parseSettings(texts.get(1) as string);
    expect(settings.testseed).toEqual([900, 500]);
    expect(settings.fallbacks).toEqual([{ dest: 8080 }]);
    expect(jsonClient(path, "a")?.client.futureKey).toEqual({ nested: [1, "x"] });
    expect(jsonClient(path, "b")?.client).toEqual(bBefore);
    // The panel's own byte format.
    expect(texts.get(1)).toBe(marshalIndent(settings));
  });

  it("fails as a whole on unknown references, naming each, and writes nothing", async () => {
    const { path, service } = setup([{ email: "alice", expiryTime: future }]);
    const before = fileHash(path);
    const error = await service.apply({ kind: "extend", days: 3 }, { refs: ["alice", "ghost", "nobody"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(XuiError);
    expect((error as XuiError).code).toBe("unknown-ref");
    expect((error as XuiError).subjects).toEqual(["ghost", "nobody"]);
    expect((error as XuiError).message).toContain("ghost, nobody");
    expect(fileHash(path)).toBe(before);
  });

  it("finds clients by key as well as by email", async () => {
    const { path, service } = setup([{ email: "keyed", key: "11111111-2222-4333-8444-555555555555", expiryTime: future }]);
    await service.apply({ kind: "extend", days: 1 }, { refs: ["11111111-2222-4333-8444-555555555555"] });
    expect(rawRow(path, "keyed")?.expiry_time).toBe(future + DAY_MS);
  });

  it("a dry run computes the same diff and writes nothing", async () => {
    const { path, service } = setup([{ email: "a", expiryTime: future }]);
    const before = fileHash(path);
    const preview = await service.apply({ kind: "extend", days: 5 }, { all: true }, { dryRun: true });
    expect(preview.changed[0]?.after.expiryTime).toBe(future + 5 * DAY_MS);
    expect(fileHash(path)).toBe(before);
  });
});

describe("expiry, limit, reset", () => {
  it("sets an expiry date or never", async () => {
    const { path, service } = setup([{ email: "a", expiryTime: future }, { email: "b", expiryTime: past, active: false }]);
    await service.apply({ kind: "expiry", expiryTime: 0 }, { refs: ["a"] });
    expect(rawRow(path, "a")?.expiry_time).toBe(0);
    expect(jsonClient(path, "a")?.client.expiryTime).toBe(0);
    const at = NOW + 40 * DAY_MS;
    const r = await service.apply({ kind: "expiry", expiryTime: at }, { refs: ["b"] });
    expect(rawRow(path, "b")).toMatchObject({ expiry_time: at, enable: 1 });
    expect(r.changed[0]?.notes).toContain("reactivated");
  });

  it("raising the limit of an exhausted client re-enables it; lowering below usage disables it", async () => {
    const { path, service } = setup([
      { email: "full", totalBytes: 10 * GB, up: 6 * GB, down: 4 * GB, active: false },
      { email: "busy", totalBytes: 100 * GB, up: 30 * GB, down: 30 * GB },
    ]);
    await service.apply({ kind: "limit", totalBytes: 50 * GB }, { refs: ["full"] });
    expect(rawRow(path, "full")).toMatchObject({ total: 50 * GB, enable: 1 });
    expect(jsonClient(path, "full")?.client.totalGB).toBe(50 * GB);
    const r = await service.apply({ kind: "limit", totalBytes: 20 * GB }, { refs: ["busy"] });
    expect(rawRow(path, "busy")).toMatchObject({ total: 20 * GB, enable: 0 });
    expect(r.changed[0]?.notes).toContain("still-exhausted");
    expect(r.needsApply).toBe(false); // the panel removes it by itself
  });

  it("reset zeroes up and down, keeps all_time, optionally sets a new limit, and re-enables", async () => {
    const { path, service } = setup([{ email: "full", totalBytes: 10 * GB, up: 6 * GB, down: 5 * GB, allTime: 40 * GB, active: false }]);
    await service.apply({ kind: "reset", totalBytes: 100 * GB }, { refs: ["full"] });
    expect(rawRow(path, "full")).toMatchObject({ up: 0, down: 0, all_time: 40 * GB, total: 100 * GB, enable: 1 });
    await service.apply({ kind: "reset" }, { refs: ["full"] });
    expect(rawRow(path, "full")).toMatchObject({ total: 100 * GB });
  });
  it("with negative days takes days away, never past now without saying so", async () => {
    const { path, service } = setup([
      { email: "long", expiryTime: future },
      { email: "short", expiryTime: NOW + 2 * DAY_MS },
      { email: "expired", expiryTime: past, active: false },
      { email: "delayed", expiryTime: -5 * DAY_MS },
      { email: "brief", expiryTime: -2 * DAY_MS },
    ]);
    const result = await service.apply({ kind: "extend", days: -3 }, { refs: ["long", "short", "expired", "delayed", "brief"] });
    const after = (email: string) => rawRow(path, email)?.expiry_time;
    const notes = (email: string) => [...result.changed, ...result.unchanged].find((d) => d.email === email)?.notes;
    expect(after("long")).toBe(future - 3 * DAY_MS);
    expect(notes("long")).toEqual([]);
    // Two days left, three taken: it ends now, and the diff says so; the panel's flag goes off.
    expect(after("short")).toBe(NOW);
    expect(notes("short")).toContain("now-expired");
    expect(rawRow(path, "short")?.enable).toBe(0);
    expect(jsonClient(path, "short")?.client.expiryTime).toBe(NOW);
    // Already expired: nothing to take away.
    expect(after("expired")).toBe(past);
    expect(notes("expired")).toEqual(["still-expired", "no-change"]);
    // A delayed start keeps at least a day.
    expect(after("delayed")).toBe(-2 * DAY_MS);
    expect(after("brief")).toBe(-DAY_MS);
    expect(service.check().findings).toEqual([]);
  });
});

describe("block and unblock", () => {
  it("block clears both flags; unblock sets both, but says so when the client is still expired", async () => {
    const { path, service } = setup([{ email: "a", expiryTime: future }, { email: "old", expiryTime: past, enable: false, active: false }]);
    const blocked = await service.apply({ kind: "block" }, { refs: ["a"] });
    expect(rawRow(path, "a")?.enable).toBe(0);
    expect(jsonClient(path, "a")?.client.enable).toBe(false);
    expect(blocked.needsApply).toBe(true);
    await service.apply({ kind: "unblock" }, { refs: ["a"] });
    expect(rawRow(path, "a")?.enable).toBe(1);
    expect(jsonClient(path, "a")?.client.enable).toBe(true);
    const r = await service.apply({ kind: "unblock" }, { refs: ["old"] });
    expect(jsonClient(path, "old")?.client.enable).toBe(true);
    expect(rawRow(path, "old")?.enable).toBe(0);
    expect(r.changed[0]?.notes).toContain("still-expired");
    // Nothing to do says why.
    expect((await service.apply({ kind: "unblock" }, { refs: ["a"] })).unchanged[0]?.notes).toContain("not-blocked");
    await service.apply({ kind: "block" }, { refs: ["a"] });
    expect((await service.apply({ kind: "block" }, { refs: ["a"] })).unchanged[0]?.notes).toEqual(["no-change", "already-blocked"]);
  });

  it("extending a blocked client keeps it blocked", async () => {
    const { path, service } = setup([{ email: "b", expiryTime: past, enable: false, active: false }]);
    const r = await service.apply({ kind: "extend", days: 10 }, { refs: ["b"] });
    expect(rawRow(path, "b")?.enable).toBe(0);
    expect(r.changed[0]?.notes).toContain("blocked");
  });

  it("selects by inbound and all", async () => {
    const { path, service } = setup([{ email: "a" }, { email: "b" }], [{ email: "t" }]);
    const r = await service.apply({ kind: "block" }, { inboundId: 2 });
    expect(r.changed.map((d) => d.email)).toEqual(["t"]);
    expect(rawRow(path, "a")?.enable).toBe(1);
    const all = await service.apply({ kind: "block" }, { all: true });
    expect(all.changed.map((d) => d.email).sort()).toEqual(["a", "b"]);
    await expect(service.apply({ kind: "block" }, { inboundId: 99 })).rejects.toMatchObject({ code: "unknown-inbound" });
  });
});
