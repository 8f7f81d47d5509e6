// xui-admin health: is the bot working? One line per check, exit 0 when every check passes and
// 1 when any fails. Docker's HEALTHCHECK runs it, and so does an administrator of the systemd
// service; it needs no API token and changes nothing. With SERVERS_FILE, a database line per
// server: each local file opened, each remote panel asked its version (no mirror is read).
import { existsSync } from "node:fs";
import { panelFromEnv, type PanelClient } from "../panel-env.js";
import { XuiService } from "../service/xui-service.js";
import { XuiError } from "../core/errors.js";
import { readHeartbeat } from "../store/bot-store.js";
import { version } from "../core/version.js";

/** HEALTH_MAX_AGE_MS's default: the bot's heartbeat is at most ~45 s old while it polls. */
export const HEALTH_MAX_AGE_MS = 120_000;
/** The least HEALTH_MAX_AGE_MS may be: an idle long poll answers every 30 s, a heartbeat is written every 15 s at most. */
export const HEALTH_MIN_AGE_MS = 60_000;
/** How long the API may take to answer its health route, ms. */
const API_TIMEOUT_MS = 5_000;

export interface HealthCheck {
  name: "database" | "bot" | "api";
  /** With SERVERS_FILE: the server a database line is about. */
  server?: string;
  ok: boolean;
  detail: string;
}

export interface HealthReport {
  ok: boolean;
  version: string;
  checks: HealthCheck[];
}

export interface HealthInput {
  /** The panel's database (XUI_DB_PATH or --db). */
  db: string;
  /** The bot's own file, where the polling loop writes its heartbeat. */
  botData: string;
  /** Where API_TOKEN, API_HOST and API_PORT are read. */
  env: NodeJS.ProcessEnv;
  /** A heartbeat older than this, ms, means the bot is not running. */
  maxAgeMs: number;
  now: number;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** "12 s", "5 min", "3 h", "2 days": how long ago, read at a glance. */
function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}

/** The file opens as the bot opens it (for writing), and a read gets through now. */
function database(path: string): HealthCheck {
  const check = (ok: boolean, detail: string): HealthCheck => ({ name: "database", ok, detail });
  const locked = check(false, `${path} is locked by another program (the panel importing a database, a stuck tool)`);
  let service: XuiService;
  try {
    service = XuiService.open(path);
  } catch (error) {
    return error instanceof XuiError && error.code === "busy" ? locked : check(false, message(error));
  }
  try {
    switch (service.databaseState()) {
      case "ok":
        return check(true, `${path} opens (${service.schema.family}), writable`);
      case "busy":
        return locked;
      case "read-only":
        return check(false, `${path} is read-only for the bot: ${service.db.refusal}`);
    }
  } catch (error) {
    return check(false, message(error));
  } finally {
    service.close();
  }
}

/** No file but a 3.x panel's API (the bot reads the panel through it): the panel answers, 3.1 or later. */
async function remoteDatabase(path: string, panel: PanelClient): Promise<HealthCheck> {
  try {
    const version = await panel.panelVersion();
    return { name: "database", ok: true, detail: `no ${path}: the panel at ${panel.where} answers (3x-ui ${version}); it is read and changed through its API` };
  } catch (error) {
    return { name: "database", ok: false, detail: `no ${path}, and the panel's API fails: ${message(error)}` };
  } finally {
    panel.close();
  }
}

function bot(path: string, now: number, maxAgeMs: number): HealthCheck {
  const check = (ok: boolean, detail: string): HealthCheck => ({ name: "bot", ok, detail });
  let beat;
  try {
    beat = readHeartbeat(path);
  } catch (error) {
    return check(false, `cannot read its heartbeat: ${message(error)}`);
  }
  if (beat === undefined) return check(false, `not running: it has never polled Telegram with ${path}`);
  const age = now - beat.at;
  const when = new Date(beat.at).toISOString();
  if (beat.stopped) return check(false, `not running: stopped ${ago(age)} ago (${when})`);
  if (age > maxAgeMs) return check(false, `not running: Telegram last answered its polling ${ago(age)} ago (${when}); more than ${ago(maxAgeMs)} means it stopped or cannot reach Telegram`);
  return check(true, `polling: Telegram last answered ${ago(age)} ago`);
}

/** The address to call for a listening address: a wildcard is reached on loopback. */
function reachable(host: string): string {
  const target = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return target.includes(":") ? `[${target}]` : target;
}

async function api(env: NodeJS.ProcessEnv): Promise<HealthCheck> {
  const check = (ok: boolean, detail: string): HealthCheck => ({ name: "api", ok, detail });
  const get = (name: string, fallback: string) => env[name]?.trim() || fallback;
  if (get("API_TOKEN", "") === "") return check(true, "off (API_TOKEN is not set)");
  const url = `http://${reachable(get("API_HOST", "127.0.0.1"))}:${get("API_PORT", "8888")}/api/health`;
  let status: number;
  let body: { version?: unknown; database?: unknown };
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(API_TIMEOUT_MS) });
    status = response.status;
    body = (await response.json()) as typeof body;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return check(false, `no answer from ${url} (${cause ?? message(error)})`);
  }
  if (status !== 200) return check(false, `${url} answers ${status} (database: ${String(body.database)})`);
  // After an upgrade the files are new but the process is old until it restarts.
  const running = typeof body.version === "string" ? body.version : "an unknown version";
  const restart = running === version() ? "" : `; it runs ${running}, these files are ${version()}: restart it`;
  return check(true, `${url} answers 200${restart}`);
}

/** Every server of SERVERS_FILE, a line each (one line when the file itself is wrong). */
async function servers(file: string, env: NodeJS.ProcessEnv): Promise<HealthCheck[]> {
  const [{ readServersFile, serverTimeoutMs }, { remotePanelVersion }] = await Promise.all([import("../servers-file.js"), import("../service/server-factory.js")]);
  const problems: string[] = [];
  const specs = readServersFile(file, env, serverTimeoutMs(env), problems);
  if (problems.length > 0) return [{ name: "database", ok: false, detail: `invalid configuration: ${problems.join("; ")}` }];
  return Promise.all(
    specs.map(async (spec): Promise<HealthCheck> => {
      if (spec.kind === "local") return { ...database(spec.db ?? ""), server: spec.name };
      try {
        return { name: "database", server: spec.name, ok: true, detail: `the panel answers (3x-ui ${await remotePanelVersion(spec)})` };
      } catch (error) {
        return { name: "database", server: spec.name, ok: false, detail: `the panel's API fails: ${message(error)}` };
      }
    }),
  );
}

export async function health(input: HealthInput): Promise<HealthReport> {
  const file = input.env.SERVERS_FILE?.trim();
  const panel = file || existsSync(input.db) ? undefined : await panelFromEnv(input.env).catch(() => undefined);
  const databases = file ? await servers(file, input.env) : [panel ? await remoteDatabase(input.db, panel) : database(input.db)];
  const checks = [...databases, bot(input.botData, input.now, input.maxAgeMs), await api(input.env)];
  return { ok: checks.every((c) => c.ok), version: version(), checks };
}

export function renderHealth(report: HealthReport): string {
  return report.checks.map((c) => `${c.ok ? "ok  " : "FAIL"} ${c.name}${c.server === undefined ? "" : ` ${c.server}`}: ${c.detail}`).join("\n");
}
