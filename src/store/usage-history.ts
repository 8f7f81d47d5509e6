// Usage history in the bot's own file: no panel keeps one. Each sample compares every client's
// up/down counters with those it was last seen with and adds the difference to the client's
// total for the day, so the file grows by one row per client and day, not per sample.
import type Database from "better-sqlite3";
import { dayKey, dayKeyAfter, type DayUsage, type UsageSource, type UsageTotal } from "../core/usage.js";
import { openBotFile } from "./bot-file.js";

/** USAGE_KEEP_DAYS's default. */
export const USAGE_KEEP_DAYS = 400;

/** What a sample reads of a client: its name, its key (to follow a rename) and its counters. */
export interface ClientCounters {
  email: string;
  /** UUID or password; "" when it has none. */
  key: string;
  up: number;
  down: number;
}

export interface SampleResult {
  /** Clients sampled. */
  clients: number;
  /** Bytes added to the day's totals. */
  added: number;
  /** Clients seen under a new email (renamed): their history moved along. */
  renamed: number;
  /** Clients gone since the last sample (deleted): their history stays until it ages out. */
  gone: number;
}

interface Last {
  email: string;
  key: string;
  up: number;
  down: number;
}

/**
 * The traffic since the last sample. Counters only grow, so a drop in either is a reset (by the
 * admin, or the panel's auto-renew): everything counted since then is new, never a negative.
 */
export function counterDelta(last: { up: number; down: number }, now: { up: number; down: number }): UsageTotal {
  if (now.up < last.up || now.down < last.down) return { up: now.up, down: now.down };
  return { up: now.up - last.up, down: now.down - last.down };
}

export class UsageHistory implements UsageSource {
  private readonly db: Database.Database;
  private readonly keepDays: number;
  /** The day pruning last ran: once a day is enough (rows are per day). */
  private prunedDay = "";

  /** `keepDays`: days of history kept (USAGE_KEEP_DAYS). */
  constructor(path: string, options: { keepDays?: number } = {}) {
    this.keepDays = options.keepDays ?? USAGE_KEEP_DAYS;
    this.db = openBotFile(path); // its tables are made by the file's migrations
  }

  /**
   * Records the counters of every client of `server` as of `now`. A client seen for the first
   * time counts from zero (it is new since the last sample), except at a server's very first
   * sample, which only notes where the counters stand: what they hold was used before, on days
   * the history does not know. A client whose email changed keeps its history (same key).
   */
  sample(server: string, clients: readonly ClientCounters[], now: number): SampleResult {
    const day = dayKey(now);
    const result: SampleResult = { clients: 0, added: 0, renamed: 0, gone: 0 };
    this.db.transaction(() => {
      const known = this.db.prepare("SELECT first_at FROM usage_servers WHERE server = ?").get(server) !== undefined;
      const last = new Map((this.db.prepare("SELECT email, key, up, down FROM usage_last WHERE server = ?").all(server) as Last[]).map((l) => [l.email, l]));
      const current = new Map<string, ClientCounters>();
      // On 2.x one email may stand in two inbounds (drift); the panel keeps one row for it.
      for (const c of clients) if (!current.has(c.email)) current.set(c.email, c);
      this.followRenames(server, last, current, result);
      const addDay = this.db.prepare(
        "INSERT INTO usage_daily (server, email, day, up, down) VALUES (?, ?, ?, ?, ?) ON CONFLICT (server, email, day) DO UPDATE SET up = up + excluded.up, down = down + excluded.down",
      );
      const setLast = this.db.prepare(
        "INSERT INTO usage_last (server, email, key, up, down) VALUES (?, ?, ?, ?, ?) ON CONFLICT (server, email) DO UPDATE SET key = excluded.key, up = excluded.up, down = excluded.down",
      );
      for (const c of current.values()) {
        const seen = last.get(c.email);
        const delta = seen ? counterDelta(seen, c) : known ? { up: c.up, down: c.down } : { up: 0, down: 0 };
        if (delta.up > 0 || delta.down > 0) addDay.run(server, c.email, day, delta.up, delta.down);
        if (!seen || seen.up !== c.up || seen.down !== c.down || seen.key !== c.key) setLast.run(server, c.email, c.key, c.up, c.down);
        result.added += delta.up + delta.down;
      }
      const forget = this.db.prepare("DELETE FROM usage_last WHERE server = ? AND email = ?");
      for (const email of last.keys()) {
        if (current.has(email)) continue;
        forget.run(server, email);
        result.gone++;
      }
      this.db
        .prepare("INSERT INTO usage_servers (server, first_at, last_at) VALUES (?, ?, ?) ON CONFLICT (server) DO UPDATE SET last_at = excluded.last_at")
        .run(server, now, now);
      result.clients = current.size;
    }).immediate();
    if (this.prunedDay !== day) {
      this.prune(now);
      this.prunedDay = day;
    }
    return result;
  }

  /**
   * A client that vanished under one email while a client with its key appeared under another
   * was renamed: its last counters and its days move to the new email (and `last` with them).
   */
  private followRenames(server: string, last: Map<string, Last>, current: Map<string, ClientCounters>, result: SampleResult): void {
    const vanished = new Map<string, Last>();
    for (const l of last.values()) if (!current.has(l.email) && l.key !== "") vanished.set(l.key, l);
    if (vanished.size === 0) return;
    const move = this.db.prepare(
      "INSERT INTO usage_daily (server, email, day, up, down) SELECT server, ?, day, up, down FROM usage_daily WHERE server = ? AND email = ? " +
        "ON CONFLICT (server, email, day) DO UPDATE SET up = up + excluded.up, down = down + excluded.down",
    );
    const drop = this.db.prepare("DELETE FROM usage_daily WHERE server = ? AND email = ?");
    const rename = this.db.prepare("UPDATE usage_last SET email = ? WHERE server = ? AND email = ?");
    for (const c of current.values()) {
      const old = last.has(c.email) ? undefined : vanished.get(c.key);
      if (!old) continue;
      vanished.delete(c.key);
      move.run(c.email, server, old.email);
      drop.run(server, old.email);
      rename.run(c.email, server, old.email);
      last.delete(old.email);
      last.set(c.email, { ...old, email: c.email });
      result.renamed++;
    }
  }

  /** Deletes the days older than the retention (the day `keepDays` - 1 days ago is kept). */
  prune(now: number): number {
    return this.db.prepare("DELETE FROM usage_daily WHERE day < ?").run(dayKeyAfter(now, 1 - this.keepDays)).changes;
  }

  totalsSince(server: string, fromDay: string): Map<string, UsageTotal> {
    const rows = this.db
      .prepare("SELECT email, SUM(up) AS up, SUM(down) AS down FROM usage_daily WHERE server = ? AND day >= ? GROUP BY email")
      .all(server, fromDay) as (UsageTotal & { email: string })[];
    return new Map(rows.map((r) => [r.email, { up: r.up, down: r.down }]));
  }

  daily(server: string, email: string, fromDay: string): DayUsage[] {
    return this.db.prepare("SELECT day, up, down FROM usage_daily WHERE server = ? AND email = ? AND day >= ? ORDER BY day").all(server, email, fromDay) as DayUsage[];
  }

  firstDay(server: string): string | undefined {
    const at = this.db.prepare("SELECT first_at FROM usage_servers WHERE server = ?").pluck().get(server) as number | undefined;
    return at === undefined ? undefined : dayKey(at);
  }

  close(): void {
    this.db.close();
  }
}
