// npm start: configuration, the panel's database, the bot's own store, then the bot on
// long polling with per-chat ordering, until SIGINT/SIGTERM.
import { existsSync } from "node:fs";
import { run } from "@grammyjs/runner";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { createBot } from "./bot/create-bot.js";
import { registerCommands } from "./bot/commands.js";
import { createLogger } from "./log.js";
import { XuiService } from "./service/xui-service.js";
import { AuditLog } from "./store/audit-log.js";
import { BotStore } from "./store/bot-store.js";

function configOrExit(): Config {
  if (existsSync(".env")) process.loadEnvFile(".env");
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\nSee .env.example for every setting.\n`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
  const logger = createLogger(config.logLevel, [config.botToken]);
  const audit = new AuditLog(config.botDataPath);
  const service = XuiService.open(config.xuiDbPath, { backupDir: config.backupDir, audit });
  if (!service.db.writable) logger.warn({ reason: service.db.refusal }, "x-ui.db is read-only: changes will be refused");
  const store = new BotStore(config.botDataPath);
  const bot = createBot({ config, service, store, audit, logger });
  await bot.init();
  await registerCommands(bot.api, config.adminIds);
  const runner = run(bot, { runner: { fetch: { allowed_updates: ["message", "callback_query"] } } });
  logger.info({ bot: bot.botInfo.username, db: config.xuiDbPath, family: service.schema.family }, "bot started");

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    await runner.stop();
    store.close();
    audit.close();
    service.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

await main();
