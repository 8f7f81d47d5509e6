// A bot wired to a real x-ui.db (built by the fixture builder), its own temp store, and the
// Telegram stand-in through grammY's client.fetch. Updates are handled one at a time, as
// the runner's per-chat ordering would.
import pino from "pino";
import { afterEach } from "vitest";
import type { BotDeps } from "../../src/bot/context.js";
import { createBot } from "../../src/bot/create-bot.js";
import type { Config } from "../../src/config.js";
import { XuiService, type ServiceOptions } from "../../src/service/xui-service.js";
import { AuditLog } from "../../src/store/audit-log.js";
import { BotStore } from "../../src/store/bot-store.js";
import { ReminderStore } from "../../src/store/reminders.js";
import { REMINDER_DEFAULTS } from "../../src/reminder-env.js";
import type { Update } from "grammy/types";
import { FakeTelegram, type GroupChat, type Person, type SentMessage } from "../support/telegram-stand-in.js";
import { buildDemoDb, tempDbPath } from "../support/xui-fixture.js";

/**
 * Dependencies a test replaces: the applier, the logger, the pacer of announcements, the usage
 * history, the service (one opened elsewhere, a remote panel's).
 */
type Extra = Partial<Pick<BotDeps, "applier" | "logger" | "pacer" | "progressEveryMs" | "usage" | "service">>;

export const ADMIN: Person = { id: 1001, first_name: "Admin", language_code: "en" };
/** A second admin, for several admins at once. */
export const ADMIN2: Person = { id: 1002, first_name: "Second", language_code: "en" };
export const NOW = Date.now();

/** `build` makes the panel's file at the path it is given; `existing` names one made elsewhere (a stand-in panel's). */
export async function harness(build: (path: string) => void = (p) => buildDemoDb(p, { now: NOW }), extra: Extra = {}, serviceOptions: ServiceOptions = {}, existing?: string) {
  const dbPath = existing ?? tempDbPath();
  if (!existing) build(dbPath);
  const tg = new FakeTelegram();
  const config: Config = {
    botToken: tg.token,
    adminIds: new Set([ADMIN.id, ADMIN2.id]),
    api: null,
    apply: { mode: "none" },
    xuiDbPath: dbPath,
    botDataPath: tempDbPath("bot"),
    telegramApiRoot: undefined,
    language: "en",
    logLevel: "silent",
    backupDir: `${dbPath}.backups`,
    backupThreshold: 20,
    backupKeep: 20,
    auditKeepDays: 180,
    inviteTtlHours: 72,
    usage: { sampleMin: 15, keepDays: 400 },
    busyTimeoutMs: 10_000,
    panel: null,
    reminders: REMINDER_DEFAULTS,
    servers: [{ name: "local", kind: "local", db: dbPath }],
  };
  const audit = new AuditLog(config.botDataPath);
  const service = XuiService.open(dbPath, { backupDir: config.backupDir, audit, ...serviceOptions });
  const start = async (now?: () => number) => {
    const store = new BotStore(config.botDataPath, now ? { now } : {});
    const reminders = new ReminderStore(config.botDataPath, now ? { now } : {});
    const bot = createBot({ config, service, store, audit, reminders, logger: pino({ level: "silent" }), ...extra }, { client: { fetch: tg.fetch }, botInfo: tg.botInfo });
    await bot.init();
    return { store, reminders, bot };
  };
  let running = await start();

  const handleAll = async () => {
    for (const update of tg.drain()) await running.bot.handleUpdate(update);
  };
  return {
    tg,
    service,
    dbPath,
    config,
    audit,
    get store() {
      return running.store;
    },
    get reminders() {
      return running.reminders;
    },
    get bot() {
      return running.bot;
    },
    /** A new bot process on the same files, as after a restart; `now` sets its store's clock. */
    async restart(now?: () => number) {
      running.store.close();
      running.reminders.close();
      running = await start(now);
    },
    /** Sends a text as `from` (in their private chat, or in `group`) and returns what the bot sent in reply. */
    async say(from: Person, text: string, group?: GroupChat): Promise<SentMessage[]> {
      const before = tg.sent().length;
      tg.sendText(from, text, group);
      await handleAll();
      return tg.sent().slice(before);
    },
    /**
     * Sends several texts at once and handles them as the runner does: each chat's updates in
     * order, different chats concurrently. Returns what the bot sent meanwhile.
     */
    async sayConcurrently(messages: [Person, string][]): Promise<SentMessage[]> {
      const before = tg.sent().length;
      for (const [from, text] of messages) tg.sendText(from, text);
      const byChat = new Map<number, Update[]>();
      for (const update of tg.drain()) {
        const chat = update.message?.chat.id ?? update.callback_query?.message?.chat.id ?? 0;
        byChat.set(chat, [...(byChat.get(chat) ?? []), update]);
      }
      await Promise.all([...byChat.values()].map(async (updates) => {
        for (const update of updates) await running.bot.handleUpdate(update);
      }));
      return tg.sent().slice(before);
    },
    /** Presses the button labelled `label` (or with that callback data) on `message`. */
    async press(from: Person, message: SentMessage, label: string | RegExp): Promise<SentMessage[]> {
      const button = (message.reply_markup?.inline_keyboard ?? []).flat().find((b) => (typeof label === "string" ? b.text === label || ("callback_data" in b && b.callback_data === label) : label.test(b.text)));
      if (!button || !("callback_data" in button)) throw new Error(`no button ${String(label)} on message ${message.message_id}`);
      const before = tg.sent().length;
      tg.pressButton(from, message, button.callback_data);
      await handleAll();
      return tg.sent().slice(before);
    },
    /** Handles the updates queued on the stand-in (a shared user, a forward) and returns what the bot sent. */
    async deliver(): Promise<SentMessage[]> {
      const before = tg.sent().length;
      await handleAll();
      return tg.sent().slice(before);
    },
    async pressData(from: Person, message: SentMessage, data: string): Promise<SentMessage[]> {
      const before = tg.sent().length;
      tg.pressButton(from, message, data);
      await handleAll();
      return tg.sent().slice(before);
    },
    close() {
      service.close();
      audit.close();
      running.store.close();
      running.reminders.close();
    },
  };
}

type Harness = Awaited<ReturnType<typeof harness>>;

/** For a test file: a `start` that builds a harness, each closed after its test; the files go at the end. */
export function harnesses(): (build?: (path: string) => void, extra?: Extra, serviceOptions?: ServiceOptions, existing?: string) => Promise<Harness> {
  const open: Harness[] = [];
  afterEach(() => {
    for (const h of open.splice(0)) h.close();
  });
  return async (build, extra, serviceOptions, existing) => {
    const h = await harness(build, extra, serviceOptions, existing);
    open.push(h);
    return h;
  };
}
