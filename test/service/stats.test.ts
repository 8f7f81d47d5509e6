// The statistics every face shows: on a 2.x file built with known clients (exact numbers), on
// real published files (numbers that must agree with the file read by plain SQL), and the
// traffic of the last days from a real usage history.
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { DAY_MS, GB } from "../../src/core/units.js";
import { clientDailyUsage, expiringPerDay, serverStats } from "../../src/service/stats.js";
import { XuiService } from "../../src/service/xui-service.js";
import { UsageHistory } from "../../src/store/usage-history.js";
import { tempDir } from "../support/temp-dir.js";
import { buildXuiDb, copyRealFixture, tempDbPath } from "../support/xui-fixture.js";
import { buildXui3Db, demoXui3 } from "../support/xui3-fixture.js";

/** Local noon, 15 March 2026: the days of the history are local days. */
const NOW = new Date(2026, 2, 15, 12, 0).getTime();
const MB = 2 ** 20;

function knownFile(): string {
  const path = tempDbPath();
  buildXuiDb(path, {
    inbounds: [
      {
        id: 1,
        protocol: "vless",
        remark: "NL\nReality",
        port: 443,
        clients: [
          { email: "alice", expiryTime: NOW + 10 * DAY_MS, up: GB, down: 3 * GB, allTime: 10 * GB, lastOnline: NOW - 60_000 },
          { email: "bob", expiryTime: NOW + 2 * DAY_MS, down: 500 * MB, lastOnline: NOW - 10 * 60_000 },
          { email: "carol", expiryTime: NOW - DAY_MS, up: 7 * GB },
          { email: "dave", expiryTime: NOW + 40 * DAY_MS, totalBytes: GB, up: GB, down: GB },
        ],
      },
      {
        id: 2,
        protocol: "vmess",
        remark: "DE",
        port: 8443,
        clients: [
          { email: "erin", enable: false, expiryTime: NOW + 5 * DAY_MS, down: 5 * GB },
          { email: "frank", active: false, expiryTime: NOW + 2 * DAY_MS },
          { email: "gina", expiryTime: 0, up: 2 * GB, lastOnline: NOW },
        ],
      },
    ],
  });
  return path;
}

function history(): UsageHistory {
  return new UsageHistory(join(tempDir("xui-stats"), "bot.db"));
}

describe("serverStats on a 2.x file with known clients", () => {
  it("counts clients by status, online now, all-time traffic, the top and each inbound", () => {
    const service = XuiService.open(knownFile(), { readonly: true });
    const s = serverStats(service.clients(), service.inbounds(), undefined, NOW, "local");
    expect(s.clients).toEqual({ total: 7, active: 3, expiring: 1, expired: 1, depleted: 1, blocked: 1, disabled: 1 });
    expect(s.online).toBe(2); // alice a minute ago, gina now; bob ten minutes ago is not
    // all_time where it is ahead of the counters (alice: 10 GB), the counters elsewhere.
    expect(s.traffic).toEqual({ today: null, days7: null, days30: null, allTime: 10 * GB + 500 * MB + 7 * GB + 2 * GB + 5 * GB + 2 * GB });
    expect(s.historySince).toBeNull();
    expect(s.top.map((t) => [t.email, t.used])).toEqual([
      ["carol", 7 * GB],
      ["erin", 5 * GB],
      ["alice", 4 * GB],
      ["dave", 2 * GB],
      ["gina", 2 * GB],
      ["bob", 500 * MB],
    ]);
    expect(s.inbounds).toEqual([
      { id: 1, remark: "NL\nReality", protocol: "vless", port: 443, enable: true, clients: 4, active: 2, online: 1, used: 4 * GB + 500 * MB + 7 * GB + 2 * GB },
      { id: 2, remark: "DE", protocol: "vmess", port: 8443, enable: true, clients: 3, active: 1, online: 1, used: 7 * GB },
    ]);
    service.close();
  });

  it("takes today, 7 and 30 days from the usage history (deleted clients' traffic included)", () => {
    const service = XuiService.open(knownFile(), { readonly: true });
    const usage = history();
    const day = (n: number) => NOW - n * DAY_MS;
    usage.sample("local", [{ email: "alice", key: "a", up: 0, down: 0 }, { email: "gone", key: "g", up: 0, down: 0 }], day(45));
    usage.sample("local", [{ email: "alice", key: "a", up: 100, down: 0 }, { email: "gone", key: "g", up: 1000, down: 0 }], day(40)); // outside 30 days
    usage.sample("local", [{ email: "alice", key: "a", up: 300, down: 0 }], day(20)); // +200: in 30 days
    usage.sample("local", [{ email: "alice", key: "a", up: 340, down: 0 }, { email: "new", key: "n", up: 10, down: 0 }], day(3)); // +40 +10: in 7 days
    usage.sample("local", [{ email: "alice", key: "a", up: 345, down: 2 }], day(0)); // +7 today
    const s = serverStats(service.clients(), service.inbounds(), usage, NOW, "local");
    expect(s.traffic).toMatchObject({ today: 7, days7: 57, days30: 257 });
    expect(s.historySince).toBe("2026-01-29");
    expect(clientDailyUsage(usage, "local", "alice", NOW, 30).filter((d) => d.up + d.down > 0)).toEqual([
      { day: "2026-02-23", up: 200, down: 0 },
      { day: "2026-03-12", up: 40, down: 0 },
      { day: "2026-03-15", up: 5, down: 2 },
    ]);
    const days = clientDailyUsage(usage, "local", "alice", NOW, 30);
    expect(days).toHaveLength(30);
    expect([days[0]?.day, days.at(-1)?.day]).toEqual(["2026-02-14", "2026-03-15"]);
    usage.close();
    service.close();
  });

  it("counts clients expiring on each of the next 30 days, blocked and expired ones left out", () => {
    const service = XuiService.open(knownFile(), { readonly: true });
    const perDay = expiringPerDay(service.clients(), NOW, 30);
    expect(perDay).toHaveLength(30);
    expect(perDay[0]?.day).toBe("2026-03-15");
    expect(perDay.filter((d) => d.count > 0)).toEqual([
      { day: "2026-03-17", count: 2 }, // bob, frank
      { day: "2026-03-25", count: 1 }, // alice (erin is blocked, dave beyond 30 days)
    ]);
    service.close();
  });
});

describe("serverStats on real 2.x files", () => {
  for (const name of ["ivansalou288-tech_vpn_bot-2.db", "Takoyek_Tel_To_Pannel.db"]) {
    it(`${name}: agrees with the file read by plain SQL`, () => {
      const path = copyRealFixture(name);
      const service = XuiService.open(path, { readonly: true });
      const now = Date.now();
      const s = serverStats(service.clients(), service.inbounds(), undefined, now, "local");
      const db = new Database(path, { readonly: true });
      const emails = new Set<string>();
      for (const settings of db.prepare("SELECT settings FROM inbounds WHERE protocol IN ('vmess','vless','trojan','shadowsocks')").pluck().all() as string[]) {
        for (const c of (JSON.parse(settings) as { clients?: { email: string }[] }).clients ?? []) emails.add(c.email);
      }
      // Older 2.x files have neither all_time nor last_online.
      const columns = db.prepare("SELECT name FROM pragma_table_info('client_traffics')").pluck().all();
      const allTime = columns.includes("all_time") ? "COALESCE(all_time, 0)" : "0";
      const lastOnline = columns.includes("last_online") ? "last_online" : "0 AS last_online";
      const rows = db.prepare(`SELECT email, up + down AS used, MAX(up + down, ${allTime}) AS total, ${lastOnline} FROM client_traffics`).all() as { email: string; used: number; total: number; last_online: number }[];
      db.close();
      const ofClients = rows.filter((r) => emails.has(r.email));
      expect(s.clients.total).toBe(emails.size);
      const { total, expiring, ...byStatus } = s.clients;
      expect(Object.values(byStatus).reduce((a, b) => a + b, 0)).toBe(total);
      expect(expiring).toBeLessThanOrEqual(byStatus.active);
      expect(s.traffic.allTime).toBe(ofClients.reduce((sum, r) => sum + r.total, 0));
      expect(s.online).toBe(ofClients.filter((r) => r.last_online > now - 3 * 60_000).length);
      const top = ofClients.filter((r) => r.used > 0).sort((a, b) => b.used - a.used || a.email.localeCompare(b.email)).slice(0, 10);
      expect(s.top.map((t) => [t.email, t.used])).toEqual(top.map((r) => [r.email, r.used]));
      expect(s.inbounds.reduce((sum, i) => sum + i.clients, 0)).toBe(total);
      service.close();
    });
  }
});

describe("serverStats on a 3x-ui 3.x file", () => {
  it("counts a client on several inbounds once in the totals and once in each of its inbounds", () => {
    const path = tempDbPath();
    buildXui3Db(path, demoXui3(NOW));
    const service = XuiService.open(path, { readonly: true });
    const s = serverStats(service.clients(), service.inbounds(), undefined, NOW, "local");
    expect(s.clients.total).toBe(8);
    expect(s.online).toBe(1); // alice, a minute ago
    expect(s.top[0]).toMatchObject({ email: "bob", used: 7 * GB });
    expect(s.inbounds.map((i) => [i.id, i.clients, i.online])).toEqual([[1, 4, 1], [2, 3, 1], [3, 3, 1], [4, 2, 0]]);
    expect(s.traffic.allTime).toBe(GB + 3 * GB + 2 * GB + 5 * GB + 10 * MB + GB + GB);
    service.close();
  });
});
