// The reminders' side of the bot: each user's language remembered from their messages (their
// reminders come in it), /reminders and /broadcast for admins.
import { Composer, type MiddlewareFn } from "grammy";
import { planEveryServer } from "../../service/reminder-fleet.js";
import type { BotContext, BotDeps } from "../context.js";
import { sendReplies, textReplies } from "../operate.js";
import { remindersOverview } from "../reminder-texts.js";

/** Last sends shown by /reminders. */
const LATEST = 15;

/** Before anything answers: a user who writes is reachable again, in the language they write in now. */
export function rememberUsers(deps: BotDeps): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    if (ctx.message?.from) {
      try {
        deps.reminders.noteUser(ctx.message.from.id, ctx.message.from.language_code);
      } catch (err) {
        deps.logger.warn({ err }, "could not remember a user's language");
      }
    }
    await next();
  };
}

export function reminderCommands(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const admin = composer.filter((ctx) => ctx.isAdmin);
  admin.command("reminders", async (ctx) => {
    const settings = deps.config.reminders;
    const plan = planEveryServer({ service: deps.service, thresholds: settings, now: deps.service.now(), memory: (s) => deps.reminders.memory(s) });
    await sendReplies(ctx, textReplies(remindersOverview(ctx.t, settings, plan, deps.reminders.latest(LATEST), deps.service.serverNames.length > 1)));
  });
  admin.command("broadcast", (ctx) => ctx.conversation.enter("broadcast"));
  return composer;
}
