import { afterEach, describe, expect, it } from "vitest";
import { DAY_MS, GB } from "../../src/core/units.js";
import { XuiService } from "../../src/service/xui-service.js";
import { marshalIndent, parseSettings } from "../../src/xui/panel-json.js";
import { fileHash, jsonClient, rawRow, settingsTexts } from "../support/db-inspect.js";
import { buildXuiDb, tempDbPath, type SchemaVariant } from "../support/xui-fixture.js";

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const open: XuiService[] = [];

function setup(variant: SchemaVariant = "2.8") {
  const path = tempDbPath();
  buildXuiDb(path, {
    variant,
    inbounds: [
      { id: 1, protocol: "vmess", clients: [{ email: "Existing" }] },
      { id: 2, protocol: "vless", clients: [] },
      { id: 3, protocol: "trojan", clients: [] },
      { id: 4, protocol: "shadowsocks", method: "2022-blake3-aes-128-gcm", clients: [] },
      { id: 5, protocol: "shadowsocks", method: "chacha20-ietf-poly1305", clients: [] },
      { id: 6, protocol: "wireguard" },
    ],
  });
  const service = XuiService.open(path, { now: () => NOW });
  open.push(service);
  return { path, service };
}

afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

const COMMON = ["comment", "created_at", "email", "enable", "expiryTime", "limitIp", "reset", "subId", "tgId", "totalGB", "updated_at"];

describe("create", () => {
  it.each([
    [1, ["id", "security"]],
    [2, ["flow", "id"]],
    [3, ["password"]],
    [4, ["method", "password"]],
    [5, ["method", "password"]],
  ])("writes the full 2.8.5 structure for inbound %i and its client_traffics row", async (inboundId, specific) => {
    const { path, service } = setup();
    const email = `new-${inboundId}`;
    const result = await service.create({ inboundId, email, days: 30, totalBytes: 50 * GB, tgId: 123456789, limitIp: 2, comment: "a <b> & c" });
    const json = jsonClient(path, email);
    expect(json?.inboundId).toBe(inboundId);
    const client = json?.client ?? {};
    expect(Object.keys(client).sort()).toEqual([...COMMON, ...specific].sort());
    expect(client).toMatchObject({ email, enable: true, expiryTime: NOW + 30 * DAY_MS, totalGB: 50 * GB, tgId: 123456789, limitIp: 2, reset: 0, created_at: NOW, updated_at: NOW });
    expect(String(client.subId)).toMatch(/^[a-z0-9]{16}$/);
    expect(rawRow(path, email)).toMatchObject({ inbound_id: inboundId, enable: 1, up: 0, down: 0, all_time: 0, expiry_time: NOW + 30 * DAY_MS, total: 50 * GB, reset: 0 });
    const text = settingsTexts(path).get(inboundId) as string;
    expect(text).toBe(marshalIndent(parseSettings(text)));
    expect(text).toContain("a \\u003cb\\u003e \\u0026 c");
    expect(result.needsApply).toBe(true);
    expect(service.check().findings).toEqual([]);
  });

  it("generates keys of the right shape", async () => {
    const { path, service } = setup();
    await service.create({ inboundId: 2, email: "v" });
    await service.create({ inboundId: 4, email: "ss128" });
    expect(String(jsonClient(path, "v")?.client.id)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Buffer.from(String(jsonClient(path, "ss128")?.client.password), "base64")).toHaveLength(16);
    expect(jsonClient(path, "ss128")?.client.method).toBe(""); // 2022: the method lives on the inbound
  });

  it("refuses a duplicate email in any case, a protocol without clients, and an unknown inbound, writing nothing", async () => {
    const { path, service } = setup();
    const before = fileHash(path);
    await expect(service.create({ inboundId: 2, email: "existing" })).rejects.toMatchObject({ code: "duplicate-email" });
    await expect(service.create({ inboundId: 6, email: "wg" })).rejects.toThrow(/wireguard/);
    await expect(service.create({ inboundId: 42, email: "x" })).rejects.toMatchObject({ code: "unknown-inbound" });
    await expect(service.create({ inboundId: 2, email: "has space" })).rejects.toMatchObject({ code: "bad-input" });
    // One client in several inbounds exists on 3.x only: on 2.x it is refused, not half done.
    await expect(service.create({ inboundId: 1, moreInboundIds: [2], email: "both" })).rejects.toMatchObject({ code: "bad-input", message: expect.stringMatching(/one inbound/) as string });
    expect(fileHash(path)).toBe(before);
  });

  it("on an older schema inserts only the columns that exist", async () => {
    const { path, service } = setup("legacy");
    await service.create({ inboundId: 2, email: "old-style", days: 1 });
    const row = rawRow(path, "old-style");
    expect(row).toMatchObject({ email: "old-style", enable: 1, expiry_time: NOW + DAY_MS });
    expect(row).not.toHaveProperty("reset");
    expect(row).not.toHaveProperty("all_time");
  });

  describe("with every option", () => {
    function flowSetup() {
      const path = tempDbPath();
      const vision = { jsonOverrides: { flow: "xtls-rprx-vision" } };
      buildXuiDb(path, {
        inbounds: [
          { id: 1, protocol: "vless", streamSettings: { network: "tcp", security: "reality" }, clients: [{ email: "a", ...vision }, { email: "b", ...vision }, { email: "c" }] },
          { id: 2, protocol: "vless", streamSettings: { network: "ws", security: "tls" }, clients: [{ email: "w", ...vision }] },
          { id: 3, protocol: "vless", streamSettings: { network: "tcp", security: "tls" }, clients: [] },
          { id: 4, protocol: "vmess", clients: [] },
        ],
      });
      const service = XuiService.open(path, { now: () => NOW });
      open.push(service);
      return { path, service };
    }

    it("gives a new VLESS client the flow its inbound's clients mostly use, where a flow is allowed", async () => {
      const { path, service } = flowSetup();
      await service.create({ inboundId: 1, email: "n1" });
      expect(jsonClient(path, "n1")?.client.flow).toBe("xtls-rprx-vision");
      await service.create({ inboundId: 2, email: "n2" }); // ws: no flow, whatever its clients hold
      expect(jsonClient(path, "n2")?.client.flow).toBe("");
      await service.create({ inboundId: 3, email: "n3" }); // allowed, but no client to follow
      expect(jsonClient(path, "n3")?.client.flow).toBe("");
      await service.create({ inboundId: 4, email: "n4" });
      expect(jsonClient(path, "n4")?.client).not.toHaveProperty("flow");
    });

    it("takes a flow, Telegram ID, IP limit, comment and a delayed start as given", async () => {
      const { path, service } = flowSetup();
      await service.create({ inboundId: 3, email: "full", flow: "xtls-rprx-vision-udp443", tgId: 5, limitIp: 2, comment: "c", delayedStartDays: 30, totalBytes: GB });
      expect(jsonClient(path, "full")?.client).toMatchObject({ flow: "xtls-rprx-vision-udp443", tgId: 5, limitIp: 2, comment: "c", expiryTime: -30 * DAY_MS, totalGB: GB });
      expect(rawRow(path, "full")).toMatchObject({ expiry_time: -30 * DAY_MS, total: GB, enable: 1 });
      await service.create({ inboundId: 1, email: "plain", flow: "" });
      expect(jsonClient(path, "plain")?.client.flow).toBe("");
      expect(service.check().findings).toEqual([]);
    });

    it("refuses a flow the inbound cannot serve, and days with a delayed start, writing nothing", async () => {
      const { path, service } = flowSetup();
      const hash = fileHash(path);
      await expect(service.create({ inboundId: 2, email: "x", flow: "xtls-rprx-vision" })).rejects.toThrow(/TCP transport/);
      await expect(service.create({ inboundId: 4, email: "x", flow: "xtls-rprx-vision" })).rejects.toThrow(/VLESS only/);
      await expect(service.create({ inboundId: 1, email: "x", days: 3, delayedStartDays: 3 })).rejects.toThrow(/not both/);
      expect(fileHash(path)).toBe(hash);
    });
  });
});
