// The yardstick for `xui-admin extend --all --days N`: the least a correct program must do.
/* global process */
// One transaction; one parse and one serialisation (in the panel's format) per inbound; one
// UPDATE per row. No checks, no diff, no output. With a third argument `rows`, it first reads
// every client_traffics row and extends from the row's expiry (the panel's authoritative
// one, which the service reads too); without, from the JSON's (the goal's yardstick).
import Database from "better-sqlite3";
import { formatSettings } from "../dist/xui/panel-json.js";

const [path, daysText, mode] = process.argv.slice(2);
const add = Number(daysText) * 86_400_000;
const now = Date.now();
const db = new Database(path);
const update = db.prepare("UPDATE client_traffics SET expiry_time = ? WHERE email = ?");
db.transaction(() => {
  const rowExpiry = mode === "rows" ? new Map(db.prepare("SELECT email, expiry_time FROM client_traffics").raw().all()) : null;
  for (const { id, settings } of db.prepare("SELECT id, settings FROM inbounds").all()) {
    const parsed = JSON.parse(settings);
    if (!Array.isArray(parsed.clients)) continue;
    for (const c of parsed.clients) {
      const expiry = rowExpiry?.get(c.email) ?? c.expiryTime;
      if (expiry > 0) c.expiryTime = Math.max(expiry, now) + add;
      else if (expiry < 0) c.expiryTime = expiry - add;
      c.updated_at = now;
      update.run(c.expiryTime, c.email);
    }
    db.prepare("UPDATE inbounds SET settings = ? WHERE id = ?").run(formatSettings(parsed), id);
  }
}).immediate();
db.close();
