// XUI_APPLY=panel: asks the running panel to restart Xray over its HTTP API. It logs in once
// and keeps the session cookie (every login notifies the panel's Telegram admins), logging in
// again only when the panel says the session ended (an unauthenticated call answers 404).
import { unreachableWhyOf } from "../core/error-detail.js";
import { ApplyError } from "./apply-failure.js";

export interface PanelOptions {
  /** The panel's URL including its base path, e.g. https://host:2053/secret/ */
  url: string;
  username: string;
  password: string;
  timeoutMs: number;
}

interface PanelAnswer {
  success?: boolean;
  msg?: string;
}

export class PanelClient {
  private cookie: string | undefined;
  private readonly base: string;

  constructor(private readonly options: PanelOptions) {
    this.base = options.url.endsWith("/") ? options.url : `${options.url}/`;
  }

  private async post(path: string, body?: URLSearchParams): Promise<Response> {
    try {
      return await fetch(new URL(path, this.base), {
        method: "POST",
        headers: { ...(this.cookie ? { cookie: this.cookie } : {}), ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
        ...(body ? { body } : {}),
        redirect: "manual",
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const url = this.base;
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      const message = `the panel at ${url} does not answer (${cause ?? (error as Error).message})`;
      // AbortSignal.timeout's abort is a TimeoutError without a cause.
      if ((error as Error).name === "TimeoutError") throw new ApplyError(message, { kind: "panel-unreachable", url, why: "timeout", ms: this.options.timeoutMs });
      throw new ApplyError(message, { kind: "panel-unreachable", url, why: unreachableWhyOf(cause ?? ""), said: cause ?? (error as Error).message });
    }
  }

  private async login(): Promise<void> {
    const res = await this.post("login", new URLSearchParams({ username: this.options.username, password: this.options.password }));
    const answer = (await res.json().catch(() => ({}))) as PanelAnswer;
    const cookie = res.headers.getSetCookie().find((c) => /^3x-ui=/.test(c));
    if (!res.ok || answer.success !== true || !cookie) {
      throw new ApplyError(`login to the panel failed: ${answer.msg || `HTTP ${res.status}`} (check XUI_PANEL_USERNAME and XUI_PANEL_PASSWORD)`, {
        kind: "panel-login",
        url: this.base,
        said: answer.msg ?? "",
        status: res.status,
      });
    }
    this.cookie = cookie.split(";")[0];
  }

  async restartXray(): Promise<void> {
    if (!this.cookie) await this.login();
    let res = await this.post("panel/api/server/restartXrayService");
    if (res.status === 404 || res.status === 401 || (res.status >= 300 && res.status < 400)) {
      // The session ended (panel restart, expiry): log in again, once.
      this.cookie = undefined;
      await this.login();
      res = await this.post("panel/api/server/restartXrayService");
    }
    const answer = (await res.json().catch(() => ({}))) as PanelAnswer;
    if (!res.ok || answer.success !== true) {
      throw new ApplyError(`the panel refused to restart Xray: ${answer.msg || `HTTP ${res.status}`}`, { kind: "panel-restart", url: this.base, said: answer.msg ?? "", status: res.status });
    }
  }
}
