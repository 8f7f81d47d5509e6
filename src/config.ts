// Configuration, parsed once into one typed object. Every problem is reported at once, so an
// administrator fixes the .env in one go.
import { panelSettings, readsThroughApi } from "./panel-env.js";
import { reminderSettings, type ReminderSettings } from "./reminder-env.js";
import { LOCAL_SERVER, type ServerSpec } from "./core/servers.js";
import { readServersFile, serverTimeoutMs } from "./servers-file.js";
import type { PanelConnection } from "./panel/types.js";
import { resolve } from "node:path";
import { z } from "zod";
import type { ApplySettings } from "./apply/applier.js";
import { AUDIT_KEEP_DAYS } from "./store/audit-log.js";
import { INVITE_TTL_HOURS } from "./store/invitations.js";
import { USAGE_KEEP_DAYS } from "./store/usage-history.js";
import { USAGE_SAMPLE_MIN } from "./store/usage-sampler.js";
import { dataFiles, mirrorDir, SYSTEM_DATA_DIR } from "./store/data-dir.js";

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const idList = z
  .string({ error: "is required (comma-separated Telegram user IDs)" })
  .transform((text, ctx) => {
    const parts = text.split(/[\s,]+/).filter((p) => p.length > 0);
    const bad = parts.filter((p) => !/^\d{1,15}$/.test(p));
    if (bad.length > 0) ctx.addIssue({ code: "custom", message: `has values that are not Telegram user IDs: ${bad.join(", ")}` });
    if (parts.length === 0) ctx.addIssue({ code: "custom", message: "must list at least one Telegram user ID" });
    return parts.map(Number);
  });

const botToken = z
  .string({ error: "is required (the token @BotFather gave you)" })
  .regex(/^\d+:[A-Za-z0-9_-]{20,}$/, "does not look like a bot token (digits, a colon, then at least 20 characters)");

const common = {
  XUI_DB_PATH: z.string().min(1).default("/etc/x-ui/x-ui.db"),
  // Several servers: a JSON list (see servers-file.ts); without it, one server from XUI_DB_PATH.
  SERVERS_FILE: z.string().optional(),
  // Paths of our own files: defaults inside DATA_DIR (see dataFiles), not under the working directory.
  DATA_DIR: z.string().optional(),
  BOT_DATA_PATH: z.string().optional(),
  TELEGRAM_API_ROOT: z.url({ error: "must be a URL such as https://api.telegram.org" }).optional(),
  BOT_LANGUAGE: z.enum(["en", "ru"], { error: "must be en or ru" }).default("en"),
  LOG_LEVEL: z.enum(LEVELS, { error: `must be one of ${LEVELS.join(", ")}` }).default("info"),
  BACKUP_DIR: z.string().optional(),
  XUI_BUSY_TIMEOUT_MS: z.coerce.number({ error: "must be a whole number" }).int().min(100, "must be at least 100").default(10_000),
  BACKUP_THRESHOLD: z.coerce.number({ error: "must be a whole number" }).int("must be a whole number").min(0, "must not be negative").default(20),
  BACKUP_KEEP: z.coerce.number({ error: "must be a whole number" }).int("must be a whole number").min(1, "must be at least 1").default(20),
  AUDIT_KEEP_DAYS: z.coerce.number({ error: "must be a whole number" }).int("must be a whole number").min(1, "must be at least 1").default(AUDIT_KEEP_DAYS),
  API_TOKEN: z.string().min(16, "must be at least 16 characters (it guards every change)").optional(),
  INVITE_TTL_HOURS: z.coerce.number({ error: "must be a whole number" }).int("must be a whole number").min(1, "must be at least 1").default(INVITE_TTL_HOURS),
  USAGE_SAMPLE_MIN: z.coerce.number({ error: "must be a whole number" }).int("must be a whole number").min(1, "must be at least 1").max(1440, "must be at most 1440 (a day)").default(USAGE_SAMPLE_MIN),
  USAGE_KEEP_DAYS: z.coerce.number({ error: "must be a whole number" }).int("must be a whole number").min(31, "must be at least 31 (the charts show 30 days)").default(USAGE_KEEP_DAYS),
  XUI_APPLY: z.enum(["none", "command", "panel"], { error: "must be none, command or panel" }).default("none"),
  XUI_APPLY_COMMAND: z.string().optional(),
  XUI_PANEL_URL: z.url({ error: "must be the panel's URL with its base path, e.g. https://127.0.0.1:2053/path/" }).optional(),
  XUI_PANEL_USERNAME: z.string().optional(),
  XUI_PANEL_PASSWORD: z.string().optional(),
  XUI_APPLY_DEBOUNCE_MS: z.coerce.number({ error: "must be a whole number" }).int().min(0).default(10_000),
  XUI_APPLY_MAX_WAIT_MS: z.coerce.number({ error: "must be a whole number" }).int().min(0).default(30_000),
  XUI_APPLY_TIMEOUT_MS: z.coerce.number({ error: "must be a whole number" }).int().min(100).default(30_000),
  // The server's public name or IP for connection links when the panel names none (subDomain).
  PUBLIC_HOST: z.string().optional(),
  MIRROR_MAX_AGE_MS: z.coerce.number({ error: "must be a whole number" }).int("must be a whole number").min(0, "must not be negative").default(5000),
  API_HOST: z.string().min(1).default("127.0.0.1"),
  API_PORT: z.coerce.number({ error: "must be a port number" }).int().min(0, "must be a port number").max(65535, "must be a port number").default(8888),
};

/** `npm start` runs the bot (and the API when API_TOKEN is set); `npm run api` the API alone. */
const schemas = {
  bot: z.object({ BOT_TOKEN: botToken, ADMIN_IDS: idList, ...common }),
  api: z.object({
    BOT_TOKEN: botToken.optional(),
    ADMIN_IDS: idList.optional(),
    ...common,
    API_TOKEN: z.string({ error: "is required to run the API" }).min(16, "must be at least 16 characters (it guards every change)"),
  }),
};

export interface Config {
  botToken: string;
  adminIds: ReadonlySet<number>;
  /** How the running panel is made to pick up changes. */
  apply: ApplySettings;
  /** The HTTP API: off when no token is set. */
  api: { token: string; host: string; port: number } | null;
  xuiDbPath: string;
  botDataPath: string;
  telegramApiRoot: string | undefined;
  language: "en" | "ru";
  logLevel: (typeof LEVELS)[number];
  backupDir: string;
  /** Operations on more clients than this take an online backup first. */
  backupThreshold: number;
  backupKeep: number;
  /** Audit entries older than this many days are deleted. */
  auditKeepDays: number;
  /** An invitation link works this many hours after it was made. */
  inviteTtlHours: number;
  /** Usage history: a sample every `sampleMin` minutes, days older than `keepDays` deleted. */
  usage: { sampleMin: number; keepDays: number };
  /** How long a write keeps retrying a locked x-ui.db before "busy, nothing changed", ms. */
  busyTimeoutMs: number;
  /** A 3x-ui 3.x panel's API that commits writes to a 3.x database; null when not configured. */
  panel: PanelConnection | null;
  /** Reminders to linked users and the admins' daily report (REMINDERS, REMIND_*, REPORT_TIME). */
  reminders: ReminderSettings;
  /** PUBLIC_HOST: the host of share links and the subscription URL when the panel has no subDomain. */
  publicHost?: string | undefined;
  /**
   * With a panel and no file at xuiDbPath: the folder of the panel's local mirror, and how old
   * a read may find it before it is read again from the panel (ms).
   */
  mirror?: { dir: string; maxAgeMs: number };
  /** Every server the bot manages: SERVERS_FILE's, or one named `local` (XUI_DB_PATH, XUI_PANEL_URL). */
  servers: ServerSpec[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** `systemDataDir`: the data folder tried first when DATA_DIR is not set (tests point it elsewhere). */
export function loadConfig(env: Record<string, string | undefined>, mode: keyof typeof schemas = "bot", systemDataDir = SYSTEM_DATA_DIR): Config {
  // An empty variable in .env means "not set".
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ""));
  const parsed = schemas[mode].safeParse(given);
  const reminderProblems: string[] = [];
  const reminders = reminderSettings(given, reminderProblems);
  if (!parsed.success) {
    throw new ConfigError([...parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`), ...reminderProblems]);
  }
  if (reminderProblems.length > 0) throw new ConfigError(reminderProblems);
  const c = parsed.data;
  const missing = (names: string[]) => names.filter((n) => given[n] === undefined).map((n) => `${n} is required when XUI_APPLY=${c.XUI_APPLY}`);
  const applyProblems =
    c.XUI_APPLY === "command" ? missing(["XUI_APPLY_COMMAND"]) : c.XUI_APPLY === "panel" ? missing(["XUI_PANEL_URL", "XUI_PANEL_USERNAME", "XUI_PANEL_PASSWORD"]) : [];
  const panel = panelSettings(given, applyProblems);
  const servers =
    c.SERVERS_FILE === undefined
      ? // No x-ui.db here but a 3.x panel's API: its state is read through the API into a mirror.
        [{ name: LOCAL_SERVER, kind: readsThroughApi(c.XUI_DB_PATH, panel) ? ("remote-3x" as const) : ("local" as const), db: c.XUI_DB_PATH, ...(panel ? { panel } : {}) }]
      : readServersFile(c.SERVERS_FILE, given, panel?.timeoutMs ?? serverTimeoutMs(given), applyProblems);
  if (applyProblems.length > 0) throw new ConfigError(applyProblems);
  const files = dataFiles(given, systemDataDir);
  if (resolve(files.botData) === resolve(c.XUI_DB_PATH)) {
    throw new ConfigError(["BOT_DATA_PATH must not be the panel's database (XUI_DB_PATH): the bot keeps its own file"]);
  }
  return {
    botToken: c.BOT_TOKEN ?? "",
    adminIds: new Set(c.ADMIN_IDS ?? []),
    api: c.API_TOKEN === undefined ? null : { token: c.API_TOKEN, host: c.API_HOST, port: c.API_PORT },
    apply: applySettings(c),
    xuiDbPath: c.XUI_DB_PATH,
    botDataPath: files.botData,
    telegramApiRoot: c.TELEGRAM_API_ROOT,
    language: c.BOT_LANGUAGE,
    logLevel: c.LOG_LEVEL,
    backupDir: files.backups,
    backupThreshold: c.BACKUP_THRESHOLD,
    backupKeep: c.BACKUP_KEEP,
    auditKeepDays: c.AUDIT_KEEP_DAYS,
    inviteTtlHours: c.INVITE_TTL_HOURS,
    usage: { sampleMin: c.USAGE_SAMPLE_MIN, keepDays: c.USAGE_KEEP_DAYS },
    busyTimeoutMs: c.XUI_BUSY_TIMEOUT_MS,
    panel,
    reminders,
    publicHost: c.PUBLIC_HOST?.trim() || undefined,
    mirror: { dir: mirrorDir(given, systemDataDir), maxAgeMs: c.MIRROR_MAX_AGE_MS },
    servers,
  };
}

function applySettings(c: { XUI_APPLY: string; XUI_APPLY_COMMAND?: string | undefined; XUI_PANEL_URL?: string | undefined; XUI_PANEL_USERNAME?: string | undefined; XUI_PANEL_PASSWORD?: string | undefined; XUI_APPLY_DEBOUNCE_MS: number; XUI_APPLY_MAX_WAIT_MS: number; XUI_APPLY_TIMEOUT_MS: number }): ApplySettings {
  const timing = { debounceMs: c.XUI_APPLY_DEBOUNCE_MS, maxWaitMs: c.XUI_APPLY_MAX_WAIT_MS, timeoutMs: c.XUI_APPLY_TIMEOUT_MS };
  if (c.XUI_APPLY === "command") return { mode: "command", command: c.XUI_APPLY_COMMAND ?? "", ...timing };
  if (c.XUI_APPLY === "panel") {
    return { mode: "panel", url: c.XUI_PANEL_URL ?? "", username: c.XUI_PANEL_USERNAME ?? "", password: c.XUI_PANEL_PASSWORD ?? "", ...timing };
  }
  return { mode: "none" };
}
