// /broadcast: the announcement (any message: its formatting is kept by copying it), the
// recipients (a filter over linked users), a preview with the count and Confirm; then the
// sending runs in the background (Broadcasts), so the admin can go on, or /cancel it.
import { linkedUsers, parseAudience } from "../../service/audience.js";
import type { BotDeps, ConvContext } from "../context.js";
import type { Broadcasts } from "../jobs/broadcast.js";
import { esc } from "../html.js";
import { ask, type Conv } from "./ask.js";

const YES = "b:y";
const NO = "b:n";

export function broadcastConversation(deps: BotDeps, broadcasts: Broadcasts) {
  return async function broadcast(conversation: Conv, ctx: ConvContext): Promise<void> {
    const t = ctx.t;
    const adminId = ctx.from?.id ?? 0;
    if (await conversation.external(() => broadcasts.isRunning(adminId))) return void (await ctx.reply(t.broadcast.busy));
    await ctx.reply(t.broadcast.askMessage);
    const message = await conversation.waitFor("message");
    const source = { chatId: message.chat.id, messageId: message.message.message_id };
    const names = deps.service.serverNames;
    // With several servers the question names them: `server NAME` narrows to one.
    const audienceQuestion = names.length > 1 ? `${t.broadcast.askAudience}\n${t.broadcast.askServer(names.map((n) => `<code>${esc(n)}</code>`).join(", "))}` : t.broadcast.askAudience;
    const audience = await ask(conversation, ctx, audienceQuestion, (x) => parseAudience(x, names));
    const recipients = await conversation.external(() => linkedUsers(deps.service, audience));
    if (recipients.length === 0) return void (await ctx.reply(t.broadcast.nobody));
    await ctx.api.copyMessage(adminId, source.chatId, source.messageId);
    const question = t.broadcast.preview(recipients.length);
    await ctx.reply(question, { reply_markup: { inline_keyboard: [[{ text: t.confirm, callback_data: YES }, { text: t.cancel, callback_data: NO }]] } });
    const answer = await conversation.waitForCallbackQuery([YES, NO], { otherwise: (other) => other.reply(t.tryAgain(question)) });
    await answer.answerCallbackQuery();
    await answer.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } });
    if (answer.callbackQuery.data === NO) return void (await ctx.reply(t.previewCancelled));
    await conversation.external(() => void broadcasts.start(adminId, t, source, recipients));
  };
}
