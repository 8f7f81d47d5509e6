// The admin's side of linking Telegram users to clients: /link (a conversation), /unlink,
// /invite (a one-time link whoever opens first is linked by), and /me, the admin's own clients
// as a linked user sees them (their /start stays the admin's help).
import { Composer } from "grammy";
import type { BotContext, BotDeps } from "../context.js";
import { editReplies } from "../conversations/edit.js";
import { esc } from "../html.js";
import type { Texts } from "../locales/en.js";
import { sendReplies, type Reply } from "../operate.js";
import { inviteLink } from "../../store/invitations.js";
import { userCardReplies } from "../user-card.js";

const HOUR_MS = 3_600_000;

/** A new invitation link for the client `ref`, made by `adminId`, for the bot `botUsername`. */
export function inviteReplies(t: Texts, deps: BotDeps, ref: string, adminId: number, botUsername: string): Reply[] {
  const client = deps.service.get(ref);
  if (!client) return [{ text: t.unknownClient(esc(ref)) }];
  const hours = deps.config.inviteTtlHours;
  const { code } = deps.store.invitations.create({ email: client.email, database: deps.service.databaseIdentity(client.server), createdBy: String(adminId), ttlMs: hours * HOUR_MS });
  // Named as the admin wrote it, with its server when there are several (`nl/alice`).
  return [{ text: t.link.invite(esc(deps.service.refOf(client)), esc(inviteLink(botUsername, code)), hours) }];
}

export function linking(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const admin = composer.filter((ctx) => ctx.isAdmin);
  admin.command("link", (ctx) => ctx.conversation.enter("link", ctx.match.trim() || null));
  // Both need the client: without it, the usage.
  const withRef = (make: (ctx: BotContext, ref: string, adminId: number) => Reply[] | Promise<Reply[]>) => async (ctx: BotContext) => {
    const ref = ctx.match?.toString().trim() ?? "";
    if (ref === "") return void (await ctx.reply(ctx.t.link.usage, { parse_mode: "HTML" }));
    await sendReplies(ctx, await make(ctx, ref, ctx.from?.id ?? 0));
  };
  admin.command("unlink", withRef((ctx, ref, adminId) => editReplies(ctx.t, deps, ref, { tgId: 0 }, adminId)));
  admin.command("invite", withRef((ctx, ref, adminId) => inviteReplies(ctx.t, deps, ref, adminId, ctx.me.username)));
  admin.command("me", async (ctx) => {
    const cards = userCardReplies(ctx.t, deps, ctx.from?.id ?? 0);
    await sendReplies(ctx, cards.length > 0 ? cards : [{ text: ctx.t.link.meNone(ctx.from?.id ?? 0) }]);
  });
  return composer;
}
