// The one path every admin action takes: resolve the clients, then either apply at once (one
// client) or show a preview with Confirm/Cancel (several), and answer with the diff.
import { InlineKeyboard, InputFile, type Context } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import { PartialError, XuiError } from "../core/errors.js";
import type { OpResult, Operation } from "../core/types.js";
import { encode } from "./callback-data.js";
import type { PendingOp } from "../store/bot-store.js";
import type { BotDeps, BotFlavor } from "./context.js";
import type { Texts } from "./locales/en.js";
import { applyFailureText } from "./apply-text.js";
import { errorText, reasonText } from "./error-text.js";
import { esc, splitMessage } from "./html.js";
import { diffText, nameOf } from "./render.js";

type Ctx = Context & BotFlavor;

/** Above this many diffs, the reply is a summary plus the whole diff as a file. */
const INLINE_DIFFS = 20;
/** Clients named in a preview before "…and N more". */
const PREVIEW_NAMES = 30;

/** What the bot will send: plain data, so a conversation can record it between replays. */
export type Reply = { text: string; keyboard?: InlineKeyboardMarkup } | { document: { name: string; content: string } };

export async function sendReplies(ctx: Ctx, replies: Reply[]): Promise<void> {
  for (const r of replies) {
    if ("document" in r) {
      await ctx.replyWithDocument(new InputFile(Buffer.from(r.document.content, "utf8"), r.document.name));
    } else {
      await ctx.reply(r.text, { parse_mode: "HTML", ...(r.keyboard ? { reply_markup: r.keyboard } : {}) });
    }
  }
}

/** Long text as several messages under Telegram's limit; the keyboard goes on the last. */
export function textReplies(text: string, keyboard?: InlineKeyboardMarkup): Reply[] {
  const parts = splitMessage(text);
  return parts.map((part, i) => (keyboard && i === parts.length - 1 ? { text: part, keyboard } : { text: part }));
}

/**
 * Why nothing happened, or for a change that failed part-way, exactly what was applied and
 * what was not; unexpected errors are rethrown to bot.catch. `read`: the refusal of a read (a
 * list, a search, statistics), not framed as "nothing changed".
 */
export function errorReplies(t: Texts, error: unknown, deps?: BotDeps, read = false): Reply[] {
  if (!(error instanceof XuiError)) throw error;
  if (error instanceof PartialError) {
    const now = deps?.service.now() ?? Date.now();
    const applied = error.applied.changed.map((d) => diffText(t, d, now));
    const text = [
      t.partial(reasonText(t, error.reason), error.applied.auditId),
      "",
      t.partialApplied(error.applied.changed.length),
      ...applied.slice(0, INLINE_DIFFS),
      ...(applied.length > INLINE_DIFFS ? [`… +${applied.length - INLINE_DIFFS}`] : []),
      "",
      t.partialNotApplied(error.notApplied.length),
      esc(error.notApplied.slice(0, PREVIEW_NAMES * 10).join(", ")) + (error.notApplied.length > PREVIEW_NAMES * 10 ? " …" : ""),
    ];
    return textReplies(text.join("\n"));
  }
  if (error.code === "busy") return [{ text: t.busy }];
  return [{ text: read ? t.readError(errorText(t, error)) : t.error(errorText(t, error)) }];
}

/**
 * What happens to a committed change: the summary and diffs, then whether Xray needs a
 * restart and what became of it. A pending restart reports back to `chatId` when it ran.
 */
export function resultReplies(t: Texts, deps: BotDeps, result: OpResult, chatId: number): Reply[] {
  const now = deps.service.now();
  const summary = t.done(t.opName[result.operation], result.changed.length, result.unchanged.length);
  const diffs = [...result.changed, ...result.unchanged].map((d) => diffText(t, d, now));
  const apply = applyLine(t, deps, result, chatId);
  // A bulk change says where its backup went: the way back if undo cannot be used.
  const restart = [...(result.backup ? [t.backupTaken(esc(result.backup))] : []), ...(apply ? [apply] : [])].map((line) => `\n${line}`).join("");
  if (diffs.length <= INLINE_DIFFS) return textReplies(`${summary}\n\n${diffs.join("\n\n")}${restart}`);
  const plain = diffs.join("\n\n").replace(/<\/?b>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  const name = `${result.operation}-${new Date(now).toISOString().slice(0, 19).replace(/:/g, "-")}.txt`;
  return [{ text: `${summary}${restart}\n${t.fullDiffAttached}` }, { document: { name, content: plain } }];
}

function applyLine(t: Texts, deps: BotDeps, result: OpResult, chatId: number): string | undefined {
  const request = deps.applier?.request(result);
  if (!request) return result.needsApply ? t.applyManual : undefined;
  // The outcome promise never rejects (failures are outcomes).
  void request.outcome?.then((o) => deps.notify?.(chatId, o.ok ? t.applyDone : t.applyFailed(applyFailureText(t, o))));
  switch (request.status.status) {
    case "manual":
      return t.applyManual;
    case "pending":
      return t.applyPending(Math.round((deps.applier?.debounceMs ?? 0) / 1000));
    default:
      return undefined;
  }
}

/**
 * Runs `op` on the clients named by `refs`. Unknown references are named; with several
 * clients (or unknown ones) nothing happens before the admin confirms the preview.
 */
export async function operationReplies(t: Texts, deps: BotDeps, op: Operation, refs: string[], adminId: number): Promise<Reply[]> {
  const { clients, unknown, ambiguous, unreachable = [] } = deps.service.resolve(refs);
  const problems = [...unknown, ...ambiguous.keys()];
  if (clients.length === 0 && unreachable.length === 0) return [{ text: t.unknownClients(esc(problems.join(", "))) }];
  // A server that cannot be read now keeps its part (`nl/alice`): the preview names it, Confirm tries it.
  const emails = [...clients.map((c) => deps.service.refOf(c)), ...unreachable];
  try {
    // A delete waits for Confirm even for one client: it removes the client and its usage.
    if (clients.length === 1 && unreachable.length === 0 && problems.length === 0 && op.kind !== "delete") {
      return resultReplies(t, deps, await deps.service.apply(op, { refs: emails }, { actor: String(adminId) }), adminId);
    }
    return await previewReplies(t, deps, { adminId, op, emails }, problems.length > 0 ? [t.unknownClients(esc(problems.join(", ")))] : []);
  } catch (error) {
    return errorReplies(t, error, deps);
  }
}

/**
 * The dry run of `op`. With several servers, the part of a server that cannot be read now does
 * not sink the preview: it is the rest, and what was missed (named in the preview, tried on Confirm).
 */
async function dryRun(deps: BotDeps, op: Operation, emails: string[]): Promise<{ preview: OpResult; missed?: PartialError }> {
  try {
    return { preview: await deps.service.apply(op, { refs: emails }, { dryRun: true }) };
  } catch (error) {
    if (!(error instanceof PartialError)) throw error;
    return { preview: error.applied, missed: error };
  }
}

/** The dry run of a pending operation with Confirm/Cancel; `notes` go under the heading. */
export async function previewReplies(t: Texts, deps: BotDeps, pending: PendingOp, notes: string[] = []): Promise<Reply[]> {
  const { op, emails } = pending;
  const { preview, missed } = await dryRun(deps, op, emails);
  const pendingId = deps.store.addPending(pending);
  const now = deps.service.now();
  const heading = op.kind === "delete" ? t.previewDelete(preview.changed.length) : t.preview(t.opName[op.kind], preview.changed.length, emails.length);
  const lines = [heading, ...notes];
  if (missed) lines.push(t.previewNotReachable(reasonText(t, missed.reason), esc(missed.notApplied.join(", "))));
  lines.push("", ...preview.changed.slice(0, PREVIEW_NAMES).map((d) => diffText(t, d, now)));
  if (preview.changed.length > PREVIEW_NAMES) lines.push(`… +${preview.changed.length - PREVIEW_NAMES}`);
  if (preview.unchanged.length > 0) {
    // Who stays as they are, and why (already blocked, never expires, ...).
    const named = preview.unchanged.slice(0, PREVIEW_NAMES).map((d) => {
      const why = d.notes.filter((n) => n !== "no-change").map((n) => t.note[n]);
      return why.length > 0 ? `${nameOf(d)} (${why.join("; ")})` : nameOf(d);
    });
    const more = preview.unchanged.length > PREVIEW_NAMES ? ` … +${preview.unchanged.length - PREVIEW_NAMES}` : "";
    lines.push("", t.previewUnchanged(preview.unchanged.length, named.join(", ") + more));
  }
  const keyboard = new InlineKeyboard()
    .text(t.confirm, encode({ kind: "confirm", pendingId, yes: true }))
    .text(t.cancel, encode({ kind: "confirm", pendingId, yes: false }));
  return textReplies(lines.join("\n"), keyboard);
}

export async function operate(ctx: Ctx, deps: BotDeps, op: Operation, refs: string[]): Promise<void> {
  await sendReplies(ctx, await operationReplies(ctx.t, deps, op, refs, ctx.from?.id ?? 0));
}
