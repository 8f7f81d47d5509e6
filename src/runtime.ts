// What every long-running entry point opens: configuration (or a clear exit), the logger,
// the panel's database with the audit log; and how it stops.
import { createApplier, type Applier } from "./apply/applier.js";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { loadEnvFile } from "./env-file.js";
import { createLogger, type Logger } from "./log.js";
import { mirrorDir } from "./store/data-dir.js";
import { DEFAULT_MIRROR_MAX_AGE_MS } from "./service/xui-service.js";
import type { ClientService } from "./service/client-service.js";
import { Fleet } from "./service/fleet.js";
import { XuiError } from "./core/errors.js";
import { AuditLog } from "./store/audit-log.js";
import { UsageHistory } from "./store/usage-history.js";
import type { UsageSampler } from "./store/usage-sampler.js";
import { startServerSamplers } from "./usage-samplers.js";

export interface Runtime {
  config: Config;
  logger: Logger;
  service: ClientService;
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
  // Every server's secrets too: none may reach a log line.
  const secrets = config.servers.flatMap((s) => [s.panel?.token, s.panel?.password]);
  const logger = createLogger(config.logLevel, [config.botToken, config.api?.token, panelPassword, config.panel?.token, config.panel?.password, ...secrets]);
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
  const mirror = config.mirror ?? { dir: mirrorDir(process.env), maxAgeMs: DEFAULT_MIRROR_MAX_AGE_MS };
  // SERVER_TIMEOUT_MS: XUI_PANEL_URL's, or (SERVERS_FILE without it) the one every remote server has.
  const timeoutMs = config.panel?.timeoutMs ?? config.servers.find((s) => s.panel)?.panel?.timeoutMs;
  let service: Fleet;
  try {
    service = await Fleet.open(
      config.servers,
      { backupDir: config.backupDir, backupThreshold: config.backupThreshold, backupKeep: config.backupKeep, busyBudgetMs: config.busyTimeoutMs, audit, compact: true, mirrorDir: mirror.dir, mirrorMaxAgeMs: mirror.maxAgeMs },
      { batchOf: (batch) => audit.batch(batch), ...(timeoutMs === undefined ? {} : { timeoutMs }) },
    );
  } catch (error) {
    // A panel down or not what it should be, a file unreadable: say why and stop (a service manager retries).
    if (!(error instanceof XuiError)) throw error;
    process.stderr.write(`cannot open the panel's data: ${error.message}\n`);
    process.exit(1);
  }
  if (service.writer === "none") logger.warn("x-ui.db is read-only: changes will be refused (xui-admin check says why)");
  // (The panel's address is not logged: its base path is as secret as a password to a scanner.)
  if (service.writer === "panel") logger.info("3x-ui 3.x: changes go through the panel's API");
  if (config.servers.length > 1) logger.info({ servers: service.serverNames }, "several servers");
  // (A remote panel down at start: the others run; it is tried again as requests come.)
  if (service.unreachable.length > 0) logger.warn({ servers: service.unreachable }, "servers not reachable at start: their part of every change fails until they answer");
  else if (config.servers[0]?.kind !== "local") logger.info("no local x-ui.db: the panel's state is read through its API");
  return { config, logger, service, audit, applier: createApplier(config.apply) };
}

/**
 * The usage history and its sampler: a sample now, then every USAGE_SAMPLE_MIN minutes. Two
 * processes sampling one file (the bot and `npm run api`) stay correct: each sample compares
 * with the counters the file last recorded, whoever recorded them.
 */
export function startUsageHistory({ config, service, logger }: Pick<Runtime, "config" | "service" | "logger">): { usage: UsageHistory; sampler: Pick<UsageSampler, "stop"> } {
  const usage = new UsageHistory(config.botDataPath, { keepDays: config.usage.keepDays });
  const samplers = startServerSamplers(service, usage, {
    everyMs: config.usage.sampleMin * 60_000,
    onError: (err, server) => logger.warn({ err, server }, "could not record usage history; trying again at the next sample"),
  });
  return { usage, sampler: { stop: () => samplers.forEach((s) => s.stop()) } };
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
