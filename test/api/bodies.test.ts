// Request bodies are checked strictly: unknown fields, two fields for one value, expiry in
// seconds and limits in GB sent as bytes are all a 400 that names the field, and none of them
// writes anything.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAY_MS, GB } from "../../src/core/units.js";
import { fileHash, rawRow } from "../support/db-inspect.js";
import { startTestApi, type TestApi } from "./harness.js";

const NOW = Date.now();
let t: TestApi;
beforeAll(async () => {
  t = await startTestApi({
    inbounds: [
      { id: 1, protocol: "vless", clients: [{ email: "alice", expiryTime: NOW + DAY_MS, totalBytes: 10 * GB, up: 3 * GB, down: 2 * GB }] },
      { id: 2, protocol: "wireguard" },
    ],
  });
});
afterAll(() => t.stop());

/** A body each route accepts, and the fields it takes. */
const VALID: Record<string, Record<string, unknown>> = {
  "/api/users/extend-expiry": { user_ids: ["alice"], days: 1 },
  "/api/users/reset-traffic": { user_ids: ["alice"], new_limit: 20 * GB },
  "/api/users/toggle-status": { user_ids: ["alice"], enable: false },
  "/api/users/set-limit": { user_ids: ["alice"], gb: 5 },
  "/api/users/set-expiry": { user_ids: ["alice"], date: "never" },
  "/api/users": { inbound_id: 1, email: "newbie" },
};
const FIELDS: Record<string, string[]> = {
  "/api/users/extend-expiry": ["user_ids", "days"],
  "/api/users/reset-traffic": ["user_ids", "new_limit"],
  "/api/users/toggle-status": ["user_ids", "enable"],
  "/api/users/set-limit": ["user_ids", "new_limit", "gb"],
  "/api/users/set-expiry": ["user_ids", "expiry_time", "date"],
  "/api/users": ["inbound_id", "email", "days", "total_bytes", "total_gb", "tg_id", "limit_ip", "comment"],
};
const routes = Object.keys(VALID);

describe("strict bodies", () => {
  it("a typo on reset-traffic (new_limt) is a 400 naming it, and traffic is not reset", async () => {
    const before = rawRow(t.path, "alice");
    const r = await t.call("POST", "/api/users/reset-traffic", { user_ids: ["alice"], new_limt: 20 * GB });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: "bad-input", subjects: ["new_limt"], error: '"new_limt": unknown field (this route takes user_ids, new_limit, server)' });
    expect(rawRow(t.path, "alice")).toEqual(before);
    expect(before).toMatchObject({ up: 3 * GB, down: 2 * GB });
  });

  it("refuses conflicts, seconds for ms, bytes under 1 MiB and missing fields, in words without 'undefined'", async () => {
    const hash = fileHash(t.path);
    const cases: [string, Record<string, unknown> | unknown[], string, string[]][] = [
      ["/api/users/set-limit", { user_ids: ["alice"], gb: 5, new_limit: 5 * GB }, "new_limit and gb: give one of them, not both", ["new_limit", "gb"]],
      ["/api/users/set-expiry", { user_ids: ["alice"], expiry_time: NOW + DAY_MS, date: "never" }, "expiry_time and date: give one of them, not both", ["expiry_time", "date"]],
      ["/api/users", { inbound_id: 1, email: "x", total_bytes: GB, total_gb: 1 }, "total_bytes and total_gb: give one of them, not both", ["total_bytes", "total_gb"]],
      ["/api/users/set-expiry", { user_ids: ["alice"], expiry_time: 1767225600 }, "expiry_time: 1767225600 looks like seconds: expiry_time is Unix milliseconds (1767225600000?), 0 = never", ["expiry_time"]],
      ["/api/users/set-limit", { user_ids: ["alice"], new_limit: 50 }, "new_limit: 50 is under 1 MiB: new_limit is in bytes (50 GB = 53687091200), 0 = unlimited", ["new_limit"]],
      ["/api/users/reset-traffic", { user_ids: ["alice"], new_limit: 1024 * 1024 - 1 }, "new_limit: 1048575 is under 1 MiB: new_limit is in bytes (1048575 GB = 1125898833100800), 0 = unlimited", ["new_limit"]],
      ["/api/users", { inbound_id: 1, email: "x", total_bytes: 100 }, "total_bytes: 100 is under 1 MiB: total_bytes is in bytes (100 GB = 107374182400), 0 = unlimited", ["total_bytes"]],
      ["/api/users/set-limit", { user_ids: ["alice"], gb: 0.0001 }, "gb: 0.0001 is under 1 MiB, 0 = unlimited", ["gb"]],
      ["/api/users/extend-expiry", { user_ids: ["alice"] }, "days: is required", ["days"]],
      ["/api/users/set-limit", { user_ids: ["alice"] }, "new_limit or gb: one of them is required", ["new_limit", "gb"]],
      ["/api/users", { comment: 5, emial: "x" }, 'inbound_id: is required; email: is required; comment: 5 must be a string; "emial": unknown field (this route takes inbound_id, email, days, total_bytes, total_gb, tg_id, limit_ip, comment, flow, start_on_first_use, more_inbound_ids, server)', ["inbound_id", "email", "comment", "emial"]],
      ["/api/users/toggle-status", [], "body: must be a JSON object", ["body"]],
    ];
    for (const [route, body, error, subjects] of cases) {
      const r = await t.call("POST", route, body);
      expect(r.status, `${route} ${JSON.stringify(body)}`).toBe(400);
      expect(r.json).toMatchObject({ code: "bad-input", error, subjects });
    }
    expect(fileHash(t.path)).toBe(hash);
  });

  it("still takes 0 (unlimited, never) and a limit of exactly 1 MiB", async () => {
    expect((await t.call("POST", "/api/users/set-limit", { user_ids: ["alice"], new_limit: 1024 * 1024 })).status).toBe(200);
    expect(rawRow(t.path, "alice")?.total).toBe(1024 * 1024);
    expect((await t.call("POST", "/api/users/set-limit", { user_ids: ["alice"], new_limit: 0 })).status).toBe(200);
    expect(rawRow(t.path, "alice")?.total).toBe(0);
    expect((await t.call("POST", "/api/users/set-expiry", { user_ids: ["alice"], expiry_time: 0 })).status).toBe(200);
    expect(rawRow(t.path, "alice")?.expiry_time).toBe(0);
  });

  it("property: any unknown field on any route is a 400 naming it, and nothing is written", async () => {
    const hash = fileHash(t.path);
    const entries = t.audit.latest(1000).length;
    const unknownField = fc.constantFrom(...routes).chain((route) =>
      fc.record({
        route: fc.constant(route),
        key: fc.string({ maxLength: 12 }).filter((k) => !FIELDS[route]?.includes(k) && !k.includes("undefined")),
        value: fc.jsonValue({ maxDepth: 2 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(unknownField, async ({ route, key, value }) => {
        const r = await t.call("POST", route, { ...VALID[route], [key]: value });
        expect(r.status).toBe(400);
        expect(r.json.subjects).toContain(key);
        expect(r.json.error).toContain(`${JSON.stringify(key)}: unknown field`);
      }),
      { numRuns: 150 },
    );
    expect(fileHash(t.path)).toBe(hash);
    expect(t.audit.latest(1000)).toHaveLength(entries);
  });

  it("property: whatever the known fields hold, a 4xx whose text never says 'undefined', and nothing is written", async () => {
    const hash = fileHash(t.path);
    const value = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }));
    const body = fc.constantFrom(...routes).chain((route) =>
      fc.record({
        route: fc.constant(route),
        // Only clients that do not exist, and only the inbound that takes none (wireguard).
        fields: fc.record(Object.fromEntries((FIELDS[route] ?? []).map((f) => [f, f === "user_ids" ? fc.array(fc.string({ maxLength: 6 }).map((s) => `zz-${s}`), { maxLength: 2 }) : f === "inbound_id" ? fc.constantFrom(2, "2", -1, "x", null) : value])), { requiredKeys: [] }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(body, async ({ route, fields }) => {
        const r = await t.call("POST", route, fields);
        expect(r.status).toBeGreaterThanOrEqual(400);
        expect(r.status).toBeLessThan(500);
        expect(r.json.error).toEqual(expect.any(String));
        if (!JSON.stringify(fields).includes("undefined")) expect(r.json.error).not.toMatch(/undefined/);
      }),
      { numRuns: 200 },
    );
    expect(fileHash(t.path)).toBe(hash);
  });
});
