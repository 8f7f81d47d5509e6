// Opening one change from /history: what it did to each client, and an Undo button that
// previews the revert of exactly that change (any admin's, as `xui-admin undo ID` does).
import { Composer, InlineKeyboard } from "grammy";
import type { AuditEntry } from "../../core/types.js";
import { timeString } from "../../core/units.js";
import { undoTargets } from "../../service/audit.js";
import { decode, encode } from "../callback-data.js";
import type { BotContext, BotDeps } from "../context.js";
import { esc } from "../html.js";
import type { Texts } from "../locales/en.js";
import { errorReplies, previewReplies, sendReplies, textReplies, type Reply } from "../operate.js";
import { diffText } from "../render.js";

/** Diffs shown of an opened change; the rest are counted. */
const SHOWN = 20;

/** A button per listed change, five to a row: tapping one opens it. */
export function historyKeyboard(ids: number[]): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  ids.forEach((id, i) => {
    keyboard.text(`#${id}`, encode({ kind: "history", id, undo: false }));
    if (i % 5 === 4) keyboard.row();
  });
  return keyboard;
}

function entryReplies(t: Texts, deps: BotDeps, entry: AuditEntry): Reply[] {
  const now = deps.service.now();
  const names = entry.diffs.slice(0, 5).map((d) => esc(d.email)).join(", ");
  const head = t.historyLine(entry.id, timeString(entry.at), t.opName[entry.operation], entry.diffs.length, esc(entry.actor), entry.undoneBy !== null, names);
  const diffs = entry.diffs.slice(0, SHOWN).map((d) => diffText(t, d, now));
  const more = entry.diffs.length > SHOWN ? [`… +${entry.diffs.length - SHOWN}`] : [];
  // Undone, but a part of the change is left (its server was down): still offered.
  const keyboard = deps.service.stillToUndo(entry) ? new InlineKeyboard().text(t.historyUndo, encode({ kind: "history", id: entry.id, undo: true })) : undefined;
  return textReplies([head, "", ...diffs, ...more].join("\n"), keyboard);
}

/** The revert of `entry`, planned now, as a preview to confirm (even for one client). */
async function undoEntryReplies(t: Texts, deps: BotDeps, entry: AuditEntry, adminId: number): Promise<Reply[]> {
  const part = deps.service.stillToUndo(entry);
  if (!part) return [{ text: t.outdated }];
  const plan = deps.service.planUndo(part);
  const emails = undoTargets(plan);
  if (emails.length === 0) return [{ text: t.undoNone }];
  const skipped = plan.skipped.length > 0 ? [t.undoSkipped(esc(plan.skipped.join(", ")))] : [];
  return previewReplies(t, deps, { adminId, op: plan.op, emails, undoOf: part.id }, [t.undoOf(entry.id), ...skipped]);
}

export function historyEntries(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const admin = composer.filter((ctx) => ctx.isAdmin);
  admin.on("callback_query:data", async (ctx, next) => {
    const cb = decode(ctx.callbackQuery.data);
    if (cb?.kind !== "history") return next();
    const entry = deps.audit.get(cb.id);
    if (!entry) return ctx.answerCallbackQuery({ text: ctx.t.outdated, show_alert: true });
    await ctx.answerCallbackQuery();
    try {
      await sendReplies(ctx, cb.undo ? await undoEntryReplies(ctx.t, deps, entry, ctx.from.id) : entryReplies(ctx.t, deps, entry));
    } catch (error) {
      await sendReplies(ctx, errorReplies(ctx.t, error, deps));
    }
  });
  return composer;
}
