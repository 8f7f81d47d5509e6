// The bot's context type and the dependencies every feature receives.
import type { ConversationFlavor } from "@grammyjs/conversations";
import type { Context } from "grammy";
import type { Applier } from "../apply/applier.js";
import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import type { ClientService } from "../service/client-service.js";
import type { AuditLog } from "../store/audit-log.js";
import type { BotStore } from "../store/bot-store.js";
import type { ReminderStore } from "../store/reminders.js";
import type { Pacer } from "./jobs/pacer.js";
import type { Texts } from "./locales/en.js";
import type { UsageSource } from "../core/usage.js";

export interface BotFlavor {
  /** Texts in the user's language (Telegram's language_code, else BOT_LANGUAGE). */
  t: Texts;
  isAdmin: boolean;
}

export type BotContext = ConversationFlavor<Context & BotFlavor>;
/** The context inside a conversation (no conversation controls there). */
export type ConvContext = Context & BotFlavor;

export interface BotDeps {
  config: Config;
  service: ClientService;
  store: BotStore;
  audit: AuditLog;
  logger: Logger;
  /** Makes the running Xray pick changes up (XUI_APPLY); absent: say a restart is needed. */
  applier?: Applier;
  /** What was reminded to whom, and each user's language and reachability. */
  reminders: ReminderStore;
  /** Paces messages to many chats (announcements, reminders); one per process. Default: a new one. */
  pacer?: Pacer;
  /** How often an announcement's progress message is edited, ms (tests: 0). */
  progressEveryMs?: number;
  /** The usage history (/stats, the usage chart); absent: no history yet. */
  usage?: UsageSource;
  /** Sends a later message to a chat (the outcome of a pending restart); set by createBot. */
  notify?: (chatId: number, html: string) => void;
}
