// What every long-running entry point opens: configuration (or a clear exit), the logger,
// the panel's database with the audit log; and how it stops.
import { createApplier, type Applier } from "./apply/applier.js";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { loadEnvFile } from "./env-file.js";
import { createLogger, type Logger } from "./log.js";
import type { ClientService } from "./service/client-service.js";
import { Fleet } from "./service/fleet.js";
import { XuiError } from "./core/errors.js";
import { AuditLog } from "./store/audit-log.js";

export interface Runtime {
  config: Config;
  logger: Logger;
  service: ClientService;
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
  const service = Fleet.open(
    config.servers,
    { backupDir: config.backupDir, backupThreshold: config.backupThreshold, backupKeep: config.backupKeep, busyBudgetMs: config.busyTimeoutMs, audit },
    { batchOf: (batch) => audit.batch(batch), ...(config.panel ? { timeoutMs: config.panel.timeoutMs } : {}) },
  );
  if (service.writer === "none") logger.warn("x-ui.db is read-only: changes will be refused (xui-admin check says why)");
  // (The panel's address is not logged: its base path is as secret as a password to a scanner.)
  if (service.writer === "panel") logger.info("3x-ui 3.x: changes go through the panel's API");
  if (config.servers.length > 1) logger.info({ servers: service.serverNames }, "several servers");
  return { config, logger, service, audit, applier: createApplier(config.apply) };
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
