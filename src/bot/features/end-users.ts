// Everyone who is not an admin: a user linked to clients by tgId sees those clients and
// nothing else; a stranger gets their own ID to pass to the admin, and nothing else.
// (An invitation link, /start CODE, is handled before this: see invitations.ts.)
import { Composer } from "grammy";
import type { BotContext, BotDeps } from "../context.js";
import { sendReplies } from "../operate.js";
import { userCardReplies } from "../user-card.js";

export function endUsers(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const users = composer.filter((ctx) => !ctx.isAdmin);
  users.on("callback_query", (ctx) => ctx.answerCallbackQuery({ text: ctx.t.notAdmin, show_alert: true }));
  users.on("message", async (ctx) => {
    const cards = userCardReplies(ctx.t, deps, ctx.from.id);
    if (cards.length === 0) return void (await ctx.reply(ctx.t.stranger(ctx.from.id), { parse_mode: "HTML" }));
    await sendReplies(ctx, cards);
  });
  return composer;
}
