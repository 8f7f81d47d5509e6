// /start CODE: someone opened an invitation link. From anyone (a stranger above all): a valid
// code links their Telegram account to the invitation's client, through the service and
// audited as "invite"; they see their clients, and the admin who made the link is told. A
// used, expired, unknown or forged code changes nothing and says why.
import { Composer } from "grammy";
import type { User } from "grammy/types";
import { XuiError } from "../../core/errors.js";
import type { DatabaseIdentity, OpResult } from "../../core/types.js";
import type { BotContext, BotDeps } from "../context.js";
import { esc } from "../html.js";
import { textsFor } from "../i18n.js";
import type { Texts } from "../locales/en.js";
import { sendReplies, type Reply } from "../operate.js";
import { diffText } from "../render.js";
import { userLabel } from "../shared-user.js";
import { userCardReplies } from "../user-card.js";

/** Who made the invitation hears of its use; one made with the CLI ("cli"): every admin. */
function tellAdmins(deps: BotDeps, createdBy: string, user: User, email: string, result: OpResult): void {
  const t = textsFor(undefined, deps.config.language);
  const label = userLabel({ id: user.id, name: [user.first_name, user.last_name].filter(Boolean).join(" ") });
  const now = deps.service.now();
  const text = [t.link.adminNotice(label, esc(email)), ...result.changed.map((d) => diffText(t, d, now))].join("\n\n");
  const creator = Number(createdBy);
  const to = deps.config.adminIds.has(creator) ? [creator] : [...deps.config.adminIds];
  for (const id of to) deps.notify?.(id, text);
}

/**
 * The server whose database is `database`. Two servers can share an identity (one restored
 * from the other's backup keeps its secret; files without one are told apart by inbound tags,
 * which default to the port): then the file's path, recorded with it, tells which.
 */
function serverOf(deps: BotDeps, database: DatabaseIdentity): string | undefined {
  const same = deps.service.serverNames.filter((name) => deps.service.databaseIdentity(name).id === database.id);
  return same.length > 1 ? same.find((name) => deps.service.databaseIdentity(name).path === database.path) : same[0];
}

async function redeemReplies(t: Texts, deps: BotDeps, code: string, user: User): Promise<Reply[]> {
  const invitations = deps.store.invitations;
  const claim = invitations.claim(code, user.id);
  if (!claim.ok) return [{ text: { unknown: t.link.inviteUnknown, used: t.link.inviteUsed, expired: t.link.inviteExpired }[claim.reason] }];
  const { email, database, createdBy } = claim.invitation;
  // The server whose database it was made on; none (a file replaced), or the client gone
  // (deleted, renamed): nothing to link.
  const server = serverOf(deps, database);
  const ref = deps.service.refOf({ email, server });
  if (server === undefined || !deps.service.get(ref)) return [{ text: t.link.inviteGone }];
  let result: OpResult;
  try {
    result = await deps.service.edit({ refs: [ref] }, { tgId: user.id }, { actor: "invite" });
  } catch (error) {
    // Nothing was linked (the panel busy, say): the link works again.
    invitations.release(code, user.id);
    if (!(error instanceof XuiError)) throw error;
    deps.logger.warn({ err: error, email }, "an invitation could not be applied");
    return [{ text: t.link.inviteFailed }];
  }
  // Named as the cards name it: `nl/alice` with several servers.
  tellAdmins(deps, createdBy, user, ref, result);
  return userCardReplies(t, deps, user.id, t.link.welcome(esc(ref)));
}

export function invitations(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command("start", async (ctx, next) => {
    const code = ctx.match.trim();
    if (code === "" || !ctx.from) return next();
    await sendReplies(ctx, await redeemReplies(ctx.t, deps, code, ctx.from));
  });
  return composer;
}
