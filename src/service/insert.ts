// Adds clients to both places in one BEGIN IMMEDIATE transaction: each JSON client into its
// inbound's `clients` array and its client_traffics row (and, for a client put back, its IP
// record). Used by create and by the undo of a delete. The settings are serialised before the
// lock is taken; inside it we only check that nothing moved and write.
import type { JsonObject } from "../xui/panel-json.js";
import { formatSettings } from "../xui/panel-json.js";
import { ClientRows } from "../xui/client-rows.js";
import { str, supportsClients, type InboundSnapshot, type Snapshot } from "../xui/snapshot.js";
import { XuiError } from "../core/errors.js";
import type { EngineContext } from "./engine.js";

export type WritableInbound = InboundSnapshot & { settings: JsonObject };

export interface Insertion {
  inbound: WritableInbound;
  json: JsonObject;
  /** Its place in the `clients` array (a client put back); the end when absent or past it. */
  index?: number;
  /** The client_traffics row to insert; null: its row is there already (kept at its delete). */
  row: Record<string, unknown> | null;
  ips?: Record<string, unknown> | null;
}

/** Attempts while the panel keeps rewriting an inbound between our read and our lock. */
const MAX_ATTEMPTS = 5;

export class Conflict extends Error {}

/** Runs `attempt` again while it hits a Conflict (the panel rewrote an inbound meanwhile). */
export async function retryConflicts<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof Conflict) || n >= MAX_ATTEMPTS) throw error;
    }
  }
}

export function writableInbound(snapshot: Snapshot, inboundId: number): WritableInbound {
  const inbound = snapshot.inbounds.get(inboundId);
  if (!inbound) throw new XuiError("unknown-inbound", `unknown inbound: ${inboundId}`, [String(inboundId)]);
  if (!supportsClients(inbound.protocol)) {
    throw new XuiError(
      "bad-input",
      `inbound ${inbound.id} is ${inbound.protocol}: it has no per-client accounting, clients cannot be added`,
      ["inbound"],
      undefined,
      { kind: "no-client-accounting", inbound: inbound.id, protocol: inbound.protocol },
    );
  }
  if (!inbound.settings || !Array.isArray(inbound.settings.clients)) {
    const why = inbound.settingsError ?? "no clients array";
    throw new XuiError("bad-input", `inbound ${inbound.id} has unreadable settings: ${why}`, ["inbound"], undefined, { kind: "unreadable-settings", inbound: inbound.id, said: why });
  }
  return inbound as WritableInbound;
}

const duplicate = (email: string) => new XuiError("duplicate-email", `email already in use: ${email}`, [email]);

/**
 * Refuses an email any JSON client has, in any case: the panel keys clients by email. `own`:
 * the email of the client being renamed, which may change its own case.
 */
export function assertEmailFree(snapshot: Snapshot, email: string, own?: string): void {
  const lower = email.toLowerCase();
  if (snapshot.clients.some((c) => c.email.toLowerCase() === lower && c.email !== own)) throw duplicate(email);
}

/** Refuses emails any JSON client has, in any case, or that come twice: one pass for many. */
export function assertEmailsFree(snapshot: Snapshot, emails: string[]): void {
  const taken = new Set(snapshot.clients.map((c) => c.email.toLowerCase()));
  for (const email of emails) {
    const lower = email.toLowerCase();
    if (taken.has(lower)) throw duplicate(email);
    taken.add(lower);
  }
}

/** Each touched inbound's settings with its insertions, in index order so each lands where asked. */
function settingsWith(insertions: Insertion[]): Map<number, { settings: JsonObject; text: string; inbound: WritableInbound }> {
  const byInbound = new Map<number, Insertion[]>();
  for (const item of insertions) {
    const list = byInbound.get(item.inbound.id);
    if (list) list.push(item);
    else byInbound.set(item.inbound.id, [item]);
  }
  const out = new Map<number, { settings: JsonObject; text: string; inbound: WritableInbound }>();
  for (const [id, items] of byInbound) {
    const inbound = items[0]?.inbound as WritableInbound;
    const clients = [...(inbound.settings.clients as unknown[])];
    const ordered = [...items].sort((a, b) => (a.index ?? Infinity) - (b.index ?? Infinity));
    for (const item of ordered) clients.splice(Math.min(item.index ?? clients.length, clients.length), 0, item.json);
    const settings: JsonObject = { ...inbound.settings, clients: clients as JsonObject[] };
    out.set(id, { settings, text: formatSettings(settings), inbound });
  }
  return out;
}

/** Writes the insertions in one transaction; returns how long it held the lock. */
export async function insertClients(ctx: EngineContext, insertions: Insertion[]): Promise<number> {
  if (ctx.remote) {
    // A remote panel checks and appends itself (addClient); no lock of ours is held.
    await ctx.remote.insert(insertions);
    return 0;
  }
  const edited = settingsWith(insertions);
  const { lockMs } = await ctx.db.write((conn) => {
    const readSettings = conn.prepare("SELECT settings FROM inbounds WHERE id = ?").pluck();
    for (const [id, { inbound }] of edited) if (readSettings.get(id) !== inbound.text) throw new Conflict();
    const rows = new ClientRows(conn, ctx.db.schema.trafficColumns);
    for (const { json, row, ips } of insertions) {
      if (row) {
        // Emails are unique across every row as well (the panel's UNIQUE constraint, in any case).
        rows.assertFree(str(json.email));
        rows.insert(row);
      }
      if (ips) rows.insertIps(ips);
    }
    const writeSettings = conn.prepare("UPDATE inbounds SET settings = ? WHERE id = ?");
    for (const [id, { text }] of edited) writeSettings.run(text, id);
  });
  for (const [id, { settings, text }] of edited) ctx.reader.remember(id, text, settings);
  return lockMs;
}
