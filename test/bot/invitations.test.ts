// Invitation links end to end: the admin makes one from the card (or /invite), a stranger opens
// it with /start CODE and is linked (audited as "invite", the admin told); used, expired,
// unknown and forged codes change nothing; two people racing for one code: one wins.
// And what a linked user sees: their own clients only, never an admin's comment.
import { describe, expect, it } from "vitest";
import { DAY_MS, GB } from "../../src/core/units.js";
import { fileHash, jsonClient } from "../support/db-inspect.js";
import { buildXuiDb } from "../support/xui-fixture.js";
import { ADMIN, ADMIN2, harnesses, NOW } from "./harness.js";

const start = harnesses();
const HOUR = 3_600_000;

const fixture = (p: string) =>
  buildXuiDb(p, {
    inbounds: [
      {
        id: 1,
        protocol: "vless",
        remark: "NL Reality",
        clients: [
          { email: "alice", expiryTime: NOW + 10 * DAY_MS - HOUR, totalBytes: 50 * GB, up: 5 * GB, down: 10 * GB, tgId: 300, comment: "owes for May" },
          { email: "carol", expiryTime: NOW + 3 * DAY_MS },
          { email: "bob", tgId: 301, comment: "vip" },
          { email: "dora", tgId: ADMIN.id },
        ],
      },
      { id: 2, protocol: "vmess", remark: "DE WS", clients: [{ email: "alice-laptop", tgId: 300, comment: "second device" }] },
    ],
  });

const tgIdOf = (path: string, email: string) => jsonClient(path, email)?.client.tgId;
const codeIn = (text: string | undefined) => /https:\/\/t\.me\/xui_test_bot\?start=([A-Za-z0-9_-]+)/.exec(text ?? "")?.[1] as string;

const STRANGER = { id: 7777, first_name: "Ann" };
const OTHER = { id: 8888, first_name: "Ben" };

describe("invitations", () => {
  it("the card's button makes a link; opening it links the user, shows their card and tells the admin", async () => {
    const h = await start(fixture);
    const [card] = await h.say(ADMIN, "/user carol");
    const [invite] = await h.press(ADMIN, card!, "🔗 Invite link");
    expect(invite?.text).toMatch(/^🔗 Invitation for <b>carol<\/b>, for one person, valid for 72 hours:\nhttps:\/\/t\.me\/xui_test_bot\?start=[A-Za-z0-9_-]{22}\n/);
    const code = codeIn(invite?.text);
    const replies = (await h.say(STRANGER, `/start ${code}`)).filter((r) => r.chat_id === STRANGER.id);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.text).toMatch(/^✅ Your Telegram account is now linked to <b>carol<\/b>\.\n\nYour subscription:\n\n<b>carol<\/b> — 🟢 active/);
    expect(tgIdOf(h.dbPath, "carol")).toBe(STRANGER.id);
    const notice = await h.tg.waitFor((m) => m.chat_id === ADMIN.id && /opened the invitation/.test(m.text ?? ""));
    expect(notice.text).toMatch(/^🔗 Ann \(<code>7777<\/code>\) opened the invitation for <b>carol<\/b>: the client is linked to them now\.\n\n<b>carol<\/b>[\s\S]*Telegram ID: none → 7777/);
    expect(h.tg.sent(ADMIN2.id)).toEqual([]); // only the admin who made it
    expect((await h.say(ADMIN, "/history"))[0]?.text).toMatch(/Edit · 1 client: carol · invite/);
  });

  it("a used link, opened again by anyone, changes nothing", async () => {
    const h = await start(fixture);
    const code = codeIn((await h.say(ADMIN, "/invite carol"))[0]?.text);
    await h.say(STRANGER, `/start ${code}`);
    const hash = fileHash(h.dbPath);
    for (const who of [STRANGER, OTHER]) {
      expect((await h.say(who, `/start ${code}`))[0]?.text).toBe("This invitation link has already been used. Ask your VPN administrator for a new one.");
    }
    expect(fileHash(h.dbPath)).toBe(hash);
    expect(tgIdOf(h.dbPath, "carol")).toBe(STRANGER.id);
  });

  it("an expired link (INVITE_TTL_HOURS later) changes nothing", async () => {
    const h = await start(fixture);
    const code = codeIn((await h.say(ADMIN, "/invite carol"))[0]?.text);
    const hash = fileHash(h.dbPath);
    await h.restart(() => Date.now() + 72 * HOUR + 1);
    expect((await h.say(STRANGER, `/start ${code}`))[0]?.text).toBe("This invitation link has expired. Ask your VPN administrator for a new one.");
    expect(fileHash(h.dbPath)).toBe(hash);
  });

  it("an unknown or forged code changes nothing; plain /start still gets the stranger's reply", async () => {
    const h = await start(fixture);
    const code = codeIn((await h.say(ADMIN, "/invite carol"))[0]?.text);
    const hash = fileHash(h.dbPath);
    const forged = `${code.slice(0, -1)}${code.endsWith("A") ? "B" : "A"}`;
    for (const text of [`/start ${forged}`, "/start AAAAAAAAAAAAAAAAAAAAAA", "/start hello", `/start ${code}x`]) {
      expect((await h.say(STRANGER, text))[0]?.text, text).toBe(
        "This invitation link is not valid. Check that you opened the whole link, or ask your VPN administrator for a new one.",
      );
    }
    expect((await h.say(STRANGER, "/start"))[0]?.text).toMatch(/^This bot is private\. .*or ask them for an invitation link\.$/);
    expect(fileHash(h.dbPath)).toBe(hash);
    // The real code still works: failed guesses used nothing up.
    const [welcome] = (await h.say(STRANGER, `/start ${code}`)).filter((r) => r.chat_id === STRANGER.id);
    expect(welcome?.text).toMatch(/^✅/);
  });

  it("two people opening one link at once: exactly one is linked", async () => {
    const h = await start(fixture);
    const code = codeIn((await h.say(ADMIN, "/invite carol"))[0]?.text);
    const replies = await h.sayConcurrently([
      [STRANGER, `/start ${code}`],
      [OTHER, `/start ${code}`],
    ]);
    const texts = replies.filter((r) => r.chat_id !== ADMIN.id).map((r) => r.text ?? "");
    expect(texts.filter((t) => t.startsWith("✅"))).toHaveLength(1);
    expect(texts.filter((t) => t.startsWith("This invitation link has already been used"))).toHaveLength(1);
    const winner = replies.find((r) => r.text?.startsWith("✅"))?.chat_id;
    expect(tgIdOf(h.dbPath, "carol")).toBe(winner);
  });
});

describe("what a linked user sees", () => {
  it("/me and /start: each of their clients with a usage bar, expiry and server names; nobody else's, no comment", async () => {
    const h = await start(fixture);
    for (const command of ["/me", "/start"]) {
      const [reply] = await h.say({ id: 300 }, command);
      const text = reply?.text ?? "";
      expect(text).toMatch(/^Your 2 subscriptions:\n\n<b>alice<\/b> — 🟢 active\nused: 15(\.0+)? GB of 50(\.0+)? GB\n▰▰▰▱▱▱▱▱▱▱ 30%\nexpiry: \d{4}-\d{2}-\d{2}[^(\n]* \(10 days left\)\nservers: NL Reality\n\n<b>alice-laptop<\/b>/);
      expect(text).toMatch(/<b>alice-laptop<\/b> — 🟢 active\nused: .* of unlimited\nexpiry: never\nservers: DE WS$/);
      for (const hidden of ["bob", "carol", "dora", "owes", "second device", "vip", "Telegram ID", "<code>300</code>"]) expect(text).not.toContain(hidden);
    }
  });

  it("an admin who is also linked: the admin's help on /start, the user's view on /me", async () => {
    const h = await start(fixture);
    expect((await h.say(ADMIN, "/start"))[0]?.text).toMatch(/^<b>Clients<\/b>/);
    expect((await h.say(ADMIN, "/me"))[0]?.text).toMatch(/^Your subscription:\n\n<b>dora<\/b>/);
    expect((await h.say(ADMIN2, "/me"))[0]?.text).toBe(`No client is linked to your Telegram account (ID <code>${ADMIN2.id}</code>).`);
  });

  it("in Russian too", async () => {
    const h = await start(fixture);
    const [reply] = await h.say({ id: 300, language_code: "ru" }, "/me");
    expect(reply?.text).toMatch(/^Ваши подписки \(2\):/);
    expect(reply?.text).toMatch(/серверы: NL Reality/);
    const code = codeIn((await h.say(ADMIN, "/invite carol"))[0]?.text);
    const [welcome] = (await h.say({ id: 9999, language_code: "ru" }, `/start ${code}`)).filter((r) => r.chat_id === 9999);
    expect(welcome?.text).toMatch(/^✅ Ваш аккаунт Telegram привязан к <b>carol<\/b>\./);
  });
});
