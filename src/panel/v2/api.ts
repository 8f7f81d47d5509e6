// The HTTP API of a 3x-ui 2.x panel (written against v2.9.4, web/controller/inbound.go), for a
// server where nothing of ours is installed: the panel owns x-ui.db and this tool asks it.
//
// Authentication is a login session: POST {base}login (username, password; no CSRF token in
// 2.x) sets the cookie `3x-ui`. Unauthenticated calls to /panel/api get HTTP 404
// (APIController.checkAPIAuth hides the API), so a 404 under a session is taken as "the session
// ended": one new login, the call once more (the panel refused it before running it); a second
// 404 means the route is not there (wrong base path, not a 2.x panel). Every answer is checked
// with zod. Reads that failed on the way are tried again a bounded number of times; writes never
// are: the caller reads back and decides.
import { z } from "zod";
import { XuiError } from "../../core/errors.js";
import { BASE_HEADERS } from "../session.js";
import { PanelFailure, PanelTransport, withReadRetries, type HttpAnswer } from "../transport.js";
import type { PanelConnection } from "../types.js";
import { checkedEnvelope, describeIssues, type envelopeSchema } from "../wire.js";
import { inboundSchema, inboundsSchema, trafficAnswerSchema, versionInPage, type Panel2Inbound, type Panel2Traffic } from "./wire.js";

const COOKIE = "3x-ui";
/** Attempts of an idempotent read whose failure may pass (the first included). */
const ANY = z.unknown();
const enc = encodeURIComponent;

interface Call<T> {
  method: "GET" | "POST";
  path: string;
  schema: z.ZodType<T>;
  body?: unknown;
}

/** The session cookie the answer sets: a value, "" when it clears it, undefined when it says nothing. */
function cookieIn(answer: HttpAnswer): string | undefined {
  let found: string | undefined;
  for (const line of answer.headers["set-cookie"] ?? []) {
    const [pair = "", ...attributes] = line.split(";");
    const eq = pair.indexOf("=");
    if (pair.slice(0, eq).trim() !== COOKIE) continue;
    const expired = attributes.some((a) => /^\s*max-age\s*=\s*(-\d+|0)\s*$/i.test(a));
    found = expired ? "" : pair.slice(eq + 1).trim();
  }
  return found;
}

export class Panel2Api {
  private readonly http: PanelTransport;
  private cookie: string | undefined;
  /** Counts logins, so that calls refused under one login renew it once, not once each. */
  private generation = 0;
  private pending: Promise<void> | undefined;

  constructor(private readonly conn: PanelConnection) {
    if (!conn.username || !conn.password) throw new XuiError("bad-input", "a 3x-ui 2.x panel needs a username and password (it has no API tokens)", ["username"]);
    this.http = new PanelTransport(conn);
  }

  /** The panel as messages name it: scheme, host, port and base path, never credentials. */
  get where(): string {
    return this.http.where;
  }

  close(): void {
    this.http.close();
  }

  /** The panel's version, from the asset links of its login page (2.x's status has none). */
  async panelVersion(): Promise<string> {
    const answer = await this.http.send("GET", "", { accept: "text/html" });
    const version = answer.status === 200 ? versionInPage(answer.body) : null;
    if (!version) throw new PanelFailure("panel-invalid", `the panel at ${this.where} shows no 3x-ui version on its login page (HTTP ${answer.status}): check the URL's base path`, { kind: "invalid-answer", where: this.where, why: "no-version", status: answer.status });
    return version;
  }

  /** Every inbound with its settings text and its clients' traffic rows (clientStats). */
  async listInbounds(): Promise<Panel2Inbound[]> {
    return (await this.request({ method: "GET", path: "panel/api/inbounds/list", schema: inboundsSchema })) ?? [];
  }

  /** One inbound as stored now (without clientStats). */
  async getInbound(id: number): Promise<Panel2Inbound> {
    return this.request({ method: "GET", path: `panel/api/inbounds/get/${id}`, schema: inboundSchema });
  }

  /** The client's traffic row, or null when the panel has none for this email. */
  async getClientTraffics(email: string): Promise<Panel2Traffic | null> {
    return this.request({ method: "GET", path: `panel/api/inbounds/getClientTraffics/${enc(email)}`, schema: trafficAnswerSchema });
  }

  /**
   * Replaces the whole inbound (UpdateInbound): every field as sent, `up`/`down` included, so
   * send it as just read. Rows are added for new emails and dropped for vanished ones; the rows
   * of the clients that stay are NOT touched.
   */
  async updateInbound(inbound: Panel2Inbound): Promise<void> {
    const { clientStats: _, ...body } = inbound;
    await this.request({ method: "POST", path: `panel/api/inbounds/update/${inbound.id}`, schema: ANY, body });
  }

  /** Appends clients to the inbound; each gets a row from its JSON (usage 0). */
  async addClients(inboundId: number, clients: Record<string, unknown>[]): Promise<void> {
    await this.request({ method: "POST", path: "panel/api/inbounds/addClient", schema: ANY, body: { id: inboundId, settings: JSON.stringify({ clients }) } });
  }

  /**
   * Replaces the client whose key (id, trojan password, shadowsocks email) is `clientId` with
   * `client`, and sets its row's enable, email, total, expiry_time and reset from it.
   */
  async updateClient(clientId: string, inboundId: number, client: Record<string, unknown>): Promise<void> {
    await this.request({ method: "POST", path: `panel/api/inbounds/updateClient/${enc(clientId)}`, schema: ANY, body: { id: inboundId, settings: JSON.stringify({ clients: [client] }) } });
  }

  /** Removes the client, its row and its IP record. */
  async deleteClient(inboundId: number, clientId: string): Promise<void> {
    await this.request({ method: "POST", path: `panel/api/inbounds/${inboundId}/delClient/${enc(clientId)}`, schema: ANY });
  }

  /** Zeroes the client's usage and turns its row on. */
  async resetClientTraffic(inboundId: number, email: string): Promise<void> {
    await this.request({ method: "POST", path: `panel/api/inbounds/${inboundId}/resetClientTraffic/${enc(email)}`, schema: ANY });
  }

  /** Sets the client's usage counters (all_time never goes down). */
  async setClientUsage(email: string, up: number, down: number): Promise<void> {
    await this.request({ method: "POST", path: `panel/api/inbounds/updateClientTraffic/${enc(email)}`, schema: ANY, body: { upload: up, download: down } });
  }

  // --- the calls --------------------------------------------------------------------------

  private request<T>(call: Call<T>): Promise<T> {
    return withReadRetries(call.method, () => this.once(call));
  }

  private async once<T>(call: Call<T>): Promise<T> {
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    const first = await this.send(call, body);
    if (first.answer.status === 404 || first.answer.status === 401) {
      // Without a valid session the panel answers 404 before running anything: log in again, once.
      await this.renew(first.generation);
      return this.read(call, (await this.send(call, body)).answer);
    }
    return this.read(call, first.answer);
  }

  private async send(call: Call<unknown>, body: string | undefined): Promise<{ answer: HttpAnswer; generation: number }> {
    if (this.cookie === undefined) await this.login();
    const generation = this.generation;
    const headers: Record<string, string> = { ...BASE_HEADERS, cookie: `${COOKIE}=${this.cookie ?? ""}`, ...(body === undefined ? {} : { "content-type": "application/json" }) };
    const answer = await this.http.send(call.method, call.path, headers, body);
    const cookie = cookieIn(answer);
    if (cookie !== undefined) this.cookie = cookie === "" ? undefined : cookie;
    return { answer, generation };
  }

  private async renew(generation: number): Promise<void> {
    if (generation === this.generation) this.cookie = undefined;
    if (this.cookie === undefined) await this.login();
  }

  private login(): Promise<void> {
    this.pending ??= this.logIn().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async logIn(): Promise<void> {
    this.cookie = undefined;
    const form = new URLSearchParams({ username: this.conn.username ?? "", password: this.conn.password ?? "" }).toString();
    const answer = await this.http.send("POST", "login", { ...BASE_HEADERS, "content-type": "application/x-www-form-urlencoded" }, form);
    const envelope = this.envelope("POST login", answer);
    const cookie = cookieIn(answer);
    const where = this.where;
    const said = envelope.msg.trim();
    if (!envelope.success) throw new XuiError("panel-auth", `the panel at ${where} refused the login (${said || "no reason given"}): check the panel username and password (2FA is not supported)`, [], undefined, { kind: "auth", where, why: "login", said });
    if (!cookie) throw new PanelFailure("panel-invalid", `the panel at ${where} accepted the login but set no ${COOKIE} session cookie: is it 3x-ui 2.x?`, { kind: "invalid-answer", where, why: "no-cookie" });
    this.cookie = cookie;
    this.generation++;
  }

  /** entity.Msg {success, msg, obj}, or a panel-invalid failure saying what came instead. */
  private envelope(what: string, answer: HttpAnswer): z.infer<typeof envelopeSchema> {
    return checkedEnvelope(this.where, what, answer, { notFound: "is it 3x-ui 2.x?", partial: "the change" });
  }

  private read<T>(call: Call<T>, answer: HttpAnswer): T {
    const what = `${call.method} ${call.path.split("?")[0] ?? ""}`;
    const envelope = this.envelope(what, answer);
    if (!envelope.success) {
      const msg = envelope.msg.replace(/\s+/g, " ").trim();
      throw new XuiError("panel-refused", `the panel refused ${what}: ${msg || "no reason given"}`, [], undefined, { kind: "panel-refused", said: msg });
    }
    const obj = call.schema.safeParse(envelope.obj ?? null);
    if (!obj.success) throw new PanelFailure("panel-invalid", `the panel at ${this.where} answered ${what} with a body 3x-ui 2.x does not send (${describeIssues(obj.error)})`, { kind: "invalid-answer", where: this.where, why: "bad-body" });
    return obj.data;
  }
}
