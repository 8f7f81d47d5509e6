// The vocabulary every layer shares: the drivers build these, the service plans with them,
// front ends render them. None of it knows SQL.
import type { DiffTable } from "./diff-table.js";

/** Protocols whose inbounds keep per-client accounting (a `clients` array + client_traffics). */
export const CLIENT_PROTOCOLS = ["vmess", "vless", "trojan", "shadowsocks"] as const;
export type ClientProtocol = (typeof CLIENT_PROTOCOLS)[number];

/** The fields an operation can change, as shown in a diff. */
export interface ClientState {
  /** JSON `enable`: the admin's switch. */
  enabled: boolean;
  /** client_traffics.enable: cleared by the panel when time or traffic runs out. */
  active: boolean;
  /** Unix ms; 0 = never; negative = delayed start of -expiryTime ms from first use. */
  expiryTime: number;
  /** Traffic limit in bytes; 0 = unlimited. */
  totalBytes: number;
  /** Auto-renew period in days; 0 = off. */
  reset: number;
  up: number;
  down: number;
}

/** A state with every field off or zero (scratch space, and the "before" of a creation). */
export const blankState = (): ClientState => ({ enabled: false, active: false, expiryTime: 0, totalBytes: 0, reset: 0, up: 0, down: 0 });

/**
 * The joined view of one client: its JSON object and its client_traffics row. On 3x-ui 3.x a
 * client may be attached to several inbounds: it is still one client, and `inboundId` is the
 * first of `inboundIds`.
 */
export interface Client extends ClientState {
  email: string;
  /** The server it is on (see service/fleet.ts): set when more than one server is configured. */
  server?: string;
  inboundId: number;
  /** Every inbound the client is attached to (one on 2.x). */
  inboundIds: number[];
  inboundRemark: string;
  protocol: string;
  /** `id` (vmess, vless) or `password` (trojan, shadowsocks). */
  key: string;
  subId: string;
  /** Telegram user ID linked to the client; 0 = none. */
  tgId: number;
  comment: string;
  limitIp: number;
  /** 3x-ui 3.2+ client group; "" elsewhere. */
  group: string;
  /** VLESS flow (e.g. xtls-rprx-vision); "" for none and for other protocols. */
  flow: string;
  allTime: number;
  lastOnline: number;
  /** The JSON client's `updated_at` (null: no such key). */
  updatedAt: number | null;
  /** False when the JSON client has no client_traffics row (drift; `sync` adds it). */
  hasTrafficRow: boolean;
}

/** What a diff can say besides its fields; the order is the bit order of a notes mask. */
export const NOTE_CODES = [
  "never-expires", // extend on a client with expiry 0: nothing to extend
  "delayed-start", // extend added days to a delayed start
  "reactivated", // the change made an expired/exhausted client valid again
  "still-expired", // unblocked or changed, but its expiry is in the past
  "still-exhausted", // unblocked or changed, but its traffic is over the limit
  "blocked", // a change on a client the admin has blocked: it stays blocked
  "no-change", // the operation left every field as it was
  "deleted", // the client was removed from both places (an undone creation)
  "panel-changed", // 3.x: what the panel stored differs from what was asked (it or someone changed the client meanwhile)
  "now-expired", // the change (days taken away, a date in the past) ended a client that was valid
  "already-blocked", // block on a client the admin had blocked already
  "not-blocked", // unblock on a client that was not blocked
  "usage-not-restored", // 3.x: a deleted client is back, but its usage is not (the panel's API cannot set it)
] as const;
export type NoteCode = (typeof NOTE_CODES)[number];

/** Bit of each note in a notes mask. */
export const NOTE = Object.fromEntries(NOTE_CODES.map((code, i) => [code, 1 << i])) as Record<NoteCode, number>;

export const notesOf = (mask: number): NoteCode[] => NOTE_CODES.filter((code) => (mask & NOTE[code]) !== 0);

/** The JSON-only fields an edit can change (besides the state's reset and expiry). */
export const EDIT_FIELDS = ["email", "tgId", "limitIp", "comment", "flow"] as const;
export type EditField = (typeof EDIT_FIELDS)[number];

/**
 * One JSON field's value before and after, exactly as stored (a real file may hold tgId as a
 * string); a missing `before` or `after` means the JSON client had, or has, no such key.
 */
export interface FieldChange {
  before?: unknown;
  after?: unknown;
}
export type FieldChanges = Partial<Record<EditField, FieldChange>>;

/** A deleted client exactly as it was stored: what an undo of the delete puts back. */
export interface RemovedClient {
  /** Its place in the inbound's `clients` array. */
  index: number;
  /** The JSON client object, every key as it was. */
  json: Record<string, unknown>;
  /** Its client_traffics row, every column (null: it had none). */
  row: Record<string, unknown> | null;
  /** Its inbound_client_ips row (null: none, or no such table). */
  ips: Record<string, unknown> | null;
  /** 3x-ui 3.x: every inbound it was on; `json` is then the panel's client record, `row` its usage. */
  inboundIds?: number[];
}

export interface ClientDiff {
  email: string;
  /** The server of the client, as on Client (several servers only). */
  server?: string;
  inboundId: number;
  /** Null for a client the operation created. */
  before: ClientState | null;
  after: ClientState;
  notes: NoteCode[];
  /** The JSON client's `updated_at` before and after (null: no such key), where known. */
  updatedAt?: { before: number | null; after: number | null };
  /** JSON-only fields the change wrote (an edit, or its undo). */
  fields?: FieldChanges;
  /** For a delete: the client as it was, so that its undo restores it exactly. */
  removed?: RemovedClient;
}

/** What an edit changes; absent fields stay as they are. */
export interface ClientEdit {
  /** Telegram user ID to link; 0 unlinks. */
  tgId?: number;
  limitIp?: number;
  comment?: string;
  /** VLESS flow; "" for none. Only where the inbound's protocol and transport allow it. */
  flow?: string;
  /** A new email (the panel's key for the client): unique case-insensitively. */
  email?: string;
  /** Auto-renew period in days; 0 = off. */
  reset?: number;
  /** Delayed start: valid this many days from first use (a negative expiryTime). */
  delayedStartDays?: number;
}

export type Operation =
  | { kind: "extend"; days: number }
  | { kind: "expiry"; /** Unix ms, or 0 for never */ expiryTime: number }
  | { kind: "limit"; /** bytes, 0 = unlimited */ totalBytes: number }
  | { kind: "reset"; /** new limit in bytes, or undefined to keep */ totalBytes?: number }
  | { kind: "block" }
  | { kind: "unblock" }
  /** Removes clients from both places (and their IP records); keepTraffic leaves the row. */
  | { kind: "delete"; keepTraffic?: boolean }
  | { kind: "edit"; changes: ClientEdit }
  /** Puts clients back as an earlier operation found them (undo); keyed by lower-cased email. */
  | { kind: "restore"; clients: Record<string, RestoredFields | "delete" | Reinsert> };

/** In a restore: a deleted client to put back (keyed by its email), as it was. */
export interface Reinsert {
  reinsert: RemovedClient;
  inboundId: number;
}

/**
 * What an undo puts back: every field operations set, exactly (usage is never written back),
 * and the JSON client's `updated_at` when nothing else touched the client since (null: the
 * key was absent; undefined: stamp the time of the undo, as any write does). "delete" in a
 * restore removes a client an undone operation created.
 */
export interface RestoredFields {
  enabled: boolean;
  active: boolean;
  expiryTime: number;
  totalBytes: number;
  reset: number;
  updatedAt?: number | null;
  /** JSON-only fields to put back: `after` is the value (absent: remove the key). */
  fields?: FieldChanges;
}

export type OperationKind = Operation["kind"] | "create";

/** Which clients an operation acts on. */
export type Selector =
  | { refs: string[] } // emails (case-insensitive) or client keys
  | { inboundId: number }
  | { all: true };

export interface OpResult {
  operation: OperationKind;
  /** Every selected client's before and after, in columns; not part of the JSON form. */
  readonly diffs: DiffTable;
  /** Clients whose stored fields changed (or would, for a dry run); made from `diffs` on first use. */
  readonly changed: ClientDiff[];
  /** Selected clients the operation left as they were, with the reason in notes. */
  readonly unchanged: ClientDiff[];
  /** True when the running Xray must be restarted to see the change (re-activation, create). */
  needsApply: boolean;
  dryRun: boolean;
  /** Transactions committed (big jobs are chunked); 0 for a dry run. */
  transactions: number;
  /** Longest time one transaction held the write lock, ms. */
  longestLockMs: number;
  /** The audit entry that recorded this change, when it was recorded. */
  auditId?: number;
  /** The online backup taken first, for a change to many clients. */
  backup?: string;
}

export interface CreateClientInput {
  inboundId: number;
  /** 3x-ui 3.x: further inbounds to attach the new client to. */
  moreInboundIds?: number[];
  email: string;
  days?: number;
  /** Traffic limit in bytes; 0 = unlimited. */
  totalBytes?: number;
  tgId?: number;
  limitIp?: number;
  comment?: string;
  /** VLESS flow; omitted: what the inbound's clients mostly use (where flow is allowed). */
  flow?: string;
  /** Valid this many days from first use (instead of `days`). */
  delayedStartDays?: number;
  /** Generated when omitted. */
  key?: string;
  subId?: string;
}

export type ClientFilter =
  | { kind: "all" }
  | { kind: "expiring"; days: number }
  | { kind: "expired" }
  | { kind: "depleted" }
  | { kind: "disabled" }
  | { kind: "inbound"; inboundId: number };

export interface InboundInfo {
  id: number;
  /** The server of the inbound, as on Client (several servers only). */
  server?: string;
  remark: string;
  protocol: string;
  port: number;
  enable: boolean;
  clientCount: number;
  /** False for protocols without per-client accounting or unparsable settings. */
  supportsClients: boolean;
  /** Why settings could not be read, when they could not. */
  settingsError?: string;
}

// --- the audit log's records -----------------------------------------------------------

/** Which x-ui.db a change was made on: undo goes back to the same one, or refuses. */
export interface DatabaseIdentity {
  path: string;
  /** Stable across moves and copies of the file (see XuiDb.identity). */
  id: string;
}

export interface ChangeRecord {
  /** A Telegram user ID, "cli" or "api". */
  actor: string;
  operation: OperationKind | "sync";
  op: Operation | null;
  /** Every client it selected; those it left as they were carry the no-change note (stored
   *  as they are: copying out the changed ones cost more than keeping them). */
  diffs: DiffTable;
  /** For a sync: what it repaired (sync works on fields, not on client states). */
  details?: unknown;
  database?: DatabaseIdentity;
  /** The server it was made on (absent in entries of earlier versions: the one local server). */
  server?: string;
  /** One change across several servers is recorded as an entry per server sharing this ID. */
  batch?: string;
}

export interface AuditEntry extends Omit<ChangeRecord, "diffs"> {
  /** The clients it changed. */
  diffs: ClientDiff[];
  id: number;
  at: number;
  /** The entry that undid this one, if any. */
  undoneBy: number | null;
}

/** What history lists of an entry: who, when, what, how many clients and the first few. */
export interface AuditSummary {
  id: number;
  at: number;
  actor: string;
  operation: AuditEntry["operation"];
  /** How many clients it changed. */
  clients: number;
  /** The first few of their emails. */
  names: string[];
  undoneBy: number | null;
  database?: DatabaseIdentity;
  server?: string;
}
