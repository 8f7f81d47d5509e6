// A 3.x panel read through its API (no local x-ui.db): before the bot handles an update, the
// panel's mirror is brought up to date when older than its maximum age (MIRROR_MAX_AGE_MS).
// When the panel cannot be reached the last mirror is shown (a change reads the panel again
// first, and fails with the reason): the bot stays usable for reading.
import type { MiddlewareFn } from "grammy";
import type { Logger } from "../log.js";
import type { ClientService } from "../service/client-service.js";
import type { BotContext } from "./context.js";

export function freshMirror(service: ClientService, logger: Logger): MiddlewareFn<BotContext> {
  return async (_ctx, next) => {
    try {
      await service.ensureFresh();
    } catch (err) {
      logger.warn({ err }, "could not read the panel's state through its API: showing the last copy");
    }
    await next();
  };
}
