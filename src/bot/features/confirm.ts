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
    const t = ctx.t;
    // The buttons go at once, so the preview cannot be confirmed twice; once done, the preview
    // says what became of it (its diffs follow in the answer).
    await ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } });
    const settle = (html: string) => ctx.editMessageText(html, { parse_mode: "HTML" });
    if (!cb.yes) {
      await settle(t.previewCancelled);
      await ctx.reply(t.cancelled);
      return;
    }
    try {
      if (pending.undoOf !== undefined) {
        const entry = deps.audit.get(pending.undoOf);
        if (!entry || entry.undoneBy !== null) return void (await ctx.reply(t.outdated));
        const { result, replies } = await undoReplies(t, deps, entry, ctx.from.id);
        await settle(t.previewDone(t.opName.restore, result?.changed.length ?? 0, result?.unchanged.length ?? 0));
        return void (await sendReplies(ctx, replies));
      }
      const result = await deps.service.apply(pending.op, { refs: pending.emails }, { actor: String(ctx.from.id) });
      await settle(t.previewDone(t.opName[result.operation], result.changed.length, result.unchanged.length));
      await sendReplies(ctx, resultReplies(t, deps, result, ctx.from.id));
    } catch (error) {
      await settle(t.previewFailed);
      await sendReplies(ctx, errorReplies(t, error, deps));
    }
  });
  // Anything else that does not decode: a button from an older version of the bot.
  admin.on("callback_query:data", (ctx) => ctx.answerCallbackQuery({ text: ctx.t.outdated, show_alert: true }));
  return composer;
}
