// /extend, /block, ... without (all) their arguments: ask for the clients and the value, then
// preview or apply like the one-shot form.
import { XuiError } from "../../core/errors.js";
import { splitRefs } from "../../service/select.js";
import type { Operation } from "../../core/types.js";
import { parseDays, parseExpiryDate, parseGb } from "../../service/validate.js";
import type { BotDeps, ConvContext } from "../context.js";
import { operationReplies, sendReplies } from "../operate.js";
import { ask, type Conv } from "./ask.js";

/** What an admin can ask for by a command on clients (restore is undo's own, edit has /edit). */
export type OpKind = Exclude<Operation["kind"], "restore" | "edit">;

/** Asks what `kind` needs besides the clients; block and unblock need nothing. */
export async function askOperation(conversation: Conv, ctx: ConvContext, kind: OpKind): Promise<Operation> {
  const t = ctx.t;
  switch (kind) {
    case "extend":
      return { kind, days: await ask(conversation, ctx, t.askDays, (x) => parseDays(x)) };
    case "limit":
      return { kind, totalBytes: await ask(conversation, ctx, t.askGb, (x) => parseGb(x)) };
    case "expiry":
      return { kind, expiryTime: await ask(conversation, ctx, t.askDate, (x) => parseExpiryDate(x)) };
    case "reset": {
      const limit = await ask(conversation, ctx, t.askResetGb, (x) => (x.trim() === "-" ? null : parseGb(x)));
      return limit === null ? { kind } : { kind, totalBytes: limit };
    }
    case "block":
    case "unblock":
    case "delete":
      return { kind };
  }
}

export function operationConversation(deps: BotDeps) {
  return async function operation(conversation: Conv, ctx: ConvContext, kind: OpKind, given: string[] | null): Promise<void> {
    const refs =
      given ??
      (await ask(conversation, ctx, ctx.t.askClients, (text) => {
        const refs = splitRefs(text);
        const { clients, unknown } = deps.service.resolve(refs);
        if (clients.length === 0) throw new XuiError("unknown-ref", ctx.t.unknownClients(unknown.join(", ") || text), unknown);
        return refs;
      }));
    const op = await askOperation(conversation, ctx, kind);
    const adminId = ctx.from?.id ?? 0;
    const replies = await conversation.external(() => operationReplies(ctx.t, deps, op, refs, adminId));
    await sendReplies(ctx, replies);
  };
}
