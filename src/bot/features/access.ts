// Who is talking, and where: admins (ADMIN_IDS) get everything, everyone else only their own
// clients, and only in a private chat with the bot.
import type { MiddlewareFn } from "grammy";
import type { Config } from "../../config.js";
import type { Logger } from "../../log.js";
import type { ConvContext } from "../context.js";
import { textsFor } from "../i18n.js";

/**
 * Drops every update that does not come from a private chat: in a group, a supergroup or a
 * channel every member would read the diffs, the client cards and the database the bot
 * sends, so there it does nothing at all (an admin's command included) and says nothing.
 */
export function privateChatsOnly(logger: Logger): MiddlewareFn<ConvContext> {
  return (ctx, next) => {
    if (ctx.chat?.type === "private") return next();
    logger.debug({ update: ctx.update.update_id, chat: ctx.chat?.id, type: ctx.chat?.type }, "ignored: not a private chat");
  };
}

export function access(config: Config): MiddlewareFn<ConvContext> {
  return async (ctx, next) => {
    ctx.isAdmin = ctx.from !== undefined && config.adminIds.has(ctx.from.id);
    ctx.t = textsFor(ctx.from?.language_code, config.language);
    await next();
  };
}
