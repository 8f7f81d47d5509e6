// The stand-in's SQL, each helper a port of the v3.6.0 function named beside it
// (internal/web/service/*.go). One connection, as the panel's serialized writer; every
// write the service makes to several tables runs inside tx() (BEGIN IMMEDIATE, as the
// panel's `_txlock=immediate` DSN).
import Database from "better-sqlite3";
import { formatSettings, parseSettings, type JsonObject, type JsonValue } from "../../../src/xui/panel-json.js";
import { GoError, ROW_COLUMNS, decodeClient, rowFromDb, toRow, trafficFromDb, type ClientRow, type GoClient, type TrafficRow } from "./wire.js";

export interface InboundRow {
  id: number;
  user_id: number;
  up: number;
  down: number;
  total: number;
  remark: string;
  sub_sort_index: number;
  enable: number;
  expiry_time: number;
  traffic_reset: string;
  traffic_reset_day: number;
  last_traffic_reset_time: number;
  listen: string;
  port: number;
  protocol: string;
  settings: string;
  stream_settings: string;
  tag: string;
  sniffing: string;
  node_id: number | null;
  share_addr_strategy: string;
  share_addr: string | null;
  origin_node_guid: string | null;
}

/** gorm.ErrRecordNotFound's text, which the panel puts in its answers. */
export const RECORD_NOT_FOUND = "record not found";

const JSON_CLIENTS = "FROM inbounds, JSON_EACH(JSON_EXTRACT(inbounds.settings, '$.clients')) AS client";
const emailOf = "TRIM(JSON_EXTRACT(client.value, '$.email'), '\"')";
const subIdOf = "TRIM(JSON_EXTRACT(client.value, '$.subId'), '\"')";

/** ParseInboundSettingsClients (inbound_settings_clients.go): a strict decode of settings.clients. */
export function parseClients(settings: string): GoClient[] {
  const trimmed = settings.trim();
  if (trimmed === "" || trimmed === "null") throw new GoError("inbound settings is empty");
  let payload: unknown;
  try {
    payload = JSON.parse(trimmed);
  } catch (error) {
    throw new GoError((error as Error).message);
  }
  const clients = (payload as { clients?: unknown } | null)?.clients;
  if (clients === undefined || clients === null) return [];
  if (!Array.isArray(clients)) throw new GoError("json: cannot unmarshal object into Go value of type []model.Client");
  return clients.map(decodeClient);
}

/** The settings column as the map the panel decodes it into. */
export function settingsMap(text: string): JsonObject {
  try {
    return parseSettings(text);
  } catch (error) {
    throw new GoError((error as Error).message);
  }
}

export function unique<T>(items: Iterable<T>): T[] {
  return [...new Set(items)];
}

const placeholders = (n: number) => Array.from({ length: n }, () => "?").join(",");

export class PanelStore {
  readonly db: Database.Database;

  constructor(
    path: string,
    readonly now: () => number,
  ) {
    // The panel's DSN: _busy_timeout=10000, foreign keys not enabled.
    this.db = new Database(path, { timeout: 10_000 });
  }

  close(): void {
    this.db.close();
  }

  tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  // --- inbounds ---------------------------------------------------------------------

  /** InboundService.GetInbound. */
  inbound(id: number): InboundRow {
    const row = this.db.prepare("SELECT * FROM inbounds WHERE id = ?").get(id) as InboundRow | undefined;
    if (!row) throw new GoError(RECORD_NOT_FOUND);
    return row;
  }

  hasInbound(id: number): boolean {
    return this.db.prepare("SELECT 1 FROM inbounds WHERE id = ?").get(id) !== undefined;
  }

  inboundsOf(userId: number): InboundRow[] {
    return this.db.prepare("SELECT * FROM inbounds WHERE user_id = ? ORDER BY id ASC").all(userId) as InboundRow[];
  }

  /** tx.Save(inbound): the row as read, with its new settings. */
  saveSettings(id: number, settings: JsonObject): string {
    const text = formatSettings(settings);
    this.db.prepare("UPDATE inbounds SET settings = ? WHERE id = ?").run(text, id);
    return text;
  }

  /** getAllEmailSubIDs (inbound.go L479): lower(email) -> subId, "" when two subIds claim it. */
  allEmailSubIds(): Map<string, string> {
    const rows = this.db.prepare(`SELECT ${emailOf} AS email, ${subIdOf} AS sub_id ${JSON_CLIENTS}`).all() as { email: string | null; sub_id: string | null }[];
    const out = new Map<string, string>();
    for (const r of rows) {
      const email = (r.email ?? "").toLowerCase();
      if (email === "") continue;
      const sub = r.sub_id ?? "";
      const seen = out.get(email);
      if (seen === undefined) out.set(email, sub);
      else if (seen !== sub) out.set(email, "");
    }
    return out;
  }

  /** emailUsedByOtherInbounds (inbound_clients.go L126). */
  emailUsedElsewhere(email: string, exceptInbound: number): boolean {
    if (email === "") return false;
    const n = this.db.prepare(`SELECT COUNT(*) ${JSON_CLIENTS} WHERE inbounds.id != ? AND LOWER(${emailOf}) = LOWER(?)`).pluck().get(exceptInbound, email) as number;
    return n > 0;
  }

  /** emailsUsedByOtherInbounds (L143): the lower-cased emails among `emails` found elsewhere. */
  emailsUsedElsewhere(emails: string[], exceptInbound: number): Set<string> {
    const want = new Set(emails.map((e) => e.trim().toLowerCase()).filter(Boolean));
    const rows = this.db.prepare(`SELECT DISTINCT LOWER(${emailOf}) ${JSON_CLIENTS} WHERE inbounds.id != ?`).pluck().all(exceptInbound) as (string | null)[];
    return new Set(rows.map((e) => (e ?? "").trim().toLowerCase()).filter((e) => want.has(e)));
  }

  /** findInboundIdsByClientEmail (client_lookup.go L205): the fallback for an email with no row. */
  inboundIdsHoldingEmail(email: string): number[] {
    const rows = this.db.prepare("SELECT id, settings FROM inbounds WHERE settings LIKE ?").all(`%${email}%`) as { id: number; settings: string }[];
    return rows
      .filter((r) => {
        try {
          const clients = (JSON.parse(r.settings) as { clients?: unknown }).clients;
          return Array.isArray(clients) && clients.some((c) => (c as { email?: unknown } | null)?.email === email);
        } catch {
          return false;
        }
      })
      .map((r) => r.id);
  }

  // --- clients and links ------------------------------------------------------------

  recordByEmail(email: string): ClientRow | undefined {
    const raw = this.db.prepare("SELECT * FROM clients WHERE email = ? LIMIT 1").get(email) as Record<string, unknown> | undefined;
    return raw && rowFromDb(raw);
  }

  recordsByEmails(emails: string[]): ClientRow[] {
    if (emails.length === 0) return [];
    return (this.db.prepare(`SELECT * FROM clients WHERE email IN (${placeholders(emails.length)})`).all(...emails) as Record<string, unknown>[]).map(rowFromDb);
  }

  allRecords(): ClientRow[] {
    return (this.db.prepare("SELECT * FROM clients ORDER BY id ASC").all() as Record<string, unknown>[]).map(rowFromDb);
  }

  recordsBySubIds(subIds: string[]): ClientRow[] {
    if (subIds.length === 0) return [];
    return (this.db.prepare(`SELECT * FROM clients WHERE sub_id IN (${placeholders(subIds.length)})`).all(...subIds) as Record<string, unknown>[]).map(rowFromDb);
  }

  countWhere(sql: string, ...args: unknown[]): number {
    return this.db.prepare(`SELECT COUNT(*) FROM clients WHERE ${sql}`).pluck().get(...args) as number;
  }

  /** GetInboundIdsForRecord (client_lookup.go L138). */
  inboundIdsOf(clientId: number): number[] {
    return this.db.prepare("SELECT inbound_id FROM client_inbounds WHERE client_id = ? ORDER BY inbound_id ASC").pluck().all(clientId) as number[];
  }

  /** client_id -> inbound ids, in row order, for many clients at once. */
  linksOf(clientIds: number[]): { client_id: number; inbound_id: number }[] {
    if (clientIds.length === 0) return [];
    return this.db.prepare(`SELECT client_id, inbound_id FROM client_inbounds WHERE client_id IN (${placeholders(clientIds.length)})`).all(...clientIds) as {
      client_id: number;
      inbound_id: number;
    }[];
  }

  /** EffectiveFlow (client_lookup.go L34): the lowest inbound's non-empty flow_override. */
  effectiveFlow(clientId: number): string {
    const flow = this.db.prepare("SELECT flow_override FROM client_inbounds WHERE client_id = ? AND flow_override <> '' ORDER BY inbound_id ASC LIMIT 1").pluck().get(clientId);
    return typeof flow === "string" ? flow : "";
  }

  updateRecordColumns(id: number, values: Partial<Omit<ClientRow, "id">>): void {
    const names = Object.keys(values);
    if (names.length === 0) return;
    const args = names.map((n) => dbValue(values[n as keyof typeof values]));
    this.db.prepare(`UPDATE clients SET ${names.map((n) => `${n} = ?`).join(", ")} WHERE id = ?`).run(...args, id);
  }

  renameRecord(oldEmail: string, newEmail: string, id?: number): void {
    if (id === undefined) this.db.prepare("UPDATE clients SET email = ? WHERE email = ?").run(newEmail, oldEmail);
    else this.db.prepare("UPDATE clients SET email = ? WHERE id = ? AND email = ?").run(newEmail, id, oldEmail);
  }

  /** compactOrphans (client_locks.go L41): drops JSON entries whose email has no `clients` row. */
  compactOrphans(clients: JsonValue[]): JsonValue[] {
    const emails = clients.map((c) => emailOfEntry(c)).filter((e) => e !== "");
    if (emails.length === 0) return clients;
    const existing = new Set(this.recordsByEmails(unique(emails)).map((r) => r.email));
    if (existing.size === new Set(emails).size) return clients;
    return clients.filter((c) => {
      const email = emailOfEntry(c);
      return email === "" || existing.has(email);
    });
  }

  /**
   * SyncInbound (client_link.go L71): rebuilds the inbound's links from its JSON clients,
   * creating missing rows and merging existing ones (applyClientRecordMerge).
   */
  syncInbound(inboundId: number, clients: GoClient[]): void {
    const nowMs = this.now();
    this.db.prepare("DELETE FROM client_inbounds WHERE inbound_id = ?").run(inboundId);
    const emails = unique(clients.map((c) => c.email.trim()).filter(Boolean));
    const existing = new Map(this.recordsByEmails(emails).map((r) => [r.email, r]));
    const idByEmail = new Map<string, number>();
    const pending = new Set<string>();
    const toCreate: Omit<ClientRow, "id">[] = [];
    for (const c of clients) {
      const email = c.email.trim();
      if (email === "") continue;
      const incoming = toRow(c);
      const row = existing.get(email);
      if (!row) {
        if (!pending.has(email)) {
          pending.add(email);
          toCreate.push(incoming);
        }
        continue;
      }
      const before = JSON.stringify(row);
      mergeRecord(row, incoming);
      row.updated_at = Math.max(incoming.updated_at, row.updated_at);
      idByEmail.set(email, row.id);
      if (JSON.stringify(row) === before) continue;
      const { id, ...columns } = row;
      this.updateRecordColumns(id, columns);
    }
    const insert = this.db.prepare(`INSERT INTO clients (${ROW_COLUMNS.join(", ")}) VALUES (${placeholders(ROW_COLUMNS.length)})`);
    for (const rec of toCreate) {
      // GORM's create substitutes the column default for zero values: enable=false is
      // stored as true (default:true), a zero created_at/updated_at becomes now.
      const values = { ...rec, enable: true, created_at: rec.created_at || nowMs, updated_at: rec.updated_at || nowMs };
      const info = insert.run(...ROW_COLUMNS.map((k) => dbValue(values[k])));
      idByEmail.set(rec.email, Number(info.lastInsertRowid));
    }
    const link = this.db.prepare("INSERT INTO client_inbounds (client_id, inbound_id, flow_override, created_at) VALUES (?, ?, ?, ?)");
    const linked = new Set<number>();
    for (const c of clients) {
      const id = idByEmail.get(c.email.trim());
      if (id === undefined || linked.has(id)) continue;
      linked.add(id);
      link.run(id, inboundId, c.flow, nowMs);
    }
  }

  /** The rows themselves, their links and external links (the end of Delete / BulkDelete). */
  deleteRecords(ids: number[]): void {
    if (ids.length === 0) return;
    const inIds = placeholders(ids.length);
    this.db.prepare(`DELETE FROM client_inbounds WHERE client_id IN (${inIds})`).run(...ids);
    this.db.prepare(`DELETE FROM client_external_links WHERE client_id IN (${inIds})`).run(...ids);
    this.db.prepare(`DELETE FROM clients WHERE id IN (${inIds})`).run(...ids);
  }

  unlink(clientId: number, inboundId: number): void {
    this.db.prepare("DELETE FROM client_inbounds WHERE client_id = ? AND inbound_id = ?").run(clientId, inboundId);
  }

  setEnable(emails: string[], enable: boolean, nowMs: number): void {
    const inEmails = placeholders(emails.length);
    this.db.prepare(`UPDATE client_traffics SET enable = ? WHERE email IN (${inEmails})`).run(enable ? 1 : 0, ...emails);
    this.db.prepare(`UPDATE clients SET enable = ?, updated_at = ? WHERE email IN (${inEmails})`).run(enable ? 1 : 0, nowMs, ...emails);
  }

  // --- client_traffics and its satellites ----------------------------------------------

  trafficByEmail(email: string): TrafficRow | undefined {
    const raw = this.db.prepare("SELECT * FROM client_traffics WHERE email = ? LIMIT 1").get(email) as Record<string, unknown> | undefined;
    return raw && trafficFromDb(raw);
  }

  allTraffics(): TrafficRow[] {
    return (this.db.prepare("SELECT * FROM client_traffics ORDER BY id").all() as Record<string, unknown>[]).map(trafficFromDb);
  }

  trafficsByEmails(emails: string[]): TrafficRow[] {
    if (emails.length === 0) return [];
    return (this.db.prepare(`SELECT * FROM client_traffics WHERE email IN (${placeholders(emails.length)})`).all(...emails) as Record<string, unknown>[]).map(trafficFromDb);
  }

  /** AddClientStat (inbound_traffic.go L493): upsert; up and down survive a conflict. */
  addClientStat(inboundId: number, c: GoClient): void {
    this.db
      .prepare(
        "INSERT INTO client_traffics (inbound_id, enable, email, up, down, expiry_time, total, reset, last_online) VALUES (?, ?, ?, 0, 0, ?, ?, ?, 0) " +
          "ON CONFLICT(email) DO UPDATE SET inbound_id = excluded.inbound_id, total = excluded.total, expiry_time = excluded.expiry_time, enable = excluded.enable, reset = excluded.reset",
      )
      .run(inboundId, c.enable ? 1 : 0, c.email, c.expiryTime, c.totalGB, c.reset);
  }

  /** UpdateClientStat (L508). */
  updateClientStat(email: string, c: GoClient): void {
    this.db.prepare("UPDATE client_traffics SET enable = ?, email = ?, total = ?, expiry_time = ?, reset = ? WHERE email = ?").run(c.enable ? 1 : 0, c.email, c.totalGB, c.expiryTime, c.reset, email);
  }

  /** DelClientStat (L521) for one or many emails (delClientStatsByEmails). */
  delClientStats(emails: string[]): void {
    if (emails.length === 0) return;
    this.adjustGroupBaselines(emails);
    this.deleteTraffic(emails);
    this.clearSatellites(emails);
  }

  deleteTraffic(emails: string[]): void {
    if (emails.length === 0) return;
    this.db.prepare(`DELETE FROM client_traffics WHERE email IN (${placeholders(emails.length)})`).run(...emails);
  }

  /** Zeroes usage and re-enables the rows (ResetClientTrafficByEmail, BulkResetTraffic). */
  resetTraffics(emails: string[]): number {
    if (emails.length === 0) return 0;
    this.adjustGroupBaselines(emails);
    const { changes } = this.db.prepare(`UPDATE client_traffics SET enable = 1, up = 0, down = 0 WHERE email IN (${placeholders(emails.length)})`).run(...emails);
    this.clearSatellites(emails);
    return changes;
  }

  /** tx.Save(traffic): the whole row as read, with the caller's changes. */
  saveTraffic(t: TrafficRow): void {
    this.db
      .prepare("UPDATE client_traffics SET inbound_id = ?, enable = ?, email = ?, up = ?, down = ?, expiry_time = ?, total = ?, reset = ?, last_online = ? WHERE id = ?")
      .run(t.inbound_id, t.enable ? 1 : 0, t.email, t.up, t.down, t.expiry_time, t.total, t.reset, t.last_online, t.id);
  }

  updateTraffic(email: string, values: { expiry_time?: number; total?: number }): void {
    const names = Object.keys(values) as (keyof typeof values)[];
    this.db.prepare(`UPDATE client_traffics SET ${names.map((n) => `${n} = ?`).join(", ")} WHERE email = ?`).run(...names.map((n) => values[n]), email);
  }

  /** depletedCond (inbound_disable.go L84, the local form): out of traffic or past expiry. */
  depletedEmails(emails: string[], nowMs: number, onlyDisabled = false): string[] {
    if (emails.length === 0) return [];
    return this.db
      .prepare(
        `SELECT email FROM client_traffics WHERE ((total > 0 AND up + down >= total) OR (expiry_time > 0 AND expiry_time <= ?))${onlyDisabled ? " AND enable = 0" : ""} AND email IN (${placeholders(emails.length)})`,
      )
      .pluck()
      .all(nowMs, ...emails) as string[];
  }

  stampTrafficReset(inboundId: number, nowMs: number): void {
    this.db.prepare("UPDATE inbounds SET last_traffic_reset_time = ? WHERE id = ?").run(nowMs, inboundId);
  }

  delClientIps(emails: string[]): void {
    if (emails.length === 0) return;
    this.db.prepare(`DELETE FROM inbound_client_ips WHERE client_email IN (${placeholders(emails.length)})`).run(...emails);
  }

  renameClientIps(oldEmail: string, newEmail: string): void {
    this.db.prepare("UPDATE inbound_client_ips SET client_email = ? WHERE client_email = ?").run(newEmail, oldEmail);
  }

  /** clearGlobalTraffic and the node_client_traffics rows: usage other panels reported. */
  clearSatellites(emails: string[]): void {
    if (emails.length === 0) return;
    const inEmails = placeholders(emails.length);
    this.db.prepare(`DELETE FROM client_global_traffics WHERE email IN (${inEmails})`).run(...emails);
    this.db.prepare(`DELETE FROM node_client_traffics WHERE email IN (${inEmails})`).run(...emails);
  }

  /** adjustGroupBaselinesForRemovedTraffic (client_groups.go L70). */
  adjustGroupBaselines(emails: string[]): void {
    if (emails.length === 0) return;
    const totals = this.db
      .prepare(
        `SELECT c.group_name AS name, COALESCE(SUM(ct.up), 0) AS up, COALESCE(SUM(ct.down), 0) AS down FROM clients AS c JOIN client_traffics ct ON ct.email = c.email WHERE c.group_name <> '' AND c.email IN (${placeholders(emails.length)}) GROUP BY c.group_name`,
      )
      .all(...emails) as { name: string; up: number; down: number }[];
    for (const d of totals) {
      if (d.up === 0 && d.down === 0) continue;
      const { changes } = this.db.prepare("UPDATE client_groups SET reset_up = reset_up - ?, reset_down = reset_down - ?, updated_at = ? WHERE name = ?").run(d.up, d.down, this.now(), d.name);
      if (changes === 0) {
        this.db.prepare("INSERT INTO client_groups (name, reset_up, reset_down, created_at, updated_at) VALUES (?, ?, ?, ?, ?)").run(d.name, -d.up, -d.down, this.now(), this.now());
      }
    }
  }
}

/** applyClientRecordMerge (client_link.go L21). */
export function mergeRecord(row: Omit<ClientRow, "id">, incoming: Omit<ClientRow, "id">): void {
  for (const k of ["uuid", "password", "auth", "secret", "ad_tag", "security", "reverse", "wg_private_key", "wg_public_key", "wg_allowed_ips", "group_name"] as const) {
    if (incoming[k] !== "") row[k] = incoming[k];
  }
  row.flow = incoming.flow;
  row.wg_pre_shared_key = incoming.wg_pre_shared_key;
  row.wg_keep_alive = incoming.wg_keep_alive;
  row.sub_id = incoming.sub_id;
  row.limit_ip = incoming.limit_ip;
  row.total_gb = incoming.total_gb;
  row.expiry_time = incoming.expiry_time;
  row.enable = incoming.enable;
  row.tg_id = incoming.tg_id;
  row.comment = incoming.comment;
  row.reset = incoming.reset;
  if (incoming.created_at > 0 && (row.created_at === 0 || incoming.created_at < row.created_at)) row.created_at = incoming.created_at;
}

function dbValue(v: unknown): unknown {
  return typeof v === "boolean" ? (v ? 1 : 0) : v;
}

export function emailOfEntry(entry: JsonValue): string {
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) return "";
  return typeof entry.email === "string" ? entry.email : "";
}

export function isEntry(entry: JsonValue): entry is JsonObject {
  return entry !== null && typeof entry === "object" && !Array.isArray(entry);
}
