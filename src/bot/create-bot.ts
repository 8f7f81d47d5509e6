// createBot(deps): the whole bot, with its dependencies injected, so tests can hand it a
// real x-ui.db and a fake Telegram.
import { autoRetry } from "@grammyjs/auto-retry";
import { conversations, createConversation } from "@grammyjs/conversations";
import { sequentialize } from "@grammyjs/runner";
import { Bot, type ApiClientOptions, type MiddlewareFn } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import type { BotContext, BotDeps, ConvContext } from "./context.js";
import { createConversation as createClientConversation } from "./conversations/create.js";
import { editConversation } from "./conversations/edit.js";
import { linkConversation } from "./conversations/link.js";
import { operationConversation } from "./conversations/operation.js";
import { access, privateChatsOnly } from "./features/access.js";
import { adminCommands } from "./features/admin-commands.js";
import { backupCommand } from "./features/backup.js";
import { confirmations } from "./features/confirm.js";
import { connection } from "./features/connection.js";
import { endUsers } from "./features/end-users.js";
import { history } from "./features/history.js";
import { invitations } from "./features/invitations.js";
import { linking } from "./features/linking.js";
import { historyEntries } from "./features/history-entry.js";
import { rememberPreviews } from "./features/preview-messages.js";
import { findConversation, lists } from "./features/lists.js";
import { broadcastConversation } from "./conversations/broadcast.js";
import { reminderCommands, rememberUsers } from "./features/reminders.js";
import { Broadcasts } from "./jobs/broadcast.js";
import { Pacer } from "./jobs/pacer.js";
import { statsCommand } from "./features/stats.js";
import { freshMirror } from "./fresh-mirror.js";
import { servers } from "./features/servers.js";

export interface CreateBotOptions {
  client?: ApiClientOptions;
  botInfo?: UserFromGetMe;
}

const isCommand = (ctx: BotContext) => ctx.message?.entities?.some((e) => e.type === "bot_command" && e.offset === 0) ?? false;

export function createBot(given: BotDeps, options: CreateBotOptions = {}): Bot<BotContext> {
  const client: ApiClientOptions = { ...options.client };
  if (given.config.telegramApiRoot) client.apiRoot ??= given.config.telegramApiRoot;
  const bot = new Bot<BotContext>(given.config.botToken, { client, ...(options.botInfo ? { botInfo: options.botInfo } : {}) });
  const deps: BotDeps = {
    notify: (chatId, html) =>
      void bot.api.sendMessage(chatId, html, { parse_mode: "HTML" }).catch((err: unknown) => given.logger.warn({ err }, "could not send a follow-up")),
    ...given,
  };
  // Flood limits and passing network errors: wait and retry (also inside conversations).
  const retry = autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 30 });
  const previews = rememberPreviews(deps.store);
  bot.api.config.use(retry, previews);
  const withRetry: MiddlewareFn<ConvContext> = async (ctx, next) => {
    ctx.api.config.use(retry, previews);
    await next();
  };

  const broadcasts = new Broadcasts({
    api: bot.api,
    reminders: deps.reminders,
    pacer: deps.pacer ?? new Pacer(),
    logger: deps.logger,
    ...(deps.progressEveryMs === undefined ? {} : { progressEveryMs: deps.progressEveryMs }),
  });

  bot.use(privateChatsOnly(deps.logger));
  // Ordering per chat (a conversation sees its answers in order); other chats run in parallel.
  bot.use(sequentialize((ctx) => ctx.chat?.id.toString()));
  bot.use(access(deps.config));
  bot.use(freshMirror(deps.service, deps.logger));
  bot.use(rememberUsers(deps));
  bot.use(invitations(deps)); // /start CODE from anyone, before a stranger is told they are one
  bot.use(connection(deps, "users"));
  bot.use(endUsers(deps));
  bot.use(
    conversations<BotContext, ConvContext>({
      storage: { type: "key", adapter: deps.store.conversationStorage(), getStorageKey: (ctx) => ctx.chatId?.toString() },
      plugins: [access(deps.config), withRetry],
    }),
  );
  // /cancel, and any other command, leave a conversation before anything else sees them.
  // It also drops the admin's open previews, and their messages lose their buttons.
  bot.command("cancel", async (ctx) => {
    const active = Object.keys(ctx.conversation.active()).length > 0;
    await ctx.conversation.exitAll();
    const dropped = ctx.isAdmin && ctx.from ? deps.store.dropPending(ctx.from.id) : [];
    for (const { message } of dropped) {
      // A preview Telegram no longer lets us edit (deleted, too old) just keeps its buttons,
      // which answer "outdated" now.
      if (message) await ctx.api.editMessageText(message.chatId, message.messageId, ctx.t.previewCancelled).catch(() => undefined);
    }
    // A running announcement stops after the message being sent; its progress message says so.
    if (ctx.isAdmin && ctx.from && broadcasts.stop(ctx.from.id)) return void (await ctx.reply(ctx.t.broadcast.stopping));
    await ctx.reply(active || dropped.length > 0 ? ctx.t.cancelled : ctx.t.nothingToCancel);
  });
  bot.use(async (ctx, next) => {
    if (isCommand(ctx) && Object.keys(ctx.conversation.active()).length > 0) await ctx.conversation.exitAll();
    await next();
  });
  bot.use(createConversation(operationConversation(deps), "operation"));
  bot.use(createConversation(createClientConversation(deps), "create"));
  bot.use(createConversation(editConversation(deps), "edit"));
  bot.use(createConversation(findConversation(deps), "find"));
  bot.use(createConversation(linkConversation(deps), "link"));
  bot.use(createConversation(broadcastConversation(deps, broadcasts), "broadcast"));
  bot.use(connection(deps, "admins"));
  bot.use(adminCommands(deps));
  // Before lists and confirmations: their handlers answer "outdated" to buttons they do not know.
  bot.use(servers(deps));
  bot.use(lists(deps));
  bot.use(linking(deps));
  bot.use(history(deps));
  bot.use(statsCommand(deps));
  bot.use(historyEntries(deps));
  bot.use(backupCommand(deps));
  bot.use(reminderCommands(deps));
  bot.use(confirmations(deps));
  bot.on("message", (ctx) => ctx.reply(ctx.t.help, { parse_mode: "HTML" }));

  bot.catch((err) => {
    deps.logger.error({ err: err.error, update: err.ctx.update.update_id }, "update failed");
    // Tell the person something went wrong; if even that fails, the log has it.
    if (err.ctx.t) void err.ctx.reply(err.ctx.t.error(err.ctx.t.errors.internal)).catch(() => undefined);
  });
  return bot;
}
