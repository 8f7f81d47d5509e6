// A locked or read-only x-ui.db through the API: the documented 503 with the standard error
// shape, quickly (the busy budget bounds reads too), and a health check that says so.
import { readFileSync } from "node:fs";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { DAY_MS } from "../../src/core/units.js";
import { fileHash, rawRow } from "../support/db-inspect.js";
import { startTestApi, type Answer, type TestApi } from "./harness.js";

const BUDGET_MS = 300;
const VERSION = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
const clients = [{ email: "alice", expiryTime: Date.now() + DAY_MS }];

let t: TestApi | undefined;
let holder: Database.Database | undefined;
afterEach(async () => {
  holder?.close();
  holder = undefined;
  await t?.stop();
  t = undefined;
});

/** Another connection (the panel, or a tool) takes the lock and keeps it. */
function hold(path: string, how: "EXCLUSIVE" | "IMMEDIATE"): Database.Database {
  holder = new Database(path);
  holder.exec(`BEGIN ${how}`);
  return holder;
}

function expectBusy(r: Answer, path: string): void {
  expect(r.status).toBe(503);
  expect(r.json).toEqual({ error: expect.stringMatching(/locked .*nothing was changed/), code: "busy", subjects: [path], request_id: r.headers.get("x-request-id") });
  expect(r.headers.get("retry-after")).toBe("1");
}

describe("a database locked by another connection", () => {
  it("exclusively: reads and writes answer 503 busy within the budget, health says busy, nothing changes", async () => {
    const api = (t = await startTestApi({ inbounds: [{ id: 1, protocol: "vless", clients }] }, { service: { busyBudgetMs: BUDGET_MS, lockWaitMs: 5 } }));
    const hash = fileHash(api.path);
    const lock = hold(api.path, "EXCLUSIVE");
    for (const [method, route, body] of [
      ["GET", "/api/users", undefined],
      ["GET", "/api/users/alice", undefined],
      ["GET", "/api/check", undefined],
      ["POST", "/api/users/extend-expiry", { user_ids: ["alice"], days: 30 }],
      ["POST", "/api/users", { inbound_id: 1, email: "dave" }],
    ] as const) {
      const started = Date.now();
      const r = await api.call(method, route, body);
      // Under the old fixed 2 s read wait this took 2 s and answered 500.
      expect(Date.now() - started, `${method} ${route}`).toBeLessThan(1500);
      expectBusy(r, api.path);
    }
    const health = await api.call("GET", "/api/health", undefined, { token: null });
    expect(health).toMatchObject({ status: 503, json: { ok: false, status: "degraded", database: "busy", writable: true, version: VERSION } });
    // Each refusal is logged under the ID its answer carried.
    const refusals = api.logs.filter((l) => l.msg === "api request refused");
    expect(refusals).toHaveLength(5);
    expect(refusals[0]).toMatchObject({ level: 40, code: "busy", method: "GET", path: "/api/users", requestId: expect.any(String) });
    lock.exec("ROLLBACK");
    expect(fileHash(api.path)).toBe(hash);
    expect((await api.call("GET", "/api/health", undefined, { token: null })).json).toMatchObject({ ok: true, database: "ok" });
    expect((await api.call("GET", "/api/users")).status).toBe(200);
  });

  it("for writing: reads go on, a write whose busy budget ran out answers 503 busy and writes nothing", async () => {
    const api = (t = await startTestApi({ inbounds: [{ id: 1, protocol: "vless", clients }] }, { service: { busyBudgetMs: BUDGET_MS, lockWaitMs: 5 } }));
    const before = rawRow(api.path, "alice");
    const lock = hold(api.path, "IMMEDIATE");
    expect((await api.call("GET", "/api/users/alice")).status).toBe(200);
    const r = await api.call("POST", "/api/users/toggle-status", { user_ids: ["alice"], enable: false });
    expect(r.status).toBe(503);
    expect(r.json).toMatchObject({ code: "busy", error: expect.stringMatching(new RegExp(`locked for ${BUDGET_MS} ms.*nothing was changed`)) });
    lock.exec("ROLLBACK");
    expect(rawRow(api.path, "alice")).toEqual(before);
  });
});

describe("GET /api/health", () => {
  it("on a writable database: ok, the layout and the version", async () => {
    const api = (t = await startTestApi({ inbounds: [{ id: 1, protocol: "vless", clients }] }));
    expect(await api.call("GET", "/api/health", undefined, { token: null })).toMatchObject({
      status: 200,
      json: { ok: true, status: "ok", database: "ok", schema: "3x-ui-2", writable: true, version: VERSION },
    });
  });

  it("on a database this tool must not edit (3x-ui 3.1+): 503 read-only, without the reason or the path", async () => {
    const api = (t = await startTestApi({ variant: "3.x", inbounds: [{ id: 1, protocol: "vless", clients }] }));
    const r = await api.call("GET", "/api/health", undefined, { token: null });
    expect(r.status).toBe(503);
    expect(r.json).toEqual({ ok: false, status: "degraded", database: "read-only", schema: api.service.schema.family, writable: false, version: VERSION });
  });
});
