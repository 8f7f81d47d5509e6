// Asking an admin for one value: the question, then answers until one parses. A bad answer
// gets the reason and the question again. Parsing runs through conversation.external, so a
// replay of the conversation does not read the database again.
import type { Conversation } from "@grammyjs/conversations";
import { XuiError } from "../../core/errors.js";
import type { BotContext, ConvContext } from "../context.js";
import { errorText } from "../error-text.js";

export type Conv = Conversation<BotContext, ConvContext>;

type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

export async function ask<T>(conversation: Conv, ctx: ConvContext, question: string, parse: (text: string) => T | Promise<T>): Promise<T> {
  await ctx.reply(question, { parse_mode: "HTML" });
  for (;;) {
    const answer = await conversation.waitFor("message:text", {
      otherwise: (other) => other.reply(ctx.t.tryAgain(question), { parse_mode: "HTML" }),
    });
    const parsed = await conversation.external(async (): Promise<Parsed<T>> => {
      try {
        return { ok: true, value: await parse(answer.message.text) };
      } catch (error) {
        if (error instanceof XuiError) return { ok: false, reason: errorText(ctx.t, error) };
        throw error;
      }
    });
    if (parsed.ok) return parsed.value;
    await answer.reply(ctx.t.tryAgain(parsed.reason), { parse_mode: "HTML" });
  }
}
