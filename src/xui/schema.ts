// Which panel wrote this file, and what of it we may edit. GORM only ever appends columns,
// so real files differ: we detect tables and columns once, at open time, and write only
// columns that exist.
import type Database from "better-sqlite3";

export type SchemaFamily =
  | "3x-ui-2" // the layout this project edits: client_traffics + inbounds.settings
  | "x-ui-legacy" // older x-ui / early 3x-ui: same layout, fewer columns (no reset, ...)
  | "3x-ui-3" // 3.1+: clients/client_inbounds are the source of truth
  | "unknown";

export interface Schema {
  family: SchemaFamily;
  /** Null when writes are allowed; otherwise why every write is refused. */
  readOnlyReason: string | null;
  trafficColumns: ReadonlySet<string>;
  inboundColumns: ReadonlySet<string>;
  journalMode: string;
}

/**
 * Why a 3.x file is only read: its clients live in three places the panel keeps in step, and
 * this tool changes them only through the panel's HTTP API. Says exactly how to connect.
 */
const V3_READ_ONLY =
  "3x-ui 3.x keeps each client in the inbound's JSON, the `clients` tables and client_traffics, and this tool " +
  "changes them only through the panel's HTTP API, which is not configured: run `xui-admin panel-token` on this " +
  "server (or create one in the panel: Settings → API tokens), then set XUI_PANEL_URL (the panel's address with " +
  "its base path) and XUI_API_TOKEN";

/** Columns without which a file cannot be edited at all. */
const REQUIRED_TRAFFIC = ["id", "inbound_id", "enable", "email", "up", "down", "expiry_time", "total"];
const REQUIRED_INBOUND = ["id", "protocol", "settings"];

function columns(db: Database.Database, table: string): Set<string> {
  const rows = db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[];
  return new Set(rows.map((r) => r.name));
}

export function detectSchema(db: Database.Database): Schema {
  const tables = new Set(
    (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map(
      (r) => r.name,
    ),
  );
  const trafficColumns = tables.has("client_traffics") ? columns(db, "client_traffics") : new Set<string>();
  const inboundColumns = tables.has("inbounds") ? columns(db, "inbounds") : new Set<string>();
  const journalMode = String(db.pragma("journal_mode", { simple: true }));
  const base = { trafficColumns, inboundColumns, journalMode };

  if (!tables.has("inbounds")) {
    return { ...base, family: "unknown", readOnlyReason: "no `inbounds` table: this is not an x-ui database" };
  }
  if (tables.has("clients") && tables.has("client_inbounds")) {
    return {
      ...base,
      family: "3x-ui-3",
      readOnlyReason: V3_READ_ONLY,
    };
  }
  if (!tables.has("client_traffics")) {
    const hint = tables.has("client_infos")
      ? "it has `client_infos` instead of `client_traffics` (an unsupported x-ui fork)"
      : "it has no `client_traffics` table (original x-ui keeps no per-client accounting)";
    return { ...base, family: "unknown", readOnlyReason: `unsupported panel layout: ${hint}` };
  }
  const missing = [
    ...REQUIRED_TRAFFIC.filter((c) => !trafficColumns.has(c)).map((c) => `client_traffics.${c}`),
    ...REQUIRED_INBOUND.filter((c) => !inboundColumns.has(c)).map((c) => `inbounds.${c}`),
  ];
  if (missing.length > 0) {
    return { ...base, family: "unknown", readOnlyReason: `unsupported panel layout: missing ${missing.join(", ")}` };
  }
  const modern = trafficColumns.has("reset") && trafficColumns.has("all_time");
  return { ...base, family: modern ? "3x-ui-2" : "x-ui-legacy", readOnlyReason: null };
}
