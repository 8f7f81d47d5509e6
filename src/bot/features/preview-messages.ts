// Where each preview went: a sent message with a Confirm button is noted with its pending
// operation, so that /cancel can take that preview's buttons away (and say so) instead of
// leaving a Confirm that only answers "outdated". An API transformer sees every send, from a
// command, a button or a conversation, without each of them passing the store along.
import type { Transformer } from "grammy";
import type { InlineKeyboardMarkup, Message } from "grammy/types";
import type { BotStore } from "../../store/bot-store.js";
import { decode } from "../callback-data.js";

function pendingIdOf(markup: unknown): string | undefined {
  for (const row of (markup as InlineKeyboardMarkup | undefined)?.inline_keyboard ?? []) {
    for (const button of row) {
      const cb = "callback_data" in button ? decode(button.callback_data) : undefined;
      if (cb?.kind === "confirm") return cb.pendingId;
    }
  }
  return undefined;
}

export function rememberPreviews(store: BotStore): Transformer {
  return async (prev, method, payload, signal) => {
    const response = await prev(method, payload, signal);
    const pendingId = method === "sendMessage" ? pendingIdOf((payload as { reply_markup?: unknown }).reply_markup) : undefined;
    if (pendingId !== undefined && response.ok) {
      const sent = response.result as Message;
      store.attachPendingMessage(pendingId, { chatId: sent.chat.id, messageId: sent.message_id });
    }
    return response;
  };
}
