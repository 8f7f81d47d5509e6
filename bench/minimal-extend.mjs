// The yardstick for `xui-admin extend --all --days N`: the least a correct program must do.
/* global process */
// One transaction; one parse and one serialisation (in the panel's format) per inbound; one
// UPDATE per row. No checks, no diff, no output.
import Database from "better-sqlite3";
import { formatSettings } from "../dist/xui/panel-json.js";

const [path, daysText] = process.argv.slice(2);
const add = Number(daysText) * 86_400_000;
const now = Date.now();
const db = new Database(path);
const update = db.prepare("UPDATE client_traffics SET expiry_time = ? WHERE email = ?");
db.transaction(() => {
  for (const { id, settings } of db.prepare("SELECT id, settings FROM inbounds").all()) {
    const parsed = JSON.parse(settings);
    if (!Array.isArray(parsed.clients)) continue;
    for (const c of parsed.clients) {
      if (c.expiryTime > 0) c.expiryTime = Math.max(c.expiryTime, now) + add;
      else if (c.expiryTime < 0) c.expiryTime -= add;
      c.updated_at = now;
      update.run(c.expiryTime, c.email);
    }
    db.prepare("UPDATE inbounds SET settings = ? WHERE id = ?").run(formatSettings(parsed), id);
  }
}).immediate();
db.close();
