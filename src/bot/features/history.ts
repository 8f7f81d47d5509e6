// /history: the latest recorded changes (from the bot, the CLI and the API);
// /undo: reverts the caller's own last change where nothing has moved since.
import { Composer } from "grammy";
import { timeString } from "../../core/units.js";
import { undoTargets } from "../../service/audit.js";
import type { BotContext, BotDeps } from "../context.js";
import { esc } from "../html.js";
import type { AuditEntry, OpResult } from "../../core/types.js";
import type { Texts } from "../locales/en.js";
import { historyKeyboard } from "./history-entry.js";
import { errorReplies, previewReplies, resultReplies, sendReplies, textReplies, type Reply } from "../operate.js";

const DEFAULT_LINES = 10;
const MAX_LINES = 50;
/** How far back /undo looks for a change it can still revert. */
const UNDO_LOOKBACK = 50;

/** Undoes `entry` now, planned afresh: the result, and replies with the diff and the clients left as they are. */
export async function undoReplies(t: Texts, deps: BotDeps, entry: AuditEntry, adminId: number): Promise<{ result: OpResult | null; replies: Reply[] }> {
  const { result, skipped } = await deps.service.undo(entry, { actor: String(adminId) });
  const replies = result ? resultReplies(t, deps, result, adminId) : [{ text: t.undoNone }];
  if (skipped.length > 0) replies.push({ text: t.undoSkipped(esc(skipped.join(", "))) });
  return { result, replies };
}

export function history(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const admin = composer.filter((ctx) => ctx.isAdmin);

  admin.command("history", async (ctx) => {
    const t = ctx.t;
    const n = Math.min(MAX_LINES, Math.max(1, Number.parseInt(ctx.match, 10) || DEFAULT_LINES));
    const entries = deps.audit.summaries(n);
    if (entries.length === 0) return void (await ctx.reply(t.historyEmpty));
    // Each entry's server, when there are several (one change across servers is an entry each).
    const where = (server: string | undefined) => (deps.service.serverNames.length > 1 && server !== undefined ? `[${esc(server)}] ` : "");
    const lines = entries.map((e) => where(e.server) + t.historyLine(e.id, timeString(e.at), t.opName[e.operation], e.clients, esc(e.actor), e.undoneBy !== null, esc(e.names.join(", "))));
    // A button per change opens it (its diffs, and Undo).
    await sendReplies(ctx, textReplies(lines.join("\n"), historyKeyboard(entries.map((e) => e.id))));
  });

  admin.command("undo", async (ctx) => {
    const t = ctx.t;
    const adminId = ctx.from?.id ?? 0;
    try {
      // Entries whose clients all changed since (or of another database) are passed over.
      const found = deps.service.firstUndoable(deps.audit.undoable(String(adminId), UNDO_LOOKBACK));
      if (!found) return void (await ctx.reply(t.undoNothing));
      const { entry, plan } = found;
      const emails = undoTargets(plan);
      const skipped = plan.skipped.length > 0 ? [t.undoSkipped(esc(plan.skipped.join(", ")))] : [];
      // Like every change to several clients, an undo of several waits for Confirm.
      if (emails.length > 1) {
        return void (await sendReplies(ctx, await previewReplies(t, deps, { adminId, op: plan.op, emails, undoOf: entry.id }, [t.undoOf(entry.id), ...skipped])));
      }
      await sendReplies(ctx, (await undoReplies(t, deps, entry, adminId)).replies);
    } catch (error) {
      await sendReplies(ctx, errorReplies(t, error, deps));
    }
  });
  return composer;
}
