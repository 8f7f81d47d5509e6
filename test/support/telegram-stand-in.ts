// A local stand-in for the Telegram Bot API: Telegram cannot be reached from here, so tests
// (and `npm run playground`) talk to this instead. One core serves two transports: grammY's
// `client.fetch` option in unit tests, and a real HTTP server on 127.0.0.1 for a spawned bot.
// It enforces Telegram's limits and answers with Telegram's error texts, so that the bot's
// mistakes surface here as they would in production.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { BotCommand, InlineKeyboardMarkup, KeyboardButton, Message, MessageOrigin, Update, UserFromGetMe } from "grammy/types";

export interface Person {
  id: number;
  first_name?: string;
  language_code?: string;
}

/** A chat with more than the bot and one person in it. */
export interface GroupChat {
  id: number;
  type: "group" | "supergroup" | "channel";
  title: string;
}

export interface SentDocument {
  file_name: string;
  content: Buffer;
}

/** A message the bot sent, as the chat shows it now: text and keyboard after any edits. */
export interface SentMessage {
  message_id: number;
  chat_id: number;
  /** As the bot sent it (HTML tags included). */
  text?: string;
  caption?: string;
  document?: SentDocument;
  /** An uploaded photo (sendPhoto, or one of a sendMediaGroup album): its bytes. */
  photo?: SentDocument;
  /** Set on the photos of one album. */
  media_group_id?: string;
  reply_markup?: InlineKeyboardMarkup;
  /** A reply keyboard (the buttons under the input field) this message put up. */
  reply_keyboard?: KeyboardButton[][];
  /** This message took the reply keyboard down (remove_keyboard). */
  removes_keyboard?: true;
  parse_mode?: string;
  edits: number;
  /** The inline keyboard, flattened. */
  buttons(): Button[];
}

export interface Button {
  text: string;
  data?: string;
}

type Failure = { ok: false; error_code: number; description: string; parameters?: { retry_after: number } };
type Reply = { ok: true; result: unknown } | Failure;

export interface Call {
  method: string;
  payload: Record<string, unknown>;
  /** What the bot was answered; absent while the call is still open (a long poll). */
  response?: Reply;
}

type Payload = Record<string, unknown>;
type Files = Map<string, File>;

/** The inline keyboard buttons of a message, flattened, with their callback data. */
export function buttons(m: Pick<SentMessage, "reply_markup"> | undefined): Button[] {
  return (m?.reply_markup?.inline_keyboard ?? []).flat().map((b) => ({ text: b.text, ...("callback_data" in b ? { data: b.callback_data } : {}) }));
}

class ApiError extends Error {
  constructor(
    readonly code: number,
    description: string,
    /** A flood limit's wait, seconds (429). */
    readonly retryAfter?: number,
  ) {
    super(description);
  }
}

const bad = (why: string) => new ApiError(400, `Bad Request: ${why}`);

class StoredMessage implements SentMessage {
  declare text?: string;
  declare caption?: string;
  declare document?: SentDocument;
  declare photo?: SentDocument;
  declare media_group_id?: string;
  declare reply_markup?: InlineKeyboardMarkup;
  declare reply_keyboard?: KeyboardButton[][];
  declare removes_keyboard?: true;
  declare parse_mode?: string;
  edits = 0;

  constructor(
    readonly message_id: number,
    readonly chat_id: number,
  ) {}

  buttons(): Button[] {
    return buttons(this);
  }
}

// Telegram's HTML subset, aliases included.
const HTML_TAGS = new Set(["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a", "tg-spoiler", "span", "blockquote", "tg-emoji"]);
const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };
const CHAT_ACTIONS = new Set(["typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice", "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note"]);
// Button kinds other than text; an inline button needs exactly one.
const BUTTON_KINDS = ["callback_data", "url", "login_url", "web_app", "switch_inline_query", "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay"];
// Delivered when getUpdates never named allowed_updates (or named none).
const DEFAULT_UPDATES = (type: string) => !["chat_member", "message_reaction", "message_reaction_count"].includes(type);

/** Telegram's HTML parser, as far as the bot can trip it: returns the visible text or throws Telegram's error. */
function parseHtml(html: string): string {
  const open: string[] = [];
  const at = (index: number) => `byte offset ${Buffer.byteLength(html.slice(0, index))}`;
  let visible = "";
  let last = 0;
  for (const m of html.matchAll(/<(\/?)([^\s>/]*)[^>]*(>?)|&(lt|gt|amp|quot|#\d+|#x[\da-f]+);/gi)) {
    const [whole, closing, rawName = "", end, entity] = m;
    visible += html.slice(last, m.index);
    last = m.index + whole.length;
    if (entity !== undefined) {
      const code = entity.startsWith("#x") || entity.startsWith("#X") ? parseInt(entity.slice(2), 16) : entity.startsWith("#") ? Number(entity.slice(1)) : undefined;
      visible += code === undefined ? ENTITIES[entity.toLowerCase()] : String.fromCodePoint(Math.min(code, 0x10ffff));
      continue;
    }
    const name = rawName.toLowerCase();
    if (!end) throw bad(`can't parse entities: Unclosed start tag at ${at(m.index)}`);
    if (!closing) {
      if (!HTML_TAGS.has(name)) throw bad(`can't parse entities: Unsupported start tag "${name}" at ${at(m.index)}`);
      open.push(name);
      continue;
    }
    const expected = open.pop();
    if (expected === undefined) throw bad(`can't parse entities: Unexpected end tag at ${at(m.index)}`);
    if (expected !== name) throw bad(`can't parse entities: Unmatched end tag at ${at(m.index)}, expected "</${expected}>", found "</${name}>"`);
  }
  if (open.length > 0) throw bad(`can't parse entities: Can't find end tag corresponding to start tag "${open.at(-1)}"`);
  // An `&` that starts no known entity stays literal, as in Telegram.
  return visible + html.slice(last);
}

/** The text Telegram shows for `text` sent with `parseMode`. MarkdownV2 is not parsed: the bot sends HTML. */
function visibleText(text: string, parseMode: unknown): string {
  if (parseMode === undefined || parseMode === null || parseMode === "") return text;
  if (parseMode === "HTML") return parseHtml(text);
  if (parseMode === "MarkdownV2" || parseMode === "Markdown") return text;
  throw bad("unsupported parse_mode");
}

function json(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function inlineKeyboard(markup: unknown): InlineKeyboardMarkup | undefined {
  const parsed = json(markup);
  if (parsed === undefined || parsed === null) return undefined;
  if (!isRecord(parsed)) throw bad("can't parse reply keyboard markup JSON object");
  if (!("inline_keyboard" in parsed)) return undefined; // a reply keyboard: see replyKeyboard
  const rows = parsed.inline_keyboard;
  if (!Array.isArray(rows) || !rows.every((r) => Array.isArray(r))) throw bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays');
  const all = (rows as unknown[][]).flat();
  if (all.length > 100) throw bad("reply markup is too long");
  for (const b of all) {
    if (!isRecord(b) || typeof b.text !== "string") throw bad('can\'t parse inline keyboard button: Field "text" must be of type String');
    if (!BUTTON_KINDS.some((k) => k in b)) throw bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
    if ("callback_data" in b) {
      const bytes = Buffer.byteLength(String(b.callback_data), "utf8");
      if (bytes < 1 || bytes > 64) throw bad("BUTTON_DATA_INVALID");
    }
  }
  return parsed as unknown as InlineKeyboardMarkup;
}

/** A reply keyboard (or its removal) as Telegram checks it; undefined for none or an inline one. */
function replyKeyboard(markup: unknown): { reply_keyboard: KeyboardButton[][] } | { removes_keyboard: true } | undefined {
  const parsed = json(markup);
  if (!isRecord(parsed)) return undefined;
  if (parsed.remove_keyboard === true) return { removes_keyboard: true };
  if (!("keyboard" in parsed)) return undefined;
  const rows = parsed.keyboard;
  if (!Array.isArray(rows) || !rows.every((r) => Array.isArray(r))) throw bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays');
  for (const b of (rows as unknown[][]).flat()) {
    const text = typeof b === "string" ? b : isRecord(b) ? b.text : undefined;
    if (typeof text !== "string" || text === "") throw bad("can't parse keyboard button: Field \"text\" must be of type String");
    const request = isRecord(b) ? b.request_users : undefined;
    if (request === undefined) continue;
    // KeyboardButtonRequestUsers: a signed 32-bit request_id, 1-10 users.
    if (!isRecord(request) || !Number.isInteger(request.request_id) || Math.abs(request.request_id as number) > 2 ** 31 - 1) throw bad("REQUEST_ID_INVALID");
    const max = request.max_quantity ?? 1;
    if (!Number.isInteger(max) || (max as number) < 1 || (max as number) > 10) throw bad("REQUEST_USERS_MAX_QUANTITY_INVALID");
  }
  return { reply_keyboard: rows as KeyboardButton[][] };
}

function chatId(p: Payload): number {
  if (p.chat_id === undefined || p.chat_id === "") throw bad("chat_id is empty");
  const id = Number(p.chat_id);
  if (!Number.isSafeInteger(id)) throw bad("chat not found");
  return id;
}

const now = () => Math.floor(Date.now() / 1000);

function abortError(): Error {
  return new DOMException("This operation was aborted", "AbortError");
}

/** Rejects as soon as `signal` aborts, like fetch does, while `work` may still be running. */
function abortable<T>(work: Promise<T>, signal: AbortSignal | null | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(abortError());
    if (signal.aborted) return abort();
    signal.addEventListener("abort", abort, { once: true });
    void work.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

/** Reads the parameters of a Bot API request: query string, JSON, urlencoded or multipart form. */
async function readPayload(request: Request): Promise<{ payload: Payload; files: Files }> {
  const url = new URL(request.url);
  const payload: Payload = Object.fromEntries(url.searchParams);
  const files: Files = new Map();
  const type = request.headers.get("content-type") ?? "";
  if (type.startsWith("application/json")) {
    const text = await request.text();
    const body = text.trim() === "" ? {} : json(text);
    if (!isRecord(body)) throw bad("can't parse JSON object");
    Object.assign(payload, body);
  } else if (type.startsWith("multipart/form-data") || type.startsWith("application/x-www-form-urlencoded")) {
    const form = type.startsWith("multipart/") ? await multipart(request, type) : await request.formData();
    for (const [key, value] of form) {
      if (typeof value === "string") payload[key] = value;
      else files.set(key, value);
    }
  }
  return { payload, files };
}

/**
 * grammY writes compact part headers (`content-disposition:form-data;name="x";filename=y.csv`)
 * that Node 20's formData() refuses; they are re-spelled canonically before it reads them.
 * Bytes go through latin1 so file contents and UTF-8 file names pass unchanged.
 */
async function multipart(request: Request, type: string): Promise<FormData> {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(type);
  const delimiter = `--${boundary?.[1] ?? boundary?.[2] ?? ""}\r\n`.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const header = new RegExp(`(${delimiter})content-disposition:\\s*form-data;\\s*name="([^"]*)"(?:;\\s*filename=("?)([^\\r\\n]*?)\\3)?\\r\\n`, "gi");
  const text = Buffer.from(await request.arrayBuffer()).toString("latin1");
  const fixed = text.replace(header, (_, start: string, name: string, _q: string, file?: string) => {
    const filename = file === undefined ? "" : `; filename="${file.replaceAll('"', "%22")}"`;
    return `${start}Content-Disposition: form-data; name="${name}"${filename}\r\n`;
  });
  try {
    return await new Response(Buffer.from(fixed, "latin1"), { headers: { "content-type": type } }).formData();
  } catch {
    throw bad("can't parse multipart/form-data request");
  }
}

interface Poll {
  wake(error?: ApiError): void;
}

export class FakeTelegram {
  readonly token: string;
  readonly botInfo: UserFromGetMe;
  /** Every API call received with the right token, in order of arrival. */
  readonly calls: Call[] = [];
  /** answerCallbackQuery texts by callback query id (undefined: answered without text). */
  readonly answers = new Map<string, string | undefined>();
  /** Every setMyCommands payload, in order; `commandsFor` gives the menu now in force. */
  readonly commands: Payload[] = [];

  private readonly messages: StoredMessage[] = [];
  private readonly files = new Map<string, SentDocument>();
  private readonly menus = new Map<string, BotCommand[]>();
  private readonly people = new Map<number, Person>();
  private readonly groups = new Map<number, GroupChat>();
  private readonly unknownChats: ReadonlySet<number>;
  private readonly userMessages = new Set<string>();
  /** What people wrote, by `${chat}:${message_id}`: what copyMessage copies. */
  private readonly userTexts = new Map<string, string>();
  /** People who blocked the bot: Telegram answers 403 to anything sent to them. */
  readonly blocked = new Set<number>();
  /** Methods whose next call gets a 429 with this retry_after, seconds. */
  private readonly floods = new Map<string, number>();
  private readonly openQueries = new Set<string>();
  private readonly updates: Update[] = [];
  private allowedUpdates: (type: string) => boolean = DEFAULT_UPDATES;
  private nextUpdateId = 1;
  // One counter for all chats: ids still increase within each chat, and a test can take the
  // highest id seen anywhere as a mark for "anything newer".
  private nextMessageId = 1;
  private nextQueryId = 1;
  private readonly polls = new Set<Poll>();
  private readonly watchers = new Set<() => void>();
  private readonly inflight = new Set<Promise<void>>();
  private server: Server | undefined;
  private closed = false;

  /** `unknownChats`: people who never opened the bot; Telegram answers "chat not found" to a message or a menu for them. */
  constructor(opts: { botId?: number; botUsername?: string; token?: string; unknownChats?: number[] } = {}) {
    this.unknownChats = new Set(opts.unknownChats);
    const id = opts.botId ?? 777;
    this.token = opts.token ?? `${id}:TEST-token-secret-0123456789`;
    this.botInfo = {
      id,
      is_bot: true,
      first_name: "Test bot",
      username: opts.botUsername ?? "xui_test_bot",
      can_join_groups: false,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
    } as UserFromGetMe;
  }

  // --- driving, as a person would ----------------------------------------------------------

  /**
   * A message from `from`, in their private chat with the bot or in `group` (a channel's post
   * comes as channel_post, without a sender); a leading /command (with an optional @username)
   * gets its entity.
   */
  sendText(from: Person, text: string, group?: GroupChat): Update {
    this.people.set(from.id, from);
    if (group) this.groups.set(group.id, group);
    const chatId = group?.id ?? from.id;
    const message_id = this.nextMessageId++;
    this.userMessages.add(`${chatId}:${message_id}`);
    this.userTexts.set(`${chatId}:${message_id}`, text);
    const command = /^\/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?/.exec(text);
    const message = {
      message_id,
      date: now(),
      text,
      ...(command ? { entities: [{ type: "bot_command" as const, offset: 0, length: command[0].length }] } : {}),
    };
    if (group?.type === "channel") return this.enqueue({ update_id: this.nextUpdateId++, channel_post: { ...message, chat: { id: group.id, type: "channel", title: group.title } } });
    return this.enqueue({ update_id: this.nextUpdateId++, message: { ...message, chat: this.chat(chatId), from: this.user(from) } });
  }

  /**
   * `from` taps the "choose a user" button (KeyboardButtonRequestUsers) of the reply keyboard
   * `message` put up and picks `users`: the bot gets a users_shared message with what the
   * button asked for (names, usernames). Throws when the message has no such button.
   */
  shareUsers(from: Person, message: SentMessage, users: (Person & { username?: string; last_name?: string })[]): Update {
    const button = (message.reply_keyboard ?? []).flat().find((b): b is KeyboardButton.RequestUsersButton => typeof b === "object" && "request_users" in b);
    if (!button) throw new Error(`message ${message.message_id} has no "choose a user" button`);
    const ask = button.request_users;
    if (users.length < 1 || users.length > (ask.max_quantity ?? 1)) throw new Error(`the button takes 1 to ${ask.max_quantity ?? 1} users`);
    const shared = users.map((u) => ({
      user_id: u.id,
      ...(ask.request_name ? { first_name: u.first_name ?? "User", ...(u.last_name ? { last_name: u.last_name } : {}) } : {}),
      ...(ask.request_username && u.username ? { username: u.username } : {}),
    }));
    return this.userMessage(from, { users_shared: { request_id: ask.request_id, users: shared } });
  }

  /** A message `from` forwards to the bot: `origin` says whose it was (a "hidden_user" names no one). */
  forward(from: Person, origin: MessageOrigin, text = "forwarded"): Update {
    return this.userMessage(from, { text, forward_origin: origin });
  }

  private userMessage(from: Person, content: Partial<Message>): Update {
    this.people.set(from.id, from);
    const message_id = this.nextMessageId++;
    this.userMessages.add(`${from.id}:${message_id}`);
    const message = { message_id, date: now(), ...content, chat: this.chat(from.id), from: this.user(from) } as NonNullable<Update["message"]>;
    return this.enqueue({ update_id: this.nextUpdateId++, message });
  }

  /** The next call to `method` is refused by the flood limit: 429 with `retry_after` seconds. */
  floodOnce(method: string, retryAfter: number): void {
    this.floods.set(method, retryAfter);
  }

  /** A press on the button with `callbackData` under `message` (the data is not checked against the keyboard). */
  pressButton(from: Person, message: SentMessage, callbackData: string): Update {
    this.people.set(from.id, from);
    const id = String(4_200_000_000_000 + this.nextQueryId++);
    this.openQueries.add(id);
    const current = this.messages.find((m) => m.chat_id === message.chat_id && m.message_id === message.message_id) ?? message;
    return this.enqueue({
      update_id: this.nextUpdateId++,
      callback_query: {
        id,
        from: this.user(from),
        chat_instance: String(-message.chat_id),
        data: callbackData,
        message: this.asTelegram(current),
      },
    });
  }

  /** Takes the updates no getUpdates has confirmed yet, for tests that call `bot.handleUpdate`. */
  drain(): Update[] {
    return this.updates.splice(0);
  }

  // --- observing the bot -------------------------------------------------------------------

  sent(chatId?: number): SentMessage[] {
    return this.messages.filter((m) => chatId === undefined || m.chat_id === chatId);
  }

  last(chatId?: number): SentMessage | undefined {
    return this.sent(chatId).at(-1);
  }

  lastAnswer(callbackQueryId: string): string | undefined {
    return this.answers.get(callbackQueryId);
  }

  /** The command menu now in force for `scope` (default scope) and `languageCode` (all languages). */
  commandsFor(scope: Record<string, unknown> = { type: "default" }, languageCode = ""): BotCommand[] | undefined {
    return this.menus.get(menuKey(scope, languageCode));
  }

  /** Resolves with the first message, sent or edited into shape, that matches. */
  waitFor(predicate: (m: SentMessage) => boolean, timeoutMs = 5000): Promise<SentMessage> {
    return this.until(
      () => this.messages.find(predicate),
      timeoutMs,
      () => `no matching message within ${timeoutMs} ms; sent so far:\n${this.messages.map((m) => `  #${m.message_id} to ${m.chat_id}${m.edits ? ` (${m.edits} edits)` : ""}: ${JSON.stringify((m.text ?? m.caption ?? `[${m.document?.file_name}]`).slice(0, 200))}`).join("\n") || "  nothing"}`,
    );
  }

  /** Resolves with the first answered call (already made or still to come) to `method` that matches. */
  waitForCall(method: string, predicate: (c: Call) => boolean = () => true, timeoutMs = 5000): Promise<Call> {
    return this.until(
      () => this.calls.find((c) => c.method === method && c.response !== undefined && predicate(c)),
      timeoutMs,
      () => `no matching ${method} call within ${timeoutMs} ms; calls so far: ${this.calls.map((c) => c.method).join(", ") || "none"}`,
    );
  }

  private until<T>(find: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found === undefined) return;
        done();
        resolve(found);
      };
      const done = () => {
        clearTimeout(timer);
        this.watchers.delete(check);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(describe()));
      }, timeoutMs);
      this.watchers.add(check);
      check();
    });
  }

  // --- transports --------------------------------------------------------------------------

  /** grammY's `client.fetch`: the request never leaves the process. */
  readonly fetch: typeof globalThis.fetch = async (input, init) => {
    // A closed stand-in refuses connections, as a stopped server would.
    if (this.closed) throw new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED (Telegram stand-in closed)") });
    const url = input instanceof Request ? input.url : String(input);
    // grammY's multipart body is a Node stream, hence duplex; its abort signal is a polyfill, so it is kept out of Request.
    const request = new Request(url, { method: init?.method ?? "GET", headers: init?.headers, body: init?.body, duplex: "half" });
    return abortable(this.handle(request, init?.signal ?? undefined), init?.signal);
  };

  /** Serves the API over HTTP on 127.0.0.1; resolves with the apiRoot for grammY. */
  async listen(): Promise<string> {
    const server = createServer((req, res) => {
      const served = this.serve(req, res)
        .catch(() => void res.destroy())
        .finally(() => this.inflight.delete(served));
      this.inflight.add(served);
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Ends open long polls at once (they return what is queued), then stops the server. */
  async close(): Promise<void> {
    this.closed = true;
    for (const poll of this.polls) poll.wake();
    await Promise.all(this.inflight);
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A client that hangs up (grammY stopping) ends its long poll.
    const hangUp = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) hangUp.abort();
    });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const request = new Request(`http://127.0.0.1${req.url ?? "/"}`, {
      method: req.method ?? "GET",
      headers: { "content-type": req.headers["content-type"] ?? "" },
      ...(hasBody ? { body: Buffer.concat(chunks) } : {}),
    });
    const response = await this.handle(request, hangUp.signal);
    res.writeHead(response.status, { "content-type": "application/json" });
    res.end(Buffer.from(await response.arrayBuffer()));
  }

  // --- the API -----------------------------------------------------------------------------

  private async handle(request: Request, signal?: AbortSignal): Promise<Response> {
    const reply = (r: Reply) => Response.json(r, { status: r.ok ? 200 : r.error_code });
    const route = /^\/bot([^/]*)\/([A-Za-z]+)$/.exec(new URL(request.url).pathname);
    if (!route) return reply({ ok: false, error_code: 404, description: "Not Found" });
    if (route[1] !== this.token) return reply({ ok: false, error_code: 401, description: "Unauthorized" });
    // Method names are case-insensitive in the Bot API.
    const name = route[2] ?? "";
    const method = Object.keys(this.methods).find((m) => m.toLowerCase() === name.toLowerCase());
    let call: Call | undefined;
    let response: Reply;
    try {
      const { payload, files } = await readPayload(request);
      call = { method: method ?? name, payload };
      this.calls.push(call);
      if (method === undefined) throw new ApiError(404, "Not Found");
      const flood = this.floods.get(method);
      if (flood !== undefined) {
        this.floods.delete(method);
        throw new ApiError(429, `Too Many Requests: retry after ${flood}`, flood);
      }
      response = { ok: true, result: await this.methods[method]?.(payload, files, signal) };
    } catch (error) {
      // A fault in the stand-in itself reaches the bot as a 500, so a test still sees it.
      response = error instanceof ApiError
        ? { ok: false, error_code: error.code, description: error.message, ...(error.retryAfter === undefined ? {} : { parameters: { retry_after: error.retryAfter } }) }
        : { ok: false, error_code: 500, description: `Internal Server Error: ${String(error)}` };
    }
    if (call) call.response = response;
    for (const check of [...this.watchers]) check();
    return reply(response);
  }

  private readonly methods: Record<string, (p: Payload, files: Files, signal?: AbortSignal) => unknown> = {
    getMe: () => this.botInfo,
    getUpdates: (p, _files, signal) => this.getUpdates(p, signal),
    deleteWebhook: (p) => {
      if (p.drop_pending_updates === true || p.drop_pending_updates === "true") this.updates.splice(0);
      return true;
    },
    setMyCommands: (p) => {
      const scope = json(p.scope);
      if (isRecord(scope) && scope.chat_id !== undefined) this.known(Number(scope.chat_id));
      const commands = json(p.commands);
      if (!Array.isArray(commands)) throw bad("can't parse commands JSON object");
      if (commands.length > 100) throw bad("BOT_COMMANDS_TOO_MUCH");
      for (const c of commands as unknown[]) {
        if (!isRecord(c) || typeof c.command !== "string" || !/^[a-z0-9_]{1,32}$/.test(c.command)) throw bad("BOT_COMMAND_INVALID");
        if (typeof c.description !== "string" || c.description.trim() === "") throw bad("command description must be non-empty");
        if (c.description.length > 256) throw bad("BOT_COMMAND_INVALID");
      }
      this.commands.push({ ...p, commands, ...(p.scope !== undefined ? { scope: json(p.scope) } : {}) });
      const key = menuKey(json(p.scope), p.language_code);
      if (commands.length === 0) this.menus.delete(key);
      else this.menus.set(key, commands as BotCommand[]);
      return true;
    },
    getMyCommands: (p) => this.menus.get(menuKey(json(p.scope), p.language_code)) ?? [],
    deleteMyCommands: (p) => {
      this.menus.delete(menuKey(json(p.scope), p.language_code));
      return true;
    },
    sendChatAction: (p) => {
      chatId(p);
      if (typeof p.action !== "string" || !CHAT_ACTIONS.has(p.action)) throw bad("wrong parameter action in request");
      return true;
    },
    sendMessage: (p) => {
      const chat = this.known(chatId(p));
      const text = this.checkText(p.text, p.parse_mode);
      const markup = inlineKeyboard(p.reply_markup);
      const keyboard = replyKeyboard(p.reply_markup);
      const m = this.store(chat);
      Object.assign(m, { text }, markup ? { reply_markup: markup } : {}, keyboard ?? {}, typeof p.parse_mode === "string" ? { parse_mode: p.parse_mode } : {});
      return this.asTelegram(m);
    },
    editMessageText: (p) => {
      const m = this.target(p, "edit");
      if (m.text === undefined) throw bad("there is no text in the message to edit");
      const text = this.checkText(p.text, p.parse_mode);
      const markup = inlineKeyboard(p.reply_markup);
      const parseMode = typeof p.parse_mode === "string" ? p.parse_mode : undefined;
      if (m.text === text && m.parse_mode === parseMode && sameMarkup(m.reply_markup, markup)) throw notModified();
      m.text = text;
      if (parseMode) m.parse_mode = parseMode;
      else delete m.parse_mode;
      // Telegram drops the keyboard when an edit does not repeat it.
      return this.edited(m, markup);
    },
    editMessageReplyMarkup: (p) => {
      const m = this.target(p, "edit");
      const markup = inlineKeyboard(p.reply_markup);
      if (sameMarkup(m.reply_markup, markup)) throw notModified();
      return this.edited(m, markup);
    },
    answerCallbackQuery: (p) => {
      const id = String(p.callback_query_id);
      // A query can be answered once; a second answer is refused like an unknown one.
      if (!this.openQueries.delete(id)) throw bad("query is too old and response timeout expired or query ID is invalid");
      if (typeof p.text === "string" && p.text.length > 200) throw bad("MESSAGE_TOO_LONG");
      this.answers.set(id, typeof p.text === "string" ? p.text : undefined);
      return true;
    },
    sendDocument: async (p, files) => {
      const chat = this.known(chatId(p));
      const document = await this.document(p.document, files);
      const caption = typeof p.caption === "string" && p.caption !== "" ? p.caption : undefined;
      if (caption !== undefined && visibleText(caption, p.parse_mode).length > 1024) throw bad("message caption is too long");
      const markup = inlineKeyboard(p.reply_markup);
      const m = this.store(chat);
      Object.assign(m, { document }, caption !== undefined ? { caption } : {}, markup ? { reply_markup: markup } : {}, typeof p.parse_mode === "string" ? { parse_mode: p.parse_mode } : {});
      const file_id = `BQAC-${m.message_id}`;
      this.files.set(file_id, document);
      return { ...this.asTelegram(m), document: { file_id, file_unique_id: `AgAD-${m.message_id}`, file_name: document.file_name, mime_type: "application/octet-stream", file_size: document.content.length } };
    },
    copyMessage: (p) => {
      const chat = this.known(chatId(p));
      const text = this.userTexts.get(`${Number(p.from_chat_id)}:${Number(p.message_id)}`);
      if (text === undefined) throw bad("message to copy not found");
      const m = this.store(chat);
      m.text = text;
      return { message_id: m.message_id };
    },
    sendPhoto: async (p, files) => {
      const chat = this.known(chatId(p));
      const m = await this.photoMessage(chat, p, p.photo, files, "photo");
      const markup = inlineKeyboard(p.reply_markup);
      if (markup) m.reply_markup = markup;
      return this.asTelegram(m);
    },
    // An album: 2 to 10 photos, each uploaded as attach://<field>, each with its own caption.
    sendMediaGroup: async (p, files) => {
      const chat = this.known(chatId(p));
      const media = json(p.media);
      if (!Array.isArray(media)) throw bad("can't parse media JSON object");
      if (media.length < 2 || media.length > 10) throw bad("wrong number of messages in media group");
      const group = String(this.nextMessageId);
      const sent: Message[] = [];
      for (const item of media) {
        if (!isRecord(item) || item.type !== "photo") throw bad("unsupported media type in media group");
        const m = await this.photoMessage(chat, item, item.media, files);
        m.media_group_id = group;
        sent.push({ ...this.asTelegram(m), media_group_id: group });
      }
      return sent;
    },
    deleteMessage: (p) => {
      const chat = chatId(p);
      if (this.userMessages.delete(`${chat}:${Number(p.message_id)}`)) return true;
      const m = this.target(p, "delete");
      this.messages.splice(this.messages.indexOf(m), 1);
      return true;
    },
  };

  private async getUpdates(p: Payload, signal?: AbortSignal): Promise<Update[]> {
    // Telegram ends an older long poll when a newer one arrives.
    for (const poll of this.polls) poll.wake(new ApiError(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"));
    const offset = Number(p.offset ?? 0);
    // Updates below a positive offset are confirmed and forgotten; a negative one keeps only the last -offset.
    if (offset > 0) while ((this.updates[0]?.update_id ?? Infinity) < offset) this.updates.shift();
    if (offset < 0) this.updates.splice(0, Math.max(0, this.updates.length + offset));
    const allowed = json(p.allowed_updates);
    // Telegram keeps the last allowed_updates given; updates of other types are never produced.
    if (Array.isArray(allowed)) this.allowedUpdates = allowed.length === 0 ? DEFAULT_UPDATES : (type) => allowed.includes(type);
    const limit = Math.min(100, Math.max(1, Number(p.limit ?? 100) || 100));
    const timeoutMs = Math.max(0, Number(p.timeout ?? 0)) * 1000;
    if (this.updates.length === 0 && timeoutMs > 0 && !this.closed && !signal?.aborted) await this.nextUpdate(timeoutMs, signal);
    return this.updates.slice(0, limit);
  }

  /** Waits for an update, the timeout, close(), the client hanging up, or a newer poll (409). */
  private nextUpdate(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const poll: Poll = {
        wake: (error) => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", hangUp);
          this.polls.delete(poll);
          if (error) reject(error);
          else resolve();
        },
      };
      const hangUp = () => poll.wake();
      const timer = setTimeout(hangUp, timeoutMs);
      signal?.addEventListener("abort", hangUp);
      this.polls.add(poll);
    });
  }

  private enqueue(update: Update): Update {
    const type = Object.keys(update).find((k) => k !== "update_id") ?? "";
    if (!this.allowedUpdates(type)) return update;
    this.updates.push(update);
    for (const poll of this.polls) poll.wake();
    return update;
  }

  private checkText(text: unknown, parseMode: unknown): string {
    if (typeof text !== "string") throw bad("message text is empty");
    const visible = visibleText(text, parseMode);
    if (visible.trim() === "") throw bad("message text is empty");
    if (visible.length > 4096) throw bad("message is too long");
    return text;
  }

  /** A photo message with its caption (at most 1024 visible characters), its bytes recorded. */
  private async photoMessage(chat: number, p: Payload, value: unknown, files: Files, field?: string): Promise<StoredMessage> {
    const photo = await this.document(value, files, field);
    const caption = typeof p.caption === "string" && p.caption !== "" ? p.caption : undefined;
    if (caption !== undefined && visibleText(caption, p.parse_mode).length > 1024) throw bad("message caption is too long");
    const m = this.store(chat);
    Object.assign(m, { photo }, caption !== undefined ? { caption } : {}, typeof p.parse_mode === "string" ? { parse_mode: p.parse_mode } : {});
    return m;
  }

  private async document(value: unknown, files: Files, field = "document"): Promise<SentDocument> {
    const ref = typeof value === "string" ? value : undefined;
    const upload = ref?.startsWith("attach://") ? files.get(ref.slice("attach://".length)) : files.get(field);
    if (upload) {
      if (upload.size === 0) throw bad("file must be non-empty");
      if (upload.size > 50 * 1024 * 1024) throw new ApiError(413, "Request Entity Too Large");
      return { file_name: upload.name, content: Buffer.from(await upload.arrayBuffer()) };
    }
    if (ref === undefined || ref === "") throw bad(`there is no ${field} in the request`);
    const known = this.files.get(ref);
    if (known) return known;
    // URLs would be downloaded by Telegram; from here nothing can be.
    throw bad(/^https?:\/\//.test(ref) ? "failed to get HTTP URL content" : "wrong file identifier/HTTP URL specified");
  }

  private store(chat: number): StoredMessage {
    const m = new StoredMessage(this.nextMessageId++, chat);
    this.messages.push(m);
    return m;
  }

  private target(p: Payload, action: "edit" | "delete"): StoredMessage {
    const chat = chatId(p);
    const id = Number(p.message_id);
    if (action === "edit" && this.userMessages.has(`${chat}:${id}`)) throw bad("message can't be edited");
    const m = this.messages.find((x) => x.chat_id === chat && x.message_id === id);
    if (!m) throw bad(`message to ${action} not found`);
    return m;
  }

  private edited(m: StoredMessage, markup: InlineKeyboardMarkup | undefined): Message {
    if (markup) m.reply_markup = markup;
    else delete m.reply_markup;
    m.edits++;
    return this.asTelegram(m);
  }

  /** The chat, unless it is one Telegram has never seen. */
  private known(chat: number): number {
    if (this.blocked.has(chat)) throw new ApiError(403, "Forbidden: bot was blocked by the user");
    if (this.unknownChats.has(chat) && !this.people.has(chat)) throw bad("chat not found");
    return chat;
  }

  private chat(id: number) {
    const group = this.groups.get(id);
    if (group?.type === "group" || group?.type === "supergroup") return { id, type: group.type, title: group.title };
    return { id, type: "private" as const, first_name: this.people.get(id)?.first_name ?? "User" };
  }

  private user(p: Person) {
    return { id: p.id, is_bot: false, first_name: p.first_name ?? "User", ...(p.language_code ? { language_code: p.language_code } : {}) };
  }

  /** The message as the Bot API returns it: the visible text (entities are not reported). */
  private asTelegram(m: SentMessage): Message {
    return {
      message_id: m.message_id,
      date: now(),
      ...(m.edits > 0 ? { edit_date: now() } : {}),
      chat: this.chat(m.chat_id),
      from: { id: this.botInfo.id, is_bot: true, first_name: this.botInfo.first_name, username: this.botInfo.username },
      ...(m.text !== undefined ? { text: visibleText(m.text, m.parse_mode) } : {}),
      ...(m.caption !== undefined ? { caption: visibleText(m.caption, m.parse_mode) } : {}),
      ...(m.reply_markup ? { reply_markup: m.reply_markup } : {}),
    };
  }
}

function notModified(): ApiError {
  return bad("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message");
}

function sameMarkup(a: InlineKeyboardMarkup | undefined, b: InlineKeyboardMarkup | undefined): boolean {
  return JSON.stringify(a?.inline_keyboard ?? []) === JSON.stringify(b?.inline_keyboard ?? []);
}

/** Menus are kept per scope and language; scope keys are sorted so `{type, chat_id}` matches `{chat_id, type}`. */
function menuKey(scope: unknown, languageCode: unknown): string {
  const s = isRecord(scope) ? scope : { type: "default" };
  return `${JSON.stringify(s, Object.keys(s).sort())}|${typeof languageCode === "string" ? languageCode : ""}`;
}
