// /link, /unlink and the card's buttons: a Telegram user chosen with the "choose a user" button,
// a forwarded message or a numeric ID becomes the client's tgId, on a real 2.x file (read back
// through a fresh connection) and through a 3.x panel; replacing another user asks first.
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { DAY_MS } from "../../src/core/units.js";
import { PanelApi } from "../../src/panel/panel-api.js";
import { fileHash, jsonClient } from "../support/db-inspect.js";
import { runPanel3 } from "../support/panel3/harness.js";
import { buttons, type SentMessage } from "../support/telegram-stand-in.js";
import { disagreements } from "../support/xui3-agreement.js";
import { demoXui3 } from "../support/xui3-fixture.js";
import { buildXuiDb } from "../support/xui-fixture.js";
import { ADMIN, harnesses, NOW } from "./harness.js";

const start = harnesses();

const fixture = (p: string) =>
  buildXuiDb(p, {
    inbounds: [
      {
        id: 1,
        protocol: "vless",
        remark: "NL",
        clients: [
          { email: "alice", expiryTime: NOW + 10 * DAY_MS },
          { email: "bob", expiryTime: NOW + 10 * DAY_MS, tgId: 55 },
        ],
      },
    ],
  });

/** The client's tgId as the panel's file holds it, read on a new connection. */
const tgIdOf = (path: string, email: string) => jsonClient(path, email)?.client.tgId;

const DANA = { id: 4242, first_name: "Dana" };

describe("/link", () => {
  it("by the choose-a-user button: the keyboard asks for one person, the diff shows, /undo reverts", async () => {
    const h = await start(fixture);
    const [question] = await h.say(ADMIN, "/link alice");
    expect(question?.text).toMatch(/^Who is <b>alice<\/b>\?/);
    const button = question?.reply_keyboard?.flat()[0];
    expect(button).toMatchObject({ text: "👤 Choose the user", request_users: { request_id: 1, user_is_bot: false, request_name: true } });
    h.tg.shareUsers(ADMIN, question!, [DANA]);
    const [got, result] = await h.deliver();
    expect(got?.text).toBe("Telegram user: Dana (<code>4242</code>).");
    expect(got?.removes_keyboard).toBe(true);
    expect(result?.text).toMatch(/<b>Edit<\/b>: 1 changed, 0 unchanged\.[\s\S]*Telegram ID: none → 4242/);
    expect(tgIdOf(h.dbPath, "alice")).toBe(4242);
    // Audited like any edit: the admin's /undo takes it back.
    expect((await h.say(ADMIN, "/history"))[0]?.text).toMatch(/Edit · 1 client: alice · 1001/);
    await h.say(ADMIN, "/undo");
    expect(tgIdOf(h.dbPath, "alice")).toBe(0);
  });

  it("by a forwarded message; a hidden sender or a channel's post gets told to use the button or the ID", async () => {
    const h = await start(fixture);
    await h.say(ADMIN, "/link alice");
    const hash = fileHash(h.dbPath);
    h.tg.forward(ADMIN, { type: "hidden_user", date: 1, sender_user_name: "Somebody" });
    const [hidden] = await h.deliver();
    expect(hidden?.text).toMatch(/hides their account in forwarded messages/);
    expect(hidden?.reply_keyboard?.flat()[0]).toMatchObject({ request_users: { request_id: 1 } }); // the button is still there
    h.tg.forward(ADMIN, { type: "channel", date: 1, chat: { id: -100, type: "channel", title: "News" }, message_id: 3 });
    expect((await h.deliver())[0]?.text).toMatch(/^That is not a person's message or ID/);
    expect((await h.say(ADMIN, "hello"))[0]?.text).toMatch(/^That is not a person's message or ID/);
    expect(fileHash(h.dbPath)).toBe(hash);
    h.tg.forward(ADMIN, { type: "user", date: 1, sender_user: { id: 5151, is_bot: false, first_name: "Eve", username: "eve" } });
    const [got, result] = await h.deliver();
    expect(got?.text).toBe("Telegram user: Eve (<code>5151</code>).");
    expect(result?.text).toMatch(/Telegram ID: none → 5151/);
    expect(tgIdOf(h.dbPath, "alice")).toBe(5151);
  });

  it("by a numeric ID, asking for the client first; several clients may share one user", async () => {
    const h = await start(fixture);
    expect((await h.say(ADMIN, "/link"))[0]?.text).toBe("Which client? Send its email or key.");
    expect((await h.say(ADMIN, "nobody"))[0]?.text).toMatch(/Unknown: nobody\nTry again/);
    expect((await h.say(ADMIN, "alice"))[0]?.text).toMatch(/^Who is <b>alice<\/b>/);
    await h.say(ADMIN, "55");
    expect(tgIdOf(h.dbPath, "alice")).toBe(55);
    expect(tgIdOf(h.dbPath, "bob")).toBe(55);
    const [cards] = await h.say({ id: 55 }, "/me");
    expect(cards?.text).toMatch(/^Your 2 subscriptions:/);
  });

  it("replacing another user asks for Confirm naming both; Cancel keeps the first", async () => {
    const h = await start(fixture);
    await h.say(ADMIN, "/link bob");
    const [, preview] = await h.say(ADMIN, "4242");
    expect(preview?.text).toMatch(/<b>bob<\/b> is linked to <code>55<\/code> now\. Link it to <code>4242<\/code> instead\?/);
    expect(tgIdOf(h.dbPath, "bob")).toBe(55); // nothing before Confirm
    await h.press(ADMIN, preview!, "✖️ Cancel");
    expect(tgIdOf(h.dbPath, "bob")).toBe(55);
    const [question] = await h.say(ADMIN, "/link bob");
    h.tg.shareUsers(ADMIN, question!, [DANA]);
    const [, again] = await h.deliver();
    expect(again?.text).toMatch(/linked to <code>55<\/code> now\. Link it to Dana \(<code>4242<\/code>\) instead\?/);
    await h.press(ADMIN, again!, "✅ Confirm");
    expect(tgIdOf(h.dbPath, "bob")).toBe(4242);
  });

  it("/unlink, and the card's Link user / Unlink / Invite link buttons", async () => {
    const h = await start(fixture);
    const [alice] = await h.say(ADMIN, "/user alice");
    const labels = buttons(alice).map((b) => b.text);
    expect(labels).toEqual(expect.arrayContaining(["👤 Link user", "🔗 Invite link"]));
    expect(labels).not.toContain("🚫 Unlink"); // nobody to unlink
    const [question] = await h.press(ADMIN, alice!, "👤 Link user");
    expect(question?.text).toMatch(/^Who is <b>alice<\/b>/);
    await h.say(ADMIN, "77");
    expect(tgIdOf(h.dbPath, "alice")).toBe(77);
    const [bob] = await h.say(ADMIN, "/user bob");
    const [diff] = await h.press(ADMIN, bob!, "🚫 Unlink");
    expect(diff?.text).toMatch(/Telegram ID: 55 → none/);
    expect(tgIdOf(h.dbPath, "bob")).toBe(0);
    expect(buttons(bob).map((b) => b.text)).not.toContain("🚫 Unlink"); // the card was redrawn
    await h.say(ADMIN, "/unlink alice");
    expect(tgIdOf(h.dbPath, "alice")).toBe(0);
    expect((await h.say(ADMIN, "/unlink"))[0]?.text).toMatch(/^<code>\/link alice<\/code>/);
    expect((await h.say(ADMIN, "/link nobody"))[0]?.text).toBe("Unknown client: nobody");
  });
});

describe("/link on a 3.x panel", () => {
  it("sets tg_id through the panel's API", async () => {
    const running = await runPanel3({ fixture: demoXui3(NOW) });
    const api = new PanelApi({ url: running.panel.url, token: running.token, timeoutMs: 5000 });
    const h = await start(undefined, {}, { panel: api }, running.dbPath);
    const [question] = await h.say(ADMIN, "/link carol");
    h.tg.shareUsers(ADMIN, question!, [DANA]);
    const replies: SentMessage[] = await h.deliver();
    expect(replies[1]?.text).toMatch(/Telegram ID: none → 4242/);
    const db = new Database(running.dbPath, { readonly: true });
    expect(db.prepare("SELECT tg_id FROM clients WHERE email = 'carol'").pluck().get()).toBe(4242);
    db.close();
    expect(disagreements(running.dbPath)).toEqual([]);
    api.close();
  });
});
