// One bot for several servers: a Fleet holds one XuiService per server and answers the faces
// as one service does (ClientService). Reads span every server or the chosen ones, each client
// carrying its server's name; a reference `nl/alice` names one server's client, `alice` every
// server's alice. A change is split per server and run on them concurrently (each under its
// own database's writer lock); a server that fails or times out leaves the others' parts
// applied, and its own reported as not done. With one server, every call is that server's own.
import { randomUUID } from "node:crypto";
import { DiffTable, newOpResult } from "../core/diff-table.js";
import type { ErrorDetail } from "../core/error-detail.js";
import { XuiError } from "../core/errors.js";
import { LOCAL_SERVER, type ServerSpec } from "../core/servers.js";
import type { AuditEntry, Client, ClientEdit, ClientFilter, CreateClientInput, DatabaseIdentity, InboundInfo, OpResult, Operation, Selector } from "../core/types.js";
import { isUndoable, undoTargets, type UndoPlan } from "./audit.js";
import type { CheckReport } from "./check.js";
import type { ClientService, Scope } from "./client-service.js";
import { DEFAULT_TIMEOUT_MS, eachLimited, SERVER_CONCURRENCY } from "./fleet-limits.js";
import { settleParts, type PartOutcome } from "./fleet-results.js";
import { DEFAULT_RETRY_MS, FleetMember, isDown } from "./fleet-member.js";
import { openServer, type ServerDeps } from "./server-factory.js";
import { refuseUnresolved } from "./select.js";
import { errorText, failedWith, serverStatus, type ServerStatus } from "./server-status.js";
import type { SyncOptions, SyncReport } from "./sync.js";
import type { WriteOptions, XuiService } from "./xui-service.js";
import type { Schema } from "../xui/schema.js";
import type { ClientUsage } from "../xui/snapshot.js";

type Member = FleetMember;

/** A server's failure as the fleet reports it: the server named, in words and as data (other errors as they are). */
const namedError = (server: string, error: unknown): unknown =>
  error instanceof XuiError ? new XuiError(error.code, `server ${server}: ${error.message}`, error.subjects, error.invalid, error.detail, server) : error;

/** The calls that need one server, as the English message names them. */
const ONE_SERVER_CALLS = { create: "create", inbound: "an inbound", sync: "sync", backup: "a backup" } as const;

export interface FleetOptions {
  /** The audit log's entries of one change across servers (AuditLog.batch), for undo. */
  batchOf?: (batch: string) => AuditEntry[];
  /** Each server's status call's limit, ms (SERVER_TIMEOUT_MS). */
  timeoutMs?: number;
  /** How often a server unreachable since start is tried again, ms (DEFAULT_RETRY_MS). */
  retryMs?: number;
}

/** The part of a change that goes to one server. */
interface Part {
  member: Member;
  selector: Selector;
  op: Operation;
}

/** Refuses names among `names` that are not configured servers, naming those that are. */
export function refuseUnknownServers(names: readonly string[], configured: readonly string[]): void {
  const unknown = names.filter((n) => !configured.includes(n));
  if (unknown.length === 0) return;
  const detail: ErrorDetail = { kind: "unknown-servers", names: unknown, configured: [...configured] };
  throw new XuiError("bad-input", `unknown server${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} (servers: ${configured.join(", ")})`, unknown, undefined, detail);
}

export class Fleet implements ClientService {
  private readonly members: Member[];
  private readonly byName: Map<string, Member>;
  /** Each server's last failure, shown by /servers until a later status succeeds. */
  private readonly lastErrors = new Map<string, unknown>();

  constructor(members: Member[], private readonly options: FleetOptions = {}) {
    if (members.length === 0) throw new XuiError("bad-input", "no server configured", []);
    this.members = members;
    this.byName = new Map(members.map((m) => [m.name, m]));
  }

  /**
   * Opens every server of `specs`, a few at once. With several servers, a remote panel that
   * does not answer is kept as unreachable (see fleet-member.ts) unless none answers; any other
   * failure (a missing file, a refused login) closes those opened and is the answer, naming
   * the server.
   */
  static async open(specs: ServerSpec[], deps: ServerDeps, options: FleetOptions = {}): Promise<Fleet> {
    const settled = await eachLimited(specs, SERVER_CONCURRENCY, (spec) => openServer(spec, deps));
    const members = settled.map((s, i) => {
      const spec = specs[i] as ServerSpec;
      if (s.status === "fulfilled") return FleetMember.open(spec.name, s.value);
      return specs.length > 1 && isDown(spec, s.reason) ? FleetMember.unreachable(spec, deps, s.reason as XuiError) : undefined;
    });
    const failed = settled.findIndex((s, i) => s.status === "rejected" && (members[i] === undefined || members.every((m) => !m?.isOpen)));
    if (failed >= 0) {
      for (const m of members) m?.close();
      const error: unknown = (settled[failed] as PromiseRejectedResult).reason;
      throw specs.length > 1 ? namedError(specs[failed]?.name ?? "", error) : error;
    }
    return new Fleet(members as FleetMember[], options);
  }

  /** One server as a fleet (tests, and faces handed a single service). */
  static of(service: XuiService, options: FleetOptions = {}): Fleet {
    return new Fleet([FleetMember.open(service.name, service)], options);
  }

  private get multi(): boolean {
    return this.members.length > 1;
  }

  get serverNames(): string[] {
    return this.members.map((m) => m.name);
  }

  /** The one server's service when there is one; several: the first open one (what health reports). */
  private get first(): XuiService {
    return this.members.find((m) => m.isOpen)?.service ?? (this.members[0] as Member).service;
  }

  /** The servers that have not answered since start (tried again by ensureFresh and servers). */
  get unreachable(): string[] {
    return this.members.filter((m) => !m.isOpen).map((m) => m.name);
  }

  /** Tries the servers unreachable since start again (each at most once every retryMs). */
  private async retryUnreachable(): Promise<void> {
    await Promise.all(this.members.map((m) => m.retry(this.options.retryMs ?? DEFAULT_RETRY_MS)));
  }

  now(): number {
    return this.first.now();
  }

  refOf(client: Pick<Client, "email" | "server">): string {
    return this.multi && client.server !== undefined ? `${client.server}/${client.email}` : client.email;
  }

  // --- scope and references ----------------------------------------------------------

  /** The servers `scope` names (all when it names none); an unknown name is refused. */
  private chosen(scope: Scope = {}): Member[] {
    const names = scope.servers ?? [];
    if (names.length === 0) return this.members;
    refuseUnknownServers(names, this.serverNames);
    return this.members.filter((m) => names.includes(m.name));
  }

  /** The one server a call needs (create, an inbound, a backup): the only one, or the named one. */
  private one(scope: Scope = {}, what: keyof typeof ONE_SERVER_CALLS): Member {
    const chosen = this.chosen(scope);
    if (chosen.length !== 1) {
      const detail = { kind: "one-server", what, configured: this.serverNames } as const;
      throw new XuiError("bad-input", `${ONE_SERVER_CALLS[what]} needs one server: name it (servers: ${this.serverNames.join(", ")})`, ["server"], undefined, detail);
    }
    return chosen[0] as Member;
  }

  /** `nl/alice` as server nl and `alice`; anything else (no such server) as it is. */
  private split(ref: string): { member?: Member; ref: string } {
    const slash = ref.indexOf("/");
    const member = slash > 0 ? this.byName.get(ref.slice(0, slash)) : undefined;
    return member ? { member, ref: ref.slice(slash + 1) } : { ref };
  }

  private tag<T extends { server?: string }>(member: Member, items: T[]): T[] {
    return this.multi ? items.map((x) => ({ ...x, server: member.name })) : items;
  }

  /**
   * A read over the chosen servers. With several, one that fails is left out (its error kept
   * for /servers) and the others answer; with one, its error is the answer.
   */
  private gather<T extends { server?: string }>(scope: Scope | undefined, read: (s: XuiService) => T[]): T[] {
    const chosen = this.chosen(scope);
    if (chosen.length === 1) return this.tag(chosen[0] as Member, read((chosen[0] as Member).service));
    return chosen.flatMap((m) => {
      try {
        return this.tag(m, read(m.service));
      } catch (error) {
        this.lastErrors.set(m.name, error);
        return [];
      }
    });
  }

  // --- reads -------------------------------------------------------------------------

  clients(scope?: Scope): Client[] {
    return this.gather(scope, (s) => s.clients());
  }

  usageCounters(scope?: Scope): ClientUsage[] {
    return this.gather(scope, (s) => s.usageCounters());
  }

  inbounds(scope?: Scope): InboundInfo[] {
    return this.gather(scope, (s) => s.inbounds());
  }

  list(filter: ClientFilter = { kind: "all" }, scope?: Scope): Client[] {
    return this.gather(scope, (s) => s.list(filter));
  }

  find(query: string, scope?: Scope): Client[] {
    const { member, ref } = this.split(query.trim());
    if (member) return this.tag(member, member.service.find(ref));
    return this.gather(scope, (s) => s.find(query));
  }

  byTelegramId(tgId: number): Client[] {
    return this.gather(undefined, (s) => s.byTelegramId(tgId));
  }

  /** One client: `nl/alice`, or `alice` when exactly one server has it. */
  get(ref: string): Client | undefined {
    const { member, ref: own } = this.split(ref);
    if (member) return this.tag(member, [member.service.get(own)].filter((c) => c !== undefined))[0];
    const found = this.gather(undefined, (s) => [s.get(ref)].filter((c) => c !== undefined));
    return found.length === 1 ? found[0] : undefined;
  }

  /** `unreachable`: the references asked of a server that cannot be read now, as `nl/alice`. */
  resolve(refs: string[], scope?: Scope): { clients: Client[]; unknown: string[]; ambiguous: Map<string, string[]>; unreachable: string[] } {
    const { parts, down, unknown, ambiguous } = this.locate(refs, scope);
    const clients = [...parts].flatMap(([m, own]) => this.tag(m, m.service.resolve(own).clients));
    return { clients, unknown, ambiguous, unreachable: [...down].flatMap(([m, own]) => own.map((ref) => `${m.name}/${ref}`)) };
  }

  /**
   * Which server each reference names a client on: `nl/alice` on nl, `alice` on every chosen
   * server that has one. Unknown: on none; ambiguous: on some server, more than one client.
   * Down: asked of a server that cannot be read now (several servers; one alone throws): it may
   * have them, so they are not unknown, and a change's part there is tried and reported not done.
   */
  private locate(refs: string[], scope?: Scope): { parts: Map<Member, string[]>; down: Map<Member, string[]>; unknown: string[]; ambiguous: Map<string, string[]> } {
    const chosen = this.chosen(scope);
    const asked = new Map<Member, { own: string; given: string }[]>();
    for (const given of refs) {
      const { member, ref } = this.split(given);
      for (const m of member ? [member] : chosen) asked.set(m, [...(asked.get(m) ?? []), { own: ref, given }]);
    }
    const found = new Set<string>();
    const ambiguous = new Map<string, string[]>();
    const parts = new Map<Member, string[]>();
    const down = new Map<Member, string[]>();
    for (const [m, wanted] of asked) {
      let answer: ReturnType<XuiService["resolve"]>;
      try {
        answer = m.service.resolve(wanted.map((w) => w.own));
      } catch (error) {
        if (chosen.length === 1 && !this.multi) throw error;
        this.lastErrors.set(m.name, error);
        for (const w of wanted) found.add(w.given);
        down.set(m, wanted.map((w) => w.own));
        continue;
      }
      const missing = new Set([...answer.unknown, ...answer.ambiguous.keys()]);
      for (const [ref, emails] of answer.ambiguous) {
        const given = wanted.find((w) => w.own === ref)?.given ?? ref;
        ambiguous.set(given, [...(ambiguous.get(given) ?? []), ...emails.map((e) => (this.multi ? `${m.name}/${e}` : e))]);
      }
      const here = wanted.filter((w) => !missing.has(w.own));
      for (const w of here) found.add(w.given);
      if (here.length > 0) parts.set(m, here.map((w) => w.own));
    }
    const unknown = refs.filter((r) => !found.has(r) && !ambiguous.has(r));
    return { parts, down, unknown, ambiguous };
  }

  // --- writes ------------------------------------------------------------------------

  /** Each server's share of `selector`; references that name nothing anywhere are refused. */
  private parts(op: Operation, selector: Selector, scope?: Scope): Part[] {
    if ("inboundId" in selector) return [{ member: this.one(scope, "inbound"), selector, op }];
    if ("all" in selector) return this.chosen(scope).map((member) => ({ member, selector, op }));
    if (!this.multi) return this.chosen(scope).map((member) => ({ member, selector, op }));
    const { parts, down, unknown, ambiguous } = this.locate(selector.refs, scope);
    refuseUnresolved(unknown, ambiguous);
    // A server that cannot be read now gets its part all the same: it fails, and is reported not done.
    return [...parts, ...down].map(([member, refs]) => ({ member, selector: { refs }, op: this.opFor(member, op) }));
  }

  /** An undo's restore names clients `server/email` on several servers: each server gets its own. */
  private opFor(member: Member, op: Operation): Operation {
    if (op.kind !== "restore") return op;
    const clients = op.clients;
    const prefix = `${member.name}/`;
    return { kind: "restore", clients: Object.fromEntries(Object.entries(clients).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v])) };
  }

  /**
   * Runs each part on its server, several at once; one server: its own answer, errors and all.
   * Several: one merged result, or the PartialError naming what was not done (fleet-results).
   */
  private async run<P extends { member: Member }>(
    parts: P[],
    operation: OpResult["operation"],
    dryRun: boolean,
    work: (part: P, batch: string | undefined) => Promise<OpResult>,
    notDone: (part: P) => string[],
  ): Promise<OpResult> {
    if (parts.length === 1 && !this.multi) return work(parts[0] as P, undefined);
    const batch = parts.length > 1 && !dryRun ? randomUUID() : undefined;
    const settled = await eachLimited(parts, SERVER_CONCURRENCY, (part) => work(part, batch));
    const outcomes: PartOutcome[] = settled.map((s, i) => {
      const part = parts[i] as P;
      if (s.status === "fulfilled") return { server: part.member.name, result: s.value };
      const error: unknown = s.reason;
      this.lastErrors.set(part.member.name, error);
      return { server: part.member.name, error, notApplied: notDone(part).map((email) => `${part.member.name}/${email}`) };
    });
    return settleParts(operation, dryRun, outcomes);
  }

  /** The clients of a change's part that was not done (all of its selection). */
  private emailsOf(part: Part): string[] {
    if ("refs" in part.selector) return part.selector.refs;
    try {
      return part.member.service.list("inboundId" in part.selector ? { kind: "inbound", inboundId: part.selector.inboundId } : { kind: "all" }).map((c) => c.email);
    } catch {
      return ["*"];
    }
  }

  /** A change split per server, each part run with the caller's options (but the scope) and the batch. */
  private change<O extends { dryRun?: boolean } & Scope>(op: Operation, selector: Selector, options: O, work: (part: Part, own: Omit<O, "servers"> & { batch?: string }) => Promise<OpResult>): Promise<OpResult> {
    const { servers: _, ...own } = options;
    const parts = this.parts(op, selector, options);
    return this.run(parts, op.kind, options.dryRun === true, (p, batch) => work(p, { ...own, ...(batch ? { batch } : {}) }), (p) => this.emailsOf(p));
  }

  apply(op: Operation, selector: Selector, options: { dryRun?: boolean } & WriteOptions & Scope = {}): Promise<OpResult> {
    return this.change(op, selector, options, (p, own) => p.member.service.apply(p.op, p.selector, own));
  }

  edit(selector: Selector, changes: ClientEdit, options: { dryRun?: boolean } & WriteOptions & Scope = {}): Promise<OpResult> {
    return this.change({ kind: "edit", changes }, selector, options, (p, own) => p.member.service.edit(p.selector, changes, own));
  }

  delete(selector: Selector, options: { keepTraffic?: boolean; dryRun?: boolean } & WriteOptions & Scope = {}): Promise<OpResult> {
    const op: Operation = { kind: "delete", ...(options.keepTraffic ? { keepTraffic: true } : {}) };
    return this.change(op, selector, options, (p, own) => p.member.service.delete(p.selector, own));
  }

  /** A new client goes on one server: the only one, or the one named. */
  create(input: CreateClientInput, options: WriteOptions & Scope = {}): Promise<OpResult> {
    const { servers: _, ...own } = options;
    const member = this.one(options, "create");
    return this.run([{ member }], "create", false, (p) => p.member.service.create(input, own), () => [input.email]);
  }

  // --- undo --------------------------------------------------------------------------

  /** The server an entry was made on (entries of earlier versions: the local server). */
  private memberOf(entry: AuditEntry): Member {
    const name = entry.server ?? LOCAL_SERVER;
    const member = this.byName.get(name) ?? (this.multi ? undefined : this.members[0]);
    if (!member) {
      const detail = { kind: "wrong-database", change: entry.id, server: name } as const;
      throw new XuiError("wrong-database", `change #${entry.id} was made on server ${name}, which is not configured: nothing was changed`, [String(entry.id)], undefined, detail);
    }
    return member;
  }

  /** The entries of the same change across servers that are not undone yet (itself included). */
  private siblings(entry: AuditEntry): AuditEntry[] {
    if (entry.batch === undefined || !this.options.batchOf) return [entry];
    return this.options.batchOf(entry.batch).filter((e) => e.id === entry.id || e.undoneBy === null);
  }

  stillToUndo(entry: AuditEntry): AuditEntry | undefined {
    return entry.undoneBy === null ? entry : this.siblings(entry).find((e) => e.undoneBy === null);
  }

  planUndo(entry: AuditEntry): UndoPlan {
    const siblings = this.siblings(entry);
    if (!this.multi) return this.memberOf(entry).service.planUndo(entry);
    const clients: Record<string, UndoPlan["op"]["clients"][string]> = {};
    const skipped: string[] = [];
    const unreachable: string[] = [];
    for (const e of siblings) {
      const m = this.memberOf(e);
      // A server unreachable since start cannot plan its part: named, and tried by the undo.
      if (!m.isOpen) {
        unreachable.push(...e.diffs.map((d) => `${m.name}/${d.email}`));
        continue;
      }
      let plan: UndoPlan;
      try {
        plan = m.service.planUndo(e);
      } catch (error) {
        throw namedError(m.name, error);
      }
      for (const [email, back] of Object.entries(plan.op.clients)) clients[`${m.name}/${email}`] = back;
      skipped.push(...plan.skipped.map((email) => `${m.name}/${email}`));
    }
    return { op: { kind: "restore", clients }, skipped, ...(unreachable.length > 0 ? { unreachable } : {}) };
  }

  firstUndoable(entries: AuditEntry[]): { entry: AuditEntry; plan: UndoPlan } | undefined {
    for (const entry of entries) {
      if (!isUndoable(entry)) continue;
      let plan: UndoPlan;
      try {
        plan = this.planUndo(entry);
      } catch (error) {
        // Another database's or an unknown server's change: passed over, as XuiService does.
        if (error instanceof XuiError && error.code === "wrong-database") continue;
        throw error;
      }
      if (undoTargets(plan).length > 0) return { entry, plan };
    }
    return undefined;
  }

  /** Undoes the change on its server; a change across servers on each of them, at once. */
  async undo(entry: AuditEntry, options: WriteOptions = {}): Promise<{ result: OpResult | null; skipped: string[] }> {
    if (!this.multi) return this.memberOf(entry).service.undo(entry, options);
    const parts = this.siblings(entry).map((e) => ({ entry: e, member: this.memberOf(e) }));
    const skipped: string[] = [];
    let undone = 0;
    const result = await this.run(
      parts,
      "restore",
      false,
      async (part, batch) => {
        const done = await part.member.service.undo(part.entry, { ...options, ...(batch ? { batch } : {}) });
        skipped.push(...done.skipped.map((email) => `${part.member.name}/${email}`));
        if (!done.result) return newOpResult("restore", new DiffTable(0), false);
        undone++;
        return done.result;
      },
      (part) => part.entry.diffs.map((d) => d.email),
    );
    return { result: undone === 0 ? null : result, skipped };
  }

  // --- the rest ------------------------------------------------------------------------

  /** Each chosen server's check, as one report whose findings name the server. */
  check(scope?: Scope): CheckReport {
    const chosen = this.chosen(scope);
    if (chosen.length === 1) return (chosen[0] as Member).service.check();
    // A server that cannot be read is named with why; the others are checked all the same.
    const reports: { m: Member; report: CheckReport }[] = [];
    const unchecked: { server: string; error: string }[] = [];
    let failure: unknown;
    for (const m of chosen) {
      try {
        reports.push({ m, report: m.service.check() });
      } catch (error) {
        failure ??= namedError(m.name, error);
        unchecked.push({ server: m.name, error: errorText(error) });
      }
    }
    if (reports.length === 0) throw failure;
    const named = (m: Member, f: CheckReport["findings"][number]) => (f.email === undefined ? { ...f, message: `${m.name}: ${f.message}` } : { ...f, email: `${m.name}/${f.email}` });
    const first = (reports[0] as { report: CheckReport }).report;
    return {
      ...(unchecked.length > 0 ? { unchecked } : {}),
      family: first.family,
      readOnlyReason: reports.map((r) => (r.report.readOnlyReason === null ? null : `${r.m.name}: ${r.report.readOnlyReason}`)).filter((r) => r !== null).join("; ") || null,
      inbounds: reports.reduce((n, r) => n + r.report.inbounds, 0),
      clients: reports.reduce((n, r) => n + r.report.clients, 0),
      rows: reports.reduce((n, r) => n + r.report.rows, 0),
      findings: reports.flatMap((r) => r.report.findings.map((f) => named(r.m, f))),
      notes: reports.flatMap((r) => r.report.notes.map((f) => named(r.m, f))),
    };
  }

  sync(options: SyncOptions & WriteOptions & Scope = {}): Promise<SyncReport & { backup?: string }> {
    const { servers: _, ...own } = options;
    return this.one(options, "sync").service.sync(own);
  }

  backup(dir?: string, scope?: Scope): Promise<string> {
    return this.one(scope, "backup").service.backup(dir);
  }

  backupTo(file: string, scope?: Scope): Promise<string> {
    return this.one(scope, "backup").service.backupTo(file);
  }

  async servers(): Promise<ServerStatus[]> {
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    await this.retryUnreachable();
    const settled = await eachLimited(this.members, SERVER_CONCURRENCY, (m) => serverStatus(m.name, m.service, timeoutMs, this.lastErrors.get(m.name)));
    return settled.map((s, i) => (s.status === "fulfilled" ? s.value : failedWith({ name: (this.members[i] as Member).name, state: "error", panel: "unknown", writer: "none" }, s.reason)));
  }

  /**
   * Every server's mirror brought up to date, and a server unreachable since start tried again.
   * With several servers one that cannot be reached keeps its last copy (its part of a change
   * fails with the reason; /servers shows it); alone, its error is the answer.
   */
  async ensureFresh(): Promise<void> {
    await this.retryUnreachable();
    // (A server still unreachable throws here, inside the map: caught as a rejection.)
    const results = await Promise.allSettled(this.members.map(async (m) => m.service.ensureFresh()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed && !this.multi) throw failed.reason;
  }

  databaseIdentity(server?: string): DatabaseIdentity {
    const member = server === undefined ? undefined : this.byName.get(server);
    return (member?.service ?? this.first).databaseIdentity();
  }

  serviceOf(client: Client): XuiService {
    return (client.server === undefined ? undefined : this.byName.get(client.server))?.service ?? this.first;
  }

  /** The worst of the servers' states (health: ok only when every server is). */
  databaseState(): "ok" | "busy" | "read-only" {
    // A server unreachable since start has no database here to be in a state.
    const states = this.members.filter((m) => m.isOpen).map((m) => m.service.databaseState());
    return states.find((s) => s === "read-only") ?? states.find((s) => s === "busy") ?? "ok";
  }

  get schema(): Schema {
    return this.first.schema;
  }

  get writer(): "file" | "panel" | "none" {
    return this.first.writer;
  }

  close(): void {
    for (const m of this.members) m.close();
  }
}
