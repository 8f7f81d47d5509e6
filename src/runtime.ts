// What every long-running entry point opens: configuration (or a clear exit), the logger,
// the panel's database with the audit log; and how it stops.
import { createApplier, type Applier } from "./apply/applier.js";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { loadEnvFile } from "./env-file.js";
import { createLogger, type Logger } from "./log.js";
import { PanelApi } from "./panel/panel-api.js";
import { XuiService } from "./service/xui-service.js";
import { XuiError } from "./core/errors.js";
import { AuditLog } from "./store/audit-log.js";
import { LOCAL_SERVER } from "./core/usage.js";
import { UsageHistory } from "./store/usage-history.js";
import { startUsageSampler, type UsageSampler } from "./store/usage-sampler.js";

export interface Runtime {
  config: Config;
  logger: Logger;
  service: XuiService;
  audit: AuditLog;
  applier: Applier;
}

export function openRuntime(mode: "bot" | "api"): Runtime {
  loadEnvFile();
  let config: Config;
  try {
    config = loadConfig(process.env, mode);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\nSee .env.example for every setting.\n`);
    process.exit(1);
  }
  const panelPassword = config.apply.mode === "panel" ? config.apply.password : undefined;
  const logger = createLogger(config.logLevel, [config.botToken, config.api?.token, panelPassword, config.panel?.token, config.panel?.password]);
  let audit: AuditLog;
  try {
    audit = new AuditLog(config.botDataPath, { keepDays: config.auditKeepDays });
  } catch (error) {
    // The bot's file from a newer version (a rolled-back upgrade): the message says what to do.
    if (!(error instanceof XuiError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  audit.pruneDaily((err) => logger.warn({ err }, "could not delete old audit entries; trying again tomorrow"));
  // On a 3.x file every change goes through the panel's API (the panel writes its own data).
  const panel = config.panel ? new PanelApi(config.panel) : undefined;
  const service = XuiService.open(config.xuiDbPath, {
    ...(panel ? { panel } : {}),
    backupDir: config.backupDir,
    backupThreshold: config.backupThreshold,
    backupKeep: config.backupKeep,
    busyBudgetMs: config.busyTimeoutMs,
    audit,
  });
  if (service.writer === "none") logger.warn({ reason: service.db.refusal }, "x-ui.db is read-only: changes will be refused");
  // (The panel's address is not logged: its base path is as secret as a password to a scanner.)
  if (service.writer === "panel") logger.info("3x-ui 3.x: changes go through the panel's API");
  return { config, logger, service, audit, applier: createApplier(config.apply) };
}

/**
 * The usage history and its sampler: a sample now, then every USAGE_SAMPLE_MIN minutes. Two
 * processes sampling one file (the bot and `npm run api`) stay correct: each sample compares
 * with the counters the file last recorded, whoever recorded them.
 */
export function startUsageHistory({ config, service, logger }: Pick<Runtime, "config" | "service" | "logger">): { usage: UsageHistory; sampler: UsageSampler } {
  const usage = new UsageHistory(config.botDataPath, { keepDays: config.usage.keepDays });
  const sampler = startUsageSampler({
    history: usage,
    server: LOCAL_SERVER,
    read: () => service.clients(),
    everyMs: config.usage.sampleMin * 60_000,
    onError: (err) => logger.warn({ err }, "could not record usage history; trying again at the next sample"),
  });
  return { usage, sampler };
}

/** On SIGINT/SIGTERM: stop taking work, then close the files, then exit. */
export function onStop(logger: Logger, stopWork: () => Promise<void>, files: { close(): void }[]): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    await stopWork();
    for (const f of files) f.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}
