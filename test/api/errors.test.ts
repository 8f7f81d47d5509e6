// Every error answer has one shape, {error, code, subjects, request_id}, and the request ID
// of the X-Request-Id header; an unexpected failure is logged under that same ID.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAY_MS } from "../../src/core/units.js";
import { fileHash } from "../support/db-inspect.js";
import { startTestApi, TOKEN, type Answer, type TestApi } from "./harness.js";

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi({ inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "alice", expiryTime: Date.now() + DAY_MS }] }] });
});
afterAll(() => t.stop());

function expectShape(r: Answer, status: number, code: string): void {
  expect(r.status).toBe(status);
  expect(Object.keys(r.json).sort()).toEqual(["code", "error", "request_id", "subjects"]);
  expect(r.json).toMatchObject({ code, error: expect.any(String), subjects: expect.any(Array) });
  expect(r.json.error).not.toMatch(/undefined/);
  expect(r.json.request_id).toMatch(/^[\w-]{8,}$/);
  expect(r.headers.get("x-request-id")).toBe(r.json.request_id);
}

describe("error answers", () => {
  it("401, 404 and 405 share the shape, and nothing is written", async () => {
    const hash = fileHash(t.path);
    const noToken = await t.call("POST", "/api/users/extend-expiry", { user_ids: ["alice"], days: 1 }, { token: null });
    expectShape(noToken, 401, "unauthorized");
    expect(noToken.json.subjects).toEqual(["authorization"]);
    expect(noToken.headers.get("www-authenticate")).toBe("Bearer");
    expectShape(await t.call("GET", "/api/check", undefined, { token: "wrong-token-0123456789" }), 401, "unauthorized");

    const route = await t.call("GET", "/api/nothing");
    expectShape(route, 404, "unknown-route");
    expect(route.json).toMatchObject({ error: "no route GET /api/nothing", subjects: ["/api/nothing"] });
    expectShape(await t.call("GET", "/elsewhere", undefined, { token: null }), 404, "unknown-route");
    const client = await t.call("GET", "/api/users/nobody");
    expectShape(client, 404, "unknown-ref");
    expect(client.json).toMatchObject({ error: "unknown client: nobody", subjects: ["nobody"] });

    // Before: GET /api/users/extend-expiry looked up a client called "extend-expiry" (404).
    const cases: [string, string, string][] = [
      ["GET", "/api/users/extend-expiry", "POST"],
      ["GET", "/api/users/set-limit", "POST"],
      ["PUT", "/api/users/reset-traffic", "POST"],
      ["PUT", "/api/users/alice", "GET, HEAD, PATCH, DELETE"],
      ["DELETE", "/api/users/extend-expiry", "POST"],
      ["PATCH", "/api/users", "GET, HEAD, POST"],
      ["POST", "/api/check", "GET, HEAD"],
    ];
    for (const [method, path, allow] of cases) {
      const r = await t.call(method, path);
      expectShape(r, 405, "method-not-allowed");
      expect(r.json.error).toBe(`${method} ${path}: method not allowed (use ${allow})`);
      expect(r.headers.get("allow"), `${method} ${path}`).toBe(allow);
    }
    // The token is checked first: without it, no route is told apart from another.
    expectShape(await t.call("GET", "/api/users/extend-expiry", undefined, { token: null }), 401, "unauthorized");
    expectShape(await t.call("POST", "/api/health", undefined, { token: null }), 405, "method-not-allowed");
    expect(fileHash(t.path)).toBe(hash);
  });

  it("400, 404, 409 from the service carry the request ID too; a client's own X-Request-Id is kept", async () => {
    expectShape(await t.call("POST", "/api/users/extend-expiry", { user_ids: ["alice"], days: 0 }), 400, "bad-input");
    expectShape(await t.call("POST", "/api/users/extend-expiry", "{not json"), 400, "bad-input");
    expectShape(await t.call("POST", "/api/users", { inbound_id: 1, email: "ALICE" }), 409, "duplicate-email");
    const mine = await t.call("GET", "/api/users/ghost", undefined, { headers: { "x-request-id": "trace-42" } });
    expect(mine.json.request_id).toBe("trace-42");
    expect(mine.headers.get("x-request-id")).toBe("trace-42");
    // One that could forge a log line is replaced by a fresh ID.
    const forged = await t.call("GET", "/api/users/ghost", undefined, { headers: { "x-request-id": 'a"b c' } });
    expect(forged.json.request_id).not.toBe('a"b c');
    expectShape(forged, 404, "unknown-ref");
  });

  it("a success answer carries X-Request-Id as well", async () => {
    const r = await t.call("GET", "/api/users/alice");
    expect(r.status).toBe(200);
    expect(r.headers.get("x-request-id")).toMatch(/^[\w-]{8,}$/);
  });

  // Last against this server: the server answers before reading the whole body and drops the
  // connection, which the client's pool would otherwise reuse for the next request.
  it("413 shares it too", async () => {
    const hash = fileHash(t.path);
    const ids = Array.from({ length: 100_000 }, (_, i) => `client-number-${i}`);
    const big = await t.call("POST", "/api/users/extend-expiry", { user_ids: ids, days: 1 });
    expectShape(big, 413, "body-too-large");
    expect(big.json).toMatchObject({ error: "body larger than 1048576 bytes", subjects: ["body"] });
    expect(fileHash(t.path)).toBe(hash);
  });
});

describe("an unexpected failure", () => {
  it("answers 500 in the shape with an ID, and logs the error under that ID (without the token)", async () => {
    const broken = await startTestApi({ inbounds: [{ id: 1, protocol: "vless", clients: [] }] });
    try {
      // A connection closed under the API: better-sqlite3 throws a plain TypeError.
      broken.service.close();
      const r = await broken.call("GET", "/api/users");
      expectShape(r, 500, "internal");
      expect(r.json.error).toBe(`internal error; the server log has the details under request ${String(r.json.request_id)}`);
      const line = broken.logs.find((l) => l.msg === "api request failed");
      expect(line).toMatchObject({ level: 50, requestId: r.json.request_id, method: "GET", path: "/api/users", err: { message: expect.stringMatching(/not open/) } });
      expect(JSON.stringify(broken.logs)).not.toContain(TOKEN);
    } finally {
      await broken.stop();
    }
  });
});
