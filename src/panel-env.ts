// How to reach a 3x-ui 3.x panel's API, from the environment: read the same way by the bot's
// configuration and by the CLI (which loads no zod: start-up time is part of every call).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { XuiError } from "./core/errors.js";
import { DEFAULT_TIMEOUT_MS } from "./service/fleet-limits.js";
import type { PanelApi } from "./panel/panel-api.js";
import type { PanelConnection } from "./panel/types.js";

/** The client a front end hands to the service, and closes when done (named here so that the
 *  faces need not import the driver). */
export type PanelClient = PanelApi;

/**
 * The panel to write through, or null when none is configured; `problems` collects what is
 * wrong (every problem at once, as the rest of the configuration does).
 */
export function panelSettings(env: Record<string, string | undefined>, problems: string[]): PanelConnection | null {
  const get = (name: string) => {
    const v = env[name];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
  const url = get("XUI_PANEL_URL");
  const token = get("XUI_API_TOKEN");
  const username = get("XUI_PANEL_USERNAME");
  const password = get("XUI_PANEL_PASSWORD");
  const caFile = get("XUI_PANEL_CA");
  const timeout = get("SERVER_TIMEOUT_MS");
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (timeout !== undefined) {
    if (!/^\d+$/.test(timeout) || Number(timeout) < 100) problems.push("SERVER_TIMEOUT_MS must be a whole number of milliseconds, at least 100");
    else timeoutMs = Number(timeout);
  }
  if (url === undefined) {
    if (token !== undefined) problems.push("XUI_API_TOKEN is set but XUI_PANEL_URL is not: the token needs the panel's address");
    return null;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("not http(s)");
  } catch {
    problems.push("XUI_PANEL_URL must be the panel's URL with its base path, e.g. https://127.0.0.1:2053/path/");
    return null;
  }
  if (token === undefined && (username === undefined || password === undefined)) {
    // A URL alone is what XUI_APPLY=panel of a 2.x panel needs with its login: not an API.
    return null;
  }
  let ca: string | undefined;
  if (caFile !== undefined) {
    try {
      ca = readFileSync(caFile, "utf8");
    } catch (error) {
      problems.push(`XUI_PANEL_CA: cannot read ${caFile} (${(error as Error).message})`);
    }
  }
  const base = parsed.href.endsWith("/") ? parsed.href : `${parsed.href}/`;
  return {
    url: base,
    ...(token !== undefined ? { token } : { username, password }),
    ...(ca !== undefined ? { ca } : {}),
    timeoutMs,
  };
}

/**
 * The 3.x panel's API client when XUI_PANEL_URL and a token or login are set: loaded only then
 * (its modules and zod cost start-up time that every other call would pay).
 */
export async function panelFromEnv(env: NodeJS.ProcessEnv): Promise<PanelApi | undefined> {
  const problems: string[] = [];
  const settings = panelSettings(env, problems);
  if (problems.length > 0) throw new XuiError("bad-input", problems.join("; "), ["XUI_PANEL_URL"]);
  if (!settings) return undefined;
  const { PanelApi: Api } = await import("./panel/panel-api.js");
  return new Api(settings);
}

/**
 * Whether the panel's state is read through its API (a mirror) rather than from its file: a
 * 3.x panel's API is configured and there is no file at the database path (a panel on another
 * server, or on PostgreSQL). With the file there, it is read from the file as always.
 */
export function readsThroughApi(dbPath: string, panel: unknown): boolean {
  return panel !== null && panel !== undefined && !existsSync(dbPath);
}

/** The mirror file of a panel read through its API: `<dir>/<name>.db`. */
export function mirrorFile(dir: string, name: string): string {
  return join(dir, `${name}.db`);
}
