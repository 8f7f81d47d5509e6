// Statistics over several servers: two local 2.x files as servers `de` and `nl`, alice on both
// with different usage. The usage history is sampled per server on an injected clock (the
// panel's counters raised between samples as Xray would), then /stats (text and charts), the
// card's usage chart, `xui-admin stats --server` and GET /api/stats?server= are checked against
// figures worked out by hand.
import Database from "better-sqlite3";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { createApi } from "../../src/api/app.js";
import { startApi } from "../../src/api/server.js";
import { DAY_MS, GB } from "../../src/core/units.js";
import { dayKey, dayKeyAfter } from "../../src/core/usage.js";
import { createLogger } from "../../src/log.js";
import { Fleet } from "../../src/service/fleet.js";
import { fleetStats, type FleetStats } from "../../src/service/fleet-stats.js";
import { expiringPerDay } from "../../src/service/stats.js";
import { UsageHistory } from "../../src/store/usage-history.js";
import { startServerSamplers } from "../../src/usage-samplers.js";
import { ADMIN, harnesses } from "../bot/harness.js";
import type { SentMessage } from "../support/telegram-stand-in.js";
import { tempDir } from "../support/temp-dir.js";
import { buildXuiDb } from "../support/xui-fixture.js";
import { fleetCli } from "./fleet-bot.js";

const NOW = Date.now();
const TOKEN = "test-api-token-0123456789";
const start = harnesses();

/** What Xray's accounting does to a 2.x file: the client's counters (and all time) go up. */
function addTraffic(path: string, email: string, up: number, down: number): void {
  const db = new Database(path);
  try {
    db.prepare("UPDATE client_traffics SET up = up + ?, down = down + ?, all_time = all_time + ? WHERE email = ?").run(up, down, up + down, email);
  } finally {
    db.close();
  }
}

/**
 * de: alice 2 GB (online, ends in 2 days), bob 4 GB (expired).
 * nl: alice 5 GB (online, ends in 2 days), carol 1 GB (blocked), dave (ends in 10 days).
 * History: a first sample two hours ago, then de/alice +1 GB and nl/alice +3 GB, sampled now.
 */
async function twoServers() {
  const dir = tempDir("fleet-stats");
  const de = join(dir, "de.db");
  const nl = join(dir, "nl.db");
  buildXuiDb(de, {
    inbounds: [
      {
        id: 1,
        protocol: "vless",
        remark: "DE main",
        port: 443,
        clients: [
          { email: "alice", up: GB, down: GB, lastOnline: NOW - 30_000, expiryTime: NOW + 2 * DAY_MS },
          { email: "bob", down: 4 * GB, expiryTime: NOW - DAY_MS },
        ],
      },
    ],
  });
  buildXuiDb(nl, {
    inbounds: [
      {
        id: 1,
        protocol: "vless",
        remark: "NL main",
        port: 8443,
        clients: [
          { email: "alice", up: 2 * GB, down: 3 * GB, lastOnline: NOW - 30_000, expiryTime: NOW + 2 * DAY_MS },
          { email: "carol", enable: false, down: GB },
        ],
      },
      { id: 2, protocol: "trojan", remark: "NL trojan", port: 2083, clients: [{ email: "dave", expiryTime: NOW + 10 * DAY_MS }] },
    ],
  });
  const serversFile = join(dir, "servers.json");
  writeFileSync(serversFile, JSON.stringify([{ name: "de", db: de }, { name: "nl", db: nl }]));
  const dataPath = join(dir, "bot.db");
  let clock = NOW - 2 * 60 * 60_000;
  const fleet = await Fleet.open(
    [
      { name: "de", kind: "local", db: de },
      { name: "nl", kind: "local", db: nl },
    ],
    { now: () => clock },
  );
  const history = new UsageHistory(dataPath);
  const errors: unknown[] = [];
  const samplers = startServerSamplers(fleet, history, { everyMs: 60 * 60_000, now: () => clock, onError: (e) => errors.push(e) });
  addTraffic(de, "alice", 0, GB);
  addTraffic(nl, "alice", 3 * GB, 0);
  clock = NOW;
  for (const s of samplers) s.sample();
  for (const s of samplers) s.stop();
  expect(errors).toEqual([]);
  const env = { SERVERS_FILE: serversFile, BOT_DATA_PATH: dataPath, DATA_DIR: join(dir, "data") };
  return { fleet, history, env, de, close: () => (fleet.close(), history.close()) };
}

const clientsOf = (total: number, active: number, expiring: number, expired: number, blocked: number) => ({ total, active, expiring, expired, depleted: 0, blocked, disabled: 0 });

/** The totals and lines worked out by hand from twoServers' data. */
function expectTwoServers(stats: FleetStats): void {
  const since = dayKey(NOW - 2 * 60 * 60_000);
  expect(stats.clients).toEqual(clientsOf(5, 3, 2, 1, 1));
  expect(stats.online).toBe(2);
  expect(stats.traffic).toEqual({ today: 4 * GB, days7: 4 * GB, days30: 4 * GB, allTime: 16 * GB });
  expect(stats.historySince).toBe(since);
  expect(stats.servers).toEqual([
    { server: "de", clients: clientsOf(2, 1, 1, 1, 0), online: 1, traffic: { today: GB, days7: GB, days30: GB, allTime: 7 * GB }, historySince: since },
    { server: "nl", clients: clientsOf(3, 2, 1, 0, 1), online: 1, traffic: { today: 3 * GB, days7: 3 * GB, days30: 3 * GB, allTime: 9 * GB }, historySince: since },
  ]);
  expect(stats.top.map((t) => [t.server, t.email, t.used])).toEqual([
    ["nl", "alice", 8 * GB],
    ["de", "bob", 4 * GB],
    ["de", "alice", 3 * GB],
    ["nl", "carol", GB],
  ]);
  expect(stats.inbounds.map((i) => [i.server, i.id, i.clients, i.active, i.online, i.used])).toEqual([
    ["de", 1, 2, 1, 1, 7 * GB],
    ["nl", 1, 2, 1, 1, 9 * GB],
    ["nl", 2, 1, 1, 0, 0],
  ]);
}

const pngSize = (m: SentMessage | undefined) => {
  const image = PNG.sync.read(m?.photo?.content as Buffer);
  return [image.width, image.height];
};

describe("statistics over several servers", () => {
  it("samples each server's history under its own name, and sums the servers with a line each", async () => {
    const s = await twoServers();
    try {
      // Read back through a fresh connection: each server's alice under its server's name.
      const fresh = new UsageHistory(s.env.BOT_DATA_PATH);
      try {
        expect(fresh.totalsSince("de", dayKey(NOW)).get("alice")).toEqual({ up: 0, down: GB });
        expect(fresh.totalsSince("nl", dayKey(NOW)).get("alice")).toEqual({ up: 3 * GB, down: 0 });
        expect(fresh.firstDay("local")).toBeUndefined();
      } finally {
        fresh.close();
      }
      const { stats, clients } = fleetStats(s.fleet, s.history);
      expectTwoServers(stats);
      // Both alices end in two days: that day counts two.
      expect(expiringPerDay(clients, NOW, 30).find((d) => d.day === dayKeyAfter(NOW + 2 * DAY_MS, 0))?.count).toBe(2);
      // One server named: its figures only, still as a line.
      const nl = fleetStats(s.fleet, s.history, { servers: ["nl"] }).stats;
      expect(nl.clients).toEqual(clientsOf(3, 2, 1, 0, 1));
      expect(nl.traffic.today).toBe(3 * GB);
      expect(nl.servers?.map((l) => l.server)).toEqual(["nl"]);
      expect(() => fleetStats(s.fleet, s.history, { servers: ["fi"] })).toThrow(/unknown server fi \(servers: de, nl\)/);
    } finally {
      s.close();
    }
  });

  it("with one server (whatever its name) the history stays under `local`, as before several servers", async () => {
    const dir = tempDir("fleet-stats");
    const path = join(dir, "de.db");
    buildXuiDb(path, { inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "alice", up: GB }] }] });
    const fleet = await Fleet.open([{ name: "de", kind: "local", db: path }], {});
    const history = new UsageHistory(join(dir, "bot.db"));
    try {
      const [sampler] = startServerSamplers(fleet, history, { everyMs: 60 * 60_000, now: () => NOW - 60_000, onError: (e) => { throw e; } });
      addTraffic(path, "alice", 0, GB);
      sampler?.sample(NOW);
      sampler?.stop();
      expect(history.totalsSince("local", dayKey(NOW)).get("alice")).toEqual({ up: 0, down: GB });
      expect(history.firstDay("de")).toBeUndefined();
      expect(fleetStats(fleet, history).stats.traffic.today).toBe(GB);
    } finally {
      fleet.close();
      history.close();
    }
  });

  it("a server that cannot be read has its line say why; the totals are the others'", async () => {
    const s = await twoServers();
    try {
      // de's file loses its inbounds table (a broken panel update, say): its reads fail.
      const db = new Database(s.de);
      db.exec("ALTER TABLE inbounds RENAME TO gone");
      db.close();
      const { stats } = fleetStats(s.fleet, s.history);
      expect(stats.servers?.[0]).toEqual({ server: "de", error: expect.stringContaining("inbounds") as string });
      expect(stats.clients).toEqual(clientsOf(3, 2, 1, 0, 1));
      expect(stats.traffic.today).toBe(3 * GB);
      expect(stats.top.map((t) => t.server)).toEqual(["nl", "nl"]);
    } finally {
      s.close();
    }
  });

  it("/stats: the totals, a line per server, the top as server/email, inbounds per server, and the two charts", async () => {
    const s = await twoServers();
    try {
      const h = await start(undefined, { usage: s.history, service: s.fleet });
      const replies = await h.say(ADMIN, "/stats");
      const text = replies.filter((m) => m.text !== undefined).map((m) => m.text).join("\n");
      expect(text).toContain("👥 <b>5 clients</b>");
      expect(text).toContain("🟩 Online now: 2");
      expect(text).toContain("  today: 4 GB · 7 days: 4 GB · 30 days: 4 GB\n  all time: 16 GB");
      expect(text).toContain(
        [
          "🖥 <b>By server</b>",
          "<b>de</b>: 2 clients, 1 online",
          "  🟢 active: 1 · ⌛ expired: 1",
          "  today: 1 GB · 7 days: 1 GB · 30 days: 1 GB · all time: 7 GB",
          "<b>nl</b>: 3 clients, 1 online",
          "  🟢 active: 2 · ⛔ blocked: 1",
          "  today: 3 GB · 7 days: 3 GB · 30 days: 3 GB · all time: 9 GB",
        ].join("\n"),
      );
      expect(text).toMatch(/1\. nl\/alice — 8 GB\n2\. de\/bob — 4 GB\n3\. de\/alice — 3 GB\n4\. nl\/carol — 1 GB/);
      expect(text).toContain("<b>de</b>\n#1 DE main (vless, :443): 2 clients, 1 active, 1 online, 7 GB\n<b>nl</b>\n#1 NL main (vless, :8443)");
      const photos = replies.filter((m) => m.photo);
      expect(photos.map((m) => m.photo?.file_name)).toEqual(["top-clients.png", "expiring.png"]);
      expect(pngSize(photos[0])).toEqual([800, 52 + 4 * 30 + 16]);
      expect(pngSize(photos[1])).toEqual([800, 360]);

      // Each alice's card charts its own server's history.
      for (const [ref, used] of [["nl/alice", "3 GB"], ["de/alice", "1 GB"]] as const) {
        const [card] = await h.say(ADMIN, `/user ${ref}`);
        const chart = (await h.press(ADMIN, card as SentMessage, "📈 Usage chart")).find((m) => m.photo);
        expect(chart?.caption).toBe(`📈 <b>${ref}</b>: ${used} in the last 30 days.`);
      }

      // de's file broken: /stats still answers, de's line saying why.
      const db = new Database(s.de);
      db.exec("ALTER TABLE inbounds RENAME TO gone");
      db.close();
      const broken = (await h.say(ADMIN, "/stats")).map((m) => m.text ?? "").join("\n");
      expect(broken).toMatch(/<b>de<\/b>: ⚠️ could not be read: .*inbounds/);
      expect(broken).toContain("👥 <b>3 clients</b>");
    } finally {
      s.close();
    }
  });

  it("/stats nl (or server:nl): that server's figures and charts; an unknown name is refused, naming the servers", async () => {
    const s = await twoServers();
    try {
      const h = await start(undefined, { usage: s.history, service: s.fleet });
      for (const command of ["/stats nl", "/stats server:nl", "/stats NL"]) {
        const replies = await h.say(ADMIN, command);
        const text = replies.filter((m) => m.text !== undefined).map((m) => m.text).join("\n");
        expect(text).toContain("👥 <b>3 clients</b>");
        expect(text).toContain("  today: 3 GB · 7 days: 3 GB · 30 days: 3 GB\n  all time: 9 GB");
        expect(text).toMatch(/1\. nl\/alice — 8 GB\n2\. nl\/carol — 1 GB/);
        expect(text).not.toContain("de/");
        // The top chart has a bar per client of nl: two.
        const photos = replies.filter((m) => m.photo);
        expect(photos.map((m) => m.photo?.file_name)).toEqual(["top-clients.png", "expiring.png"]);
        expect(pngSize(photos[0])).toEqual([800, 52 + 2 * 30 + 16]);
      }
      const both = (await h.say(ADMIN, "/stats de nl")).map((m) => m.text ?? "").join("\n");
      expect(both).toContain("👥 <b>5 clients</b>");

      const unknown = await h.say(ADMIN, "/stats fi");
      expect(unknown.map((m) => m.text).join("\n")).toBe('⚠️ unknown server "fi" (servers: de, nl)');
      expect(unknown.some((m) => m.photo)).toBe(false);
      // A read refused is not framed as a change ("Nothing changed"): /list and /find say it alike.
      for (const read of ["/list server:fi", "/find server:fi alice"]) expect((await h.say(ADMIN, read))[0]?.text).toBe('⚠️ unknown server "fi" (servers: de, nl)');
    } finally {
      s.close();
    }
  });

  it("xui-admin stats: every server, or the one --server names", async () => {
    const s = await twoServers();
    try {
      const all = await fleetCli(s.env, "stats", "--json");
      expect(all.code).toBe(0);
      expectTwoServers(JSON.parse(all.out) as FleetStats);

      const nl = await fleetCli(s.env, "stats", "--server", "nl", "--json");
      expect(nl.code).toBe(0);
      const stats = JSON.parse(nl.out) as FleetStats;
      expect(stats.clients.total).toBe(3);
      expect(stats.traffic).toEqual({ today: 3 * GB, days7: 3 * GB, days30: 3 * GB, allTime: 9 * GB });
      expect(stats.top.map((t) => `${t.server}/${t.email}`)).toEqual(["nl/alice", "nl/carol"]);

      const text = await fleetCli(s.env, "stats");
      expect(text.out).toContain("servers:\n  de\tclients 2 (active 1, expiring within 3 days 1, expired 1, depleted 0, blocked 0, disabled 0); online 1; traffic today 1 GB, 7 days 1 GB, 30 days 1 GB, all time 7 GB");
      expect(text.out).toMatch(/top 4 by usage:\n {2}1\. nl\/alice\t8 GB\n {2}2\. de\/bob\t4 GB/);
      expect(text.out).toContain("inbounds:\n  de:\n  #1\tvless\t:443\tDE main\t2 clients");

      const unknown = await fleetCli(s.env, "stats", "--server", "fi");
      expect(unknown.code).not.toBe(0);
      expect(unknown.err).toContain("unknown server fi");
    } finally {
      s.close();
    }
  });

  it("GET /api/stats: every server, or ?server=", async () => {
    const s = await twoServers();
    const api = await startApi(createApi({ service: s.fleet, token: TOKEN, usage: s.history, logger: createLogger("silent", [TOKEN]) }), "127.0.0.1", 0);
    try {
      const get = (query: string) => fetch(`http://127.0.0.1:${api.port}/api/stats${query}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const all = await get("");
      expect(all.status).toBe(200);
      expectTwoServers((await all.json()) as FleetStats);
      const de = (await (await get("?server=de")).json()) as FleetStats;
      expect(de.clients).toEqual(clientsOf(2, 1, 1, 1, 0));
      expect(de.traffic.today).toBe(GB);
      expect(de.inbounds.map((i) => i.server)).toEqual(["de"]);
      expect((await get("?server=fi")).status).toBe(400);
    } finally {
      await api.close();
      s.close();
    }
  });
});
