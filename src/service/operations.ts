// What each operation does to one client, as a pure function of its state and the clock.
// The engine applies the result to both stores; nothing here knows where the state lives.
import { NOTE, notesOf, type ClientState, type NoteCode, type Operation, type Reinsert, type RestoredFields } from "../core/types.js";
import { DAY_MS } from "../core/units.js";

export const isExpired = (s: Pick<ClientState, "expiryTime">, now: number): boolean =>
  s.expiryTime > 0 && s.expiryTime <= now;

export const isExhausted = (s: Pick<ClientState, "totalBytes" | "up" | "down">): boolean =>
  s.totalBytes > 0 && s.up + s.down >= s.totalBytes;

/** Whether the panel serves the client: both flags on. */
export const isServed = (s: Pick<ClientState, "enabled" | "active">): boolean => s.enabled && s.active;

export interface Outcome {
  after: ClientState;
  notes: NoteCode[];
}

/**
 * Negative days take days away: from a future expiry down to now at the lowest (the diff then
 * says "now expired"), from an expired one nothing; a delayed start keeps at least one day.
 */
function extendExpiry(expiryTime: number, days: number, now: number): number {
  if (expiryTime === 0) return 0; // never expires: nothing to extend
  if (expiryTime < 0) return Math.min(expiryTime - days * DAY_MS, -DAY_MS); // delayed start: days of delay
  if (days < 0) return expiryTime <= now ? expiryTime : Math.max(expiryTime + days * DAY_MS, now);
  return Math.max(expiryTime, now) + days * DAY_MS; // expired clients restart from now
}

/** Whether a restore entry puts fields back (not a deletion, not a re-insertion). */
export const isRestoredFields = (back: RestoredFields | "delete" | Reinsert | undefined): back is RestoredFields =>
  back !== undefined && back !== "delete" && !("reinsert" in back);

/** Sets the fields `op` decides, in place. */
function setFields(op: Operation, s: ClientState, now: number, email: string): void {
  switch (op.kind) {
    case "restore": {
      const back = op.clients[email.toLowerCase()];
      if (isRestoredFields(back)) {
        s.enabled = back.enabled;
        s.active = back.active;
        s.expiryTime = back.expiryTime;
        s.totalBytes = back.totalBytes;
        s.reset = back.reset;
      }
      return;
    }
    case "extend":
      s.expiryTime = extendExpiry(s.expiryTime, op.days, now);
      return;
    case "expiry":
      s.expiryTime = op.expiryTime;
      return;
    case "limit":
      s.totalBytes = op.totalBytes;
      return;
    case "reset":
      s.up = 0;
      s.down = 0;
      s.totalBytes = op.totalBytes ?? s.totalBytes;
      return;
    case "block":
      s.enabled = false;
      s.active = false;
      return;
    case "unblock":
      s.enabled = true;
      s.active = true;
      return;
    case "edit":
      if (op.changes.reset !== undefined) s.reset = op.changes.reset;
      if (op.changes.delayedStartDays !== undefined) s.expiryTime = -op.changes.delayedStartDays * DAY_MS;
      return;
    case "delete":
      return;
  }
}

/** Copies every field of `from` into `to` and returns `to`. */
export function copyState(to: ClientState, from: ClientState): ClientState {
  to.enabled = from.enabled;
  to.active = from.active;
  to.expiryTime = from.expiryTime;
  to.totalBytes = from.totalBytes;
  to.reset = from.reset;
  to.up = from.up;
  to.down = from.down;
  return to;
}

const sameState = (a: ClientState, b: ClientState): boolean =>
  a.enabled === b.enabled &&
  a.active === b.active &&
  a.expiryTime === b.expiryTime &&
  a.totalBytes === b.totalBytes &&
  a.reset === b.reset &&
  a.up === b.up &&
  a.down === b.down;

/**
 * Applies `op` to `after`, which must hold a copy of `before`, and returns the notes as a
 * mask.
 */
export function applyInPlace(op: Operation, before: ClientState, after: ClientState, now: number, email: string): number {
  if (op.kind === "delete" || (op.kind === "restore" && op.clients[email.toLowerCase()] === "delete")) return NOTE.deleted;
  setFields(op, after, now, email);
  let notes = 0;
  // An undo puts the panel's flag back as it was; every other change derives it.
  if (op.kind !== "restore" && !sameState(after, before)) {
    // The panel's flag follows validity: an admin's block clears it, a change that makes an
    // expired or exhausted client valid again sets it (as the panel's own reset does), and a
    // change that makes a client invalid clears it a tick before the panel would.
    const valid = !isExpired(after, now) && !isExhausted(after);
    after.active = after.enabled && valid;
  }
  if (op.kind === "extend" && before.expiryTime === 0) notes |= NOTE["never-expires"];
  if (op.kind === "extend" && before.expiryTime < 0) notes |= NOTE["delayed-start"];
  if (!before.active && after.active && after.enabled) notes |= NOTE.reactivated;
  if (after.enabled) {
    if (isExpired(after, now)) notes |= isExpired(before, now) ? NOTE["still-expired"] : NOTE["now-expired"];
    if (isExhausted(after)) notes |= NOTE["still-exhausted"];
  } else if (op.kind !== "block" && op.kind !== "restore") {
    notes |= NOTE.blocked;
  }
  if (sameState(after, before)) {
    notes |= NOTE["no-change"];
    // Why nothing changed, where the operation alone does not say it.
    if (op.kind === "block") notes |= NOTE["already-blocked"];
    if (op.kind === "unblock") notes |= NOTE["not-blocked"];
  }
  return notes;
}

/** What `op` does to one client, as new objects. */
export function applyOperation(op: Operation, before: ClientState, now: number, email = ""): Outcome {
  const after = copyState({} as ClientState, before);
  return { after, notes: notesOf(applyInPlace(op, before, after, now, email)) };
}

/**
 * Whether Xray must be restarted to see the change: the panel does not push these itself.
 * `rewritten`: Xray's own copy of the client changes (deleted, renamed, another flow), which
 * matters while the client is served.
 */
export function needsXrayRestart(before: ClientState, after: ClientState, rewritten = false): boolean {
  if (rewritten && (isServed(before) || isServed(after))) return true;
  return isServed(before) !== isServed(after) && (isServed(after) || !after.enabled);
}
