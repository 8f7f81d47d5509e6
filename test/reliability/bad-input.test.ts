// Whatever people (or scripts) send: never a crash or an unhandled rejection, always a clear
// error naming the input, and the database byte-identical afterwards.
import fc from "fast-check";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApi } from "../../src/api/app.js";
import { decode } from "../../src/bot/callback-data.js";
import { parseCommandLine } from "../../src/cli/args.js";
import { ConfigError, loadConfig } from "../../src/config.js";
import { XuiError } from "../../src/core/errors.js";
import { DAY_MS } from "../../src/core/units.js";
import { parseClientFilter } from "../../src/service/queries.js";
import { splitRefs } from "../../src/service/select.js";
import { parseBytes, parseDays, parseEmail, parseExpiryDate, parseGb, parseNonNegativeInt } from "../../src/service/validate.js";
import { XuiService } from "../../src/service/xui-service.js";
import { fileHash, jsonClient } from "../support/db-inspect.js";
import { buildXuiDb, tempDbPath } from "../support/xui-fixture.js";
import { ADMIN, harness } from "../bot/harness.js";

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => process.on("unhandledRejection", onUnhandled));
afterAll(() => {
  process.off("unhandledRejection", onUnhandled);
  expect(unhandled).toEqual([]);
});

/** Anything a person could type, and the shapes a script could send. */
const anything = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.constantFrom("", " ", "-1", "0", "1e309", "NaN", "Infinity", "1.5", "2027-02-30", "never", "99999999999999999999", "a'; DROP TABLE inbounds; --", "\u0000", "../../etc/passwd"),
  fc.integer(),
  fc.double(),
  fc.constant(null),
  fc.boolean(),
);

/** Runs `fn`; the only acceptable failure is a XuiError whose message names `field`. */
function clearOrValid<T>(field: string, fn: () => T, valid: (v: T) => boolean): void {
  let value: T;
  try {
    value = fn();
  } catch (error) {
    expect(error).toBeInstanceOf(XuiError);
    expect((error as XuiError).message).toContain(field);
    return;
  }
  expect(valid(value)).toBe(true);
}

describe("parsers", () => {
  it("every value parser answers a valid value or a clear error naming the field", () => {
    fc.assert(
      fc.property(anything, (v) => {
        clearOrValid("days", () => parseDays(v), (d) => Number.isSafeInteger(d) && d >= 1 && d <= 36_500);
        clearOrValid("gb", () => parseGb(v), (b) => Number.isSafeInteger(b) && b >= 0);
        clearOrValid("bytes", () => parseBytes(v), (b) => Number.isSafeInteger(b) && b >= 0);
        clearOrValid("date", () => parseExpiryDate(v), (ms) => ms === 0 || ms > Date.UTC(2000, 0, 1));
        clearOrValid("email", () => parseEmail(v), (e) => e.length > 0 && !/[\s,;]/u.test(e));
        clearOrValid("n", () => parseNonNegativeInt(v, "n"), (n) => Number.isSafeInteger(n) && n >= 0);
        if (typeof v === "string") {
          clearOrValid("filter", () => parseClientFilter(v), (f) => typeof f.kind === "string");
          expect(splitRefs(v).every((r) => r.length > 0 && !/[\s,;]/u.test(r))).toBe(true);
          const cb = decode(v);
          if (cb) expect(Buffer.byteLength(v)).toBeLessThanOrEqual(64);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("the command line answers a command or a usage error", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom("extend", "block", "--days", "--gb", "--all", "--inbound", "--json", "create", "--email", "check", "undo", "--date", "list", "--filter"), fc.string()), { maxLength: 6 }), (argv) => {
        try {
          parseCommandLine(argv, {});
        } catch (error) {
          expect(error).toBeInstanceOf(XuiError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("configuration answers a config or the list of problems", () => {
    const keys = ["BOT_TOKEN", "ADMIN_IDS", "BOT_LANGUAGE", "LOG_LEVEL", "API_TOKEN", "API_PORT", "XUI_APPLY", "BACKUP_THRESHOLD", "TELEGRAM_API_ROOT", "XUI_PANEL_URL"];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...keys), fc.string()), fc.constantFrom("bot" as const, "api" as const), (env, mode) => {
        try {
          loadConfig(env, mode);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as ConfigError).problems.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("entry points", () => {
  it("HTTP bodies: 4xx with a message, never a 500, nothing written", async () => {
    const path = tempDbPath();
    // A client no random reference can name, an inbound no client can be created in (1), and
    // one that takes clients under an ID no random inbound_id names: a random integer 2 with
    // a valid email once created a client here, rightly, and failed the run.
    const hidden = 2_000_000_007;
    buildXuiDb(path, {
      inbounds: [
        { id: 1, protocol: "wireguard" },
        { id: hidden, protocol: "vless", clients: [{ email: "c-7f3k9q2x", expiryTime: Date.now() + DAY_MS }] },
      ],
    });
    const service = XuiService.open(path, { backupDir: `${path}.backups` });
    const app = createApi({ service, token: "fuzz-token-0123456789" });
    const hash = fileHash(path);
    const routes = ["extend-expiry", "reset-traffic", "toggle-status", "set-limit", "set-expiry"].map((r) => `/api/users/${r}`).concat("/api/users");
    const bodies = fc.oneof(
      fc.string(),
      fc.json(),
      fc
        .record(
          { user_ids: fc.oneof(anything, fc.array(anything)), days: anything, enable: anything, new_limit: anything, gb: anything, date: anything, expiry_time: anything, inbound_id: fc.oneof(anything.filter((v) => Number(typeof v === "string" ? v.trim() : v) !== hidden), fc.constant(1)), email: anything },
          { requiredKeys: [] },
        )
        .map((o) => JSON.stringify(o)),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), bodies, async (route, body) => {
        const res = await app.request(route, { method: "POST", headers: { authorization: "Bearer fuzz-token-0123456789", "content-type": "application/json" }, body });
        const json = (await res.json()) as { error?: string };
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(json.error).toBeTruthy();
      }),
      { numRuns: 600 },
    );
    // An edit of a client no random reference names: every body is refused, by its fields or by the reference.
    const edits = fc.oneof(
      fc.json(),
      fc.record({ tg_id: anything, limit_ip: anything, comment: anything, flow: anything, email: anything, reset_days: anything, days: anything }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
    );
    await fc.assert(
      fc.asyncProperty(edits, async (body) => {
        const res = await app.request("/api/users/zz-nobody", { method: "PATCH", headers: { authorization: "Bearer fuzz-token-0123456789", "content-type": "application/json" }, body });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
    service.close();
    expect(fileHash(path)).toBe(hash);
  });

  it("chat messages and callback data from anyone: no crash, no error reaches bot.catch", async () => {
    // bot.catch logs every error that escaped a handler: there must be none.
    const errors: string[] = [];
    const logger = pino({ level: "error" }, { write: (line: string) => void errors.push(line) });
    const h = await harness(undefined, { logger });
    const hash = fileHash(h.dbPath);
    const commands = ["/extend", "/block", "/unblock", "/reset", "/limit", "/expiry", "/delete", "/edit", "/find", "/user", "/list", "/history", "/create", "/cancel", ""];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...commands), fc.string({ unit: "binary", maxLength: 60 }), fc.constantFrom(ADMIN, { id: 5 }), async (command, rest, who) => {
        // References are prefixed so that a random valid command cannot hit a real client.
        const text = command ? `${command} zz${rest.replace(/\s+/g, " zz")}` : rest || "x";
        await h.say(who, text);
        await h.say(who, "/cancel");
      }),
      { numRuns: 300 },
    );
    const [list] = await h.say(ADMIN, "/list");
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 64 }), fc.constantFrom(ADMIN, { id: 5 }), async (data, who) => {
        await h.pressData(who, list!, data || "x");
      }),
      { numRuns: 300 },
    );
    expect(errors).toEqual([]);
    expect(h.tg.sent().filter((m) => /internal error/.test(m.text ?? ""))).toEqual([]);
    expect(fileHash(h.dbPath)).toBe(hash);
    h.close();
  });

  it("a malformed settings column stops nothing else; wrongly typed fields are read and repaired", async () => {
    const path = tempDbPath();
    buildXuiDb(path, {
      inbounds: [
        { id: 1, protocol: "vless", rawSettings: '{"clients": [{"email": "lost", ' },
        { id: 2, protocol: "vmess", clients: [{ email: "odd", jsonOverrides: { expiryTime: "", totalGB: "5", enable: "yes", tgId: null, limitIp: 1.5 } }, { email: "fine", expiryTime: Date.now() + DAY_MS }] },
      ],
    });
    const service = XuiService.open(path, { backupDir: `${path}.backups` });
    expect(service.inbounds().find((i) => i.id === 1)?.settingsError).toMatch(/JSON/);
    await service.apply({ kind: "extend", days: 1 }, { refs: ["fine"] });
    await service.apply({ kind: "block" }, { refs: ["odd"] });
    expect(jsonClient(path, "odd")?.client.enable).toBe(false);
    await service.sync();
    expect(jsonClient(path, "odd")?.client).toMatchObject({ expiryTime: 0, tgId: 0, limitIp: 2 });
    expect(service.check().findings.map((f) => f.kind)).toEqual(["bad-settings"]);
    await expect(service.apply({ kind: "block" }, { refs: ["lost"] })).rejects.toMatchObject({ code: "unknown-ref" });
    service.close();
  });
});
