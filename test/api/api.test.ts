// The HTTP API over real HTTP on loopback, against a real x-ui.db.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApplier } from "../../src/apply/applier.js";
import { DAY_MS, GB } from "../../src/core/units.js";
import { fileHash, jsonClient, rawRow } from "../support/db-inspect.js";
import { startTestApi, type TestApi } from "./harness.js";

const NOW = Date.now();
let t: TestApi;
let path: string;

beforeAll(async () => {
  t = await startTestApi({
    inbounds: [
      { id: 1, protocol: "vless", clients: [{ email: "alice", key: "11111111-2222-4333-8444-555555555555", expiryTime: NOW + DAY_MS }, { email: "bob", expiryTime: NOW - DAY_MS, active: false }] },
      { id: 2, protocol: "trojan", clients: [{ email: "carol", totalBytes: 10 * GB, up: 20 * GB, active: false }] },
    ],
  });
  path = t.path;
});

afterAll(() => t.stop());

const call = (method: string, route: string, body?: unknown, token?: string | null) => t.call(method, route, body, token === undefined ? {} : { token });

describe("HTTP API", () => {
  it("rejects a missing or wrong token; health needs none", async () => {
    expect((await call("GET", "/api/check", undefined, null)).status).toBe(401);
    expect((await call("GET", "/api/check", undefined, "wrong-token-0123456789")).status).toBe(401);
    expect((await call("POST", "/api/users/extend-expiry", { user_ids: ["alice"], days: 1 }, null)).status).toBe(401);
    expect(await call("GET", "/api/health", undefined, null)).toMatchObject({ status: 200, json: { ok: true, database: "ok" } });
  });

  it("extend-expiry as in the seed: user ids (email or key), days; answers with the diff", async () => {
    const before = rawRow(path, "alice")?.expiry_time as number;
    const { status, json } = await call("POST", "/api/users/extend-expiry", { user_ids: ["11111111-2222-4333-8444-555555555555", "bob"], days: 30 });
    expect(status).toBe(200);
    expect(rawRow(path, "alice")?.expiry_time).toBe(before + 30 * DAY_MS);
    expect(json).toMatchObject({ operation: "extend", changed: [{ email: "alice" }, { email: "bob", notes: ["reactivated"] }], apply: { status: "manual" } });
    expect(t.audit.latest(1)[0]).toMatchObject({ actor: "api", operation: "extend" });
  });

  it("reset-traffic with new_limit in bytes, toggle-status, set-limit, set-expiry", async () => {
    expect((await call("POST", "/api/users/reset-traffic", { user_ids: ["carol"], new_limit: 107374182400 })).status).toBe(200);
    expect(rawRow(path, "carol")).toMatchObject({ up: 0, down: 0, total: 107374182400, enable: 1 });
    await call("POST", "/api/users/toggle-status", { user_ids: ["carol"], enable: false });
    expect(jsonClient(path, "carol")?.client.enable).toBe(false);
    await call("POST", "/api/users/toggle-status", { user_ids: ["carol"], enable: true });
    expect(rawRow(path, "carol")?.enable).toBe(1);
    await call("POST", "/api/users/set-limit", { user_ids: ["carol"], gb: 5 });
    expect(rawRow(path, "carol")?.total).toBe(5 * GB);
    await call("POST", "/api/users/set-expiry", { user_ids: ["carol"], date: "never" });
    expect(rawRow(path, "carol")?.expiry_time).toBe(0);
    await call("POST", "/api/users/set-expiry", { user_ids: ["carol"], expiry_time: NOW + 9 * DAY_MS });
    expect(rawRow(path, "carol")?.expiry_time).toBe(NOW + 9 * DAY_MS);
  });

  it("creates a client, reads it back, lists with filters, checks", async () => {
    const created = await call("POST", "/api/users", { inbound_id: 2, email: "dave", days: 10, total_gb: 20, tg_id: 555 });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ operation: "create", client: { email: "dave", tgId: 555, totalBytes: 20 * GB } });
    expect((await call("GET", "/api/users/DAVE")).json).toMatchObject({ email: "dave", inboundId: 2 });
    expect((await call("GET", "/api/users?filter=inbound:2")).json).toMatchObject({ count: 2 });
    expect((await call("GET", "/api/users?q=dav")).json).toMatchObject({ count: 1 });
    expect((await call("GET", "/api/check")).json).toMatchObject({ findings: [] });
  });

  it("answers bad input with 400 naming the field, unknown clients with 404, and changes nothing", async () => {
    const hash = fileHash(path);
    const cases: [string, string, unknown, number, RegExp][] = [
      ["POST", "/api/users/extend-expiry", { user_ids: ["alice"], days: 0 }, 400, /days: 0 must not be 0/],
      ["POST", "/api/users/extend-expiry", { user_ids: ["alice"], days: "many" }, 400, /days: "many" is not a whole number/],
      ["POST", "/api/users/extend-expiry", { user_ids: [], days: 3 }, 400, /user_ids/],
      ["POST", "/api/users/extend-expiry", "{not json", 400, /body: not valid JSON/],
      ["POST", "/api/users/toggle-status", { user_ids: ["alice"], enable: "no" }, 400, /enable: "no" must be true or false/],
      ["POST", "/api/users/reset-traffic", { user_ids: ["alice"], new_limit: 1.5 }, 400, /new_limit: 1.5 is not a whole number of bytes/],
      ["POST", "/api/users/extend-expiry", { user_ids: ["alice", "ghost"], days: 3 }, 404, /unknown client: ghost/],
      ["POST", "/api/users", { inbound_id: 1, email: "ALICE" }, 409, /email already in use/],
      ["GET", "/api/users/nobody", undefined, 404, /unknown client: nobody/],
      ["GET", "/api/users?filter=soon", undefined, 400, /unknown filter "soon"/],
    ];
    for (const [method, route, body, status, message] of cases) {
      const r = await call(method, route, body);
      expect(r.status, `${method} ${route} ${JSON.stringify(body)}`).toBe(status);
      expect(String(r.json.error)).toMatch(message);
    }
    expect(fileHash(path)).toBe(hash);
  });

  it("with ?wait=true waits for the Xray restart and says how it went", async () => {
    const applier = createApplier({ mode: "command", command: `${process.execPath} -e "0"`, debounceMs: 20, maxWaitMs: 1000, timeoutMs: 5000 });
    const second = await startTestApi({ inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "bob" }] }] }, { applier });
    try {
      const { json } = await second.call("POST", "/api/users/toggle-status?wait=true", { user_ids: ["bob"], enable: false });
      expect(json.apply).toEqual({ status: "done", message: "Xray restarted: the change is live" });
    } finally {
      await second.stop();
    }
  });
});
