// The bot and the CLI over the servers a SERVERS_FILE lists, wired as main.ts and runtime.ts
// wire them (the mirrors' folder from DATA_DIR), with the Telegram stand-in.
import pino from "pino";
import { createBot } from "../../src/bot/create-bot.js";
import { loadConfig } from "../../src/config.js";
import { Fleet, type FleetOptions } from "../../src/service/fleet.js";
import { AuditLog } from "../../src/store/audit-log.js";
import { BotStore } from "../../src/store/bot-store.js";
import { ReminderStore } from "../../src/store/reminders.js";
import { ADMIN } from "../bot/harness.js";
import { captureCli } from "../support/cli.js";
import { buttons, FakeTelegram, type Person, type SentMessage } from "../support/telegram-stand-in.js";
import { tempDir } from "../support/temp-dir.js";

/** `xui-admin` run in-process with `env`. */
export function fleetCli(env: NodeJS.ProcessEnv, ...args: string[]) {
  return captureCli(args, env, tempDir("sys"));
}

/** The bot on `env`'s servers; `fleet` adds to how the fleet is opened (a timeout, a retry delay). */
export async function fleetBot(env: Record<string, string>, fleet: Omit<FleetOptions, "batchOf"> = {}) {
  const tg = new FakeTelegram();
  const config = loadConfig({ ...env, BOT_TOKEN: tg.token, ADMIN_IDS: String(ADMIN.id), LOG_LEVEL: "silent" }, "bot", tempDir("sys"));
  const audit = new AuditLog(config.botDataPath);
  const service = await Fleet.open(
    config.servers,
    { backupDir: config.backupDir, audit, ...(config.mirror ? { mirrorDir: config.mirror.dir, mirrorMaxAgeMs: config.mirror.maxAgeMs } : {}) },
    { batchOf: (b) => audit.batch(b), ...fleet },
  );
  const store = new BotStore(config.botDataPath);
  const reminders = new ReminderStore(config.botDataPath);
  const bot = createBot({ config, service, store, audit, reminders, logger: pino({ level: "silent" }) }, { client: { fetch: tg.fetch }, botInfo: tg.botInfo });
  await bot.init();
  const handleAll = async () => {
    for (const update of tg.drain()) await bot.handleUpdate(update);
  };
  return {
    config,
    service,
    audit,
    bot,
    reminders,
    tg,
    texts: (messages: SentMessage[]) => messages.map((m) => m.text).join("\n"),
    async say(from: Person, text: string): Promise<SentMessage[]> {
      const before = tg.sent().length;
      tg.sendText(from, text);
      await handleAll();
      return tg.sent().slice(before);
    },
    async press(from: Person, message: SentMessage, label: string): Promise<SentMessage[]> {
      const button = buttons(message).find((b) => b.text === label);
      if (!button?.data) throw new Error(`no button ${label} in ${message.text}`);
      const before = tg.sent().length;
      tg.pressButton(from, message, button.data);
      await handleAll();
      return tg.sent().slice(before);
    },
    close() {
      service.close();
      store.close();
      reminders.close();
      audit.close();
    },
  };
}
