// The HTTP API of a 3x-ui 3.x panel (3.1 and later; written against v3.6.0), for managing
// clients through the panel itself: the panel keeps a client in three places and applies
// changes to Xray live, so this tool asks it to write instead of editing x-ui.db.
//
// Authentication is an API token (Authorization: Bearer) when given, else a login session
// (session.ts). Every answer is checked (wire.ts) before use. Reads that failed on the way
// (connection refused or reset, HTTP 502-504) are tried again a bounded number of times;
// writes never are, as the panel may have applied them: only a call the panel refused for
// its session, before running it, is repeated after one new login.
import { z } from "zod";
import { XuiError, badInput } from "../core/errors.js";
import { BASE_HEADERS, PanelSession } from "./session.js";
import { stateClientsSchema, stateInboundsSchema, type PanelState } from "./state-wire.js";
import { PanelFailure, PanelTransport, withReadRetries, type HttpAnswer } from "./transport.js";
import type { PanelBulkResult, PanelClient, PanelClientEntry, PanelConnection, PanelInbound } from "./types.js";
import {
  bulkDeleteSchema,
  bulkResetSchema,
  describeIssues,
  effectiveFlows,
  checkedEnvelope,
  getSchema,
  inboundsSchema,
  listSchema,
  setEnableSchema,
  statusSchema,
  toBulkResult,
  toEntry,
  toInbound,
  toTraffic,
  trafficAnswerSchema,
} from "./wire.js";

/** Attempts of an idempotent read whose failure may pass (the first included). */

/** The panel's messages for an email it has no client for (gorm.ErrRecordNotFound, DeleteByEmail). */
const NOT_FOUND = /\(record not found\)\s*$|not found in any inbound or client record/;

interface Call<T> {
  method: "GET" | "POST";
  path: string;
  schema: z.ZodType<T>;
  body?: unknown;
  /** The client the call is about: the panel not knowing it is an unknown-ref error. */
  email?: string;
}

/** Write routes answer obj null, or {nodePending} when a node will get the change later. */
const ANY = z.unknown();
const clientPath = (route: string, email: string) => `panel/api/clients/${route}/${encodeURIComponent(email)}`;

export class PanelApi {
  private readonly http: PanelTransport;
  private readonly session: PanelSession | undefined;

  constructor(private readonly conn: PanelConnection) {
    this.http = new PanelTransport(conn);
    if (!conn.token) {
      if (!conn.username || !conn.password) throw new XuiError("bad-input", "the panel needs an API token, or a username and password", ["token"]);
      this.session = new PanelSession(this.http, conn.username, conn.password);
    }
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.http.close();
  }

  /** The panel's version as it reports it, e.g. "3.6.0" (GET /panel/api/server/status). */
  async panelVersion(): Promise<string> {
    const status = await this.request({ method: "GET", path: "panel/api/server/status", schema: statusSchema });
    if (!status) throw new PanelFailure("panel-invalid", `the panel at ${this.http.where} has no status yet (it takes one every 2 s after it starts): try again`, { kind: "invalid-answer", where: this.http.where, why: "no-status-yet" });
    return status.panelVersion;
  }

  /**
   * Every client with its inbounds and usage. Two calls (clients/list and inbounds/list): a
   * client's flow is taken from its inbounds, as the panel's get route does, so that an entry
   * given back to updateClient keeps Vision on the inbounds that have it.
   */
  async listClients(): Promise<PanelClientEntry[]> {
    const [records, inbounds] = await Promise.all([this.request({ method: "GET", path: "panel/api/clients/list", schema: listSchema }), this.listInbounds()]);
    const flows = effectiveFlows(inbounds);
    return records.map((r) => toEntry({ ...r, flow: flows.get(r.email) ?? "" }, r.inboundIds, toTraffic(r.traffic)));
  }

  /** One client, or null when the panel has none with this email (exact, case-sensitive). */
  async getClient(email: string): Promise<PanelClientEntry | null> {
    let got: z.infer<typeof getSchema>;
    try {
      got = await this.request({ method: "GET", path: clientPath("get", email), schema: getSchema, email });
    } catch (error) {
      if (error instanceof XuiError && error.code === "unknown-ref") return null;
      throw error;
    }
    const traffic = await this.request({ method: "GET", path: clientPath("traffic", email), schema: trafficAnswerSchema });
    return toEntry(got.client, got.inboundIds, toTraffic(traffic));
  }

  /**
   * The panel's whole state for a local mirror (mirror.ts): every client record with its
   * inbounds and usage, every inbound with its settings and usage rows. Two reads, retried
   * like any read; an answer of the wrong shape is a panel-invalid error, never half a state.
   */
  async readState(): Promise<PanelState> {
    const [clients, inbounds] = await Promise.all([
      this.request({ method: "GET", path: "panel/api/clients/list", schema: stateClientsSchema }),
      this.request({ method: "GET", path: "panel/api/inbounds/list", schema: stateInboundsSchema }),
    ]);
    return { clients, inbounds };
  }

  /** The panel as messages name it: its URL without credentials (the base path included). */
  get where(): string {
    return this.http.where;
  }

  async listInbounds(): Promise<PanelInbound[]> {
    return (await this.request({ method: "GET", path: "panel/api/inbounds/list", schema: inboundsSchema })).map(toInbound);
  }

  /**
   * Creates a client on the inbounds. The panel turns it on whatever `enable` says, makes up
   * the credentials and subId left out, and refuses an email another client has.
   */
  async addClient(client: Partial<PanelClient> & { email: string }, inboundIds: number[]): Promise<void> {
    if (client.email === "") throw badInput("email", client.email, "is empty");
    if (inboundIds.length === 0) throw badInput("inboundIds", inboundIds, "names no inbound");
    await this.request({ method: "POST", path: "panel/api/clients/add", schema: ANY, body: { client, inboundIds } });
  }

  /**
   * Replaces the client `email` (on every inbound it is on) with `client`: the panel does not
   * patch. A field left out becomes its zero (enable false, limits and expiry 0, comment and
   * group cleared); only the credentials and subId are kept when left out. So send the whole
   * client, as getClient or listClients gives it, with the changes made; `client.email`
   * renames it.
   */
  async updateClient(email: string, client: PanelClient): Promise<void> {
    if (client.email === "") throw badInput("email", client.email, "is empty");
    await this.request({ method: "POST", path: clientPath("update", email), schema: ANY, body: client, email });
  }

  /** Removes the client from every inbound and the panel; keepTraffic keeps its usage row. */
  async deleteClient(email: string, o: { keepTraffic?: boolean } = {}): Promise<void> {
    await this.request({ method: "POST", path: clientPath("del", email) + (o.keepTraffic ? "?keepTraffic=1" : ""), schema: ANY, email });
  }

  /** Zeroes the client's usage; the panel turns a disabled client on as it does. */
  async resetTraffic(email: string): Promise<void> {
    await this.request({ method: "POST", path: clientPath("resetTraffic", email), schema: ANY, email });
  }

  /** One call for all of them. `skipped` holds the emails the panel passed over (unknown, say). */
  async bulkEnable(emails: string[]): Promise<PanelBulkResult> {
    return this.setEnable("bulkEnable", emails);
  }

  async bulkDisable(emails: string[]): Promise<PanelBulkResult> {
    return this.setEnable("bulkDisable", emails);
  }

  /** Zeroes usage and turns the clients on; `count` is the traffic rows reset. */
  async bulkResetTraffic(emails: string[]): Promise<PanelBulkResult> {
    if (emails.length === 0) return { count: 0, skipped: [] };
    const r = await this.request({ method: "POST", path: "panel/api/clients/bulkResetTraffic", schema: bulkResetSchema, body: { emails } });
    return toBulkResult(r.affected, []);
  }

  async bulkDelete(emails: string[], keepTraffic = false): Promise<PanelBulkResult> {
    if (emails.length === 0) return { count: 0, skipped: [] };
    const r = await this.request({ method: "POST", path: "panel/api/clients/bulkDel", schema: bulkDeleteSchema, body: { emails, keepTraffic } });
    return toBulkResult(r.deleted, r.skipped);
  }

  private async setEnable(route: "bulkEnable" | "bulkDisable", emails: string[]): Promise<PanelBulkResult> {
    if (emails.length === 0) return { count: 0, skipped: [] };
    const r = await this.request({ method: "POST", path: `panel/api/clients/${route}`, schema: setEnableSchema, body: { emails } });
    return toBulkResult(r.changed, r.skipped);
  }

  // --- the calls --------------------------------------------------------------------------

  private request<T>(call: Call<T>): Promise<T> {
    return withReadRetries(call.method, () => this.once(call));
  }

  private async once<T>(call: Call<T>): Promise<T> {
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    const first = await this.send(call, body);
    if ((first.answer.status === 401 || first.answer.status === 403) && this.session) {
      // The session ended (panel restart, expiry, a password change): the panel refused the
      // call before running it, so after a new login it is made again, once.
      await this.session.renew(first.generation);
      return this.read(call, (await this.send(call, body)).answer);
    }
    return this.read(call, first.answer);
  }

  private async send(call: Call<unknown>, body: string | undefined): Promise<{ answer: HttpAnswer; generation: number }> {
    const headers: Record<string, string> = { ...BASE_HEADERS, ...(body === undefined ? {} : { "content-type": "application/json" }) };
    let generation = 0;
    if (this.session) {
      const s = await this.session.headers(call.method === "POST");
      Object.assign(headers, s.headers);
      generation = s.generation;
    } else {
      headers.authorization = `Bearer ${this.conn.token ?? ""}`;
    }
    const answer = await this.http.send(call.method, call.path, headers, body);
    this.session?.take(answer);
    return { answer, generation };
  }

  private read<T>(call: Call<T>, answer: HttpAnswer): T {
    const what = `${call.method} ${call.path.split("?")[0] ?? ""}`;
    const where = this.http.where;
    if (answer.status === 401 || answer.status === 403) {
      const detail = { kind: "auth", where, why: this.session ? "relogin" : "token", status: answer.status } as const;
      throw new XuiError("panel-auth", this.session ? `the panel at ${where} refused ${what} right after a new login (HTTP ${answer.status})` : `the panel at ${where} refused the API token (HTTP ${answer.status}): give the plaintext of an enabled token`, [], undefined, detail);
    }
    const envelope = checkedEnvelope(where, what, answer, { notFound: "3x-ui before 3.1 has no /panel/api/clients", partial: "part of the change" });
    if (!envelope.success) {
      // Go's errors end in a newline (fmt.Sprintln) inside the panel's "(…)": one line of words.
      const msg = envelope.msg.replace(/\s+/g, " ").replace(/ \)/g, ")").trim();
      if (call.email !== undefined && NOT_FOUND.test(msg)) throw new XuiError("unknown-ref", `the panel has no client ${JSON.stringify(call.email)}`, [call.email]);
      throw new XuiError("panel-refused", `the panel refused ${what}: ${msg || "no reason given"}`, [], undefined, { kind: "panel-refused", said: msg });
    }
    const obj = call.schema.safeParse(envelope.obj ?? null);
    if (!obj.success) throw new PanelFailure("panel-invalid", `the panel at ${where} answered ${what} with a body 3x-ui 3.x does not send (${describeIssues(obj.error)})`, { kind: "invalid-answer", where, why: "bad-body" });
    return obj.data;
  }
}
