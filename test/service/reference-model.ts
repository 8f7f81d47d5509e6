// A reference model of what each operation must do, over a plain array of clients. Written
// from the rules as the README and the comments of src/service/operations.ts state them, not
// from the engine's code: the property test runs the same steps through XuiService and here,
// and compares the stored file with the model after every step.
import type { CreateClientInput, Operation, Selector } from "../../src/core/types.js";
import type { Stored, StoredJson } from "../support/db-inspect.js";

const DAY = 86_400_000;

export interface ModelClient {
  email: string;
  inboundId: number;
  /** The admin's switch, JSON `enable` (a client without one is on). */
  enabled: boolean;
  /** client_traffics.enable: whether the panel serves the client. */
  active: boolean;
  /** 0 = never; negative = a delayed start of that many ms from first use. */
  expiryTime: number;
  /** 0 = unlimited. */
  totalBytes: number;
  reset: number;
  up: number;
  down: number;
  allTime: number;
  lastOnline: number;
  /** The JSON fields as stored: rewritten from the fields above only when the client changes. */
  json: StoredJson;
}

/** Why the service must refuse a step (the error code it must throw), having changed nothing. */
export type Refusal = "unknown-ref" | "ambiguous-ref" | "duplicate-email" | "bad-input";

/** What the file must hold for one client; the row in the columns the file has. */
export interface ExpectedClient {
  inboundId: number;
  json: StoredJson;
  row: Record<string, number>;
}

/** The row columns the model accounts for. */
export const ROW_FIELDS = ["enable", "expiry_time", "total", "up", "down", "reset", "all_time", "last_online"] as const;

const expired = (c: ModelClient, now: number) => c.expiryTime > 0 && c.expiryTime <= now;
const exhausted = (c: ModelClient) => c.totalBytes > 0 && c.up + c.down >= c.totalBytes;

const FIELDS = ["enabled", "active", "expiryTime", "totalBytes", "up", "down"] as const;
const changed = (a: ModelClient, b: ModelClient) => FIELDS.some((f) => a[f] !== b[f]);

/** Extend: never-expiring stays so, a delayed start gets more days of delay, expired restarts from now. */
function extended(expiryTime: number, days: number, now: number): number {
  if (expiryTime === 0) return 0;
  if (expiryTime < 0) return expiryTime - days * DAY;
  return (expiryTime <= now ? now : expiryTime) + days * DAY;
}

function applied(op: Operation, c: ModelClient, now: number): ModelClient {
  const next = { ...c };
  switch (op.kind) {
    case "extend":
      next.expiryTime = extended(c.expiryTime, op.days, now);
      break;
    case "expiry":
      next.expiryTime = op.expiryTime;
      break;
    case "limit":
      next.totalBytes = op.totalBytes;
      break;
    case "reset":
      next.up = 0;
      next.down = 0;
      if (op.totalBytes !== undefined) next.totalBytes = op.totalBytes;
      break;
    case "block":
      next.enabled = false;
      next.active = false;
      break;
    case "unblock":
      next.enabled = true;
      next.active = true;
      break;
    case "restore":
      throw new Error("the model does not undo");
  }
  if (!changed(c, next)) return c;
  // Any change leaves the panel's flag at what the client now deserves: served when the admin
  // lets it and it is neither expired nor out of traffic.
  next.active = next.enabled && !expired(next, now) && !exhausted(next);
  next.json = { enable: next.enabled, expiryTime: next.expiryTime, totalGB: next.totalBytes };
  return next;
}

const num = (v: unknown): number => (typeof v === "number" ? v : 0);

export class ReferenceModel {
  private constructor(
    readonly clients: ModelClient[],
    readonly inboundIds: number[],
    private readonly columns: Set<string>,
  ) {}

  /** The model of a file as stored (both places agreeing, as after a sync). */
  static of(stored: Stored): ReferenceModel {
    const clients = [...stored.clients].map(([email, { inboundId, json, row = {} }]) => ({
      email,
      inboundId,
      enabled: json.enable !== false,
      active: row.enable === 1,
      expiryTime: num(row.expiry_time),
      totalBytes: num(row.total),
      reset: num(row.reset),
      up: num(row.up),
      down: num(row.down),
      allTime: num(row.all_time),
      lastOnline: num(row.last_online),
      json,
    }));
    return new ReferenceModel(clients, stored.inboundIds, stored.columns);
  }

  /** Indexes of the clients `selector` names; a reference must name exactly one client. */
  private select(selector: Selector): number[] | Refusal {
    const all = this.clients.map((_, i) => i);
    if ("all" in selector) return all;
    if ("inboundId" in selector) return all.filter((i) => this.clients[i]?.inboundId === selector.inboundId);
    const matches = selector.refs.map((ref) => all.filter((i) => this.clients[i]?.email.toLowerCase() === ref.toLowerCase()));
    if (matches.some((m) => m.length === 0)) return "unknown-ref";
    if (matches.some((m) => m.length > 1)) return "ambiguous-ref";
    return [...new Set(matches.flat())];
  }

  apply(op: Operation, selector: Selector, now: number): Refusal | null {
    const chosen = this.select(selector);
    if (typeof chosen === "string") return chosen;
    for (const i of chosen) this.clients[i] = applied(op, this.clients[i] as ModelClient, now);
    return null;
  }

  /** A new client: on and served, the days from now (none = never expires), no usage. */
  create(input: CreateClientInput, now: number): Refusal | null {
    if (input.email === "" || /[\s,;]/u.test(input.email) || input.email.length > 200) return "bad-input";
    if (this.clients.some((c) => c.email.toLowerCase() === input.email.toLowerCase())) return "duplicate-email";
    const expiryTime = input.days ? now + input.days * DAY : 0;
    const totalBytes = input.totalBytes ?? 0;
    this.clients.push({
      email: input.email,
      inboundId: input.inboundId,
      enabled: true,
      active: true,
      expiryTime,
      totalBytes,
      reset: 0,
      up: 0,
      down: 0,
      allTime: 0,
      lastOnline: 0,
      json: { enable: true, expiryTime, totalGB: totalBytes },
    });
    return null;
  }

  /** What the file must hold, by email. */
  expected(): Map<string, ExpectedClient> {
    return new Map(
      this.clients.map((c) => {
        const row: Record<string, number> = {
          enable: c.active ? 1 : 0,
          expiry_time: c.expiryTime,
          total: c.totalBytes,
          up: c.up,
          down: c.down,
          reset: c.reset,
          all_time: c.allTime,
          last_online: c.lastOnline,
        };
        for (const column of ROW_FIELDS) if (!this.columns.has(column)) delete row[column];
        return [c.email, { inboundId: c.inboundId, json: c.json, row }];
      }),
    );
  }
}
