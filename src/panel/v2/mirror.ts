// A local file in the 2.x layout that mirrors a remote 2.x panel: its inbounds and their
// clients' traffic rows, as inbounds/list gives them, so that everything that reads an x-ui.db
// (snapshot, filters, check) reads a remote panel unchanged. Rebuilt whole on every refresh
// into a new file and renamed into place: a reader sees the old mirror or the new one, never a
// half-written one (XuiDb follows the rename). Nothing but a refresh writes it: changes go to
// the panel, and the mirror is read back from it.
import { randomBytes } from "node:crypto";
import { closeSync, renameSync, rmSync } from "node:fs";
import Database from "better-sqlite3";
import { createPrivateFile } from "../../core/private-files.js";
import type { Panel2Inbound } from "./wire.js";

/** The tables of 3x-ui 2.8/2.9's x-ui.db that the mirror fills (GORM's DDL, verbatim). */
const SCHEMA = [
  "CREATE TABLE `settings` (`id` integer PRIMARY KEY AUTOINCREMENT,`key` text,`value` text)",
  'CREATE TABLE `inbounds` (`id` integer PRIMARY KEY AUTOINCREMENT,`user_id` integer,`up` integer,`down` integer,`total` integer,`all_time` integer DEFAULT 0,`remark` text,`enable` numeric,`expiry_time` integer,`traffic_reset` text DEFAULT "never",`last_traffic_reset_time` integer DEFAULT 0,`listen` text,`port` integer,`protocol` text,`settings` text,`stream_settings` text,`tag` text,`sniffing` text,CONSTRAINT `uni_inbounds_tag` UNIQUE (`tag`))',
  "CREATE TABLE `client_traffics` (`id` integer PRIMARY KEY AUTOINCREMENT,`inbound_id` integer,`enable` numeric,`email` text,`up` integer,`down` integer,`all_time` integer,`expiry_time` integer,`total` integer,`reset` integer DEFAULT 0,`last_online` integer DEFAULT 0,CONSTRAINT `uni_client_traffics_email` UNIQUE (`email`))",
  "CREATE TABLE `inbound_client_ips` (`id` integer PRIMARY KEY AUTOINCREMENT,`client_email` text,`ips` text,CONSTRAINT `uni_inbound_client_ips_client_email` UNIQUE (`client_email`))",
];

/**
 * Writes the mirror of `inbounds` at `path`. `identity` names the panel (its URL without
 * credentials): stored as the file's `secret` setting, it is what audit entries identify the
 * database by, so that an undo is refused on another server's mirror.
 */
export function writeMirror(path: string, inbounds: Panel2Inbound[], identity: string): void {
  // A name of its own (two refreshes of one process may overlap: a request's and a change's),
  // created 0600 in a 0700 folder made when missing (a first start with a new DATA_DIR), as
  // the 3.x mirror: it holds every client's key.
  const next = `${path}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  closeSync(createPrivateFile(next));
  const db = new Database(next);
  try {
    db.pragma("journal_mode = delete");
    db.transaction(() => {
      for (const sql of SCHEMA) db.exec(sql);
      db.prepare("INSERT INTO settings (key, value) VALUES ('secret', ?)").run(`remote-2.x:${identity}`);
      const inbound = db.prepare(
        "INSERT INTO inbounds (id, user_id, up, down, total, all_time, remark, enable, expiry_time, traffic_reset, last_traffic_reset_time, listen, port, protocol, settings, stream_settings, tag, sniffing) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      );
      const row = db.prepare("INSERT INTO client_traffics (id, inbound_id, enable, email, up, down, all_time, expiry_time, total, reset, last_online) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      for (const ib of inbounds) {
        inbound.run(ib.id, ib.up, ib.down, ib.total, ib.allTime, ib.remark, ib.enable ? 1 : 0, ib.expiryTime, ib.trafficReset, ib.lastTrafficResetTime, ib.listen, ib.port, ib.protocol, ib.settings, ib.streamSettings, ib.tag, ib.sniffing);
        for (const t of ib.clientStats ?? []) {
          row.run(t.id, t.inboundId, t.enable ? 1 : 0, t.email, t.up, t.down, t.allTime, t.expiryTime, t.total, t.reset, t.lastOnline);
        }
      }
    })();
  } catch (error) {
    db.close();
    rmSync(next, { force: true });
    throw error;
  }
  db.close();
  renameSync(next, path);
}
