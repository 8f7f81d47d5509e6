// xui-admin stats: the same numbers as /stats, from the panel's file and the history the bot
// recorded in its own file (--data / BOT_DATA_PATH).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DAY_MS, GB } from "../../src/core/units.js";
import type { ServerStats } from "../../src/service/stats.js";
import { UsageHistory } from "../../src/store/usage-history.js";
import { tempDir } from "../support/temp-dir.js";
import { buildXuiDb, tempDbPath } from "../support/xui-fixture.js";
import { captureCli } from "../support/cli.js";

function panelFile(): string {
  const path = tempDbPath();
  const now = Date.now();
  buildXuiDb(path, {
    inbounds: [
      { id: 1, protocol: "vless", remark: "two\nlines", port: 443, clients: [{ email: "alice", expiryTime: now + DAY_MS, up: GB, down: GB, lastOnline: now }, { email: "bob", enable: false }] },
      { id: 2, protocol: "trojan", port: 8443, clients: [{ email: "carol", expiryTime: now - DAY_MS, down: 3 * GB }] },
    ],
  });
  return path;
}

function cli(data: string, ...args: string[]) {
  return captureCli(args, { BOT_DATA_PATH: data });
}

describe("xui-admin stats", () => {
  it("--json: clients by status, online, traffic from the bot's usage history, top, inbounds", async () => {
    const data = join(tempDir("xui-cli-stats"), "bot.db");
    const history = new UsageHistory(data);
    const now = Date.now();
    history.sample("local", [{ email: "alice", key: "a", up: 0, down: 0 }], now - 60_000);
    history.sample("local", [{ email: "alice", key: "a", up: 100, down: 200 }], now);
    history.close();
    const { code, out } = await cli(data, "stats", "--json", "--db", panelFile());
    expect(code).toBe(0);
    const stats = JSON.parse(out) as ServerStats;
    expect(stats.clients).toEqual({ total: 3, active: 1, expiring: 1, expired: 1, depleted: 0, blocked: 1, disabled: 0 });
    expect(stats.online).toBe(1);
    expect(stats.traffic).toEqual({ today: 300, days7: 300, days30: 300, allTime: 5 * GB });
    expect(stats.top.map((t) => [t.email, t.used])).toEqual([["carol", 3 * GB], ["alice", 2 * GB]]);
    expect(stats.inbounds.map((i) => [i.id, i.clients, i.active, i.online, i.used])).toEqual([[1, 2, 1, 1, 2 * GB], [2, 1, 0, 0, 3 * GB]]);
  });

  it("text: one line per inbound (a remark's newline too); no history where the bot never ran, and no file made", async () => {
    const data = join(tempDir("xui-cli-stats"), "bot.db");
    const { code, out } = await cli(data, "stats", "--db", panelFile());
    expect(code).toBe(0);
    expect(out).toContain("clients: 3 (active 1, expiring within 3 days 1, expired 1, depleted 0, blocked 1, disabled 0)");
    expect(out).toContain("traffic: today -, 7 days -, 30 days -, all time 5 GB");
    expect(out).toContain("usage history: none yet");
    expect(out).toMatch(/top 2 by usage:\n {2}1\. carol\t3 GB\n {2}2\. alice\t2 GB/);
    expect(out).toContain("  #1\tvless\t:443\ttwo lines\t2 clients, 1 active, 1 online, 2 GB");
    expect(existsSync(data)).toBe(false);
  });
});
