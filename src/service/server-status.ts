// One server's state as /servers shows it: reachable or not, what panel, how many clients,
// how many online now, and the last error. Never a credential: errors name the panel's host.
import { XuiError } from "../core/errors.js";
import type { XuiService } from "./xui-service.js";

// A client seen by Xray within ONLINE_WINDOW_MS counts as online now: one window for /servers and /stats.
import { ONLINE_WINDOW_MS } from "./stats.js";

export interface ServerStatus {
  name: string;
  state: "reachable" | "error";
  /** 3x-ui 2.x, 3.x, legacy x-ui, or unknown (from the file's layout). */
  panel: string;
  /** The panel's version as it reports it, when a panel's API is configured and answered. */
  version?: string;
  /** Who commits changes: this process into the file, the panel's API, or nobody (read-only). */
  writer: "file" | "panel" | "none";
  clients?: number;
  /** Clients seen within ONLINE_WINDOW_MS; absent when the panel records no last-online times. */
  online?: number;
  lastError?: string;
  /** The error behind lastError, for a face to say in its own language (not part of the JSON). */
  readonly lastErrorCause?: unknown;
}

const PANEL_NAMES: Record<string, string> = { "3x-ui-2": "3x-ui 2.x", "3x-ui-3": "3x-ui 3.x", "x-ui-legacy": "x-ui (legacy)", unknown: "unknown" };

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Sets `status`'s last error: its English, and the error itself out of the JSON. */
export function failedWith(status: ServerStatus, error: unknown): ServerStatus {
  status.lastError = errorText(error);
  return Object.defineProperty(status, "lastErrorCause", { value: error, enumerable: false, configurable: true });
}

/** Rejects after `ms` (the promise itself goes on: it is a read, and answers nobody then). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new XuiError("panel-unreachable", `${what}: no answer within ${ms} ms`, [], undefined, { kind: "status-timeout", ms })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** `lastError`: the server's last failure the fleet saw, shown while nothing newer fails. */
export async function serverStatus(name: string, service: XuiService, timeoutMs: number, lastError?: unknown): Promise<ServerStatus> {
  const status: ServerStatus = { name, state: "reachable", panel: PANEL_NAMES[service.schema.family] ?? service.schema.family, writer: service.writer };
  const fail = (error: unknown) => {
    status.state = "error";
    failedWith(status, error);
  };
  try {
    const clients = service.clients();
    status.clients = clients.length;
    if (clients.some((c) => c.lastOnline > 0)) status.online = clients.filter((c) => service.now() - c.lastOnline <= ONLINE_WINDOW_MS).length;
  } catch (error) {
    fail(error);
  }
  try {
    const version = await withTimeout(service.panelVersion(), timeoutMs, `server ${name}`);
    if (version !== undefined) status.version = version;
  } catch (error) {
    fail(error);
  }
  if (status.state === "reachable" && lastError !== undefined) failedWith(status, lastError);
  return status;
}
