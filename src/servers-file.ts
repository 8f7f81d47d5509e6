// SERVERS_FILE: the servers one bot manages, as a JSON list. Checked whole at start: every
// problem of every server is listed at once, each naming the server (its index and name), and
// no message ever quotes a token or a password. Secrets may come from the environment
// (`token_env`, `password_env`) so that the file can be kept without them.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { SERVER_NAME, remoteKind, type ServerConnection, type ServerSpec } from "./core/servers.js";
import { DEFAULT_TIMEOUT_MS } from "./service/fleet-limits.js";
import { isSupportedKind } from "./service/server-factory.js";

const text = z.string({ error: "must be a string" }).trim().min(1, "must not be empty");

const entry = z.strictObject(
  {
    name: z.string({ error: "is required" }).regex(SERVER_NAME, "must be 1 to 16 of a-z, 0-9 and -"),
    db: text.optional(),
    url: z.url({ error: "must be the panel's URL with its base path, e.g. https://nl.example.com:2053/secret/" }).optional(),
    token: text.optional(),
    token_env: text.optional(),
    username: text.optional(),
    password: text.optional(),
    password_env: text.optional(),
    ca: text.optional(),
  },
  { error: (issue) => (issue.code === "unrecognized_keys" ? `unknown field(s) ${issue.keys.join(", ")}` : "must be an object") },
);

type Entry = z.infer<typeof entry>;

/** One of a secret and the variable that holds it; `problems` hears what is wrong. */
function secret(e: Entry, field: "token" | "password", env: Record<string, string | undefined>, problems: string[]): string | undefined {
  const direct = e[field];
  const variable = e[`${field}_env`];
  if (direct !== undefined && variable !== undefined) problems.push(`give ${field} or ${field}_env, not both`);
  if (variable === undefined) return direct;
  const value = env[variable]?.trim();
  if (value === undefined || value === "") problems.push(`${field}_env names ${variable}, which is not set`);
  return value;
}

/** The checks across one entry's fields; its problems go to `problems`, unprefixed. */
function toSpec(e: Entry, env: Record<string, string | undefined>, timeoutMs: number, problems: string[]): ServerSpec | undefined {
  const token = secret(e, "token", env, problems);
  const password = secret(e, "password", env, problems);
  if (e.db === undefined && e.url === undefined) problems.push("needs db (a local x-ui.db) or url (the panel's API)");
  if ((e.username === undefined) !== (password === undefined) && (e.username !== undefined || e.password !== undefined || e.password_env !== undefined)) {
    problems.push("a login needs both username and password (or password_env)");
  }
  // (A token_env that is not set is said above.)
  if (e.url !== undefined && token === undefined && e.token_env === undefined && e.username === undefined) problems.push("url needs token (or token_env), or username and password");
  if (e.url === undefined && (token !== undefined || e.username !== undefined)) problems.push("token and login need url");
  let ca: string | undefined;
  if (e.ca !== undefined) {
    try {
      ca = readFileSync(e.ca, "utf8");
    } catch (error) {
      problems.push(`ca: cannot read ${e.ca} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    }
  }
  if (e.url === undefined) return { name: e.name, kind: "local", ...(e.db === undefined ? {} : { db: e.db }) };
  const base = e.url.endsWith("/") ? e.url : `${e.url}/`;
  const panel: ServerConnection = {
    url: base,
    ...(token !== undefined ? { token } : { username: e.username ?? "", password: password ?? "" }),
    ...(ca !== undefined ? { ca } : {}),
    timeoutMs,
  };
  const kind = e.db === undefined ? remoteKind(panel) : "local";
  if (!isSupportedKind(kind)) problems.push(`a remote panel (url without db) is not supported yet (${kind})`);
  return { name: e.name, kind, ...(e.db === undefined ? {} : { db: e.db }), panel };
}

/** SERVER_TIMEOUT_MS, or its default when unset or not a number (the configuration reports a bad value). */
export function serverTimeoutMs(env: Record<string, string | undefined>): number {
  const given = env.SERVER_TIMEOUT_MS?.trim() ?? "";
  return /^\d+$/.test(given) ? Number(given) : DEFAULT_TIMEOUT_MS;
}

/**
 * The servers listed in `path`; every problem goes to `problems` as `SERVERS_FILE: ...`
 * (nothing is returned then). `timeoutMs`: SERVER_TIMEOUT_MS, each panel call's limit.
 */
export function readServersFile(path: string, env: Record<string, string | undefined>, timeoutMs: number, problems: string[]): ServerSpec[] {
  const say = (where: string, message: string) => problems.push(`SERVERS_FILE${where}: ${message}`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    say("", `cannot read ${path} as JSON (${(error as Error).message})`);
    return [];
  }
  if (!Array.isArray(json) || json.length === 0) {
    say("", `${path} must hold a non-empty JSON list of servers, e.g. [{"name": "de", "db": "/etc/x-ui/x-ui.db"}]`);
    return [];
  }
  const before = problems.length;
  const specs: ServerSpec[] = [];
  const seen = new Set<string>();
  json.forEach((raw, i) => {
    const named = typeof (raw as { name?: unknown } | null)?.name === "string" ? ` (${(raw as { name: string }).name})` : "";
    const where = ` servers[${i}]${named}`;
    const parsed = entry.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) say(issue.path.length > 0 ? `${where} ${issue.path.join(".")}` : where, issue.message);
      return;
    }
    if (seen.has(parsed.data.name)) say(where, `name ${parsed.data.name} is used twice`);
    seen.add(parsed.data.name);
    const own: string[] = [];
    const spec = toSpec(parsed.data, env, timeoutMs, own);
    for (const p of own) say(where, p);
    if (spec && own.length === 0) specs.push(spec);
  });
  return problems.length > before ? [] : specs;
}
