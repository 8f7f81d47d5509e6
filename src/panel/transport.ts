// HTTP to one panel over node:http/https: a keep-alive agent of its own that trusts the
// connection's `ca` (and nothing changes for any other TLS in the process), a time limit per
// request, a cap on the answer's size, and failures turned into XuiErrors that never carry
// the URL's credentials.
import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import https from "node:https";
import { unreachableWhyOf, type ErrorDetail } from "../core/error-detail.js";
import { XuiError } from "../core/errors.js";
import type { PanelConnection } from "./types.js";

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A panel failure; `retryable` when repeating an idempotent read may well succeed. */
export class PanelFailure extends XuiError {
  constructor(
    code: "panel-unreachable" | "panel-invalid",
    message: string,
    detail: ErrorDetail,
    readonly retryable = false,
  ) {
    super(code, message, [], undefined, detail);
  }
}

/** Far above any real list of clients; a bigger answer is not a 3x-ui panel's. */
const MAX_ANSWER_BYTES = 128 * 1024 * 1024;

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/;
/** The request never reached the panel: repeating it cannot apply a change twice. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
const RETRYABLE = new Set([...NOT_SENT, "ECONNRESET", "EPIPE", "ECONNABORTED"]);

export class PanelTransport {
  /** The panel's base URL without user info, ending in "/". */
  readonly base: URL;
  private readonly agent: http.Agent;

  constructor(private readonly conn: PanelConnection) {
    let base: URL;
    try {
      base = new URL(conn.url);
    } catch {
      throw new XuiError("bad-input", "the panel URL is not a URL: give it with its scheme and base path, e.g. https://host:2053/secret/", ["url"]);
    }
    if (base.protocol !== "http:" && base.protocol !== "https:") throw new XuiError("bad-input", `the panel URL must be http:// or https://, not ${base.protocol}`, ["url"]);
    if (conn.ca !== undefined && base.protocol !== "https:") throw new XuiError("bad-input", "a CA certificate is only for an https:// panel URL", ["ca"]);
    base.username = "";
    base.password = "";
    base.search = "";
    base.hash = "";
    if (!base.pathname.endsWith("/")) base.pathname += "/";
    this.base = base;
    this.agent = base.protocol === "https:" ? new https.Agent({ keepAlive: true, ...(conn.ca === undefined ? {} : { ca: conn.ca }) }) : new http.Agent({ keepAlive: true });
  }

  /** The panel as error messages name it: scheme, host, port and base path only. */
  get where(): string {
    return this.base.href;
  }

  close(): void {
    this.agent.destroy();
  }

  /** One request; `path` is relative to the base path. Throws PanelFailure when no answer came. */
  send(method: "GET" | "POST", path: string, headers: Record<string, string>, body?: string): Promise<HttpAnswer> {
    const url = new URL(path, this.base);
    const signal = AbortSignal.timeout(this.conn.timeoutMs);
    const client = url.protocol === "https:" ? https : http;
    return new Promise<HttpAnswer>((resolve, reject) => {
      const fail = (error: unknown) => reject(this.failure(method, url, error, signal.aborted));
      const req = client.request(url, { method, headers: { ...headers, ...(body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) }) }, agent: this.agent, signal }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            res.destroy();
            reject(new PanelFailure("panel-invalid", `the panel at ${this.where} sent more than ${MAX_ANSWER_BYTES / 2 ** 20} MiB for ${method} ${url.pathname}: not a 3x-ui answer`, { kind: "invalid-answer", where: this.where, why: "too-big" }));
            return;
          }
          chunks.push(chunk);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", fail);
        res.on("aborted", () => fail(Object.assign(new Error("the answer was cut off"), { code: "ECONNRESET" })));
      });
      req.on("error", fail);
      req.end(body);
    });
  }

  private failure(method: string, url: URL, error: unknown, timedOut: boolean): PanelFailure {
    const what = `${method} ${url.pathname}`;
    const post = method === "POST";
    const maybeApplied = post ? "; the panel may have applied the change: read it back before trying again" : "";
    const where = this.where;
    if (timedOut) {
      return new PanelFailure("panel-unreachable", `the panel at ${where} did not answer ${what} within ${this.conn.timeoutMs} ms${maybeApplied}`, { kind: "unreachable", where, why: "timeout", ms: this.conn.timeoutMs, maybeApplied: post });
    }
    const code = (error as { code?: string }).code ?? "";
    if (TLS_CODES.test(code)) {
      return new PanelFailure("panel-unreachable", `the panel at ${where} has a TLS certificate this tool does not trust (${code}): give its certificate, or the CA that signed it, as the panel's CA`, { kind: "unreachable", where, why: "tls", said: code });
    }
    const said = code || (error as Error).message;
    const kind = unreachableWhyOf(code);
    const why = kind === "refused" ? "refused the connection: is it running, on this port?" : kind === "no-host" ? "has a host name that does not resolve" : `failed (${said})`;
    const sent = !NOT_SENT.has(code);
    const detail: ErrorDetail = { kind: "unreachable", where, why: kind, said, maybeApplied: post && sent };
    return new PanelFailure("panel-unreachable", `the panel at ${where} ${why} [${what}]${sent ? maybeApplied : ""}`, detail, RETRYABLE.has(code));
  }
}

/** How often a read is tried when the panel fails for a passing reason, and the pause between. */
const READ_ATTEMPTS = 3;
const RETRY_DELAY_MS = 200;

/**
 * Runs one call to a panel; a GET that failed for a passing reason (a timeout, a refused
 * connection) is tried again a few times: reads are idempotent. A write is never repeated
 * blindly: its caller reads back and decides.
 */
export async function withReadRetries<T>(method: string, once: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await once();
    } catch (error) {
      const again = method === "GET" && error instanceof PanelFailure && error.retryable && attempt < READ_ATTEMPTS;
      if (!again) throw error;
      await sleep(RETRY_DELAY_MS * attempt);
    }
  }
}
