// Commits the file engine's plans to a remote 3x-ui 2.x panel through its API, and keeps the
// local mirror (panel/v2/mirror.ts) that every read uses in step with it.
//
// What each route of v2.9.4 does to the panel's two places (web/service/inbound.go):
// - inbounds/update/:id (UpdateInbound): replaces the inbound's settings text (keeping each
//   client's created_at, and its updated_at when the new JSON has none); client_traffics only
//   through updateClientTraffics: a row is deleted for every email that left the JSON and
//   added (from the JSON, usage 0) for every email that came; the rows of the clients that stay
//   are NOT updated. The running Xray gets the whole inbound again (DelInbound + AddInbound),
//   without the clients whose JSON or row is off. inbound_client_ips is not touched.
// - updateClient/:clientId (UpdateInboundClient): replaces one JSON client (created_at kept,
//   updated_at = the panel's now) and sets its row's enable, email, total, expiry_time and
//   reset from that JSON (UpdateClientStat); renames its IP record; Xray: user out and in.
// - addClient (AddInboundClient): appends JSON clients (created_at/updated_at stamped) and a row
//   per client from its JSON with usage 0; refuses an email in use.
// - :id/delClient/:clientId (DelInboundClient): drops the JSON client, its row and its IPs;
//   refuses to leave an inbound without clients.
// - :id/resetClientTraffic/:email (ResetClientTraffic): row up = down = 0 and enable = true.
// - updateClientTraffic/:email: sets the row's up and down (all_time never goes down).
//
// So the panel's traffic job, which enforces from client_traffics (disableInvalidClients,
// autoRenewClients), would go on enforcing an old expiry or limit after an inbounds/update
// alone. Hence, for each inbound a change touches:
// 1. one updateClient per client whose row must change (enable, expiry, limit, auto-renew, or
//    its email): the only route that writes a row's limits, and it writes JSON and row in one
//    panel transaction, so a failure part-way leaves whole clients applied or not, never a
//    client half-written; a reset of usage is resetClientTraffic first;
// 2. then one inbounds/update/:id with the whole edited settings (one parse and one
//    serialisation per inbound, as locally) when the inbound has changes no row carries: JSON-
//    only fields (Telegram ID, comment, IP limit, flow) and deletions, the panel dropping the
//    rows of deleted clients itself (a bulk delete is one call per inbound, not one per client).
// Before the first write of an inbound it is read fresh (inbounds/get/:id): when its settings
// moved since the mirror was read, the mirror is refreshed and the unit planned again. Writes
// are never repeated: after them the mirror is read back from the panel.
import { XuiError } from "../core/errors.js";
import type { Operation } from "../core/types.js";
import type { DiffTable } from "../core/diff-table.js";
import type { Panel2Api } from "../panel/v2/api.js";
import { writeMirror } from "../panel/v2/mirror.js";
import type { Panel2Inbound } from "../panel/v2/wire.js";
import type { JsonObject } from "../xui/panel-json.js";
import { num, str, type InboundSnapshot } from "../xui/snapshot.js";
import { emailAfter } from "./client-edit.js";
import type { Insertion } from "./insert.js";
import type { Target } from "./select.js";

/** One unit the engine planned (one inbound's clients, see UNIT_CLIENTS_REMOTE). */
export interface RemoteUnit {
  op: Operation;
  targets: Target[];
  /** targets[k]'s diff is diffs[start + k]. */
  start: number;
  diffs: DiffTable;
  /** Per touched inbound: each edited JSON client by its position (null: deleted) and the edited settings' text. */
  edits: Map<number, { inbound: InboundSnapshot; clients: Map<number, JsonObject | null>; text: string }>;
}

/** "conflict": the panel changed an inbound since the mirror was read (now refreshed): plan again. */
export type RemoteOutcome = "conflict" | { notApplied: number[]; error?: Error };

/** Where the engine commits when the database is a mirror of a remote panel. */
export interface RemoteWriter {
  /** Touched clients per unit (see UNIT_CLIENTS_REMOTE). */
  readonly unitClients: number;
  panelVersion(): Promise<string>;
  commit(unit: RemoteUnit): Promise<RemoteOutcome>;
  insert(insertions: Insertion[]): Promise<void>;
  refresh(): Promise<void>;
}

/** A remote panel commits one inbound at a time: a failure is then one inbound's, reported as such. */
export const UNIT_CLIENTS_REMOTE = 1;

export class Remote2Writer implements RemoteWriter {
  readonly unitClients = UNIT_CLIENTS_REMOTE;
  private version: Promise<string> | undefined;

  constructor(
    readonly api: Panel2Api,
    readonly mirrorPath: string,
  ) {}

  /** The panel's version, asked once per connection (again only after a failed try). */
  panelVersion(): Promise<string> {
    this.version ??= this.api.panelVersion().catch((error: unknown) => {
      this.version = undefined;
      throw error;
    });
    return this.version;
  }

  /** Reads every inbound from the panel into a new mirror. */
  async refresh(): Promise<void> {
    writeMirror(this.mirrorPath, await this.api.listInbounds(), this.api.where);
  }

  async commit(unit: RemoteUnit): Promise<RemoteOutcome> {
    const { op, targets, start, diffs, edits } = unit;
    if (op.kind === "delete" && op.keepTraffic) {
      throw new XuiError("bad-input", "a 3x-ui 2.x panel drops a deleted client's usage row with it: keeping the traffic is not possible through its API; nothing was changed", [], undefined, { kind: "keep-traffic-v2" });
    }
    const fresh = new Map<number, Panel2Inbound>();
    for (const [id, edit] of edits) {
      const now = await this.api.getInbound(id);
      if (now.settings !== edit.inbound.text) {
        await this.refresh();
        return "conflict";
      }
      fresh.set(id, now);
    }
    const { perClient, byInbound } = sortChanges(targets, start, diffs);
    const applied = new Set<number>();
    const outcome = (error?: Error): RemoteOutcome => {
      const notApplied = targets.map((_, k) => start + k).filter((i) => diffs.isChanged(i) && !applied.has(i));
      return error === undefined ? { notApplied } : { notApplied, error };
    };
    try {
      for (const i of perClient) {
        const t = targets[i - start] as Target;
        if (usageZeroed(diffs, i)) await this.api.resetClientTraffic(t.inbound.id, t.email);
        // The JSON as planned; the panel sets the row from it (enable, total, expiry, reset, email).
        const json = edits.get(t.inbound.id)?.clients.get(t.at) ?? t.json;
        await this.api.updateClient(clientIdOf(t.inbound.protocol, t.json), t.inbound.id, json);
        applied.add(i);
      }
      for (const [id, list] of byInbound) {
        const edit = edits.get(id);
        // A reset that changes nothing else: resetClientTraffic is the whole change.
        const usageOnly = list.filter((i) => !edit?.clients.has((targets[i - start] as Target).at));
        for (const i of usageOnly) {
          const t = targets[i - start] as Target;
          await this.api.resetClientTraffic(t.inbound.id, t.email);
          applied.add(i);
        }
        const before = fresh.get(id);
        if (edit && before && usageOnly.length < list.length) {
          // The clients updated one by one above are in this text as updated: it agrees with them.
          await this.api.updateInbound({ ...before, settings: edit.text });
          for (const i of list) applied.add(i);
        }
      }
    } catch (error) {
      // Read back what the panel has now, whatever it applied; the error is reported as is.
      await this.refresh().catch(() => undefined);
      // Every failure on the way is an Error (transport, XuiError, or the mirror's file system).
      return outcome(error as Error);
    }
    await this.refresh();
    return outcome();
  }

  /**
   * Puts clients into their inbounds (create, the undo of a delete): one addClient per inbound,
   * then a put-back client's usage with updateClientTraffic (its new row starts at zero).
   */
  async insert(insertions: Insertion[]): Promise<void> {
    const byInbound = new Map<number, Insertion[]>();
    for (const item of insertions) byInbound.set(item.inbound.id, [...(byInbound.get(item.inbound.id) ?? []), item]);
    try {
      for (const [id, items] of byInbound) await this.api.addClients(id, items.map((item) => item.json));
      for (const { json, row } of insertions) {
        const up = num(row?.up);
        const down = num(row?.down);
        if (up > 0 || down > 0) await this.api.setClientUsage(str(json.email), up, down);
      }
    } finally {
      await this.refresh().catch(() => undefined);
    }
  }
}

/**
 * The changed diffs of a unit by the route that commits them: one by one (`perClient`: the row
 * changes, or the email), or with their inbound's update (`byInbound`: JSON-only changes,
 * deletions, and resets of usage alone). A deleted client's row goes into its diff for an undo.
 */
function sortChanges(targets: Target[], start: number, diffs: DiffTable): { perClient: number[]; byInbound: Map<number, number[]> } {
  const perClient: number[] = [];
  const byInbound = new Map<number, number[]>();
  targets.forEach((t, k) => {
    const i = start + k;
    if (!diffs.isChanged(i)) return;
    if (diffs.isDeleted(i)) {
      const removed = diffs.removed(i);
      if (removed && t.row >= 0) removed.row = { ...t.rows.row(t.row) };
    } else if (rowChanges(diffs, i) || emailAfter(t.email, diffs.fields(i)) !== t.email) {
      perClient.push(i);
      return;
    }
    byInbound.set(t.inbound.id, [...(byInbound.get(t.inbound.id) ?? []), i]);
  });
  return { perClient, byInbound };
}

/** The key updateClient/:clientId finds a client by in v2.9.4: shadowsocks by email, trojan by password. */
function clientIdOf(protocol: string, json: JsonObject): string {
  if (protocol === "shadowsocks") return str(json.email);
  if (protocol === "trojan") return str(json.password);
  return str(protocol === "hysteria" || protocol === "hysteria2" ? json.auth : json.id);
}

/** Whether diff `i` zeroes the client's usage (a reset). */
function usageZeroed(diffs: DiffTable, i: number): boolean {
  const [before, after] = [diffs.stateBefore(i), diffs.stateAfter(i)];
  return after.up !== before.up || after.down !== before.down;
}

/** Whether diff `i` changes what the client's row holds beyond the JSON: its limits, switch, usage. */
function rowChanges(diffs: DiffTable, i: number): boolean {
  const [b, a] = [diffs.stateBefore(i), diffs.stateAfter(i)];
  return a.active !== b.active || a.expiryTime !== b.expiryTime || a.totalBytes !== b.totalBytes || a.reset !== b.reset;
}

