// A login session with a 3x-ui 3.x panel, for when no API token is given: GET {base}csrf-token
// opens the session (cookie `3x-ui`) and gives its CSRF token, POST {base}login with that token
// logs it in, and every unsafe call carries the token in X-CSRF-Token (controller/index.go,
// web/session/csrf.go @v3.6.0). One login serves every call until the panel says the session
// ended; concurrent callers share a login in progress.
import type { InvalidAnswerWhy } from "../core/error-detail.js";
import { XuiError } from "../core/errors.js";
import { PanelFailure, type HttpAnswer, type PanelTransport } from "./transport.js";
import { csrfSchema, envelopeSchema, flagSchema } from "./wire.js";

const COOKIE = "3x-ui";

export const TWO_FACTOR_REFUSAL = "the panel asks for a 2FA code: use an API token (XUI_API_TOKEN) instead";

/** Headers every call to the panel carries: JSON, and XHR so that a missing session is a 401. */
export const BASE_HEADERS = { accept: "application/json", "x-requested-with": "XMLHttpRequest" } as const;

function parseEnvelope(http: PanelTransport, what: string, answer: HttpAnswer): { success: boolean; msg: string; obj?: unknown } {
  const { where } = http;
  const invalid = (why: InvalidAnswerWhy) => ({ kind: "invalid-answer" as const, where, why, status: answer.status });
  if (answer.status === 404) throw new PanelFailure("panel-invalid", `the panel at ${where} has no ${what} (HTTP 404): check the URL's base path`, invalid("not-found"));
  if (answer.status !== 200) throw new PanelFailure("panel-invalid", `the panel at ${where} answered HTTP ${answer.status} to ${what}`, invalid("status"));
  let json: unknown;
  try {
    json = JSON.parse(answer.body);
  } catch {
    throw new PanelFailure("panel-invalid", `the panel at ${where} answered ${what} with something other than JSON: is this a 3x-ui panel?`, invalid("not-json"));
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) throw new PanelFailure("panel-invalid", `the panel at ${where} answered ${what} without 3x-ui's {success, msg, obj}`, invalid("no-envelope"));
  return parsed.data;
}

export class PanelSession {
  private cookie: string | undefined;
  private csrf = "";
  /** Counts logins, so that a call refused under an old login renews it once, not per caller. */
  private generation = 0;
  private pending: Promise<void> | undefined;

  constructor(
    private readonly http: PanelTransport,
    private readonly username: string,
    private readonly password: string,
  ) {}

  /** The session's headers for a call, logging in first if needed, and the login they belong to. */
  async headers(unsafe: boolean): Promise<{ headers: Record<string, string>; generation: number }> {
    if (this.cookie === undefined) await this.login();
    return { headers: { cookie: `${COOKIE}=${this.cookie ?? ""}`, ...(unsafe ? { "x-csrf-token": this.csrf } : {}) }, generation: this.generation };
  }

  /** The panel refused a call made under `generation`: log in again, unless another caller already has. */
  async renew(generation: number): Promise<void> {
    if (generation === this.generation) this.cookie = undefined;
    if (this.cookie === undefined) await this.login();
  }

  /** Keeps the cookie the panel re-issues whenever it saves the session. */
  take(answer: HttpAnswer): void {
    for (const line of answer.headers["set-cookie"] ?? []) {
      const [pair = "", ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      if (pair.slice(0, eq).trim() !== COOKIE) continue;
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age\s*=\s*(-\d+|0)\s*$/i.test(a));
      this.cookie = value === "" || expired ? undefined : value;
    }
  }

  private login(): Promise<void> {
    this.pending ??= this.logIn().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async logIn(): Promise<void> {
    this.cookie = undefined;
    const opened = await this.http.send("GET", "csrf-token", { ...BASE_HEADERS });
    this.take(opened);
    const token = csrfSchema.safeParse(parseEnvelope(this.http, "csrf-token", opened).obj);
    if (!token.success || this.cookie === undefined) throw new PanelFailure("panel-invalid", `the panel at ${this.http.where} gave no session and CSRF token at csrf-token: is it 3x-ui 3.x?`, { kind: "invalid-answer", where: this.http.where, why: "no-csrf" });
    this.csrf = token.data;
    const unsafe = () => ({ ...BASE_HEADERS, cookie: `${COOKIE}=${this.cookie ?? ""}`, "x-csrf-token": this.csrf });
    const answer = await this.http.send("POST", "login", { ...unsafe(), "content-type": "application/json" }, JSON.stringify({ username: this.username, password: this.password }));
    this.take(answer);
    const where = this.http.where;
    if (answer.status === 403) throw new XuiError("panel-auth", `the panel at ${where} refused the login's CSRF token`, [], undefined, { kind: "auth", where, why: "csrf" });
    const result = parseEnvelope(this.http, "login", answer);
    if (result.success && this.cookie !== undefined) {
      this.generation++;
      return;
    }
    // The panel gives one message for a wrong password and a missing 2FA code; it tells apart.
    const twoFactor = await this.http.send("POST", "getTwoFactorEnable", unsafe());
    this.take(twoFactor);
    const on = flagSchema.safeParse(parseEnvelope(this.http, "getTwoFactorEnable", twoFactor).obj);
    this.cookie = undefined;
    if (on.success && on.data) throw new XuiError("panel-auth", TWO_FACTOR_REFUSAL, [], undefined, { kind: "auth", where, why: "two-factor" });
    const said = result.msg.trim();
    throw new XuiError("panel-auth", `the panel at ${where} refused the login (${said || "no reason given"}): check the panel username and password`, [], undefined, { kind: "auth", where, why: "login", said });
  }
}
