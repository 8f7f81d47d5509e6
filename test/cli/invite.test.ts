// xui-admin invite: the deep link names the bot Telegram reports for BOT_TOKEN (getMe, through
// TELEGRAM_API_ROOT), and the code in it is one the bot's file knows, made by "cli".
import { describe, expect, it } from "vitest";
import { openInvitations } from "../../src/store/invitations.js";
import { FakeTelegram } from "../support/telegram-stand-in.js";
import { buildXuiDb, tempDbPath } from "../support/xui-fixture.js";
import { captureCli } from "../support/cli.js";

function db() {
  const path = tempDbPath();
  buildXuiDb(path, { inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "Alice" }] }] });
  return path;
}

function cli(env: Record<string, string>, ...args: string[]) {
  return captureCli(args, env);
}

describe("xui-admin invite", () => {
  it("prints the link (or JSON) for a client, valid INVITE_TTL_HOURS, and the bot's file can redeem it once", async () => {
    const tg = new FakeTelegram({ botUsername: "vpn_help_bot" });
    const root = await tg.listen();
    try {
      const path = db();
      const data = tempDbPath("bot");
      const env = { BOT_DATA_PATH: data, BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: root, INVITE_TTL_HOURS: "5" };
      const before = Date.now();
      const text = await cli(env, "invite", "alice", "--db", path);
      expect(text.code).toBe(0);
      expect(text.out).toMatch(/^https:\/\/t\.me\/vpn_help_bot\?start=[A-Za-z0-9_-]{22}$/);
      expect(text.err).toMatch(/invitation for Alice: single use, valid until \d{4}-/);
      const json = await cli(env, "invite", "alice", "--json", "--db", path);
      const parsed = JSON.parse(json.out) as { email: string; link: string; expiresAt: string };
      expect(parsed.email).toBe("Alice");
      expect(Date.parse(parsed.expiresAt) - before).toBeGreaterThanOrEqual(5 * 3_600_000);
      expect(Date.parse(parsed.expiresAt) - Date.now()).toBeLessThanOrEqual(5 * 3_600_000);
      const code = new URL(parsed.link).searchParams.get("start") as string;
      const store = openInvitations(data);
      expect(store.invitations.claim(code, 42)).toMatchObject({ ok: true, invitation: { email: "Alice", createdBy: "cli" } });
      expect(store.invitations.claim(code, 43)).toEqual({ ok: false, reason: "used" });
      store.close();
    } finally {
      await tg.close();
    }
  });

  it("without BOT_TOKEN, with a wrong one, or for an unknown client: exit 2, no invitation", async () => {
    const tg = new FakeTelegram();
    const root = await tg.listen();
    try {
      const path = db();
      const data = tempDbPath("bot");
      const none = await cli({ BOT_DATA_PATH: data }, "invite", "alice", "--db", path);
      expect(none).toMatchObject({ code: 2, out: "" });
      expect(none.err).toMatch(/invite needs BOT_TOKEN/);
      const wrong = await cli({ BOT_DATA_PATH: data, BOT_TOKEN: "1:wrong-token-0123456789abcdef", TELEGRAM_API_ROOT: root }, "invite", "alice", "--db", path);
      expect(wrong.code).toBe(2);
      expect(wrong.err).toMatch(/Telegram did not tell the bot's username \(Unauthorized\)/);
      const unknown = await cli({ BOT_DATA_PATH: data, BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: root }, "invite", "nobody", "--db", path);
      expect(unknown.code).toBe(2);
      expect(unknown.err).toMatch(/unknown client: nobody/);
      expect((await cli({}, "invite", "--db", path)).err).toMatch(/invite takes exactly one REF/);
    } finally {
      await tg.close();
    }
  });
});
