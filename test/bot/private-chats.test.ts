// The bot works in private chats only; a menu Telegram refuses is a warning, not a crash; and
// previews and lists expire by age when used.
import { Writable } from "node:stream";
import { Bot } from "grammy";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { registerCommands } from "../../src/bot/commands.js";
import { TTL_MS } from "../../src/store/bot-store.js";
import { fileHash } from "../support/db-inspect.js";
import { buttons, FakeTelegram, type GroupChat, type SentMessage } from "../support/telegram-stand-in.js";
import { ADMIN, harnesses } from "./harness.js";

const start = harnesses();
const GROUP: GroupChat = { id: -4_000_000_001, type: "group", title: "friends" };
const SUPERGROUP: GroupChat = { id: -1_001_234_567_890, type: "supergroup", title: "team" };
const CHANNEL: GroupChat = { id: -1_009_876_543_210, type: "channel", title: "news" };
const STRANGER = { id: 31337, first_name: "Eve" };
const LINKED = { id: 100_001, first_name: "Bob" };
const HOUR = 3_600_000;

/** A message of the bot as a group would show it (the bot never sent one there). */
const inChat = (m: SentMessage, chat: GroupChat): SentMessage => ({ message_id: m.message_id, chat_id: chat.id, edits: 0, ...(m.text ? { text: m.text } : {}), buttons: () => [] });

describe("private chats only", () => {
  it.each([GROUP, SUPERGROUP, CHANNEL])("in a $type: no command runs, nothing is said, no diff and no database is posted", async (chat) => {
    const h = await start();
    const hash = fileHash(h.dbPath);
    for (const text of ["/extend alice 30", "/block alice", "/backup", "/list", "/user alice", "/history", "/create", "hello"]) {
      expect(await h.say(ADMIN, text, chat)).toEqual([]);
    }
    expect(await h.say(STRANGER, "/start", chat)).toEqual([]);
    expect(await h.say(LINKED, "/me", chat)).toEqual([]);
    expect(h.tg.calls).toEqual([]); // not even a chat action or a document
    expect(fileHash(h.dbPath)).toBe(hash);
    // The same admin in a private chat is served as always.
    const [reply] = await h.say(ADMIN, "/block alice");
    expect(reply?.text).toMatch(/1 changed/);
  });

  it("a Confirm pressed on a group's copy of a preview does nothing; the preview still works in private", async () => {
    const h = await start();
    const [preview] = await h.say(ADMIN, "/extend alice, dave 10");
    const confirm = buttons(preview).find((b) => b.text === "✅ Confirm")?.data as string;
    const hash = fileHash(h.dbPath);
    expect(await h.say(ADMIN, "look", GROUP)).toEqual([]); // the stand-in knows the group from now on
    expect(await h.pressData(ADMIN, inChat(preview!, GROUP), confirm)).toEqual([]);
    expect(fileHash(h.dbPath)).toBe(hash);
    expect(h.tg.calls.some((c) => c.method === "answerCallbackQuery")).toBe(false);
    const replies = await h.pressData(ADMIN, preview!, confirm);
    expect(replies.at(-1)?.text).toMatch(/2 changed/);
  });
});

describe("the command menus", () => {
  it("an admin who never opened the bot gets a warning in the log; the other menus are set", async () => {
    const tg = new FakeTelegram({ unknownChats: [4242] });
    const bot = new Bot(tg.token, { client: { fetch: tg.fetch }, botInfo: tg.botInfo });
    const lines: { level: number; msg: string; chatId?: number; err?: { message: string } }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]);
        done();
      },
    });
    const logger = pino({ level: "info" }, sink);
    await expect(registerCommands(bot.api, [ADMIN.id, 4242], logger)).resolves.toBeUndefined();
    expect(tg.commandsFor()).toBeDefined();
    expect(tg.commandsFor({ type: "chat", chat_id: ADMIN.id })).toBeDefined();
    expect(tg.commandsFor({ type: "chat", chat_id: 4242 })).toBeUndefined();
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, msg: "could not set the command menu", chatId: 4242, err: expect.objectContaining({ message: expect.stringContaining("400: Bad Request: chat not found") }) }),
      expect.objectContaining({ level: 40, chatId: 4242 }),
    ]);
    // Once they have written to the bot, the next start sets their menu.
    tg.sendText({ id: 4242 }, "/start");
    lines.length = 0;
    await registerCommands(bot.api, [ADMIN.id, 4242], logger);
    expect(tg.commandsFor({ type: "chat", chat_id: 4242 })).toBeDefined();
    expect(lines).toEqual([]);
  });
});

describe("expiry by age, while the bot runs", () => {
  /** A bot whose store reads the clock the test moves. */
  async function clocked() {
    const h = await start();
    const clock = { now: Date.now() };
    await h.restart(() => clock.now);
    const answer = async (message: SentMessage, data: string) => {
      const press = h.tg.pressButton(ADMIN, message, data);
      await h.say(ADMIN, "/help");
      return h.tg.answers.get(press.callback_query?.id ?? "");
    };
    return { h, clock, answer };
  }

  it("a preview older than a day answers 'outdated' and changes nothing", async () => {
    const { h, clock, answer } = await clocked();
    const [preview] = await h.say(ADMIN, "/extend alice, dave 10");
    const confirm = buttons(preview).find((b) => b.text === "✅ Confirm")?.data as string;
    clock.now += (TTL_MS.get("pending") as number) + HOUR;
    const hash = fileHash(h.dbPath);
    expect(await answer(preview!, confirm)).toBe("This button is outdated. Run the command again.");
    expect(fileHash(h.dbPath)).toBe(hash);
  });

  it("a list untouched for longer than its TTL answers 'outdated'", async () => {
    const { h, clock, answer } = await clocked();
    const [list] = await h.say(ADMIN, "/list");
    const toggle = buttons(list).find((b) => /^l:[^:]+:t:/.test(b.data ?? ""))?.data as string; // a client's toggle
    clock.now += (TTL_MS.get("selection") as number) - HOUR;
    await h.pressData(ADMIN, list!, toggle);
    expect(list?.text).toMatch(/Selected: 1\./); // still alive, and just used
    clock.now += (TTL_MS.get("selection") as number) + HOUR;
    expect(await answer(list!, toggle)).toBe("This button is outdated. Run the command again.");
  });
});
