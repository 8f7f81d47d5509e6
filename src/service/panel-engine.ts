// Operations on a panel that writes its own data (3x-ui 3.1+): the service plans each client's
// change as it does for a file (operations.ts), and the panel commits it through its API, which
// keeps its three stores in step and applies the change to the running Xray at once.
//
// Each client is read fresh just before it is written (the update route replaces the whole
// record, so it must carry every field as the panel has it now), and read back afterwards: the
// diff's "after" is what the panel stored. Clients go in batches; each batch is a unit for the
// audit log, so a failure part-way leaves exactly the applied part on record.
//
// A deleted client is recorded as the panel had it (its record, usage and inbounds), and its
// undo adds that record back. No route sets usage counters: what a delete purged stays lost.
import { DiffTable, newOpResult } from "../core/diff-table.js";
import { PartialError, XuiError } from "../core/errors.js";
import type { PanelApi } from "../panel/panel-api.js";
import type { PanelClient, PanelClientEntry, PanelTraffic } from "../panel/types.js";
import { blankState, EDIT_FIELDS, NOTE, type Client, type ClientState, type CreateClientInput, type FieldChanges, type OpResult, type RemovedClient, type Operation, type Selector } from "../core/types.js";
import { num, str } from "../xui/values.js";
import { applyFields, commonFlow, emailAfter, fieldChanges } from "./client-edit.js";
import { expiryOf } from "./create.js";
import { applyInPlace, copyState } from "./operations.js";
import type { OnCommit } from "./engine.js";
import { reinsertsOf, type Restore } from "./reinsert.js";
import { validateCreate } from "./validate.js";

/** Clients per audit unit: a crash part-way loses at most this many from the record. */
export const PANEL_BATCH = 25;

/** What the engine asks of a panel (PanelApi; tests may hand in the same shape). */
export type PanelPort = Pick<PanelApi, "getClient" | "addClient" | "updateClient" | "deleteClient" | "resetTraffic">;

export interface PanelEngineContext {
  panel: PanelPort;
  /** Every client as last read (from the panel's file or its API), for selection and dry runs. */
  clients: () => Client[];
  now: () => number;
}

/** The state our operations plan with, from what the panel reports. */
function stateOf(entry: PanelClientEntry): ClientState {
  const { client, traffic } = entry;
  // The usage row is what the panel enforces (expiry, limit, its own switch), as on 2.x.
  return {
    enabled: client.enable,
    active: traffic ? traffic.enable : client.enable,
    expiryTime: traffic ? traffic.expiryTime : client.expiryTime,
    totalBytes: traffic ? traffic.total : client.totalGB,
    reset: client.reset,
    up: traffic?.up ?? 0,
    down: traffic?.down ?? 0,
  };
}

/** The fields the panel stores that we asked for: the panel's own switch is its business. */
const sameAsked = (a: ClientState, b: ClientState): boolean =>
  a.enabled === b.enabled && a.expiryTime === b.expiryTime && a.totalBytes === b.totalBytes && a.reset === b.reset;

/** A client's own fields as the file shows them: what a dry run of an edit compares with. */
const ownFields = (c: Client) => ({ email: c.email, tgId: c.tgId, limitIp: c.limitIp, comment: c.comment, flow: c.flow });

/** Whether the panel stored each own field as asked (it clears a flow an inbound cannot serve). */
function storedAsAsked(client: PanelClient, fields: FieldChanges | undefined): boolean {
  return EDIT_FIELDS.every((f) => {
    const change = fields?.[f];
    if (!change) return true;
    const numeric = f === "tgId" || f === "limitIp";
    const want = "after" in change ? change.after : numeric ? 0 : "";
    return numeric ? num(client[f]) === num(want) : str(client[f]) === str(want);
  });
}

/** Chooses the clients a selector names, as the file engine does, from the neutral list. */
export function chooseClients(clients: Client[], selector: Selector, resolve: (refs: string[]) => Client[]): Client[] {
  if ("refs" in selector) return resolve(selector.refs);
  if ("inboundId" in selector) {
    const chosen = clients.filter((c) => c.inboundIds.includes(selector.inboundId));
    if (chosen.length === 0) {
      throw new XuiError("unknown-inbound", `unknown inbound or no clients on it: ${selector.inboundId}`, [String(selector.inboundId)]);
    }
    return chosen;
  }
  return clients;
}

export class PanelEngine {
  constructor(private readonly ctx: PanelEngineContext) {}

  async run(op: Operation, targets: Client[], options: { dryRun?: boolean; onCommit?: OnCommit } = {}): Promise<OpResult> {
    const diffs = new DiffTable(targets.length);
    const result = newOpResult(op.kind, diffs, options.dryRun ?? false);
    const before = blankState();
    const after = blankState();
    if (options.dryRun) {
      const now = this.ctx.now();
      for (const c of targets) {
        copyState(before, c);
        const fields = fieldChanges(op, c.email, ownFields(c));
        const notes = applyInPlace(op, before, copyState(after, before), now, c.email);
        const i = diffs.push(c.email, c.inboundId, before, after, fields ? notes & ~NOTE["no-change"] : notes, false);
        if (fields) diffs.setFields(i, fields);
      }
      return result;
    }
    await this.inBatches(targets.map((c) => c.email), targets, (c) => this.applyOne(op, c, diffs), result, options.onCommit);
    return result;
  }

  /**
   * The undo of a delete: each client added back as the panel had it (same key, subId, limits,
   * dates, flags, comment, group) on every inbound it was on. Its usage comes back only where
   * the delete kept the usage row; otherwise the diff notes "usage-not-restored".
   */
  async reinsert(op: Restore, options: { dryRun?: boolean; onCommit?: OnCommit } = {}): Promise<OpResult> {
    const entries = reinsertsOf(op);
    const diffs = new DiffTable(entries.length);
    const result = newOpResult("restore", diffs, options.dryRun ?? false);
    const emails = entries.map((e) => str(e.reinsert.json.email));
    if (options.dryRun) {
      entries.forEach((e, k) => diffs.push(emails[k] as string, e.inboundId, null, this.removedState(e.reinsert), 0, false));
      return result;
    }
    await this.inBatches(emails, entries, async ({ reinsert, inboundId }) => {
      const { panel } = this.ctx;
      const record = reinsert.json as PanelClient;
      const wanted = this.removedState(reinsert);
      await panel.addClient(record, reinsert.inboundIds ?? [inboundId]);
      let stored = await panel.getClient(record.email);
      if (!stored) throw new XuiError("panel-refused", `the panel did not keep ${record.email}`, [record.email], undefined, { kind: "not-kept", email: record.email });
      if (stored.client.enable !== wanted.enabled) {
        // The add route switches every new client on: a client that was blocked is blocked again.
        await panel.updateClient(record.email, { ...stored.client, enable: wanted.enabled });
        stored = (await panel.getClient(record.email)) ?? stored;
      }
      const now = stateOf(stored);
      let notes = sameAsked(now, wanted) ? 0 : NOTE["panel-changed"];
      if (now.up + now.down < wanted.up + wanted.down) notes |= NOTE["usage-not-restored"];
      diffs.push(record.email, stored.inboundIds[0] ?? inboundId, null, now, notes, false);
    }, result, options.onCommit);
    return result;
  }

  /** The state a deleted client had, from what its delete recorded (the panel's record and usage). */
  private removedState(removed: RemovedClient): ClientState {
    return stateOf({ client: removed.json as PanelClient, inboundIds: [], traffic: removed.row as PanelTraffic | null });
  }

  /**
   * Runs `one` on each item (`emails` names them), PANEL_BATCH at a time; each batch that
   * changed something is told to `onCommit` as it ends, a failure part-way included.
   */
  private async inBatches<T>(emails: string[], items: T[], one: (item: T) => Promise<void>, result: OpResult, onCommit: OnCommit | undefined): Promise<void> {
    const { diffs } = result;
    for (let start = 0; start < items.length; start += PANEL_BATCH) {
      const batchStart = diffs.length;
      try {
        for (const item of items.slice(start, start + PANEL_BATCH)) await one(item);
      } catch (error) {
        const applied = diffs.length;
        if (applied > batchStart && diffs.count(true, batchStart) > 0) onCommit?.(diffs.slice(batchStart));
        if (diffs.count(true) === 0) throw error;
        result.transactions = applied;
        throw new PartialError(result, emails.slice(applied), error);
      }
      if (diffs.count(true, batchStart) > 0) onCommit?.(diffs.slice(batchStart));
      result.transactions = diffs.length;
    }
  }

  /** Plans `op` on the client as the panel has it now, asks the panel, and records what it stored. */
  private async applyOne(op: Operation, target: Client, diffs: DiffTable): Promise<void> {
    const { panel } = this.ctx;
    const fresh = await panel.getClient(target.email);
    if (!fresh) throw new XuiError("unknown-ref", `${target.email} is no longer on the panel`, [target.email]);
    const before = stateOf(fresh);
    const planned = copyState(blankState(), before);
    const now = this.ctx.now();
    const fields = fieldChanges(op, target.email, fresh.client);
    let notes = applyInPlace(op, before, planned, now, target.email);
    if (fields) notes &= ~NOTE["no-change"];
    if ((notes & NOTE["no-change"]) !== 0) {
      diffs.push(target.email, target.inboundId, before, planned, notes, false);
      return;
    }
    if ((notes & NOTE.deleted) !== 0) {
      await panel.deleteClient(target.email, { keepTraffic: op.kind === "delete" && op.keepTraffic === true });
      const i = diffs.push(target.email, target.inboundId, before, planned, notes, false);
      const row = fresh.traffic ? { ...fresh.traffic } : null;
      diffs.setRemoved(i, { index: -1, json: fresh.client, row, ips: null, inboundIds: fresh.inboundIds });
      return;
    }
    let current = fresh;
    if (planned.up !== before.up || planned.down !== before.down) {
      // The panel's reset zeroes usage and switches the client on, a blocked one too: the
      // record is then set back to what we planned (a blocked client stays blocked).
      await panel.resetTraffic(target.email);
      current = (await panel.getClient(target.email)) ?? fresh;
    }
    const now1 = stateOf(current);
    // The record changes when one of its fields does, or when the panel's switch must come back
    // on: an update sets the usage row's switch from the record's.
    if (fields || !sameAsked(now1, planned) || (planned.active && !now1.active)) {
      const record: PanelClient = {
        ...current.client,
        enable: planned.enabled,
        expiryTime: planned.expiryTime,
        totalGB: planned.totalBytes,
        reset: planned.reset,
      };
      // A new email goes in the body of update/:oldEmail: the panel renames it everywhere.
      if (fields) applyFields(record, fields);
      await panel.updateClient(target.email, record);
    }
    const stored = await panel.getClient(emailAfter(target.email, fields));
    const now2 = stored ? stateOf(stored) : planned;
    if (!sameAsked(now2, planned) || (stored && !storedAsAsked(stored.client, fields))) notes |= NOTE["panel-changed"];
    const i = diffs.push(target.email, target.inboundId, before, now2, notes, false);
    if (fields) diffs.setFields(i, fields);
  }

  /** A new client through the panel's add route; the diff's after is what the panel stored. */
  async create(input: CreateClientInput): Promise<OpResult> {
    validateCreate(input);
    const { panel } = this.ctx;
    const lower = input.email.toLowerCase();
    if (this.ctx.clients().some((c) => c.email.toLowerCase() === lower) || (await panel.getClient(input.email))) {
      throw new XuiError("duplicate-email", `email already in use: ${input.email}`, [input.email]);
    }
    const now = this.ctx.now();
    const flow = input.flow ?? this.usualFlow(input.inboundId);
    const record: Partial<PanelClient> & { email: string } = {
      email: input.email,
      enable: true,
      // A delayed start is a negative expiry, as on 2.x; the panel counts it from first use.
      expiryTime: expiryOf(input, now),
      // The panel clears it on every inbound that cannot serve it.
      flow,
      totalGB: input.totalBytes ?? 0,
      limitIp: input.limitIp ?? 0,
      tgId: input.tgId ?? 0,
      comment: input.comment ?? "",
      reset: 0,
      ...(input.subId ? { subId: input.subId } : {}),
      ...(input.key ? { id: input.key, password: input.key } : {}),
    };
    await panel.addClient(record, [input.inboundId, ...(input.moreInboundIds ?? [])]);
    const stored = await panel.getClient(input.email);
    if (!stored) throw new XuiError("panel-refused", `the panel did not keep ${input.email}`, [input.email], undefined, { kind: "not-kept", email: input.email });
    const diffs = DiffTable.of([
      {
        email: input.email,
        inboundId: stored.inboundIds[0] ?? input.inboundId,
        before: null,
        after: stateOf(stored),
        // A flow asked for that no inbound of the client can serve is dropped by the panel.
        notes: input.flow !== undefined && stored.client.flow !== input.flow ? ["panel-changed"] : [],
        updatedAt: { before: null, after: typeof stored.client.updated_at === "number" ? stored.client.updated_at : null },
      },
    ]);
    const result = newOpResult("create", diffs, false);
    result.transactions = 1;
    return result;
  }

  /**
   * The flow a new client gets when none is asked, as on 2.x: what the VLESS inbound's clients
   * mostly use (a client without the flow its inbound expects cannot connect); "" elsewhere.
   */
  private usualFlow(inboundId: number): string {
    // Clients listed under this inbound first: their flow is this inbound's.
    const own = this.ctx.clients().filter((c) => c.inboundId === inboundId);
    return own.some((c) => c.protocol === "vless") ? commonFlow(own) : "";
  }
}
