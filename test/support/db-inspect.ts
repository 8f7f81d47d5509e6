// Raw looks at an x-ui.db for assertions, bypassing the service layer on purpose: tests must
// see what the panel would see.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import Database from "better-sqlite3";
import { CLIENT_PROTOCOLS } from "../../src/core/types.js";
import { parseSettings, type JsonObject } from "../../src/xui/panel-json.js";

export function fileHash(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

export function settingsTexts(path: string): Map<number, string> {
  const db = new Database(path, { readonly: true });
  const rows = db.prepare("SELECT id, settings FROM inbounds ORDER BY id").all() as { id: number; settings: string }[];
  db.close();
  return new Map(rows.map((r) => [r.id, r.settings]));
}

export function rawRow(path: string, email: string): Record<string, unknown> | undefined {
  const db = new Database(path, { readonly: true });
  const row = db.prepare("SELECT * FROM client_traffics WHERE email = ?").get(email) as Record<string, unknown> | undefined;
  db.close();
  return row;
}

export function allRows(path: string): Record<string, unknown>[] {
  const db = new Database(path, { readonly: true });
  const rows = db.prepare("SELECT * FROM client_traffics ORDER BY id").all() as Record<string, unknown>[];
  db.close();
  return rows;
}

export function jsonClient(path: string, email: string): { inboundId: number; client: JsonObject } | undefined {
  for (const [inboundId, text] of settingsTexts(path)) {
    let settings: JsonObject;
    try {
      settings = parseSettings(text);
    } catch {
      continue;
    }
    const list = Array.isArray(settings.clients) ? (settings.clients as JsonObject[]) : [];
    const client = list.find((c) => c.email === email);
    if (client) return { inboundId, client };
  }
  return undefined;
}

/** Usage counters of every row, keyed by email: these must never move except by reset. */
export function usage(path: string): Map<string, string> {
  return new Map(
    allRows(path).map((r) => [String(r.email), JSON.stringify([r.up, r.down, r.all_time ?? null, r.last_online ?? null])]),
  );
}

/** The fields of a JSON client that operations write, as stored (undefined when missing). */
export interface StoredJson {
  enable: unknown;
  expiryTime: unknown;
  totalGB: unknown;
}

export interface StoredClient {
  inboundId: number;
  json: StoredJson;
  /** The client's client_traffics row by exact email, every column as stored. */
  row: Record<string, unknown> | undefined;
}

export interface Stored {
  /** The columns client_traffics has in this file. */
  columns: Set<string>;
  /** Inbounds of a protocol with per-client accounting whose settings hold a `clients` array. */
  inboundIds: number[];
  /** Every JSON client, by email. */
  clients: Map<string, StoredClient>;
}

/** Every client as stored, in both places, read in one fresh connection. */
export function storedClients(path: string): Stored {
  const db = new Database(path, { readonly: true });
  try {
    const columns = new Set((db.prepare("SELECT name FROM pragma_table_info('client_traffics')").all() as { name: string }[]).map((r) => r.name));
    const rows = new Map((db.prepare("SELECT * FROM client_traffics").all() as Record<string, unknown>[]).map((r) => [String(r.email), r]));
    const inboundIds: number[] = [];
    const clients = new Map<string, StoredClient>();
    const inbounds = db.prepare("SELECT id, protocol, settings FROM inbounds ORDER BY id").all() as { id: number; protocol: string; settings: string }[];
    for (const { id, protocol, settings } of inbounds) {
      if (!(CLIENT_PROTOCOLS as readonly string[]).includes(protocol)) continue;
      let list: unknown;
      try {
        list = parseSettings(settings).clients;
      } catch {
        continue;
      }
      if (!Array.isArray(list)) continue;
      inboundIds.push(id);
      for (const c of list as JsonObject[]) {
        const email = String(c.email);
        clients.set(email, { inboundId: id, json: { enable: c.enable, expiryTime: c.expiryTime, totalGB: c.totalGB }, row: rows.get(email) });
      }
    }
    return { columns, inboundIds, clients };
  } finally {
    db.close();
  }
}

/** A client's inbound_client_ips row, every column as stored. */
export function ipsRow(path: string, email: string): Record<string, unknown> | undefined {
  const db = new Database(path, { readonly: true });
  const row = db.prepare("SELECT * FROM inbound_client_ips WHERE client_email = ?").get(email) as Record<string, unknown> | undefined;
  db.close();
  return row;
}

/** Every row of both per-client tables and every inbound's settings, as stored: equal means equal files for the panel. */
export function clientTables(path: string): { rows: Record<string, unknown>[]; ips: Record<string, unknown>[]; settings: Map<number, string> } {
  const db = new Database(path, { readonly: true });
  const ips = db.prepare("SELECT * FROM inbound_client_ips ORDER BY client_email").all() as Record<string, unknown>[];
  db.close();
  return { rows: allRows(path), ips, settings: settingsTexts(path) };
}
