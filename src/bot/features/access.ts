// Who is talking: admins (ADMIN_IDS) get everything; everyone else only their own clients.
import type { MiddlewareFn } from "grammy";
import type { Config } from "../../config.js";
import type { ConvContext } from "../context.js";
import { textsFor } from "../i18n.js";

export function access(config: Config): MiddlewareFn<ConvContext> {
  return async (ctx, next) => {
    ctx.isAdmin = ctx.from !== undefined && config.adminIds.has(ctx.from.id);
    ctx.t = textsFor(ctx.from?.language_code, config.language);
    await next();
  };
}
