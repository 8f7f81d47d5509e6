// Raw looks at an x-ui.db for assertions, bypassing the service layer on purpose: tests must
// see what the panel would see.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import Database from "better-sqlite3";
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
