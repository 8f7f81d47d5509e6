// /create: inbound, email, days, limit; then the client is created and its card shown.
import { XuiError } from "../../core/errors.js";
import type { CreateClientInput } from "../../core/types.js";
import { parseEmail, parseGb, parseNonNegativeInt } from "../../service/validate.js";
import type { BotDeps, ConvContext } from "../context.js";
import { esc } from "../html.js";
import { errorReplies, resultReplies, sendReplies, type Reply } from "../operate.js";
import { ask, type Conv } from "./ask.js";

export function createConversation(deps: BotDeps) {
  return async function create(conversation: Conv, ctx: ConvContext): Promise<void> {
    const t = ctx.t;
    const inbounds = await conversation.external(() =>
      deps.service.inbounds().filter((i) => i.supportsClients).map((i) => ({ id: i.id, line: t.inboundLine(i.id, esc(i.remark), esc(i.protocol), i.port, i.clientCount) })),
    );
    const inboundId = await ask(conversation, ctx, t.askInbound(inbounds.map((i) => i.line).join("\n")), (x) => {
      const id = parseNonNegativeInt(x, "inbound");
      if (!inbounds.some((i) => i.id === id)) throw new XuiError("unknown-inbound", `unknown inbound: ${id}`, [String(id)]);
      return id;
    });
    const email = await ask(conversation, ctx, t.askEmail, (x) => {
      const email = parseEmail(x);
      if (deps.service.get(email)) throw new XuiError("duplicate-email", `email already in use: ${email}`, [email]);
      return email;
    });
    const days = await ask(conversation, ctx, t.askCreateDays, (x) => parseNonNegativeInt(x, "days", 36_500));
    const totalBytes = await ask(conversation, ctx, t.askCreateGb, (x) => parseGb(x));
    const input: CreateClientInput = { inboundId, email, days, totalBytes };
    const replies = await conversation.external(async (): Promise<Reply[]> => {
      try {
        const adminId = ctx.from?.id ?? 0;
        const replies = resultReplies(t, deps, await deps.service.create(input, { actor: String(adminId) }), adminId);
        const key = deps.service.get(email)?.key;
        return key ? [...replies, { text: t.createdKey(esc(key)) }] : replies;
      } catch (error) {
        return errorReplies(t, error);
      }
    });
    await sendReplies(ctx, replies);
  };
}
