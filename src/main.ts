// npm start: configuration, the panel's database, the bot's own store, then the bot on
// long polling with per-chat ordering (and the HTTP API when API_TOKEN is set), until
// SIGINT/SIGTERM. `npm run api` (src/api-main.ts) runs the API alone.
import { run } from "@grammyjs/runner";
import { createApi } from "./api/app.js";
import { startApi, type RunningApi } from "./api/server.js";
import { registerCommands } from "./bot/commands.js";
import { createBot } from "./bot/create-bot.js";
import { beatOnPolls } from "./bot/heartbeat.js";
import { openRuntime, onStop, startUsageHistory } from "./runtime.js";
import { BotStore } from "./store/bot-store.js";
import { ReminderStore } from "./store/reminders.js";
import { Pacer } from "./bot/jobs/pacer.js";
import { ReminderJob } from "./bot/jobs/reminders.js";

async function main(): Promise<void> {
  const { config, logger, service, audit, applier } = await openRuntime("bot");
  const store = new BotStore(config.botDataPath);
  const reminders = new ReminderStore(config.botDataPath);
  const pacer = new Pacer(); // one for the process: reminders and announcements share the rate
  const { usage, sampler } = startUsageHistory({ config, service, logger });
  const bot = createBot({ config, service, store, audit, logger, applier, reminders, pacer, usage });
  await bot.init();
  await registerCommands(bot.api, config.adminIds, logger);
  beatOnPolls(bot.api, store, (err) => logger.warn({ err }, "could not write the heartbeat"));
  const runner = run(bot, { runner: { fetch: { allowed_updates: ["message", "callback_query"] } } });
  const reminderJob = new ReminderJob({ api: bot.api, service, reminders, audit, config, logger, pacer });
  reminderJob.start();
  logger.info({ bot: bot.botInfo.username, db: config.xuiDbPath, family: service.schema.family, data: config.botDataPath, backups: config.backupDir }, "bot started");
  let api: RunningApi | undefined;
  if (config.api) {
    api = await startApi(createApi({ service, token: config.api.token, applier, logger, usage, publicHost: config.publicHost }), config.api.host, config.api.port);
    logger.info({ host: config.api.host, port: api.port }, "api started");
  }
  onStop(logger, async () => {
    sampler.stop();
    await runner.stop();
    await reminderJob.stop();
    store.markStopped();
    await api?.close();
    await applier.flush(); // a restart that was waiting out its debounce still runs
    store.close();
    reminders.close();
  }, [audit, usage, service]);
}

await main();
