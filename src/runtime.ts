// What every long-running entry point opens: configuration (or a clear exit), the logger,
// the panel's database with the audit log; and how it stops.
import { createApplier, type Applier } from "./apply/applier.js";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { loadEnvFile } from "./env-file.js";
import { createLogger, type Logger } from "./log.js";
import { PanelApi } from "./panel/panel-api.js";
import { mirrorFile, readsThroughApi } from "./panel-env.js";
import { mirrorDir } from "./store/data-dir.js";
import { DEFAULT_MIRROR_MAX_AGE_MS, XuiService } from "./service/xui-service.js";
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

export async function openRuntime(mode: "bot" | "api"): Promise<Runtime> {
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
  const options = { backupDir: config.backupDir, backupThreshold: config.backupThreshold, backupKeep: config.backupKeep, busyBudgetMs: config.busyTimeoutMs, audit };
  const mirror = config.mirror ?? { dir: mirrorDir(process.env), maxAgeMs: DEFAULT_MIRROR_MAX_AGE_MS };
  let service: XuiService;
  try {
    // No x-ui.db here but a 3.x panel's API: its state is read through the API into a mirror.
    service =
      panel && readsThroughApi(config.xuiDbPath, panel)
        ? await XuiService.openRemote(panel, mirrorFile(mirror.dir, "panel"), { ...options, mirrorMaxAgeMs: mirror.maxAgeMs })
        : XuiService.open(config.xuiDbPath, { ...(panel ? { panel } : {}), ...options });
  } catch (error) {
    // The panel down or not a 3.x panel, the file unreadable: say why and stop (a service manager retries).
    if (!(error instanceof XuiError)) throw error;
    process.stderr.write(`cannot open the panel's data: ${error.message}\n`);
    process.exit(1);
  }
  if (service.writer === "none") logger.warn({ reason: service.db.refusal }, "x-ui.db is read-only: changes will be refused");
  // (The panel's address is not logged: its base path is as secret as a password to a scanner.)
  if (service.writer === "panel") logger.info("3x-ui 3.x: changes go through the panel's API");
  if (service.isRemote) logger.info({ panelVersion: service.panelVersion }, "no local x-ui.db: the panel's state is read through its API");
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
