// A stand-in for the running 3x-ui 2.8 panel, run as its own process: it writes x-ui.db the way
// the panel's traffic job does (xui-reference.md section 5), through its own connection
// (rollback journal, 5 s busy timeout, deferred BEGIN):
//   every tick: BEGIN; add usage to the inbounds' counters first (so it takes the write lock,
//   waiting for it like the panel); read a batch of client_traffics rows, add usage, save the
//   whole rows back; now and then convert a delayed start on first use (rewriting that
//   inbound's settings) and disable clients past their limit or expiry; COMMIT.
// It counts the usage of every committed tick and every tick that failed, and prints them as
// JSON when it gets SIGTERM.
//   usage: node --import tsx panel-stand-in.ts DB [TICK_MS] [SEED]
import Database from "better-sqlite3";
import { formatSettings, parseSettings, type JsonObject } from "../../src/xui/panel-json.js";
import type { TrafficRow as Row } from "../../src/xui/snapshot.js"; // the panel's own table, read with SELECT *
import { rng } from "./xui-fixture.js";

const [path, tickText = "100", seedText = "1"] = process.argv.slice(2);
if (!path) throw new Error("usage: panel-stand-in.ts DB [TICK_MS] [SEED]");
const TICK_MS = Number(tickText);
const random = rng(Number(seedText));
const BATCH = 50;

const db = new Database(path, { timeout: 5000 });
db.pragma("foreign_keys = OFF");

const committed = new Map<string, number>(); // email -> usage added by committed ticks
const stats = { ticks: 0, failed: 0, errors: [] as string[], conversions: 0, disabled: 0, longestTickMs: 0 };

const selectBatch = db.prepare("SELECT * FROM client_traffics ORDER BY random() LIMIT ?");
const saveRow = db.prepare(
  "UPDATE client_traffics SET inbound_id = @inbound_id, enable = @enable, email = @email, up = @up, down = @down, all_time = @all_time, expiry_time = @expiry_time, total = @total, reset = @reset, last_online = @last_online WHERE id = @id",
);

/** First use of a delayed-start client: its expiry becomes now + the delay, in both places. */
function convertDelayedStart(now: number): void {
  const row = db.prepare("SELECT * FROM client_traffics WHERE expiry_time < 0 ORDER BY random() LIMIT 1").get() as Row | undefined;
  if (!row) return;
  const text = db.prepare("SELECT settings FROM inbounds WHERE id = ?").pluck().get(row.inbound_id) as string | undefined;
  if (text === undefined) return;
  const settings = parseSettings(text);
  const client = (settings.clients as JsonObject[]).find((c) => c.email === row.email);
  if (!client) return;
  const expiry = now - row.expiry_time;
  client.expiryTime = expiry;
  db.prepare("UPDATE inbounds SET settings = ? WHERE id = ?").run(formatSettings(settings), row.inbound_id);
  db.prepare("UPDATE client_traffics SET expiry_time = ? WHERE id = ?").run(expiry, row.id);
  stats.conversions++;
}

function tick(): void {
  const started = performance.now();
  const now = Date.now();
  const added = new Map<string, number>();
  try {
    db.exec("BEGIN"); // deferred, as GORM's
    const inboundUsage = Math.floor(random() * 1000);
    db.prepare("UPDATE inbounds SET up = up + ?, down = down + ?").run(inboundUsage, inboundUsage);
    for (const row of selectBatch.all(BATCH) as Row[]) {
      const up = Math.floor(random() * 100_000);
      const down = Math.floor(random() * 400_000);
      saveRow.run({ ...row, up: row.up + up, down: row.down + down, all_time: row.all_time + up + down, last_online: now });
      added.set(row.email, (added.get(row.email) ?? 0) + up + down);
    }
    if (random() < 0.2) convertDelayedStart(now);
    const disabled = db
      .prepare("UPDATE client_traffics SET enable = 0 WHERE enable = 1 AND ((total > 0 AND up + down >= total) OR (expiry_time > 0 AND expiry_time <= ?))")
      .run(now);
    stats.disabled += disabled.changes;
    db.exec("COMMIT");
    for (const [email, n] of added) committed.set(email, (committed.get(email) ?? 0) + n);
    stats.ticks++;
  } catch (error) {
    if (db.inTransaction) db.exec("ROLLBACK");
    stats.failed++;
    if (stats.errors.length < 10) stats.errors.push((error as Error).message);
  }
  stats.longestTickMs = Math.max(stats.longestTickMs, performance.now() - started);
}

const timer = setInterval(tick, TICK_MS);
process.on("SIGTERM", () => {
  clearInterval(timer);
  db.close();
  process.stdout.write(JSON.stringify({ ...stats, committed: Object.fromEntries(committed) }) + "\n");
  process.exit(0);
});
process.stdout.write("ready\n");
