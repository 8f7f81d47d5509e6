// One status per client, the same in every face: the CLI (text and --json), the API's JSON and
// the bot's card and list line, on real x-ui.db files.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApi } from "../../src/api/app.js";
import { en } from "../../src/bot/locales/en.js";
import { cardText, listLine } from "../../src/bot/render.js";
import { runCli } from "../../src/cli/main.js";
import { DAY_MS, GB } from "../../src/core/units.js";
import { clientStatus, type ClientStatus } from "../../src/service/status.js";
import type { Client } from "../../src/core/types.js";
import { XuiService } from "../../src/service/xui-service.js";
import { buildXuiDb, copyRealFixture, tempDbPath } from "../support/xui-fixture.js";

const NOW = Date.now();
const TOKEN = "status-test-token-0123456789";

/** One client per status, and the cases where the precedence decides. */
const EXPECTED: Record<string, ClientStatus> = {
  fresh: "active",
  // Expired 1394 days ago while the panel's flag is still on (the panel was stopped).
  stale: "expired",
  // Over its limit, the panel's tick not yet come.
  full: "depleted",
  // The admin's switch beats everything, even an expiry long past.
  barred: "blocked",
  // The panel's flag off for none of the reasons above.
  paused: "disabled",
  // Expired and over its limit: expired first.
  both: "expired",
};

let path: string;
let service: XuiService;

beforeAll(() => {
  path = tempDbPath();
  buildXuiDb(path, {
    inbounds: [
      {
        id: 1,
        protocol: "vless",
        clients: [
          { email: "fresh", expiryTime: NOW + 10 * DAY_MS, totalBytes: 10 * GB, up: GB },
          { email: "stale", expiryTime: NOW - 1394 * DAY_MS, active: true },
          { email: "full", totalBytes: 10 * GB, up: 4 * GB, down: 6 * GB, active: true },
          { email: "barred", enable: false, active: false, expiryTime: NOW - 3 * DAY_MS },
        ],
      },
      {
        id: 2,
        protocol: "trojan",
        clients: [
          { email: "paused", expiryTime: NOW + 5 * DAY_MS, active: false },
          { email: "both", expiryTime: NOW - DAY_MS, totalBytes: GB, up: 2 * GB, active: false },
        ],
      },
    ],
  });
  service = XuiService.open(path, { readonly: true });
});

afterAll(() => {
  service.close();
});

async function cli(...args: string[]) {
  const out: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => out.push(t) }, {});
  return { code, out: out.join("\n") };
}

const client = (email: string) => service.get(email) as Client;

describe("clientStatus", () => {
  it("follows blocked > expired > depleted > disabled > active", () => {
    for (const [email, status] of Object.entries(EXPECTED)) expect(clientStatus(client(email), NOW), email).toBe(status);
    // Unlimited, never expiring, flag on: active; the same with the flag off: disabled.
    const open = { enabled: true, active: true, expiryTime: 0, totalBytes: 0, up: 5 * GB, down: 0 };
    expect(clientStatus(open, NOW)).toBe("active");
    expect(clientStatus({ ...open, active: false }, NOW)).toBe("disabled");
    // A delayed start (negative expiry) has not expired.
    expect(clientStatus({ ...open, expiryTime: -7 * DAY_MS }, NOW)).toBe("active");
  });
});

describe("every face shows the one status", () => {
  it("xui-admin show and list, as text and --json", async () => {
    const text: Record<ClientStatus, RegExp> = {
      active: /status: +active$/m,
      expired: /status: +expired$/m,
      depleted: /status: +depleted \(traffic used up\)$/m,
      blocked: /status: +blocked$/m,
      disabled: /status: +disabled by the panel$/m,
    };
    for (const [email, status] of Object.entries(EXPECTED)) {
      const show = await cli("show", email, "--db", path);
      expect(show.code).toBe(0);
      expect(show.out, email).toMatch(text[status]);
      const json = JSON.parse((await cli("show", email, "--db", path, "--json")).out) as { status: string; active: boolean };
      expect(json, email).toMatchObject({ status, active: status === "active" });
    }
    const list = await cli("list", "--db", path);
    expect(list.code).toBe(0);
    for (const [email, status] of Object.entries(EXPECTED)) expect(list.out).toMatch(new RegExp(`^${email}\\t#\\d\\t${status}\\t`, "m"));
    const listed = JSON.parse((await cli("list", "--db", path, "--json")).out) as { email: string; status: string; active: boolean }[];
    expect(Object.fromEntries(listed.map((c) => [c.email, c.status]))).toEqual(EXPECTED);
    expect(listed.filter((c) => c.active).map((c) => c.email)).toEqual(["fresh"]);
  });

  it("the API's client JSON: status, and active meaning status active", async () => {
    const app = createApi({ service, token: TOKEN });
    const get = async (route: string) => {
      const res = await app.request(route, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      return res.json() as Promise<Record<string, unknown>>;
    };
    for (const [email, status] of Object.entries(EXPECTED)) {
      expect(await get(`/api/users/${email}`), email).toMatchObject({ email, status, active: status === "active" });
    }
    const { clients } = (await get("/api/users")) as { clients: { email: string; status: string; active: boolean }[] };
    expect(Object.fromEntries(clients.map((c) => [c.email, [c.status, c.active]]))).toEqual(
      Object.fromEntries(Object.entries(EXPECTED).map(([email, status]) => [email, [status, status === "active"]])),
    );
  });

  it("the bot's card and list line", () => {
    for (const [email, status] of Object.entries(EXPECTED)) {
      const c = client(email);
      expect(cardText(en, c, NOW).split("\n")[0], email).toBe(`<b>${email}</b> — ${en.status[status]}`);
      expect(listLine(en, c, NOW, 1), email).toMatch(new RegExp(`^1\\. <b>${email}</b> ${en.status[status]} · `));
    }
  });

  it("a published file whose panel left long-expired clients flagged on: expired everywhere", async () => {
    const real = copyRealFixture("amirneo98_server86.db");
    const show = await cli("show", "1-1", "--db", real, "--json");
    expect(JSON.parse(show.out)).toMatchObject({ email: "1-1", enabled: true, status: "expired", active: false });
    expect((await cli("show", "1-1", "--db", real)).out).toMatch(/status: +expired\n.*\n {2}expiry: .*\(expired \d+ days ago\)/);
    const opened = XuiService.open(real, { readonly: true });
    try {
      const c = opened.get("1-1") as Client;
      expect(c.active).toBe(true); // the row's flag, as the panel left it
      expect(cardText(en, c, NOW)).toMatch(/— ⌛ expired/);
      const res = await createApi({ service: opened, token: TOKEN }).request("/api/users/1-1", { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(await res.json()).toMatchObject({ status: "expired", active: false });
    } finally {
      opened.close();
    }
  });
});
