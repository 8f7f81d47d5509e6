// DELETE and PATCH /api/users/:ref, create with every option, negative days: over real HTTP.
import { afterEach, describe, expect, it } from "vitest";
import { DAY_MS } from "../../src/core/units.js";
import { clientTables, fileHash, ipsRow, jsonClient, rawRow } from "../support/db-inspect.js";
import { startTestApi, type TestApi } from "./harness.js";

const NOW = Date.now();
const running: TestApi[] = [];
afterEach(async () => {
  for (const t of running.splice(0)) await t.stop();
});

async function start(): Promise<TestApi> {
  const t = await startTestApi({
    inbounds: [
      {
        id: 1,
        protocol: "vless",
        streamSettings: { network: "tcp", security: "tls" },
        clients: [
          { email: "alice", expiryTime: NOW + 10 * DAY_MS, ips: '["1.1.1.1"]', jsonOverrides: { flow: "xtls-rprx-vision" } },
          { email: "bob", expiryTime: NOW + DAY_MS },
        ],
      },
    ],
  });
  running.push(t);
  return t;
}

describe("DELETE /api/users/:ref", () => {
  it("deletes after a backup and answers with the diff; undo puts the client back exactly", async () => {
    const t = await start();
    const before = clientTables(t.path);
    const r = await t.call("DELETE", "/api/users/ALICE");
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ operation: "delete", changed: [{ email: "alice", notes: ["deleted"] }], backup: expect.stringMatching(/x-ui-.*\.db$/) });
    expect([jsonClient(t.path, "alice"), rawRow(t.path, "alice"), ipsRow(t.path, "alice")]).toEqual([undefined, undefined, undefined]);
    const entry = t.audit.latest(1)[0]!;
    expect(entry).toMatchObject({ actor: "api", operation: "delete" });
    await t.service.undo(entry, { actor: "api" });
    expect(clientTables(t.path)).toEqual(before);
  });

  it("?keep_traffic=true keeps the row; an unknown client is 404 and nothing changes", async () => {
    const t = await start();
    const hash = fileHash(t.path);
    expect((await t.call("DELETE", "/api/users/ghost")).status).toBe(404);
    expect(fileHash(t.path)).toBe(hash);
    expect((await t.call("DELETE", "/api/users/bob?keep_traffic=true")).status).toBe(200);
    expect(rawRow(t.path, "bob")).toBeDefined();
    expect(jsonClient(t.path, "bob")).toBeUndefined();
  });
});

describe("PATCH /api/users/:ref", () => {
  it("changes the fields given, answers with the diff and the client as it is now", async () => {
    const t = await start();
    const r = await t.call("PATCH", "/api/users/bob", { tg_id: 42, limit_ip: 3, comment: "c", flow: "xtls-rprx-vision", reset_days: 30, email: "robert" });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      operation: "edit",
      changed: [{ email: "bob", fields: { email: { before: "bob", after: "robert" }, tgId: { before: 0, after: 42 }, flow: { before: "", after: "xtls-rprx-vision" } } }],
      client: { email: "robert", tgId: 42, limitIp: 3, comment: "c", flow: "xtls-rprx-vision", reset: 30 },
    });
    expect(rawRow(t.path, "robert")).toMatchObject({ reset: 30 });
  });

  it("refuses unknown fields, an empty body, a duplicate email and a flow the inbound cannot serve", async () => {
    const t = await start();
    const hash = fileHash(t.path);
    const cases: [unknown, number, RegExp][] = [
      [{ tgid: 5 }, 400, /"tgid": unknown field \(this route takes tg_id, limit_ip, comment, flow, email, reset_days\)/],
      [{}, 400, /nothing to change/],
      [{ email: "BOB" }, 409, /email already in use: BOB/],
      [{ flow: "turbo" }, 400, /flow: "turbo" is not a flow/],
      [{ limit_ip: -1 }, 400, /limit_ip/],
    ];
    for (const [body, status, message] of cases) {
      const r = await t.call("PATCH", "/api/users/alice", body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(String(r.json.error)).toMatch(message);
    }
    expect(fileHash(t.path)).toBe(hash);
  });
});

describe("POST /api/users and extend-expiry", () => {
  it("creates with a flow (by default the inbound's) and a delayed start", async () => {
    const t = await start();
    expect((await t.call("POST", "/api/users", { inbound_id: 1, email: "d1" })).status).toBe(201);
    expect(jsonClient(t.path, "d1")?.client.flow).toBe("xtls-rprx-vision");
    const r = await t.call("POST", "/api/users", { inbound_id: 1, email: "d2", flow: "", start_on_first_use: 30, limit_ip: 2, comment: "x" });
    expect(r.status).toBe(201);
    expect(jsonClient(t.path, "d2")?.client).toMatchObject({ flow: "", expiryTime: -30 * DAY_MS, limitIp: 2, comment: "x" });
    expect((await t.call("POST", "/api/users", { inbound_id: 1, email: "d3", days: 3, start_on_first_use: 3 })).status).toBe(400);
  });

  it("takes days away with negative days", async () => {
    const t = await start();
    const before = rawRow(t.path, "alice")?.expiry_time as number;
    const r = await t.call("POST", "/api/users/extend-expiry", { user_ids: ["alice", "bob"], days: -3 });
    expect(r.status).toBe(200);
    expect(rawRow(t.path, "alice")?.expiry_time).toBe(before - 3 * DAY_MS);
    expect(r.json).toMatchObject({ changed: [{ email: "alice" }, { email: "bob", notes: ["now-expired"] }] });
  });
});
