// Operations on a panel that writes its own data (3x-ui 3.1+): the service plans each client's
// change as it does for a file (operations.ts), and the panel commits it through its API, which
// keeps its three stores in step and applies the change to the running Xray at once.
//
// Each client is read fresh just before it is written (the update route replaces the whole
// record, so it must carry every field as the panel has it now), and read back afterwards: the
// diff's "after" is what the panel stored. Clients go in batches; each batch is a unit for the
// audit log, so a failure part-way leaves exactly the applied part on record.
import { DiffTable, newOpResult } from "../shared/diff-table.js";
import { PartialError, XuiError } from "../shared/errors.js";
import type { PanelApi } from "../panel/panel-api.js";
import type { PanelClient, PanelClientEntry } from "../panel/types.js";
import { blankState, NOTE, type Client, type ClientState, type CreateClientInput, type OpResult, type Operation, type Selector } from "../shared/types.js";
import { DAY_MS } from "../shared/units.js";
import { applyInPlace, copyState } from "./operations.js";
import type { OnCommit } from "./engine.js";
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

/** Chooses the clients a selector names, as the file engine does, from the neutral list. */
export function chooseClients(clients: Client[], selector: Selector, resolve: (refs: string[]) => Client[]): Client[] {
  if ("refs" in selector) return resolve(selector.refs);
  if ("inboundId" in selector) {
    const chosen = clients.filter((c) => c.inboundIds.includes(selector.inboundId));
    if (chosen.length === 0 && !clients.some((c) => c.inboundIds.includes(selector.inboundId))) {
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
        diffs.push(c.email, c.inboundId, before, after, applyInPlace(op, before, copyState(after, before), now, c.email), false);
      }
      return result;
    }
    for (let start = 0; start < targets.length; start += PANEL_BATCH) {
      const batchStart = diffs.length;
      try {
        for (const c of targets.slice(start, start + PANEL_BATCH)) await this.applyOne(op, c, diffs);
      } catch (error) {
        const applied = diffs.length;
        if (applied > batchStart && diffs.count(true, batchStart) > 0) options.onCommit?.(diffs.slice(batchStart));
        if (diffs.count(true) === 0) throw error;
        result.transactions = applied;
        throw new PartialError(result, targets.slice(applied).map((c) => c.email), error);
      }
      if (diffs.count(true, batchStart) > 0) options.onCommit?.(diffs.slice(batchStart));
      result.transactions = diffs.length;
    }
    return result;
  }

  /** Plans `op` on the client as the panel has it now, asks the panel, and records what it stored. */
  private async applyOne(op: Operation, target: Client, diffs: DiffTable): Promise<void> {
    const { panel } = this.ctx;
    const fresh = await panel.getClient(target.email);
    if (!fresh) throw new XuiError("unknown-ref", `${target.email} is no longer on the panel`, [target.email]);
    const before = stateOf(fresh);
    const planned = copyState(blankState(), before);
    const now = this.ctx.now();
    let notes = applyInPlace(op, before, planned, now, target.email);
    if ((notes & NOTE["no-change"]) !== 0) {
      diffs.push(target.email, target.inboundId, before, planned, notes, false);
      return;
    }
    if ((notes & NOTE.deleted) !== 0) {
      await panel.deleteClient(target.email);
      diffs.push(target.email, target.inboundId, before, planned, notes, false);
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
    if (!sameAsked(now1, planned) || (planned.active && !now1.active)) {
      const record: PanelClient = {
        ...current.client,
        enable: planned.enabled,
        expiryTime: planned.expiryTime,
        totalGB: planned.totalBytes,
        reset: planned.reset,
      };
      await panel.updateClient(target.email, record);
    }
    const stored = await panel.getClient(target.email);
    const now2 = stored ? stateOf(stored) : planned;
    if (!sameAsked(now2, planned)) notes |= NOTE["panel-changed"];
    diffs.push(target.email, target.inboundId, before, now2, notes, false);
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
    const record: Partial<PanelClient> & { email: string } = {
      email: input.email,
      enable: true,
      expiryTime: input.days ? now + input.days * DAY_MS : 0,
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
    if (!stored) throw new XuiError("panel-refused", `the panel did not keep ${input.email}`, [input.email]);
    const diffs = DiffTable.of([
      {
        email: input.email,
        inboundId: stored.inboundIds[0] ?? input.inboundId,
        before: null,
        after: stateOf(stored),
        notes: [],
        updatedAt: { before: null, after: typeof stored.client.updated_at === "number" ? stored.client.updated_at : null },
      },
    ]);
    const result = newOpResult("create", diffs, false);
    result.transactions = 1;
    return result;
  }
}
