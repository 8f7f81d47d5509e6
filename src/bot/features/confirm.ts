// Confirm / Cancel under a preview. A pending operation acts once, for the admin who asked,
// on exactly the clients the preview showed.
import { Composer } from "grammy";
import { decode } from "../callback-data.js";
import type { BotContext, BotDeps } from "../context.js";
import { errorReplies, resultReplies, sendReplies } from "../operate.js";
import { undoReplies } from "./history.js";

export function confirmations(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const admin = composer.filter((ctx) => ctx.isAdmin);
  admin.on("callback_query:data", async (ctx, next) => {
    const cb = decode(ctx.callbackQuery.data);
    if (cb?.kind !== "confirm") return next();
    const pending = deps.store.takePending(cb.pendingId, ctx.from.id);
    if (!pending) return ctx.answerCallbackQuery({ text: ctx.t.outdated, show_alert: true });
    await ctx.answerCallbackQuery();
    // The buttons go, so the preview cannot be confirmed twice.
    await ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } });
    if (!cb.yes) {
      await ctx.reply(ctx.t.cancelled);
      return;
    }
    try {
      if (pending.undoOf !== undefined) {
        const entry = deps.audit.get(pending.undoOf);
        if (!entry || entry.undoneBy !== null) return void (await ctx.reply(ctx.t.outdated));
        return void (await sendReplies(ctx, await undoReplies(ctx.t, deps, entry, ctx.from.id)));
      }
      const result = await deps.service.apply(pending.op, { refs: pending.emails }, { actor: String(ctx.from.id) });
      await sendReplies(ctx, resultReplies(ctx.t, deps, result, ctx.from.id));
    } catch (error) {
      await sendReplies(ctx, errorReplies(ctx.t, error, deps));
    }
  });
  // Anything else that does not decode: a button from an older version of the bot.
  admin.on("callback_query:data", (ctx) => ctx.answerCallbackQuery({ text: ctx.t.outdated, show_alert: true }));
  return composer;
}
