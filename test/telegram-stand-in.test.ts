// The Bot API stand-in checked against a real grammY Bot, through both transports: if the
// stand-in drifts from what grammY sends or expects, every bot test built on it is suspect.
import { Bot, GrammyError, InlineKeyboard, InputFile, Keyboard } from "grammy";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FakeTelegram } from "./support/telegram-stand-in.js";

const USER = { id: 4242, first_name: "Ann", language_code: "en" };

const opened: FakeTelegram[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((tg) => tg.close()));
});
function standIn(): FakeTelegram {
  const tg = new FakeTelegram();
  opened.push(tg);
  return tg;
}

/** A bot with one command and one button, the way the real bot is built; it learns who it is from getMe. */
function demoBot(tg: FakeTelegram, client: { fetch: typeof fetch } | { apiRoot: string }) {
  const bot = new Bot(tg.token, { client });
  bot.command("start", (ctx) => ctx.reply(`Hello, <b>${ctx.from?.first_name}</b> &amp; welcome`, { parse_mode: "HTML", reply_markup: new InlineKeyboard().text("Press", "press:1") }));
  bot.callbackQuery("press:1", async (ctx) => {
    await ctx.answerCallbackQuery({ text: "Pressed" });
    await ctx.editMessageText(`Pressed; the message read: ${ctx.msg?.text}`);
  });
  return bot;
}

describe.each(["fetch", "http"] as const)("a grammY bot long polling over %s", (transport) => {
  it("answers a command and a button press, then stops promptly", async () => {
    const tg = standIn();
    const client = transport === "fetch" ? { fetch: tg.fetch } : { apiRoot: await tg.listen() };
    const bot = demoBot(tg, client);
    const running = bot.start({ timeout: 30 });

    const command = tg.sendText(USER, "/start");
    expect(command.message?.entities).toEqual([{ type: "bot_command", offset: 0, length: 6 }]);
    const hello = await tg.waitFor((m) => m.chat_id === USER.id);
    expect(hello.text).toBe("Hello, <b>Ann</b> &amp; welcome");
    expect(hello.parse_mode).toBe("HTML");
    expect(hello.buttons()).toEqual([{ text: "Press", data: "press:1" }]);

    const press = tg.pressButton(USER, hello, "press:1");
    // The bot sees the message as Telegram shows it: tags gone, entities decoded.
    await tg.waitFor((m) => m === hello && m.text === "Pressed; the message read: Hello, Ann & welcome");
    expect(tg.lastAnswer(press.callback_query?.id ?? "")).toBe("Pressed");
    expect(hello.edits).toBe(1);
    expect(hello.buttons()).toEqual([]); // an edit that does not repeat the keyboard drops it

    const started = Date.now();
    await bot.stop();
    await running;
    await tg.close();
    expect(Date.now() - started).toBeLessThan(2000);
    // bot.stop() confirmed what it handled: nothing is left to deliver.
    expect(tg.drain()).toEqual([]);
    expect(tg.calls.filter((c) => c.method === "getUpdates").at(-1)?.payload.offset).toBe(press.update_id + 1);
  });
});

describe("driving and observing", () => {
  it("marks commands, with an @username suffix, as Telegram does", async () => {
    const tg = standIn();
    expect(tg.sendText(USER, "/start@xui_test_bot now").message?.entities).toEqual([{ type: "bot_command", offset: 0, length: 19 }]);
    // grammY routes only commands addressed to this bot.
    const bot = demoBot(tg, { fetch: tg.fetch });
    await bot.init();
    tg.sendText(USER, "/start@other_bot");
    for (const update of tg.drain()) await bot.handleUpdate(update);
    expect(tg.sent(USER.id)).toHaveLength(1);
  });

  it("waits for calls and reports what was sent when a wait times out", async () => {
    const tg = standIn();
    const bot = new Bot(tg.token, { botInfo: tg.botInfo, client: { fetch: tg.fetch } });
    const call = tg.waitForCall("sendMessage", (c) => c.payload.text === "second");
    await bot.api.sendMessage(USER.id, "first");
    await bot.api.sendMessage(USER.id, "second");
    expect((await call).response).toMatchObject({ ok: true, result: { text: "second", chat: { id: USER.id, type: "private" } } });
    await expect(tg.waitFor((m) => m.text === "third", 50)).rejects.toThrow(/no matching message within 50 ms; sent so far:\n {2}#1 to 4242: "first"\n {2}#2 to 4242: "second"/);
  });

  it("keeps message ids increasing in every chat, user messages included", async () => {
    const tg = standIn();
    const bot = new Bot(tg.token, { botInfo: tg.botInfo, client: { fetch: tg.fetch } });
    const asked = tg.sendText(USER, "hi").message?.message_id ?? 0;
    const answered = await bot.api.sendMessage(USER.id, "hello");
    expect(answered.message_id).toBeGreaterThan(asked);
    await expect(bot.api.editMessageText(USER.id, asked, "mine")).rejects.toThrow("message can't be edited");
    await bot.api.deleteMessage(USER.id, answered.message_id);
    expect(tg.sent()).toEqual([]);
  });
});

describe("Bot API semantics", () => {
  const setup = () => {
    const tg = standIn();
    return { tg, api: new Bot(tg.token, { botInfo: tg.botInfo, client: { fetch: tg.fetch } }).api };
  };
  const rejection = async (p: Promise<unknown>) => {
    const error = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GrammyError);
    return { code: (error as GrammyError).error_code, description: (error as GrammyError).description };
  };

  it("reply keyboards: a choose-a-user button is checked, kept on the message, and answered with users_shared", async () => {
    const { tg, api } = setup();
    tg.sendText(USER, "hi"); // the chat exists
    expect(await rejection(api.sendMessage(USER.id, "who?", { reply_markup: new Keyboard().requestUsers("Pick", 1, { max_quantity: 11 }) }))).toEqual({
      code: 400,
      description: "Bad Request: REQUEST_USERS_MAX_QUANTITY_INVALID",
    });
    await api.sendMessage(USER.id, "who?", { reply_markup: new Keyboard().requestUsers("Pick", 7, { request_name: true }).oneTime() });
    const asked = tg.last(USER.id);
    expect(asked?.reply_keyboard?.flat()[0]).toMatchObject({ text: "Pick", request_users: { request_id: 7 } });
    tg.drain();
    const update = tg.shareUsers(USER, asked!, [{ id: 99, first_name: "Bo", username: "bo" }]);
    expect(update.message?.users_shared).toEqual({ request_id: 7, users: [{ user_id: 99, first_name: "Bo" }] }); // no username: not asked for
    expect(() => tg.shareUsers(USER, asked!, [{ id: 1 }, { id: 2 }])).toThrow(/1 to 1 users/);
    await api.sendMessage(USER.id, "thanks", { reply_markup: { remove_keyboard: true } });
    expect(tg.last(USER.id)?.removes_keyboard).toBe(true);
    expect(() => tg.shareUsers(USER, tg.last(USER.id)!, [{ id: 1 }])).toThrow(/no "choose a user" button/);
    const forwarded = tg.forward(USER, { type: "hidden_user", date: 1, sender_user_name: "X" });
    expect(forwarded.message?.forward_origin).toEqual({ type: "hidden_user", date: 1, sender_user_name: "X" });
  });

  it("enforces Telegram's limits with Telegram's errors", async () => {
    const { tg, api } = setup();
    await api.sendMessage(1, "x".repeat(4096));
    expect(await rejection(api.sendMessage(1, "x".repeat(4097)))).toEqual({ code: 400, description: "Bad Request: message is too long" });
    // The limit applies to the text after entities are parsed.
    await api.sendMessage(1, `<b>${"x".repeat(4095)}&amp;</b>`, { parse_mode: "HTML" });
    expect(await rejection(api.sendMessage(1, " \n"))).toEqual({ code: 400, description: "Bad Request: message text is empty" });
    // 33 Cyrillic letters are 66 bytes.
    expect(await rejection(api.sendMessage(1, "a", { reply_markup: new InlineKeyboard().text("b", "й".repeat(33)) }))).toEqual({ code: 400, description: "Bad Request: BUTTON_DATA_INVALID" });
    await api.sendMessage(1, "a", { reply_markup: new InlineKeyboard().text("b", "й".repeat(32)) });
    const many = { inline_keyboard: Array.from({ length: 101 }, (_, i) => [{ text: `${i}`, callback_data: `${i}` }]) };
    expect(await rejection(api.sendMessage(1, "a", { reply_markup: many }))).toEqual({ code: 400, description: "Bad Request: reply markup is too long" });
    expect(tg.sent()).toHaveLength(3);
  });

  it("validates HTML and stores the text as sent", async () => {
    const { tg, api } = setup();
    const ok = '<b>bold</b> <a href="https://x.y/?a=1&amp;b=2">link</a> <pre><code class="language-sh">a &lt; b</code></pre> AT&T';
    await api.sendMessage(1, ok, { parse_mode: "HTML" });
    expect(tg.last()?.text).toBe(ok);
    const cases: [string, string][] = [
      ["<b>open", `Can't find end tag corresponding to start tag "b"`],
      ["<div>x</div>", `Unsupported start tag "div" at byte offset 0`],
      ["ё <b>x</i>", `Unmatched end tag at byte offset 7, expected "</b>", found "</i>"`],
      ["x</b>", "Unexpected end tag at byte offset 1"],
      ["a <b", "Unclosed start tag at byte offset 2"],
    ];
    for (const [text, why] of cases) {
      expect(await rejection(api.sendMessage(1, text, { parse_mode: "HTML" }))).toEqual({ code: 400, description: `Bad Request: can't parse entities: ${why}` });
    }
    // Without parse_mode, tags are just text.
    await api.sendMessage(1, "<b>open", {});
  });

  it("edits text and keyboards, refusing edits that change nothing", async () => {
    const { tg, api } = setup();
    const keyboard = new InlineKeyboard().text("A", "a");
    const m = await api.sendMessage(1, "text", { reply_markup: keyboard });
    const notModified = { code: 400, description: expect.stringMatching(/^Bad Request: message is not modified: /) };
    expect(await rejection(api.editMessageText(1, m.message_id, "text", { reply_markup: keyboard }))).toEqual(notModified);
    await api.editMessageText(1, m.message_id, "text"); // dropping the keyboard is a change
    expect(await rejection(api.editMessageReplyMarkup(1, m.message_id))).toEqual(notModified);
    await api.editMessageReplyMarkup(1, m.message_id, { reply_markup: new InlineKeyboard().text("B", "b") });
    expect(tg.last()).toMatchObject({ text: "text", edits: 2 });
    expect(tg.last()?.buttons()).toEqual([{ text: "B", data: "b" }]);
    expect(await rejection(api.editMessageText(1, 999, "x"))).toEqual({ code: 400, description: "Bad Request: message to edit not found" });
    expect(await rejection(api.deleteMessage(1, 999))).toEqual({ code: 400, description: "Bad Request: message to delete not found" });
  });

  it("answers a callback query once", async () => {
    const { tg, api } = setup();
    const m = await api.sendMessage(USER.id, "pick", { reply_markup: new InlineKeyboard().text("A", "a") });
    const id = tg.pressButton(USER, tg.last()!, "a").callback_query?.id ?? "";
    expect(tg.drain()[0]?.callback_query).toMatchObject({ data: "a", from: { id: USER.id }, message: { message_id: m.message_id, text: "pick" } });
    await api.answerCallbackQuery(id);
    expect(tg.answers.has(id)).toBe(true);
    expect(tg.lastAnswer(id)).toBeUndefined();
    expect(await rejection(api.answerCallbackQuery(id, { text: "again" }))).toEqual({ code: 400, description: "Bad Request: query is too old and response timeout expired or query ID is invalid" });
  });

  it("takes documents as multipart uploads and as file_ids", async () => {
    const { tg, api } = setup();
    const csv = Buffer.from("email,days\r\nалиса,30\r\n--boundary-lookalike\r\n");
    const sent = await api.sendDocument(USER.id, new InputFile(csv, "клиенты 2024.csv"), { caption: "<b>Export</b>", parse_mode: "HTML" });
    expect(tg.calls.at(-1)?.payload).toMatchObject({ chat_id: String(USER.id), document: expect.stringMatching(/^attach:\/\//) });
    expect(tg.last()).toMatchObject({ caption: "<b>Export</b>", document: { file_name: "клиенты 2024.csv", content: csv } });
    expect(sent.caption).toBe("Export");
    await api.sendDocument(USER.id, sent.document.file_id);
    expect(tg.last()?.document).toEqual({ file_name: "клиенты 2024.csv", content: csv });
    expect(await rejection(api.sendDocument(USER.id, "no-such-file"))).toEqual({ code: 400, description: "Bad Request: wrong file identifier/HTTP URL specified" });
    expect(await rejection(api.sendDocument(USER.id, new InputFile(Buffer.alloc(0), "empty.csv")))).toEqual({ code: 400, description: "Bad Request: file must be non-empty" });
    expect(await rejection(api.sendDocument(USER.id, new InputFile(csv, "x.csv"), { caption: "c".repeat(1025) }))).toEqual({ code: 400, description: "Bad Request: message caption is too long" });
  });

  it("keeps command menus per scope and language", async () => {
    const { tg, api } = setup();
    const admin = { type: "chat" as const, chat_id: 1001 };
    await api.setMyCommands([{ command: "start", description: "Start" }]);
    await api.setMyCommands([{ command: "list", description: "List" }], { scope: admin, language_code: "ru" });
    expect(tg.commandsFor()).toEqual([{ command: "start", description: "Start" }]);
    expect(tg.commandsFor({ chat_id: 1001, type: "chat" }, "ru")).toEqual([{ command: "list", description: "List" }]);
    expect(await api.getMyCommands({ scope: admin })).toEqual([]);
    await api.deleteMyCommands();
    expect(await api.getMyCommands()).toEqual([]);
    expect(tg.commands).toHaveLength(2);
    expect(await rejection(api.setMyCommands([{ command: "List", description: "x" }]))).toEqual({ code: 400, description: "Bad Request: BOT_COMMAND_INVALID" });
    expect(await rejection(api.setMyCommands([{ command: "list", description: "" }]))).toEqual({ code: 400, description: "Bad Request: command description must be non-empty" });
  });

  it("answers 'chat not found' for a chat that never opened the bot, until it does", async () => {
    const tg = new FakeTelegram({ unknownChats: [USER.id] });
    opened.push(tg);
    const api = new Bot(tg.token, { botInfo: tg.botInfo, client: { fetch: tg.fetch } }).api;
    const notFound = { code: 400, description: "Bad Request: chat not found" };
    expect(await rejection(api.sendMessage(USER.id, "hi"))).toEqual(notFound);
    expect(await rejection(api.setMyCommands([{ command: "me", description: "Me" }], { scope: { type: "chat", chat_id: USER.id } }))).toEqual(notFound);
    expect(await api.setMyCommands([{ command: "me", description: "Me" }])).toBe(true); // other scopes are fine
    tg.sendText(USER, "/start");
    expect(await api.setMyCommands([{ command: "me", description: "Me" }], { scope: { type: "chat", chat_id: USER.id } })).toBe(true);
    expect(await api.sendMessage(USER.id, "hi")).toMatchObject({ chat: { id: USER.id, type: "private" } });
  });

  it("delivers messages from groups and posts from channels with their chat", () => {
    const tg = standIn();
    const group = tg.sendText(USER, "/list", { id: -100, type: "supergroup", title: "team" });
    expect(group.message).toMatchObject({ chat: { id: -100, type: "supergroup", title: "team" }, from: { id: USER.id }, entities: [{ type: "bot_command" }] });
    const post = tg.sendText(USER, "news", { id: -200, type: "channel", title: "news" });
    expect(post.message).toBeUndefined();
    expect(post.channel_post).toMatchObject({ chat: { id: -200, type: "channel" }, text: "news" });
    expect(post.channel_post).not.toHaveProperty("from");
  });

  it("refuses a wrong token and unknown methods", async () => {
    const { tg, api } = setup();
    const stranger = new Bot("1:wrong-token-0123456789abcdef", { client: { fetch: tg.fetch } });
    expect(await rejection(stranger.api.getMe())).toEqual({ code: 401, description: "Unauthorized" });
    const raw = api.raw as unknown as Record<string, () => Promise<unknown>>;
    expect(await rejection(raw.sendTelepathy!())).toEqual({ code: 404, description: "Not Found" });
    expect(await api.sendChatAction(1, "typing")).toBe(true);
  });
});

describe("getUpdates", () => {
  const setup = () => {
    const tg = standIn();
    return { tg, api: new Bot(tg.token, { botInfo: tg.botInfo, client: { fetch: tg.fetch } }).api };
  };

  it("honours offset, limit and timeout", async () => {
    const { tg, api } = setup();
    const [a, b, c] = ["a", "b", "c"].map((t) => tg.sendText(USER, t).update_id);
    expect((await api.getUpdates({ limit: 2 })).map((u) => u.update_id)).toEqual([a, b]);
    // Asking from b confirms a; nothing is lost without an offset.
    expect((await api.getUpdates({ offset: b })).map((u) => u.update_id)).toEqual([b, c]);
    expect((await api.getUpdates({ offset: -1 })).map((u) => u.update_id)).toEqual([c]);
    // With nothing queued, a poll waits for the next update ...
    const poll = api.getUpdates({ offset: c! + 1, timeout: 10 });
    setTimeout(() => tg.sendText(USER, "d"), 50);
    expect((await poll).map((u) => u.message?.text)).toEqual(["d"]);
    // ... or for its timeout.
    const started = Date.now();
    expect(await api.getUpdates({ offset: c! + 2, timeout: 1 })).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("ends an older poll with 409 when a newer one arrives", async () => {
    const { api } = setup();
    const older = api.getUpdates({ timeout: 10 }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 20));
    expect(await api.getUpdates({ timeout: 0 })).toEqual([]);
    expect(await older).toMatchObject({ error_code: 409 });
  });

  it("delivers only the allowed update types", async () => {
    const { tg, api } = setup();
    await api.getUpdates({ allowed_updates: ["message"] });
    tg.pressButton(USER, { message_id: 1, chat_id: USER.id, edits: 0, buttons: () => [] }, "x");
    tg.sendText(USER, "kept");
    expect((await api.getUpdates()).map((u) => Object.keys(u)[1])).toEqual(["message"]);
  });

  it("ends a pending HTTP long poll promptly on close()", async () => {
    const tg = new FakeTelegram();
    const apiRoot = await tg.listen();
    const poll = fetch(`${apiRoot}/bot${tg.token}/getUpdates?timeout=30`).then((r) => r.json());
    await vi.waitFor(() => expect(tg.calls).toHaveLength(1));
    const started = Date.now();
    await tg.close();
    expect(await poll).toEqual({ ok: true, result: [] });
    expect(Date.now() - started).toBeLessThan(500);
    await expect(tg.fetch(`${apiRoot}/bot${tg.token}/getMe`)).rejects.toThrow("fetch failed");
  });
});
