// xui-admin invite REF: the same one-time link as the bot card's "Invite link", made from the
// server's shell. The bot redeems it (/start CODE) and tells every admin, as no admin made it.
import { XuiError } from "../core/errors.js";
import type { ClientService } from "../service/client-service.js";
import { inviteLink, openInvitations } from "../store/invitations.js";
import { botUsername } from "./bot-username.js";

export async function createInvite(service: ClientService, ref: string, dataPath: string, env: NodeJS.ProcessEnv, hours: number): Promise<{ email: string; link: string; expiresAt: string }> {
  const client = service.get(ref);
  if (!client) throw new XuiError("unknown-ref", `unknown client: ${ref}`, [ref]);
  // Asked first: when Telegram cannot be reached, no invitation is left behind.
  const username = await botUsername(env);
  const store = openInvitations(dataPath);
  try {
    const { code, expiresAt } = store.invitations.create({ email: client.email, database: service.databaseIdentity(client.server), createdBy: "cli", ttlMs: hours * 3_600_000 });
    return { email: client.email, link: inviteLink(username, code), expiresAt: new Date(expiresAt).toISOString() };
  } finally {
    store.close();
  }
}
