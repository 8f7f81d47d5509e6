// What the faces (bot, CLI, API) ask of the service: one server's XuiService and the Fleet of
// several both answer it, with the same method names and result shapes. `scope` narrows a
// call to some servers (`--server nl`, `server:nl`, `?server=nl`); absent, it spans them all.
import type { Client, ClientEdit, ClientFilter, CreateClientInput, DatabaseIdentity, InboundInfo, OpResult, Operation, Selector, AuditEntry } from "../core/types.js";
import type { UndoPlan } from "./audit.js";
import type { CheckReport } from "./check.js";
import type { Schema } from "../xui/schema.js";
import type { ClientUsage } from "../xui/snapshot.js";
import type { SyncOptions, SyncReport } from "./sync.js";
import type { ServerStatus } from "./server-status.js";
import type { WriteOptions, XuiService } from "./xui-service.js";

/** Which servers a call is about: by name; absent or empty, every server. */
export interface Scope {
  servers?: string[];
}

export interface ClientService {
  now(): number;
  /** Every configured server's name (one, `local`, without SERVERS_FILE). */
  readonly serverNames: string[];
  /**
   * How a face names `client` (or a record of one: its email and server) so that it finds
   * exactly it again: `nl/alice` on several servers.
   */
  refOf(client: Pick<Client, "email" | "server">): string;
  /** Each server's state, for /servers, `xui-admin servers` and GET /api/servers. */
  servers(): Promise<ServerStatus[]>;

  clients(scope?: Scope): Client[];
  /** Every client's usage counters (the usage history's sample), without keeping whole clients. */
  usageCounters(scope?: Scope): ClientUsage[];
  inbounds(scope?: Scope): InboundInfo[];
  list(filter?: ClientFilter, scope?: Scope): Client[];
  find(query: string, scope?: Scope): Client[];
  get(ref: string): Client | undefined;
  byTelegramId(tgId: number): Client[];
  /** `unreachable` (several servers): references asked of a server that cannot be read now, `nl/alice`. */
  resolve(refs: string[], scope?: Scope): { clients: Client[]; unknown: string[]; ambiguous: Map<string, string[]>; unreachable?: string[] };

  apply(op: Operation, selector: Selector, options?: { dryRun?: boolean } & WriteOptions & Scope): Promise<OpResult>;
  edit(selector: Selector, changes: ClientEdit, options?: { dryRun?: boolean } & WriteOptions & Scope): Promise<OpResult>;
  delete(selector: Selector, options?: { keepTraffic?: boolean; dryRun?: boolean } & WriteOptions & Scope): Promise<OpResult>;
  create(input: CreateClientInput, options?: WriteOptions & Scope): Promise<OpResult>;

  /**
   * The entry through which `entry`'s change can still be undone: itself when it is not undone;
   * for a change across servers whose own part is undone, a part left (its server was down);
   * undefined when all of it is undone.
   */
  stillToUndo(entry: AuditEntry): AuditEntry | undefined;
  planUndo(entry: AuditEntry): UndoPlan;
  firstUndoable(entries: AuditEntry[]): { entry: AuditEntry; plan: UndoPlan } | undefined;
  undo(entry: AuditEntry, options?: WriteOptions): Promise<{ result: OpResult | null; skipped: string[] }>;

  check(scope?: Scope): CheckReport;
  sync(options?: SyncOptions & WriteOptions & Scope): Promise<SyncReport & { backup?: string }>;
  backup(dir?: string, scope?: Scope): Promise<string>;
  backupTo(file: string, scope?: Scope): Promise<string>;

  /** Brings the mirrors of panels read through their API up to date when they are older than allowed. */
  ensureFresh(): Promise<void>;
  /** What identifies server `server`'s database in the audit log and in invitations (default: the first). */
  databaseIdentity(server?: string): DatabaseIdentity;
  /** The one server's service that holds `client` (for what only a driver can read: its links). */
  serviceOf(client: Client): XuiService;

  databaseState(): "ok" | "busy" | "read-only";
  readonly schema: Schema;
  readonly writer: "file" | "panel" | "none";
  close(): void;
}
