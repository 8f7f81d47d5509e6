// The JSON-only side of an edit: which of a client's own fields (email, Telegram ID, IP limit,
// comment, flow) an edit, or the undo of one, changes, and those changes written into a copy
// of the JSON client. The state side (reset, a delayed start) is operations.ts's.
import { FLOW_TEXTS } from "../core/error-detail.js";
import { XuiError } from "../core/errors.js";
import { EDIT_FIELDS, type FieldChange, type FieldChanges, type Operation } from "../core/types.js";
import { flowProblem, readStreamSettings } from "../xui/transport.js";
import type { ClientEdit, Selector } from "../core/types.js";
import type { EngineContext } from "./engine.js";
import { assertEmailFree } from "./insert.js";
import { isRestoredFields } from "./operations.js";
import { selectTargets } from "./select.js";
import { validateEdit } from "./validate.js";

/** The values `op` wants in the JSON client `email`: `after` (absent: no such key). */
function wanted(op: Operation, email: string): FieldChanges | undefined {
  if (op.kind === "restore") {
    const back = op.clients[email.toLowerCase()];
    return isRestoredFields(back) ? back.fields : undefined;
  }
  if (op.kind !== "edit") return undefined;
  const { email: newEmail, tgId, limitIp, comment, flow } = op.changes;
  const values = { email: newEmail, tgId, limitIp, comment, flow };
  const out: FieldChanges = {};
  for (const f of EDIT_FIELDS) if (values[f] !== undefined) out[f] = { after: values[f] };
  return out;
}

/** What `op` changes among the JSON client's own fields, before and after; undefined: nothing. */
export function fieldChanges(op: Operation, email: string, json: Readonly<Record<string, unknown>>): FieldChanges | undefined {
  const want = wanted(op, email);
  if (!want) return undefined;
  let out: FieldChanges | undefined;
  for (const f of EDIT_FIELDS) {
    const w = want[f];
    if (!w) continue;
    const has = Object.hasOwn(json, f);
    if (has === ("after" in w) && (!has || json[f] === w.after)) continue;
    const change: FieldChange = {};
    if (has) change.before = json[f];
    if ("after" in w) change.after = w.after;
    (out ??= {})[f] = change;
  }
  return out;
}

/** Writes `fields`' after-values into `json` (a copy: never a cached object), or a panel's record. */
export function applyFields(json: Record<string, unknown>, fields: FieldChanges): void {
  for (const f of EDIT_FIELDS) {
    const change = fields[f];
    if (!change) continue;
    if ("after" in change) json[f] = change.after;
    else delete json[f];
  }
}

/** The email the client has after `fields` (a rename), else `email`. */
export const emailAfter = (email: string, fields: FieldChanges | undefined): string =>
  fields?.email && "after" in fields.email ? String(fields.email.after) : email;

/** Refuses a flow the inbound cannot serve; "" (none) only where a flow key belongs (VLESS). */
export function assertFlowAllowed(inbound: { id: number; protocol: string }, streamSettings: string, flow: string): void {
  const problem = inbound.protocol === "vless" && flow === "" ? null : flowProblem(inbound.protocol, streamSettings);
  if (problem !== null) {
    throw new XuiError("bad-input", `flow: ${JSON.stringify(flow)} cannot be set on inbound ${inbound.id}: ${FLOW_TEXTS[problem.why](problem.found)}`, ["flow"], undefined, { kind: "flow-refused", flow, inbound: inbound.id, ...problem });
  }
}

/** The non-empty flow most of these clients use (the first such in a tie), else "". */
export function commonFlow(clients: readonly { flow?: unknown }[]): string {
  const counts = new Map<string, number>();
  for (const c of clients) if (typeof c.flow === "string" && c.flow !== "") counts.set(c.flow, (counts.get(c.flow) ?? 0) + 1);
  let best = "";
  for (const [flow, n] of counts) if (n > (counts.get(best) ?? 0)) best = flow;
  return best;
}

/**
 * Refuses an edit the panel would not accept, before anything is planned: bad values, a new
 * email for several clients or one already taken, a flow an inbound cannot serve.
 */
export function checkEdit(ctx: EngineContext, selector: Selector, changes: ClientEdit): void {
  validateEdit(changes);
  const snapshot = ctx.reader.read();
  const targets = selectTargets(snapshot, selector);
  if (changes.email !== undefined) {
    const [target] = targets;
    if (!target || targets.length > 1) throw new XuiError("bad-input", `email: a new email names one client, not ${targets.length}`, ["email"], undefined, { kind: "email-one-client", clients: targets.length });
    assertEmailFree(snapshot, changes.email, target.email);
  }
  if (changes.flow !== undefined) {
    const inbounds = new Map(targets.map((t) => [t.inbound.id, t.inbound]));
    const streams = ctx.db.read((conn) => readStreamSettings(conn, [...inbounds.keys()]));
    for (const [id, inbound] of inbounds) assertFlowAllowed(inbound, streams.get(id) ?? "", changes.flow);
  }
}
