// Everyone who is not an admin: a user linked to clients by tgId sees those clients and
// nothing else; a stranger gets their own ID to pass to the admin, and nothing else.
import { Composer } from "grammy";
import type { BotContext, BotDeps } from "../context.js";
import { cardText } from "../render.js";
import { sendReplies, textReplies } from "../operate.js";
import { connectionKeyboard } from "./connection.js";

export function endUsers(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const users = composer.filter((ctx) => !ctx.isAdmin);
  users.on("callback_query", (ctx) => ctx.answerCallbackQuery({ text: ctx.t.notAdmin, show_alert: true }));
  users.on("message", async (ctx) => {
    const own = deps.service.byTelegramId(ctx.from.id);
    if (own.length === 0) {
      await ctx.reply(ctx.t.stranger(ctx.from.id), { parse_mode: "HTML" });
      return;
    }
    const now = deps.service.now();
    const text = [ctx.t.selfHeader(own.length), ...own.map((c) => cardText(ctx.t, c, now, false))].join("\n\n");
    await sendReplies(ctx, textReplies(text, connectionKeyboard(ctx.t, own)));
  });
  return composer;
}
