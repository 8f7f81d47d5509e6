// A remote 3.x panel given a username and password (no API token) in SERVERS_FILE: its login
// page shows no version (a single-page app), its API does once logged in, so it is opened with
// the 3.x driver, never 2.x's client routes (which 3.x does not have). Read back from the
// stand-in's own file: the client's three places agree after a change.
import Database from "better-sqlite3";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { DAY_MS } from "../../src/core/units.js";
import { BotStore } from "../../src/store/bot-store.js";
import { runPanel3 } from "../support/panel3/harness.js";
import { tempDir } from "../support/temp-dir.js";
import { disagreements } from "../support/xui3-agreement.js";
import { demoXui3 } from "../support/xui3-fixture.js";
import { buildXuiDb } from "../support/xui-fixture.js";
import { fleetCli } from "./fleet-bot.js";

const NOW = Date.now();

const expiry3 = (path: string, email: string): number => {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT expiry_time FROM clients WHERE email = ?").pluck().get(email) as number;
  } finally {
    db.close();
  }
};

describe("a remote 3.x panel given a login", () => {
  it("is found to be 3.x and read, changed and health-checked through the 3.x API", async () => {
    const dir = tempDir("fleet-login3");
    const de = join(dir, "de.db");
    buildXuiDb(de, { inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "zoe" }] }] });
    const fi = await runPanel3({ fixture: demoXui3(NOW) });
    const file = join(dir, "servers.json");
    writeFileSync(file, JSON.stringify([{ name: "de", db: de }, { name: "fi", url: fi.panel.url, username: "admin", password: "admin" }]));
    const env = { SERVERS_FILE: file, DATA_DIR: join(dir, "data"), BOT_DATA_PATH: join(dir, "bot.db"), SERVER_TIMEOUT_MS: "2000" };

    const servers = await fleetCli(env, "servers", "--json");
    expect(servers.code, servers.err).toBe(0);
    const fiStatus = (JSON.parse(servers.out) as { name: string; panel: string; version?: string; writer: string }[]).find((s) => s.name === "fi");
    expect(fiStatus).toMatchObject({ panel: "3x-ui 3.x", version: "3.6.0", writer: "panel" });

    const start = expiry3(fi.dbPath, "alice");
    const extended = await fleetCli(env, "extend", "fi/alice", "--days", "3");
    expect(extended.code, extended.err).toBe(0);
    expect(expiry3(fi.dbPath, "alice")).toBe(start + 3 * DAY_MS);
    expect(disagreements(fi.dbPath)).toEqual([]);

    const store = new BotStore(env.BOT_DATA_PATH);
    store.beat();
    store.close();
    const out: string[] = [];
    const code = await runCli(["health"], { out: (t) => out.push(t), err: (t) => out.push(t) }, env);
    expect(code, out.join("\n")).toBe(0);
    expect(out.join("\n")).toContain("ok   database fi: the panel answers (3x-ui 3.6.0)");
    expect(out.join("\n")).not.toContain("admin");
  });
});
