// xui-admin's command line: verb, options, references. Parsing only; no database here.
import { parseArgs } from "node:util";
import { XuiError } from "../core/errors.js";
import {
  parseBytes,
  parseComment,
  parseDayDelta,
  parseDays,
  parseEmail,
  parseExpiryDate,
  parseFlow,
  parseGb,
  parseLimitIp,
  parseNonNegativeInt,
  parseResetDays,
  parseTokenName,
} from "../service/validate.js";
import type { ClientEdit, ClientFilter, CreateClientInput, Operation, Selector } from "../core/types.js";
import { parseClientFilter } from "../service/queries.js";
import type { SyncOptions } from "../service/sync.js";
import { DEFAULT_TOKEN_NAME } from "../service/panel-token.js";

export const USAGE = `xui-admin: manage 3x-ui clients in x-ui.db (client_traffics and inbounds.settings kept in sync)

Usage:
  xui-admin check   [--full] [--json]
  xui-admin sync    [--dry-run] [--from json] [--prune] [--json]
  xui-admin extend  --days N  CLIENTS
  xui-admin expiry  --date YYYY-MM-DD | --never  CLIENTS
  xui-admin limit   --gb X  CLIENTS
  xui-admin reset   [--limit-gb X]  CLIENTS
  xui-admin block   CLIENTS
  xui-admin unblock CLIENTS
  xui-admin delete  REF... | --filter F [--yes]  [--keep-traffic]
  xui-admin edit    REF [--tg-id N | --no-tg-id] [--limit-ip N] [--comment C] [--flow F] [--email NEW]
                        [--reset-days N] [--start-on-first-use DAYS]
  xui-admin create  --inbound ID[,ID...] --email E [--days N | --start-on-first-use DAYS] [--gb X] [--tg-id N]
                        [--limit-ip N] [--comment C] [--flow F]
  xui-admin show    REF
  xui-admin find    QUERY
  xui-admin sub     REF [--json]   the subscription URL and share links (host: $PUBLIC_HOST)
  xui-admin list    [--filter all|expiring[:DAYS]|expired|depleted|disabled|inbound:ID]
  xui-admin inbounds
  xui-admin stats   [--server NAME] [--json]    clients by status, online, traffic (today/7/30 days/all time),
                        top 10, inbounds; several servers: their totals and a line per server
  xui-admin backup  [--out FILE|DIR/]
  xui-admin history [--limit N]
  xui-admin invite  REF [--json]  a one-time link that links whoever opens it first to REF (needs BOT_TOKEN)
  xui-admin undo    ID
  xui-admin panel-token [--name N]   (3x-ui 3.x, on the panel's server: an API token for XUI_API_TOKEN)
  xui-admin health  [--json]    is the bot working? (exit 0 yes, 1 no)
  xui-admin remind  --dry-run [--json]   the reminders the bot would send now, to whom, and why
  xui-admin servers [--json]    each server's state (SERVERS_FILE)
  xui-admin --version

REF is a client's email (any case) or key (UUID / password). --days -N takes N days away.
CLIENTS is REF..., --inbound ID, --all, or --filter F (expiring[:DAYS], expired, depleted,
disabled, inbound:ID): a filter shows what will change and asks first; --yes skips the
question (without a terminal to ask, a filter needs --yes).
F is xtls-rprx-vision, xtls-rprx-vision-udp443 or none (VLESS over TCP with TLS or REALITY only).
Several servers (SERVERS_FILE): REF may be nl/alice (one server's alice); alice names it on
every server. --server NAME (repeatable) limits any verb to those servers, --all-servers spans
all of them (the default); create, --inbound, sync and backup need one server.
Common options:
  --db FILE     x-ui.db to use (else $XUI_DB_PATH, else /etc/x-ui/x-ui.db)
  --json        machine-readable output
  --dry-run     (operations, edit) show what would change, write nothing
  --full        (operations) list every changed client, not the first 20 and a count;
                (check) every finding, not the first 5 of each kind
  --data FILE   the audit log: the bot's own file (else $BOT_DATA_PATH, else bot.db in the
                data folder: $DATA_DIR, else /var/lib/xui-admin-bot, else ~/.local/state/xui-admin-bot)
Exit codes: 0 success, 1 check found drift, 2 bad input or refused (nothing written),
3 partly applied (a server down, or a change that failed part-way: what was applied is printed).`;

const OPTIONS = {
  db: { type: "string" },
  json: { type: "boolean" },
  full: { type: "boolean" },
  "dry-run": { type: "boolean" },
  days: { type: "string" },
  date: { type: "string" },
  never: { type: "boolean" },
  gb: { type: "string" },
  "limit-gb": { type: "string" },
  inbound: { type: "string" },
  all: { type: "boolean" },
  email: { type: "string" },
  "tg-id": { type: "string" },
  "no-tg-id": { type: "boolean" },
  flow: { type: "string" },
  "reset-days": { type: "string" },
  "start-on-first-use": { type: "string" },
  "keep-traffic": { type: "boolean" },
  yes: { type: "boolean", short: "y" },
  "limit-ip": { type: "string" },
  comment: { type: "string" },
  from: { type: "string" },
  prune: { type: "boolean" },
  filter: { type: "string" },
  out: { type: "string" },
  limit: { type: "string" },
  data: { type: "string" },
  name: { type: "string" },
  server: { type: "string", multiple: true },
  "all-servers": { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;

export type Command =
  | { verb: "help" }
  | { verb: "version" }
  | { verb: "health" }
  | { verb: "check" }
  | { verb: "sync"; options: SyncOptions }
  /** `yes`: a --filter selection applies without asking. */
  | { verb: "op"; op: Operation; selector: Selector | { filter: ClientFilter }; dryRun: boolean; yes: boolean }
  | { verb: "create"; input: CreateClientInput }
  | { verb: "edit"; ref: string; changes: ClientEdit; dryRun: boolean }
  | { verb: "show"; ref: string }
  | { verb: "find"; query: string }
  | { verb: "sub"; ref: string }
  | { verb: "list"; filter: ClientFilter }
  | { verb: "inbounds" }
  | { verb: "stats" }
  | { verb: "backup"; out?: string }
  | { verb: "history"; limit: number }
  | { verb: "undo"; id: number }
  | { verb: "invite"; ref: string }
  | { verb: "panel-token"; name: string }
  | { verb: "remind" }
  | { verb: "servers" };

export interface Invocation {
  command: Command;
  db: string;
  /** The audit log (the bot's own SQLite file) named by --data; else the bot's default. */
  data: string | undefined;
  json: boolean;
  /** Text output lists every client of a big change. */
  full: boolean;
  /** --server NAME...: the servers to act on; absent (or --all-servers), every server. */
  servers?: string[];
}

/** --filter as the CLI writes it; a bad one is explained in the CLI's syntax, not the bot's. */
function parseFilter(value: unknown): ClientFilter {
  try {
    return parseClientFilter(String(value));
  } catch (error) {
    if (!(error instanceof XuiError)) throw error;
    throw usage(`--filter: unknown filter ${JSON.stringify(value)}: use all, expiring[:DAYS], expired, depleted, disabled or inbound:ID`);
  }
}

const usage = (message: string) => new XuiError("bad-input", `${message}\nRun \`xui-admin --help\` for usage.`);

function selector(values: Record<string, unknown>, refs: string[]): Selector | { filter: ClientFilter } {
  const modes = [refs.length > 0, values.inbound !== undefined, values.all === true, values.filter !== undefined].filter(Boolean).length;
  if (modes === 0) throw usage("name the clients: REF..., --inbound ID, --all or --filter F");
  if (modes > 1) throw usage("choose one of REF..., --inbound ID, --all and --filter F");
  if (values.filter !== undefined) return { filter: parseFilter(values.filter) };
  if (values.all === true) return { all: true };
  if (values.inbound !== undefined) return { inboundId: parseNonNegativeInt(values.inbound, "--inbound") };
  return { refs };
}

function operation(verb: string, v: Record<string, unknown>): Operation | undefined {
  switch (verb) {
    case "extend":
      if (v.days === undefined) throw usage("extend needs --days N (-N takes days away)");
      return { kind: "extend", days: parseDayDelta(v.days, "--days") };
    case "expiry":
      if ((v.date === undefined) === (v.never !== true)) throw usage("expiry needs exactly one of --date YYYY-MM-DD and --never");
      return { kind: "expiry", expiryTime: v.never === true ? 0 : parseExpiryDate(v.date, "--date") };
    case "limit":
      if (v.gb === undefined) throw usage("limit needs --gb X (0 = unlimited)");
      return { kind: "limit", totalBytes: parseGb(v.gb, "--gb") };
    case "reset":
      return v["limit-gb"] === undefined ? { kind: "reset" } : { kind: "reset", totalBytes: parseGb(v["limit-gb"], "--limit-gb") };
    case "block":
      return { kind: "block" };
    case "unblock":
      return { kind: "unblock" };
    default:
      return undefined;
  }
}

/** The fields both create and edit take, as given. */
function clientFields(v: Record<string, unknown>): Pick<ClientEdit, "tgId" | "limitIp" | "comment" | "flow" | "delayedStartDays"> {
  const out: Pick<ClientEdit, "tgId" | "limitIp" | "comment" | "flow" | "delayedStartDays"> = {};
  if (v["tg-id"] !== undefined) out.tgId = parseNonNegativeInt(v["tg-id"], "--tg-id");
  if (v["limit-ip"] !== undefined) out.limitIp = parseLimitIp(v["limit-ip"], "--limit-ip");
  if (v.comment !== undefined) out.comment = parseComment(v.comment, "--comment");
  if (v.flow !== undefined) out.flow = parseFlow(v.flow, "--flow");
  if (v["start-on-first-use"] !== undefined) out.delayedStartDays = parseDays(v["start-on-first-use"], "--start-on-first-use");
  return out;
}

function editCommand(v: Record<string, unknown>, rest: string[]): Command {
  if (rest.length !== 1) throw usage("edit takes exactly one REF");
  if (v["tg-id"] !== undefined && v["no-tg-id"] === true) throw usage("choose one of --tg-id N and --no-tg-id");
  const changes: ClientEdit = clientFields(v);
  if (v["no-tg-id"] === true) changes.tgId = 0;
  if (v.email !== undefined) changes.email = parseEmail(v.email, "--email");
  if (v["reset-days"] !== undefined) changes.reset = parseResetDays(v["reset-days"], "--reset-days");
  if (Object.keys(changes).length === 0) throw usage("edit needs at least one of --tg-id, --no-tg-id, --limit-ip, --comment, --flow, --email, --reset-days, --start-on-first-use");
  return { verb: "edit", ref: rest[0] as string, changes, dryRun: v["dry-run"] === true };
}

/** --server NAME (repeatable) or --all-servers; not both. */
function serversOf(v: Record<string, unknown>): string[] | undefined {
  const named = v.server as string[] | undefined;
  if (named !== undefined && v["all-servers"] === true) throw usage("choose one of --server NAME and --all-servers");
  return named?.flatMap((n) => n.split(",")).map((n) => n.trim().toLowerCase()).filter((n) => n.length > 0);
}

/** "--days -3" as "--days=-3": parseArgs would take a negative number for an option of its own. */
function joinNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i]?.startsWith("--") ? argv[i]?.slice(2) : undefined;
    const next = argv[i + 1];
    const isString = name !== undefined && (OPTIONS as Record<string, { type: string }>)[name]?.type === "string";
    if (isString && next !== undefined && /^-\d/.test(next)) out.push(`${argv[i++] as string}=${next}`);
    else out.push(argv[i] as string);
  }
  return out;
}

export function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv): Invocation {
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv), options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw usage((error as Error).message);
  }
  const v = parsed.values as Record<string, unknown>;
  const [verb, ...rest] = parsed.positionals;
  const db = (v.db as string | undefined) ?? env.XUI_DB_PATH ?? "/etc/x-ui/x-ui.db";
  const json = v.json === true;
  const data = v.data as string | undefined;
  const servers = serversOf(v);
  const done = (command: Command): Invocation => ({ command, db, data, json, full: v.full === true, ...(servers ? { servers } : {}) });
  if (v.version === true) return done({ verb: "version" });
  if (v.help === true || verb === undefined || verb === "help") return done({ verb: "help" });

  const op = operation(verb, v);
  const opOf = (op: Operation, chosen: Selector | { filter: ClientFilter }) => done({ verb: "op", op, selector: chosen, dryRun: v["dry-run"] === true, yes: v.yes === true });
  if (op) return opOf(op, selector(v, rest));
  if (verb === "delete") {
    // By name or by a filter (which asks first): never a whole inbound or everyone at once.
    if (v.inbound !== undefined || v.all === true) throw usage("delete takes the clients by name (REF...) or by --filter F");
    const chosen = selector(v, rest);
    return opOf({ kind: "delete", ...(v["keep-traffic"] === true ? { keepTraffic: true } : {}) }, chosen);
  }
  switch (verb) {
    case "check":
      return done({ verb: "check" });
    case "sync": {
      if (v.from !== undefined && v.from !== "json" && v.from !== "traffic") throw usage(`--from takes json or traffic, not ${JSON.stringify(v.from)}`);
      return done({
        verb: "sync",
        options: { from: v.from === "json" ? "json" : "traffic", prune: v.prune === true, dryRun: v["dry-run"] === true },
      });
    }
    case "create": {
      if (v.inbound === undefined || v.email === undefined) throw usage("create needs --inbound ID and --email E");
      if (v.days !== undefined && v["start-on-first-use"] !== undefined) throw usage("choose one of --days N and --start-on-first-use DAYS");
      // 3x-ui 3.x attaches one client to several inbounds: --inbound 1,2.
      const [first, ...more] = (v.inbound as string).split(",").map((id) => parseNonNegativeInt(id.trim(), "--inbound"));
      const input: CreateClientInput = { inboundId: first as number, email: parseEmail(v.email, "--email"), ...clientFields(v) };
      if (more.length > 0) input.moreInboundIds = more;
      if (v.days !== undefined) input.days = parseDays(v.days, "--days");
      if (v.gb !== undefined) input.totalBytes = parseBytes(parseGb(v.gb, "--gb"), "--gb");
      return done({ verb: "create", input });
    }
    case "edit":
      return done(editCommand(v, rest));
    case "show":
      if (rest.length !== 1) throw usage("show takes exactly one REF");
      return done({ verb: "show", ref: rest[0] as string });
    case "sub":
      if (rest.length !== 1) throw usage("sub takes exactly one REF");
      return done({ verb: "sub", ref: rest[0] as string });
    case "find":
      if (rest.length === 0) throw usage("find needs a QUERY");
      return done({ verb: "find", query: rest.join(" ") });
    case "list":
      return done({ verb: "list", filter: v.filter === undefined ? { kind: "all" } : parseFilter(v.filter) });
    case "inbounds":
      return done({ verb: "inbounds" });
    case "stats":
      return done({ verb: "stats" });
    case "health":
      return done({ verb: "health" });
    case "backup":
      return done(typeof v.out === "string" ? { verb: "backup", out: v.out } : { verb: "backup" });
    case "history":
      return done({ verb: "history", limit: v.limit === undefined ? 20 : parseNonNegativeInt(v.limit, "--limit", 1000) });
    case "undo":
      if (rest.length !== 1) throw usage("undo takes exactly one ID (see xui-admin history)");
      return done({ verb: "undo", id: parseNonNegativeInt(rest[0], "ID") });
    case "invite":
      if (rest.length !== 1) throw usage("invite takes exactly one REF");
      return done({ verb: "invite", ref: rest[0] as string });
    case "remind":
      // The bot sends reminders (it alone knows who blocked it and paces the sends): here, only a look.
      if (v["dry-run"] !== true) throw usage("remind only shows what the bot would send: run it with --dry-run");
      return done({ verb: "remind" });
    case "servers":
      return done({ verb: "servers" });
    case "panel-token":
      return done({ verb: "panel-token", name: v.name === undefined ? DEFAULT_TOKEN_NAME : parseTokenName(v.name, "--name") });
    default:
      throw usage(`unknown command ${JSON.stringify(verb)}`);
  }
}
