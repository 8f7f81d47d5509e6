// /link alice and the card's "Link user": which Telegram user is this client's? The admin taps
// the "choose a user" button, forwards a message of theirs, or types their ID; then the client
// gets that tgId. A client linked to someone else is relinked only after a Confirm naming both.
import { Keyboard } from "grammy";
import { XuiError } from "../../core/errors.js";
import type { BotDeps, ConvContext } from "../context.js";
import { esc } from "../html.js";
import type { Texts } from "../locales/en.js";
import { errorReplies, previewReplies, sendReplies, type Reply } from "../operate.js";
import { pickUser, REQUEST_ID, userLabel, type TelegramUser } from "../shared-user.js";
import { ask, type Conv } from "./ask.js";
import { editReplies } from "./edit.js";

/** Links `email` to `user`: at once when it has no other user, else a preview to confirm. */
export async function linkReplies(t: Texts, deps: BotDeps, email: string, user: TelegramUser, adminId: number): Promise<Reply[]> {
  const client = deps.service.get(email);
  if (!client) return [{ text: t.unknownClient(esc(email)) }];
  if (client.tgId === 0 || client.tgId === user.id) return editReplies(t, deps, client.email, { tgId: user.id }, adminId);
  const note = t.link.replace(esc(client.email), userLabel({ id: client.tgId }), userLabel(user));
  try {
    return await previewReplies(t, deps, { adminId, op: { kind: "edit", changes: { tgId: user.id } }, emails: [client.email] }, [note]);
  } catch (error) {
    return errorReplies(t, error, deps);
  }
}

export function linkConversation(deps: BotDeps) {
  return async function link(conversation: Conv, ctx: ConvContext, ref: string | null): Promise<void> {
    const t = ctx.t;
    const email =
      ref === null
        ? await ask(conversation, ctx, t.link.askClient, (x) => {
            const found = deps.service.get(x.trim());
            if (!found) throw new XuiError("unknown-ref", t.unknownClient(x.trim()), [x]);
            return found.email;
          })
        : await conversation.external(() => deps.service.get(ref)?.email ?? null);
    if (email === null) return void (await ctx.reply(t.unknownClient(esc(ref ?? "")), { parse_mode: "HTML" }));
    const keyboard = new Keyboard().requestUsers(t.link.chooseButton, REQUEST_ID, { user_is_bot: false, request_name: true, request_username: true }).resized().oneTime();
    await ctx.reply(t.link.askUser(esc(email)), { parse_mode: "HTML", reply_markup: keyboard });
    let user: TelegramUser;
    for (;;) {
      const answer = await conversation.waitFor("message");
      const picked = pickUser(answer.message);
      if (picked.ok) {
        user = picked.user;
        break;
      }
      await answer.reply(picked.reason === "hidden" ? t.link.hiddenForward : t.link.notAPerson, { reply_markup: keyboard });
    }
    // The reply keyboard goes with this answer: it has done its job.
    await ctx.reply(t.link.got(userLabel(user)), { parse_mode: "HTML", reply_markup: { remove_keyboard: true } });
    const adminId = ctx.from?.id ?? 0;
    await sendReplies(ctx, await conversation.external(() => linkReplies(t, deps, email, user, adminId)));
  };
}
