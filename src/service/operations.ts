// What each operation does to one client, as a pure function of its state and the clock.
// The engine applies the result to both stores; nothing here knows where the state lives.
import type { ClientState, NoteCode, Operation } from "./types.js";

export const DAY_MS = 86_400_000;
export const GB = 2 ** 30;

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

function extendExpiry(expiryTime: number, days: number, now: number): number {
  if (expiryTime === 0) return 0; // never expires: nothing to extend
  if (expiryTime < 0) return expiryTime - days * DAY_MS; // delayed start: more days of delay
  return Math.max(expiryTime, now) + days * DAY_MS; // expired clients restart from now
}

function withFields(op: Operation, s: ClientState, now: number, email: string): ClientState {
  switch (op.kind) {
    case "restore": {
      const back = op.clients[email.toLowerCase()];
      return back ? { ...s, ...back } : s;
    }
    case "extend":
      return { ...s, expiryTime: extendExpiry(s.expiryTime, op.days, now) };
    case "expiry":
      return { ...s, expiryTime: op.expiryTime };
    case "limit":
      return { ...s, totalBytes: op.totalBytes };
    case "reset":
      return { ...s, up: 0, down: 0, totalBytes: op.totalBytes ?? s.totalBytes };
    case "block":
      return { ...s, enabled: false, active: false };
    case "unblock":
      return { ...s, enabled: true, active: true };
  }
}

const sameState = (a: ClientState, b: ClientState): boolean =>
  a.enabled === b.enabled &&
  a.active === b.active &&
  a.expiryTime === b.expiryTime &&
  a.totalBytes === b.totalBytes &&
  a.reset === b.reset &&
  a.up === b.up &&
  a.down === b.down;

export function applyOperation(op: Operation, before: ClientState, now: number, email = ""): Outcome {
  const after = withFields(op, before, now, email);
  const notes: NoteCode[] = [];
  const inputsChanged = !sameState(after, before);
  if (inputsChanged) {
    // The panel's flag follows validity: an admin's block clears it, a change that makes an
    // expired or exhausted client valid again sets it (as the panel's own reset does), and a
    // change that makes a client invalid clears it a tick before the panel would.
    const valid = !isExpired(after, now) && !isExhausted(after);
    after.active = after.enabled && valid;
  }
  if (op.kind === "extend" && before.expiryTime === 0) notes.push("never-expires");
  if (op.kind === "extend" && before.expiryTime < 0) notes.push("delayed-start");
  if (!before.active && after.active && after.enabled) notes.push("reactivated");
  if (after.enabled) {
    if (isExpired(after, now)) notes.push("still-expired");
    if (isExhausted(after)) notes.push("still-exhausted");
  } else if (op.kind !== "block" && op.kind !== "restore") {
    notes.push("blocked");
  }
  if (sameState(after, before)) notes.push("no-change");
  return { after, notes };
}

/** Whether Xray must be restarted to see the change: the panel does not push these itself. */
export function needsXrayRestart(before: ClientState, after: ClientState): boolean {
  return isServed(before) !== isServed(after) && (isServed(after) || !after.enabled);
}
