// /history: the latest recorded changes (from the bot, the CLI and the API);
// /undo: reverts the caller's own last change where nothing has moved since.
import { Composer } from "grammy";
import { dateString } from "../../shared/units.js";
import type { BotContext, BotDeps } from "../context.js";
import { esc } from "../html.js";
import { errorReplies, resultReplies, sendReplies, textReplies } from "../operate.js";

const DEFAULT_LINES = 10;
const MAX_LINES = 50;

export function history(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const admin = composer.filter((ctx) => ctx.isAdmin);

  admin.command("history", async (ctx) => {
    const t = ctx.t;
    const n = Math.min(MAX_LINES, Math.max(1, Number.parseInt(ctx.match, 10) || DEFAULT_LINES));
    const entries = deps.audit.latest(n);
    if (entries.length === 0) return void (await ctx.reply(t.historyEmpty));
    const lines = entries.map((e) => t.historyLine(e.id, dateString(e.at), t.opName[e.operation], e.diffs.length, esc(e.actor), e.undoneBy !== null));
    await sendReplies(ctx, textReplies(lines.join("\n")));
  });

  admin.command("undo", async (ctx) => {
    const t = ctx.t;
    const actor = String(ctx.from?.id ?? 0);
    const entry = deps.audit.lastUndoable(actor);
    if (!entry) return void (await ctx.reply(t.undoNothing));
    try {
      const { result, skipped } = await deps.service.undo(entry, { actor });
      const replies = result ? resultReplies(t, deps, result, ctx.from?.id ?? 0) : [{ text: t.undoNone }];
      if (skipped.length > 0) replies.push({ text: t.undoSkipped(esc(skipped.join(", "))) });
      await sendReplies(ctx, replies);
    } catch (error) {
      await sendReplies(ctx, errorReplies(t, error));
    }
  });
  return composer;
}
