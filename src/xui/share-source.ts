// What share links and the subscription URL are made from: the panel's `settings` rows and,
// for one client, each of its inbounds' address, stream settings and the client's own JSON
// object. The same columns exist in 2.x and 3.x files; the 3.x share address columns are read
// where they exist.
import type Database from "better-sqlite3";
import type { XuiDb } from "./database.js";
import { parseSettings, type JsonObject } from "./panel-json.js";
import { num, str } from "./values.js";

export interface ShareInbound {
  id: number;
  remark: string;
  protocol: string;
  port: number;
  listen: string;
  enable: boolean;
  /** Parsed stream_settings; {} when absent or not a JSON object. */
  stream: JsonObject;
  /** The inbound-level settings (clients left out); null when unparsable. */
  settings: JsonObject | null;
  /** The client's own JSON object in this inbound, found by email. */
  client: JsonObject | undefined;
  /** 3x-ui 3.3.1+: "node" (default), "listen" or "custom"; "" on older files. */
  shareAddrStrategy: string;
  shareAddr: string;
}

export interface ShareSource {
  /** The settings table, key → value; the first row of a duplicated key wins, as GORM's First. */
  settings: Map<string, string>;
  inbounds: ShareInbound[];
}

function hasTable(conn: Database.Database, name: string): boolean {
  return conn.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

function parseObject(text: string): JsonObject | null {
  try {
    return parseSettings(text);
  } catch {
    return null;
  }
}

/** One consistent read of the settings and of `inboundIds` (in that order), for `email`'s links. */
export function readShareSource(db: XuiDb, email: string, inboundIds: readonly number[]): ShareSource {
  const cols = db.schema.inboundColumns;
  const col = (name: string, fallback: string) => (cols.has(name) ? name : `${fallback} AS ${name}`);
  return db.read((conn) =>
    conn.transaction(() => {
      const settings = new Map<string, string>();
      if (hasTable(conn, "settings")) {
        for (const row of conn.prepare("SELECT key, value FROM settings ORDER BY id").all() as { key: unknown; value: unknown }[]) {
          const key = str(row.key);
          if (!settings.has(key)) settings.set(key, str(row.value));
        }
      }
      const select = conn.prepare(
        `SELECT id, ${col("remark", "''")}, protocol, ${col("port", "0")}, ${col("listen", "''")}, ${col("enable", "1")}, settings, ${col("stream_settings", "''")}, ${col("share_addr_strategy", "''")}, ${col("share_addr", "''")} FROM inbounds WHERE id = ?`,
      );
      const inbounds: ShareInbound[] = [];
      for (const id of inboundIds) {
        const r = select.get(id) as Record<string, unknown> | undefined;
        if (!r) continue;
        const parsed = parseObject(str(r.settings));
        const list = parsed?.clients;
        const client = Array.isArray(list)
          ? (list.find((c) => c !== null && typeof c === "object" && !Array.isArray(c) && str(c.email) === email) as JsonObject | undefined)
          : undefined;
        let inboundSettings: JsonObject | null = null;
        if (parsed) {
          const { clients: _clients, ...rest } = parsed;
          inboundSettings = rest;
        }
        inbounds.push({
          id: num(r.id),
          remark: str(r.remark),
          protocol: str(r.protocol),
          port: num(r.port),
          listen: str(r.listen),
          enable: num(r.enable) !== 0,
          stream: parseObject(str(r.stream_settings)) ?? {},
          settings: inboundSettings,
          client,
          shareAddrStrategy: str(r.share_addr_strategy),
          shareAddr: str(r.share_addr),
        });
      }
      return { settings, inbounds };
    })(),
  );
}
