// Editing one of a client's own fields from the chat: /edit alice comment hi at once, or the
// card's ✏️ buttons (and /edit alice comment without a value), which ask for the value first.
import type { Client, ClientEdit } from "../../core/types.js";
import { delayedDays } from "../../core/units.js";
import type { BotDeps, ConvContext } from "../context.js";
import { parseEditValue, type EditKey } from "../edit-fields.js";
import { esc } from "../html.js";
import type { Texts } from "../locales/en.js";
import { errorReplies, resultReplies, sendReplies, type Reply } from "../operate.js";
import { ask, type Conv } from "./ask.js";

/** Applies `changes` to the client `ref` at once (one client: no preview) and answers with the diff. */
export async function editReplies(t: Texts, deps: BotDeps, ref: string, changes: ClientEdit, adminId: number): Promise<Reply[]> {
  try {
    return resultReplies(t, deps, await deps.service.edit({ refs: [ref] }, changes, { actor: String(adminId) }), adminId);
  } catch (error) {
    return errorReplies(t, error, deps);
  }
}

/** The field's value now, as the question shows it. */
function currentValue(t: Texts, key: EditKey, c: Client): string {
  switch (key) {
    case "tg":
      return c.tgId ? String(c.tgId) : t.none;
    case "ip":
      return c.limitIp ? String(c.limitIp) : t.unlimited;
    case "comment":
      return c.comment || t.none;
    case "flow":
      return c.flow || t.none;
    case "email":
      return c.email;
    case "renew":
      return t.renew(c.reset);
    case "start":
      return c.expiryTime < 0 ? t.delayed(delayedDays(c.expiryTime)) : t.none;
  }
}

export function editConversation(deps: BotDeps) {
  return async function edit(conversation: Conv, ctx: ConvContext, email: string, key: EditKey): Promise<void> {
    const t = ctx.t;
    const current = await conversation.external(() => {
      const client = deps.service.get(email);
      return client ? currentValue(t, key, client) : null;
    });
    if (current === null) return void (await ctx.reply(t.unknownClient(esc(email)), { parse_mode: "HTML" }));
    const changes = await ask(conversation, ctx, t.askEdit[key](esc(email), esc(current)), (x) => parseEditValue(key, x));
    const adminId = ctx.from?.id ?? 0;
    await sendReplies(ctx, await conversation.external(() => editReplies(t, deps, email, changes, adminId)));
  };
}
