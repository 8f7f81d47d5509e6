// One server of a fleet. Usually open from the start; a remote panel that does not answer when
// the fleet opens (and there are other servers) is kept as unreachable instead of stopping
// everything: every use of its service throws the reason (so its part of a change fails naming
// it, reads leave it out, /servers shows the error), and it is opened again later, when the
// fleet is refreshed, at most once every `retryMs`.
import { XuiError } from "../core/errors.js";
import type { ServerSpec } from "../core/servers.js";
import { openServer, type ServerDeps } from "./server-factory.js";
import type { XuiService } from "./xui-service.js";

/** How often an unreachable server is tried again by default (each try may take SERVER_TIMEOUT_MS). */
export const DEFAULT_RETRY_MS = 30_000;

/** Which failures at start leave a server unreachable rather than stopping the start: it is down. */
export const isDown = (spec: ServerSpec, error: unknown): boolean => spec.kind !== "local" && error instanceof XuiError && error.code === "panel-unreachable";

export class FleetMember {
  private opened: XuiService | undefined;
  private reason: Error = new Error("not opened");
  private triedAt: number;
  private retrying: Promise<void> | undefined;
  private closed = false;

  private constructor(
    readonly name: string,
    private readonly reopen?: () => Promise<XuiService>,
  ) {
    this.triedAt = Date.now();
  }

  static open(name: string, service: XuiService): FleetMember {
    const member = new FleetMember(name);
    member.opened = service;
    return member;
  }

  /** A server that could not be reached at start: `reason` until a later try opens it. */
  static unreachable(spec: ServerSpec, deps: ServerDeps, reason: XuiError): FleetMember {
    const member = new FleetMember(spec.name, () => openServer(spec, deps));
    member.reason = reason;
    return member;
  }

  get isOpen(): boolean {
    return this.opened !== undefined;
  }

  /** The server's service; unreachable since start: throws why (the panel's own words, no secret). */
  get service(): XuiService {
    if (this.opened) return this.opened;
    throw this.reason;
  }

  /** An unreachable server opened again when its last try is `retryMs` old; tries at once share one. */
  retry(retryMs: number): Promise<void> {
    if (this.opened || !this.reopen || this.closed) return Promise.resolve();
    if (this.retrying) return this.retrying;
    if (Date.now() - this.triedAt < retryMs) return Promise.resolve();
    this.triedAt = Date.now();
    this.retrying = this.reopen()
      .then(
        (service) => {
          // Closed while it was being opened: nobody will use it.
          if (this.closed) service.close();
          else this.opened = service;
        },
        (error: unknown) => {
          this.reason = error instanceof Error ? error : new Error(String(error));
        },
      )
      .finally(() => {
        this.retrying = undefined;
      });
    return this.retrying;
  }

  close(): void {
    this.closed = true;
    this.opened?.close();
  }
}
