// `check` across servers when one is down since start: the others are still checked, the down
// one is named with why, and the exit code says which of drift (1) or a partial check (3) it is.
import Database from "better-sqlite3";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CheckReport } from "../../src/service/check.js";
import { tempDir } from "../support/temp-dir.js";
import { buildXuiDb } from "../support/xui-fixture.js";
import { fleetCli } from "./fleet-bot.js";
import { freePort } from "../support/free-port.js";

describe("check over several servers, one of them down", () => {
  it("checks the others, names the one it could not read, exits 3 without drift and 1 with", async () => {
    const dir = tempDir("fleet-check-down");
    const de = join(dir, "de.db");
    buildXuiDb(de, { inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "alice", expiryTime: Date.now() + 86_400_000 }] }] });
    const file = join(dir, "servers.json");
    writeFileSync(file, JSON.stringify([{ name: "de", db: de }, { name: "fi", url: `http://127.0.0.1:${await freePort()}`, token: "token-of-a-panel-that-is-down" }]));
    const env = { SERVERS_FILE: file, DATA_DIR: join(dir, "data"), BOT_DATA_PATH: join(dir, "bot.db"), SERVER_TIMEOUT_MS: "1000" };

    const clean = await fleetCli(env, "check");
    expect(clean.code, clean.err).toBe(3);
    expect(clean.out).toMatch(/^not checked: server fi: .*127\.0\.0\.1/m);
    expect(clean.out).toContain("no drift");
    expect(clean.out).not.toContain("token-of-a-panel-that-is-down");

    // Drift on de: found and named as de's, whatever fi's state.
    const db = new Database(de);
    db.prepare("UPDATE client_traffics SET expiry_time = expiry_time + 3600000 WHERE email = 'alice'").run();
    db.close();
    const drift = await fleetCli(env, "check", "--json");
    expect(drift.code).toBe(1);
    const report = JSON.parse(drift.out) as CheckReport;
    expect(report.findings.map((f) => f.email)).toEqual(["de/alice"]);
    expect(report.unchecked?.map((u) => u.server)).toEqual(["fi"]);
    expect(report.clients).toBe(1);

    // fi alone: nothing to check, the refusal names it.
    const only = await fleetCli(env, "check", "--server", "fi");
    expect(only.code).not.toBe(0);
    expect(only.err).toMatch(/127\.0\.0\.1/);
  });
});
