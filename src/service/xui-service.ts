// The one entry point every front end uses: open an x-ui.db, read clients, run operations,
// check and sync. It returns data (diffs, reports), never text for people.
import { createHash } from "node:crypto";
import { backupDatabase, backupTo } from "../xui/backup.js";
import type { PanelMirror } from "../panel/mirror.js";
import { XuiDb, type XuiDbOptions } from "../xui/database.js";
import type { Schema } from "../xui/schema.js";
import { clientUsage, inboundInfo, SnapshotReader, toClient, type ClientUsage, type Snapshot, type TrafficRow } from "../xui/snapshot.js";
import { isUndoable, planUndo, type UndoPlan } from "./audit.js";
import { check, type CheckReport } from "./check.js";
import { checkV3File } from "./check-v3.js";
import { createClient } from "./create.js";
import { DiffTable } from "../core/diff-table.js";
import { Engine, type EngineContext, type OnCommit } from "./engine.js";
import type { PanelConnection } from "../panel/types.js";
import type { RemoteWriter } from "./remote2.js";
import { PartialError, XuiError } from "../core/errors.js";
import { matchesFilter, searchClients } from "./queries.js";
import { chooseClients, PanelEngine, type PanelPort } from "./panel-engine.js";
import { chooseByRefs, resolveRefs, targetAt, type Target } from "./select.js";
import { checkEdit } from "./client-edit.js";
import { isReinsert, reinsertClients } from "./reinsert.js";
import { sync, type SyncOptions, type SyncReport } from "./sync.js";
import { serverStatus, type ServerStatus } from "./server-status.js";
import type { ClientService } from "./client-service.js";
import type { PanelApi } from "../panel/panel-api.js";
import { LOCAL_SERVER } from "../core/servers.js";
import { DEFAULT_TIMEOUT_MS } from "./fleet-limits.js";
import type { AuditEntry, ChangeRecord, Client, ClientEdit, ClientFilter, CreateClientInput, DatabaseIdentity, InboundInfo, OpResult, Operation, Selector } from "../core/types.js";

/** A target's client, with the row `rowFor` gives it. */
const clientOf = (t: Target, rowFor: (email: string) => TrafficRow | undefined): Client => toClient(t.inbound, t.json, rowFor(t.email));

export interface ServiceOptions extends XuiDbOptions {
  /** The clock, injectable for tests. */
  now?: () => number;
  /** Where sync and big operations put online backups (default ./data/backups). */
  backupDir?: string;
  /** How many backups to keep (default 20). */
  backupKeep?: number;
  /** Operations on more clients than this take a backup first (default 20). */
  backupThreshold?: number;
  /** Where every committed change is recorded (the bot's audit log). */
  audit?: AuditSink;
  /** Touched clients per transaction when several inbounds share one (default 5 000). */
  unitClients?: number;
  /**
   * A 3x-ui 3.1+ panel's API: on such a file every write goes through it (the panel keeps its
   * three stores in step and applies changes live); without it, such a file is read-only.
   */
  panel?: PanelPort & Partial<Pick<PanelApi, "panelVersion" | "close">>;
  /** The server's name (see fleet.ts), recorded with every audit entry. */
  server?: string;
  /** Set by openRemote2: the database is a mirror of a remote 2.x panel, which commits writes. */
  remote?: RemoteWriter;
  /** Called by close(), after the database is closed (a remote panel's connections). */
  onClose?: () => void;
  /** A long-running process (the bot, the API): see ReaderOptions.compact. */
  compact?: boolean;
}

/** A 3.x panel read and written through its API alone (XuiService.openRemote). */
export type RemotePanel = PanelPort & Pick<PanelApi, "readState" | "panelVersion" | "where">;

export interface RemoteOptions extends ServiceOptions {
  /** Reads that call ensureFresh() are served from a mirror at most this old, ms (default 5 000). */
  mirrorMaxAgeMs?: number;
}

/** What a service opened with openRemote keeps beside its mirror file. */
interface Remote {
  mirror: PanelMirror;
  version: string;
  identity: DatabaseIdentity;
}

export const DEFAULT_MIRROR_MAX_AGE_MS = 5000;

/** Before 3.1, 3x-ui has no /panel/api/clients (the routes the mirror and every write use). */
function tooOld(version: string): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  if (!m) return false; // a development build: the routes answer for themselves
  const major = Number(m[1]);
  return major < 3 || (major === 3 && Number(m[2]) < 1);
}

export interface AuditSink {
  record(record: ChangeRecord): number;
  /** Adds a later committed unit's diffs to entry `id`. */
  append(id: number, diffs: DiffTable): void;
  markUndone(id: number, by: number): void;
}

export interface WriteOptions {
  /** Who asks: a Telegram user ID, "cli" or "api"; recorded in the audit log. */
  actor?: string;
  /** Shared by the audit entries of one change across several servers (see fleet.ts). */
  batch?: string;
}

export class XuiService implements ClientService {
  private readonly ctx: EngineContext;
  private readonly engine: Engine;
  /** Set when a 3.x panel commits our writes (see ServiceOptions.panel). */
  private readonly panelEngine: PanelEngine | undefined;
  private identity: DatabaseIdentity | undefined;

  private constructor(
    readonly db: XuiDb,
    private readonly options: ServiceOptions,
    private readonly remote?: Remote,
  ) {
    this.ctx = {
      db,
      reader: new SnapshotReader(db, { compact: options.compact ?? false }),
      now: options.now ?? Date.now,
      // A delete takes one whatever the count: its undo needs the audit log, a backup needs nothing.
      // A mirror of a remote panel is no backup of it: none is taken there.
      ...(options.remote ? {} : { backupBefore: async (count: number, op: Operation) => (op.kind === "delete" || count > (options.backupThreshold ?? 20) ? this.safeBackup(count) : null) }),
      ...(options.remote ? { remote: options.remote, unitClients: options.remote.unitClients } : options.unitClients === undefined ? {} : { unitClients: options.unitClients }),
    };
    this.engine = new Engine(this.ctx);
    if (options.panel && db.schema.family === "3x-ui-3") {
      this.panelEngine = new PanelEngine({ panel: options.panel, clients: () => this.clients(), now: this.ctx.now });
    }
  }

  /** Who commits writes: this process into the file, or the panel through its API. */
  get writer(): "file" | "panel" | "none" {
    return this.panelEngine || this.options.remote ? "panel" : this.db.writable ? "file" : "none";
  }

  static open(path: string, options: ServiceOptions = {}): XuiService {
    return new XuiService(XuiDb.open(path, options), options);
  }

  /**
   * A 3x-ui 3.1+ panel with no x-ui.db here (another server, or a panel on PostgreSQL): its
   * state is read through its API into a mirror file at `mirrorPath` (refreshed before every
   * change, after it, and by ensureFresh when older than mirrorMaxAgeMs), and every change
   * goes through the API as with a local 3.x file. Fails (nothing written but the mirror)
   * when the panel cannot be reached or is older than 3.1.
   */
  static async openRemote(panel: RemotePanel, mirrorPath: string, options: RemoteOptions = {}): Promise<XuiService> {
    const version = await panel.panelVersion();
    if (tooOld(version)) {
      const detail = { kind: "invalid-answer", where: panel.where, why: "too-old", version } as const;
      throw new XuiError("panel-invalid", `the panel at ${panel.where} runs 3x-ui ${version}: without a local x-ui.db this tool needs 3.1 or later (its clients API); on 2.x, run it on the panel's server with XUI_DB_PATH`, [], undefined, detail);
    }
    // Loaded on demand, as every panel's code: most calls of the CLI never need it (start-up time).
    const { PanelMirror } = await import("../panel/mirror.js");
    const mirror = new PanelMirror(panel, mirrorPath, { maxAgeMs: options.mirrorMaxAgeMs ?? DEFAULT_MIRROR_MAX_AGE_MS, ...(options.now ? { now: options.now } : {}) });
    await mirror.refresh();
    // Audit entries name the panel (a hash of its URL), not the mirror, which is rebuilt at will.
    const id = createHash("sha256").update(`xui-admin-bot:panel:${panel.where}`).digest("hex").slice(0, 16);
    const db = XuiDb.open(mirrorPath, { ...options, readonly: true });
    return new XuiService(db, { ...options, panel }, { mirror, version, identity: { path: mirrorPath, id } });
  }

  /** Whether the panel's state is read through its API (openRemote) rather than from its file. */
  get isRemote(): boolean {
    return this.remote !== undefined;
  }

  /**
   * Brings a remote panel's mirror up to date when it is older than its maximum age (a no-op
   * for a local file, which is read live). Front ends call it before serving a request.
   */
  async ensureFresh(): Promise<void> {
    await this.remote?.mirror.ensureFresh();
    if (this.options.remote && Date.now() - this.remote2ReadAt >= this.remote2MaxAgeMs) await this.refresh();
  }

  /** When a remote 2.x panel was last read into its mirror (Date.now()), and how old a read may find it. */
  private remote2ReadAt = 0;
  private remote2MaxAgeMs = DEFAULT_MIRROR_MAX_AGE_MS;

  /**
   * A remote 3x-ui 2.x panel, reached through its own API (nothing of ours on that server):
   * reads come from a mirror file at `mirrorPath` (the 2.x layout, rebuilt from inbounds/list:
   * see refresh), writes go to the panel (remote2.ts). Logs in and reads the panel first.
   */
  static async openRemote2(connection: PanelConnection, mirrorPath: string, options: Omit<RemoteOptions, "remote" | "panel"> = {}): Promise<XuiService> {
    const [{ Panel2Api }, { Remote2Writer }] = await Promise.all([import("../panel/v2/api.js"), import("./remote2.js")]);
    const api = new Panel2Api(connection);
    const remote = new Remote2Writer(api, mirrorPath);
    try {
      await remote.refresh();
      const service = new XuiService(XuiDb.open(mirrorPath, options), { ...options, remote, onClose: () => api.close() });
      service.remote2ReadAt = Date.now();
      service.remote2MaxAgeMs = options.mirrorMaxAgeMs ?? DEFAULT_MIRROR_MAX_AGE_MS;
      return service;
    } catch (error) {
      api.close();
      throw error;
    }
  }

  /** Reads a remote panel again into its mirror (nothing to do for a local file). */
  async refresh(): Promise<void> {
    await this.remote?.mirror.refresh();
    if (!this.options.remote) return;
    await this.options.remote.refresh();
    this.remote2ReadAt = Date.now();
  }

  get path(): string {
    return this.db.path;
  }

  get schema(): Schema {
    return this.db.schema;
  }

  now(): number {
    return this.ctx.now();
  }

  close(): void {
    this.db.close();
    this.options.onClose?.();
    this.options.panel?.close?.();
  }

  // --- as one server of a fleet (see fleet.ts) -------------------------------------------

  /** This server's name (`local` unless SERVERS_FILE names it). */
  get name(): string {
    return this.options.server ?? LOCAL_SERVER;
  }

  get serverNames(): string[] {
    return [this.name];
  }

  refOf(client: Pick<Client, "email">): string {
    return client.email;
  }

  serviceOf(): XuiService {
    return this;
  }

  servers(): Promise<ServerStatus[]> {
    return serverStatus(this.name, this, DEFAULT_TIMEOUT_MS).then((s) => [s]);
  }

  /**
   * The version of the panel this server is managed through (a remote panel's, or the 3.x
   * panel whose API commits our writes); undefined for a 2.x file edited here.
   */
  async panelVersion(): Promise<string | undefined> {
    if (this.remote) return this.remote.version;
    if (this.options.remote) return this.options.remote.panelVersion();
    return this.panelEngine ? this.options.panel?.panelVersion?.() : undefined;
  }

  /** Whether the database can be read now and written at all (for health checks). */
  databaseState(): "ok" | "busy" | "read-only" {
    const state = this.db.state();
    // A 3.x file is never ours to write: with its panel's API, changes are possible all the same.
    return state === "read-only" && this.panelEngine ? "ok" : state;
  }

  // --- reads -------------------------------------------------------------------------

  clients(): Client[] {
    // A copy: the snapshot (and its array) is served again to later readers.
    return this.ctx.reader.read().clients.slice();
  }

  usageCounters(): ClientUsage[] {
    return clientUsage(this.ctx.reader.read());
  }

  inbounds(): InboundInfo[] {
    return [...this.ctx.reader.read().inbounds.values()].map(inboundInfo);
  }

  list(filter: ClientFilter = { kind: "all" }): Client[] {
    const now = this.now();
    return this.clients().filter((c) => matchesFilter(c, filter, now));
  }

  find(query: string): Client[] {
    return searchClients(this.clients(), query);
  }

  /** One client by email (case-insensitive) or key; undefined when none or ambiguous. */
  get(ref: string): Client | undefined {
    const named = (snapshot: Snapshot) => {
      const { found, ambiguous } = resolveRefs(snapshot, [ref]);
      return ambiguous.size > 0 ? undefined : found[0];
    };
    return this.pointRead(
      (snapshot, rowFor) => {
        const target = named(snapshot);
        return target && clientOf(target, rowFor);
      },
      // On 3.x the client may sit in several inbounds: the joined view has them all.
      (snapshot) => {
        const target = named(snapshot);
        return target && snapshot.clients.find((c) => c.email === target.email);
      },
    );
  }

  /** Every client linked to a Telegram user: what that user may see, and nothing else. */
  byTelegramId(tgId: number): Client[] {
    if (!Number.isSafeInteger(tgId) || tgId <= 0) return [];
    return this.pointRead(
      (snapshot, rowFor) => (snapshot.places.byTgId.get(tgId) ?? []).map((place) => clientOf(targetAt(snapshot, place), rowFor)),
      (snapshot) => snapshot.clients.filter((c) => c.tgId === tgId),
    );
  }

  /**
   * What `pick` finds through the places index, each client with its row: right after the
   * panel's traffic tick from the last snapshot and the row as it is now (withRowsNow), else
   * from a whole snapshot. On 3.x, where a client is joined across its inbounds, `joined` answers.
   */
  private pointRead<T>(pick: (snapshot: Snapshot, rowFor: (email: string) => TrafficRow | undefined) => T, joined: (snapshot: Snapshot) => T): T {
    const now = this.ctx.reader.withRowsNow((snapshot, rowFor) => ({ value: pick(snapshot, rowFor) }));
    if (now) return now.value;
    const snapshot = this.ctx.reader.read();
    return snapshot.multiInbound ? joined(snapshot) : pick(snapshot, (email) => snapshot.rowTable.rowFor(email));
  }

  /** Resolves references without acting: which clients they name, and which match nothing. */
  resolve(refs: string[]): { clients: Client[]; unknown: string[]; ambiguous: Map<string, string[]> } {
    const snapshot = this.ctx.reader.read();
    const { found, unknown, ambiguous } = resolveRefs(snapshot, refs);
    const wanted = new Set(found.map((f) => `${f.inbound.id}\u0000${f.email}`));
    return { clients: snapshot.clients.filter((c) => wanted.has(`${c.inboundId}\u0000${c.email}`)), unknown, ambiguous };
  }

  // --- writes ------------------------------------------------------------------------
  // Every write runs as the process's only writer of this file (XuiDb.exclusive): it plans
  // from a fresh read and commits before the next one reads. Dry runs and reads never wait.

  /** Runs one operation; with dryRun, computes the same diff and writes nothing. */
  async apply(op: Operation, selector: Selector, options: { dryRun?: boolean } & WriteOptions = {}): Promise<OpResult> {
    if (options.dryRun) {
      await this.ensureFresh();
      return this.run(op, selector, { dryRun: true });
    }
    return this.locked(() => this.applyLocked(op, selector, options));
  }

  /**
   * Runs a change as the only writer of this database. A remote panel's mirror is read afresh
   * first (the change plans against the panel as it is now); a 3.x panel's again after (the
   * next read shows what the panel stored; a 2.x panel's writer reads back itself), and a
   * failed read afterwards leaves it stale, to be read again.
   */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.remote && !this.options.remote) return this.db.exclusive(fn);
    return this.db.exclusive(async () => {
      await this.refresh();
      try {
        return await fn();
      } finally {
        this.remote?.mirror.markStale();
        await this.remote?.mirror.refresh().catch(() => undefined);
      }
    });
  }

  /** Runs `op` with whoever commits on this database: the panel's API or the file engine. */
  private run(op: Operation, selector: Selector, options: { dryRun?: boolean; onCommit?: OnCommit }): Promise<OpResult> {
    if (this.panelEngine) return isReinsert(op) ? this.panelEngine.reinsert(op, options) : this.panelEngine.run(op, this.panelTargets(selector), options);
    return isReinsert(op) ? reinsertClients(this.ctx, op, options) : this.engine.run(op, selector, options);
  }

  /**
   * Changes a client's own fields (Telegram ID, IP limit, comment, flow, email, auto-renew,
   * delayed start), in both places; a new email everywhere the panel keys by it.
   */
  async edit(selector: Selector, changes: ClientEdit, options: { dryRun?: boolean } & WriteOptions = {}): Promise<OpResult> {
    const op: Operation = { kind: "edit", changes };
    if (options.dryRun) {
      await this.ensureFresh();
      checkEdit(this.ctx, selector, changes);
      return this.apply(op, selector, { dryRun: true });
    }
    return this.locked(() => {
      checkEdit(this.ctx, selector, changes);
      return this.applyLocked(op, selector, options);
    });
  }

  /** Deletes clients from both places (a backup first, whatever the count); undo puts them back. */
  delete(selector: Selector, options: { keepTraffic?: boolean; dryRun?: boolean } & WriteOptions = {}): Promise<OpResult> {
    return this.apply({ kind: "delete", ...(options.keepTraffic ? { keepTraffic: true } : {}) }, selector, options);
  }

  /** The clients a selector names, one per client even where it sits in several inbounds. */
  private panelTargets(selector: Selector): Client[] {
    const snapshot = this.ctx.reader.read();
    return chooseClients(snapshot.clients, selector, (refs) => {
      const wanted = new Set(chooseByRefs(snapshot, refs).map((t) => t.email));
      return snapshot.clients.filter((c) => wanted.has(c.email));
    });
  }

  /**
   * Each committed unit goes into the audit log as it commits (the first makes the entry, the
   * others are added to it), so a failure or a crash part-way leaves what was applied on record.
   */
  private async applyLocked(op: Operation, selector: Selector, options: WriteOptions): Promise<OpResult> {
    let auditId: number | undefined;
    const onCommit = (unit: DiffTable) => {
      if (!this.options.audit) return;
      if (auditId === undefined) auditId = this.options.audit.record({ ...this.recordedBy(options), operation: op.kind, op, diffs: unit });
      else this.options.audit.append(auditId, unit);
    };
    try {
      const result = await this.run(op, selector, { onCommit });
      if (auditId !== undefined) result.auditId = auditId;
      return result;
    } catch (error) {
      if (error instanceof PartialError && auditId !== undefined) error.recordedAs(auditId);
      throw error;
    }
  }

  async create(input: CreateClientInput, options: WriteOptions = {}): Promise<OpResult> {
    const panel = this.panelEngine;
    return this.locked(async () => this.recorded(panel ? await panel.create(input) : await createClient(this.ctx, input), null, options));
  }

  /** Which database this is, as audit entries record it. */
  databaseIdentity(): DatabaseIdentity {
    this.identity ??= this.remote?.identity ?? { path: this.db.path, id: this.db.identity() };
    return this.identity;
  }

  /** Whether `entry` records another database than this one (entries of earlier versions record none). */
  private isOtherDatabase(entry: AuditEntry): boolean {
    return entry.database !== undefined && entry.database.id !== this.databaseIdentity().id;
  }

  stillToUndo(entry: AuditEntry): AuditEntry | undefined {
    return entry.undoneBy === null ? entry : undefined;
  }

  /** What undoing `entry` would do now: the restore it takes and the clients it would skip. */
  planUndo(entry: AuditEntry): UndoPlan {
    if (this.isOtherDatabase(entry)) {
      throw new XuiError(
        "wrong-database",
        `change #${entry.id} was made on another database (${entry.database?.path ?? "?"}), not on ${this.db.path}: nothing was changed`,
        [String(entry.id)],
        undefined,
        { kind: "wrong-database", change: entry.id, ...(entry.database ? { path: entry.database.path } : {}) },
      );
    }
    const current = new Map(this.clients().map((c) => [c.email.toLowerCase(), c]));
    return planUndo(entry, (email) => current.get(email.toLowerCase()));
  }

  /**
   * The first of `entries` (newest first) that an undo would change something for now:
   * entries whose clients all changed since, or that belong to another database, are passed.
   */
  firstUndoable(entries: AuditEntry[]): { entry: AuditEntry; plan: UndoPlan } | undefined {
    for (const entry of entries) {
      if (!isUndoable(entry) || this.isOtherDatabase(entry)) continue;
      const plan = this.planUndo(entry);
      if (Object.keys(plan.op.clients).length > 0) return { entry, plan };
    }
    return undefined;
  }

  /**
   * Reverts an audited change where the affected fields still hold what it wrote (a client it
   * created is deleted if untouched since); names the clients it skipped because they changed
   * since. Planned from a fresh read under the write lock.
   */
  async undo(entry: AuditEntry, options: WriteOptions = {}): Promise<{ result: OpResult | null; skipped: string[] }> {
    return this.locked(async () => {
      const plan = this.planUndo(entry);
      const emails = Object.keys(plan.op.clients);
      if (emails.length === 0) return { result: null, skipped: plan.skipped };
      let result: OpResult;
      try {
        result = await this.applyLocked(plan.op, { refs: emails }, options);
      } catch (error) {
        if (error instanceof PartialError && error.applied.auditId !== undefined) this.options.audit?.markUndone(entry.id, error.applied.auditId);
        throw error;
      }
      if (result.auditId !== undefined) this.options.audit?.markUndone(entry.id, result.auditId);
      return { result, skipped: plan.skipped };
    });
  }

  private recorded(result: OpResult, op: Operation | null, options: WriteOptions): OpResult {
    if (!this.options.audit || result.diffs.count(true) === 0) return result;
    result.auditId = this.options.audit.record({ ...this.recordedBy(options), operation: result.operation, op, diffs: result.diffs });
    return result;
  }

  /** Who made a change and where, as every audit entry records it. */
  private recordedBy(options: WriteOptions): Pick<ChangeRecord, "actor" | "database" | "server" | "batch"> {
    return {
      actor: options.actor ?? "unknown",
      database: this.databaseIdentity(),
      ...(this.options.server === undefined ? {} : { server: this.options.server }),
      ...(options.batch === undefined ? {} : { batch: options.batch }),
    };
  }

  check(): CheckReport {
    if (this.db.schema.family === "3x-ui-3") return checkV3File(this.db, this.now());
    return check(this.ctx.reader.read(), this.db.schema, this.now());
  }

  async sync(options: SyncOptions & WriteOptions = {}): Promise<SyncReport & { backup?: string }> {
    let backup: string | undefined;
    const takeBackup = async () => {
      backup = await this.backup();
    };
    if (this.options.remote && !options.dryRun) throw new XuiError("read-only", `${this.db.path} mirrors a remote panel: sync repairs a local file only; nothing was changed`, [], undefined, { kind: "read-only", path: this.db.path, why: "remote-mirror" });
    const run = () => sync(this.ctx, options, takeBackup);
    if (options.dryRun) await this.ensureFresh();
    const report = options.dryRun ? await run() : await this.locked(run);
    if (!report.dryRun && report.actions.length > 0) {
      this.options.audit?.record({ ...this.recordedBy(options), operation: "sync", op: null, diffs: new DiffTable(0), details: report.actions });
    }
    return backup ? { ...report, backup } : report;
  }

  /** An online backup into backupDir (default ./data/backups); returns its path. */
  backup(dir = this.options.backupDir ?? "data/backups"): Promise<string> {
    return this.db.read((conn) => backupDatabase(this.db.path, dir, this.options.backupKeep ?? 20, conn));
  }

  /** An online copy of x-ui.db at exactly `file`, consistent while the panel writes. */
  backupTo(file: string): Promise<string> {
    return this.db.read((conn) => backupTo(this.db.path, file, conn));
  }

  private async safeBackup(count: number): Promise<string> {
    try {
      return await this.backup();
    } catch (error) {
      const said = (error as Error).message;
      throw new XuiError("backup-failed", `could not back up x-ui.db before changing ${count} clients (${said}); nothing was changed`, [], undefined, { kind: "backup-failed", clients: count, said });
    }
  }
}
