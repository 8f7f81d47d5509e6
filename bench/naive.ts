// The seed's way, for comparison: each client is its own read-modify-write of the whole
// inbound (re-read, parse, rewrite), as _sync_client_to_json does per user.
import Database from "better-sqlite3";
import { applyOperation } from "../src/service/operations.js";
import type { Operation } from "../src/core/types.js";
import { formatSettings, parseSettings, type JsonObject } from "../src/xui/panel-json.js";

interface Row {
  id: number;
  inbound_id: number;
  enable: number;
  expiry_time: number;
  total: number;
  reset: number;
  up: number;
  down: number;
}

/** Applies `op` to each email in turn; returns how many were processed. */
export function naiveApply(path: string, op: Operation, emails: string[], now: number): number {
  const db = new Database(path);
  const rowOf = db.prepare("SELECT id, inbound_id, enable, expiry_time, total, reset, up, down FROM client_traffics WHERE email = ?");
  const settingsOf = db.prepare("SELECT settings FROM inbounds WHERE id = ?").pluck();
  const writeSettings = db.prepare("UPDATE inbounds SET settings = ? WHERE id = ?");
  const writeRow = db.prepare("UPDATE client_traffics SET enable = ?, expiry_time = ?, total = ? WHERE id = ?");
  for (const email of emails) {
    db.exec("BEGIN IMMEDIATE");
    const row = rowOf.get(email) as Row;
    const settings = parseSettings(settingsOf.get(row.inbound_id) as string);
    const client = (settings.clients as JsonObject[]).find((c) => c.email === email) as JsonObject;
    const before = { enabled: client.enable !== false, active: row.enable === 1, expiryTime: row.expiry_time, totalBytes: row.total, reset: row.reset, up: row.up, down: row.down };
    const { after } = applyOperation(op, before, now);
    Object.assign(client, { enable: after.enabled, expiryTime: after.expiryTime, totalGB: after.totalBytes, updated_at: now });
    writeRow.run(after.active ? 1 : 0, after.expiryTime, after.totalBytes, row.id);
    writeSettings.run(formatSettings(settings), row.inbound_id);
    db.exec("COMMIT");
  }
  db.close();
  return emails.length;
}
