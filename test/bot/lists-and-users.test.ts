import { describe, expect, it } from "vitest";
import { DAY_MS, GB } from "../../src/core/units.js";
import { fileHash, rawRow } from "../support/db-inspect.js";
import { buttons } from "../support/telegram-stand-in.js";
import { buildXuiDb } from "../support/xui-fixture.js";
import { ADMIN, harnesses, NOW } from "./harness.js";

const start = harnesses();

const many = (n: number) => (p: string) =>
  buildXuiDb(p, { inbounds: [{ id: 1, protocol: "vless", clients: Array.from({ length: n }, (_, i) => ({ email: `c${String(i).padStart(2, "0")}`, expiryTime: NOW - DAY_MS, active: false })) }] });

describe("/list", () => {
  it("pages, toggles, selects all and blocks the selection after a preview", async () => {
    const h = await start(many(25));
    const [list] = await h.say(ADMIN, "/list expired");
    expect(list?.text).toMatch(/<b>Expired<\/b>: 25 clients, page 1\/3\. Selected: 0\./);
    expect(buttons(list).filter((b) => /^⬜ c\d\d$/.test(b.text))).toHaveLength(10);
    await h.press(ADMIN, list!, "⬜ c01");
    expect(list?.text).toMatch(/Selected: 1\./);
    await h.press(ADMIN, list!, "▶️");
    expect(list?.text).toMatch(/page 2\/3/);
    await h.press(ADMIN, list!, "⬜ c12");
    const [preview] = await h.press(ADMIN, list!, "⛔ Block");
    expect(preview?.text).toMatch(/<b>Block<\/b>: 2 of 2 selected/);
    expect(preview?.text).toMatch(/c01[\s\S]*c12/);
    await h.press(ADMIN, preview!, "✅ Confirm");
    expect(rawRow(h.dbPath, "c01")?.enable).toBe(0);
    expect(rawRow(h.dbPath, "c12")?.enable).toBe(0);
    expect(rawRow(h.dbPath, "c02")?.enable).toBe(0); // was already 0 (expired)...
    expect(h.service.get("c02")?.enabled).toBe(true); // ...but not blocked
    // Select all, then an action that asks its value.
    await h.press(ADMIN, list!, "☑️ All");
    expect(list?.text).toMatch(/Selected: 25\./);
    const [question] = await h.press(ADMIN, list!, "📅 +days");
    expect(question?.text).toBe("How many days to add?");
    const [bulkPreview] = await h.say(ADMIN, "7");
    expect(bulkPreview?.text).toMatch(/25 of 25 selected clients will change/);
    await h.press(ADMIN, bulkPreview!, "✅ Confirm");
    expect(rawRow(h.dbPath, "c05")?.expiry_time).toBeGreaterThan(NOW + 6 * DAY_MS);
  });

  it("an action with nothing selected, and a button on an outdated list, get a clear answer", async () => {
    const h = await start(many(3));
    const [list] = await h.say(ADMIN, "/list");
    // "None" with nothing selected leaves the message as it is: no error reaches the admin.
    expect(await h.press(ADMIN, list!, "⬜ None")).toEqual([]);
    const block = buttons(list).find((b) => b.text === "⛔ Block")?.data as string;
    const nothing = h.tg.pressButton(ADMIN, list!, block);
    await h.say(ADMIN, "/help");
    expect(h.tg.answers.get(nothing.callback_query?.id ?? "")).toBe("Select at least one client first.");
    const hash = fileHash(h.dbPath);
    for (const data of ["l:nope:x:b", "l:nope:t:1", "garbage", "c:zz:e7", "p:zz:y"]) {
      const u = h.tg.pressButton(ADMIN, list!, data);
      await h.say(ADMIN, "/help");
      expect(h.tg.answers.get(u.callback_query?.id ?? "")).toBe("This button is outdated. Run the command again.");
    }
    expect(fileHash(h.dbPath)).toBe(hash);
  });

  it("rejects an unknown filter, names an empty one", async () => {
    const h = await start(many(2));
    expect((await h.say(ADMIN, "/list soon"))[0]?.text).toMatch(/Unknown filter “soon”/);
    expect((await h.say(ADMIN, "/list depleted"))[0]?.text).toBe("<b>Traffic used up</b>: no clients.");
    expect((await h.say(ADMIN, "/list inbound 1"))[0]?.text).toMatch(/Inbound 1<\/b>: 2 client/);
  });
});

describe("client card", () => {
  it("/user shows the card; its buttons extend, block and set the limit", async () => {
    const h = await start();
    const [card] = await h.say(ADMIN, "/user alice");
    expect(card?.text).toMatch(/^<b>alice<\/b> — 🟢 active\nused: [\d.]+ GB of unlimited\nexpiry: .*days left\)\ninbound: 1 🇳🇱 VLESS Reality \(vless\)/);
    const before = rawRow(h.dbPath, "alice")?.expiry_time as number;
    await h.press(ADMIN, card!, "+7 days");
    expect(rawRow(h.dbPath, "alice")?.expiry_time).toBe(before + 7 * DAY_MS);
    await h.press(ADMIN, card!, "⛔ Block");
    expect(rawRow(h.dbPath, "alice")?.enable).toBe(0);
    expect(card?.text).toMatch(/⛔ blocked/); // the card was refreshed
    await h.press(ADMIN, card!, "🟢 Unblock");
    expect(h.service.get("alice")?.enabled).toBe(true);
    const [q] = await h.press(ADMIN, card!, "📦 Set limit");
    expect(q?.text).toMatch(/New traffic limit in GB/);
    await h.say(ADMIN, "12.5");
    expect(rawRow(h.dbPath, "alice")?.total).toBe(12.5 * GB);
  });

  it("/find with several matches lists them; a tap opens the card", async () => {
    const h = await start();
    const [list] = await h.say(ADMIN, "/find phone");
    expect(list?.text).toMatch(/Search “phone”<\/b>: 14 client/);
    const [card] = await h.press(ADMIN, list!, buttons(list).find((b) => b.text === "🔎")?.data as string);
    expect(card?.text).toMatch(/^<b>alice-phone<\/b>/);
    expect((await h.say(ADMIN, "/find zzz"))[0]?.text).toBe("No client matches “zzz”.");
  });

  it("escapes what comes from the database", async () => {
    const h = await start((p) => buildXuiDb(p, { inbounds: [{ id: 1, protocol: "vless", remark: "<b>x", clients: [{ email: "a&b<c>", comment: "<i>" }] }] }));
    const [card] = await h.say(ADMIN, "/user a&b<c>");
    expect(card?.text).toContain("<b>a&amp;b&lt;c&gt;</b>");
    expect(card?.text).toContain("&lt;b&gt;x");
  });
});

describe("end users", () => {
  it("a linked user sees all of their clients and nothing of anyone else's", async () => {
    const h = await start();
    const [reply] = await h.say({ id: 100_001 }, "/start");
    expect(reply?.text).toMatch(/^Your 2 subscriptions:/);
    expect(reply?.text).toMatch(/<b>bob<\/b>/);
    expect(reply?.text).toMatch(/<b>bob-phone<\/b>/);
    const others = h.service.clients().filter((c) => c.tgId !== 100_001).map((c) => c.email);
    for (const email of others) expect(reply?.text).not.toContain(`<b>${email}</b>`);
    // Another linked user sees only theirs.
    const [alice] = await h.say({ id: 100_000 }, "/me");
    expect(alice?.text).toMatch(/^Your subscription:\n\n<b>alice<\/b>/);
    expect(alice?.text).not.toMatch(/bob/);
  });

  it("a stranger gets their ID and nothing else; admin commands and buttons change nothing", async () => {
    const h = await start();
    const hash = fileHash(h.dbPath);
    const stranger = { id: 4242 };
    for (const text of ["/start", "/extend alice 30", "/block alice", "/list", "hello"]) {
      const replies = await h.say(stranger, text);
      expect(replies.map((r) => r.text)).toEqual([
        "This bot is private. Your Telegram ID is <code>4242</code>: send it to your VPN administrator so they can link it to your account, or ask them for an invitation link.",
      ]);
    }
    // Forged callback data from a non-admin (even a linked user) is refused.
    const [list] = await h.say(ADMIN, "/list");
    for (const data of buttons(list).map((b) => b.data as string)) {
      for (const who of [stranger, { id: 100_001 }]) {
        const u = h.tg.pressButton(who, list!, data);
        await h.say(ADMIN, "/help");
        expect(h.tg.answers.get(u.callback_query?.id ?? "")).toBe("Only administrators can do this.");
      }
    }
    expect(fileHash(h.dbPath)).toBe(hash);
  });
});
