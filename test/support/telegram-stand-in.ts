// A local stand-in for the Telegram Bot API: Telegram cannot be reached from here, so tests
// (and `npm run playground`) talk to this instead. One core serves two transports: grammY's
// `client.fetch` option in unit tests, and a real HTTP server on 127.0.0.1 for a spawned bot.
// It enforces Telegram's limits so that the bot's mistakes surface as they would in production.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { InlineKeyboardMarkup, Update, UserFromGetMe } from "grammy/types";

export interface Person {
  id: number;
  first_name?: string;
  language_code?: string;
}

export interface SentMessage {
  message_id: number;
  chat_id: number;
  text?: string;
  caption?: string;
  document?: { file_name: string; content: Buffer };
  reply_markup?: InlineKeyboardMarkup;
  parse_mode?: string;
  edits: number;
}

export interface Call {
  method: string;
  payload: Record<string, unknown>;
}

type Result = { ok: true; result: unknown } | { ok: false; error_code: number; description: string };

const HTML_TAGS = new Set(["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a", "tg-spoiler", "blockquote", "span"]);

class ApiError extends Error {
  constructor(
    readonly code: number,
    description: string,
  ) {
    super(description);
  }
}

/** Inline keyboard buttons of a message, flattened, with their callback data. */
export function buttons(m: SentMessage | undefined): { text: string; data?: string }[] {
  return (m?.reply_markup?.inline_keyboard ?? []).flat().map((b) => ({ text: b.text, ...("callback_data" in b ? { data: b.callback_data } : {}) }));
}

function checkHtml(text: string): void {
  const stack: string[] = [];
  for (const m of text.matchAll(/<(\/?)([a-z-]+)[^>]*>/g)) {
    const [, closing, tag] = m as unknown as [string, string, string];
    if (!HTML_TAGS.has(tag)) throw new ApiError(400, `Bad Request: can't parse entities: Unsupported start tag "${tag}"`);
    if (closing) {
      if (stack.pop() !== tag) throw new ApiError(400, `Bad Request: can't parse entities: Unexpected end tag "${tag}"`);
    } else stack.push(tag);
  }
  if (stack.length > 0) throw new ApiError(400, `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "${stack.at(-1)}"`);
  // Visible length: tags removed, entities count as one character.
  if (/&(?!(lt|gt|amp|quot|#\d+);)/.test(text)) throw new ApiError(400, "Bad Request: can't parse entities: unescaped &");
}

function visibleLength(text: string, parseMode: unknown): number {
  if (parseMode !== "HTML") return text.length;
  return text.replace(/<[^>]+>/g, "").replace(/&(lt|gt|amp|quot|#\d+);/g, "_").length;
}

function checkMarkup(markup: unknown): InlineKeyboardMarkup | undefined {
  if (markup === undefined) return undefined;
  const parsed = (typeof markup === "string" ? JSON.parse(markup) : markup) as InlineKeyboardMarkup;
  const all = parsed.inline_keyboard.flat();
  if (all.length > 100) throw new ApiError(400, "Bad Request: reply markup is too long");
  for (const b of all) {
    if ("callback_data" in b && Buffer.byteLength(b.callback_data, "utf8") > 64) throw new ApiError(400, "Bad Request: BUTTON_DATA_INVALID");
    if (b.text.length === 0) throw new ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard");
  }
  return parsed;
}

export class FakeTelegram {
  readonly token: string;
  readonly botInfo: UserFromGetMe;
  readonly calls: Call[] = [];
  private readonly messages: SentMessage[] = [];
  private readonly updates: Update[] = [];
  private nextUpdateId = 1;
  private nextMessageId = 1000;
  private waiters: (() => void)[] = [];
  private pollers = new Set<() => void>();
  private server: Server | undefined;
  private closed = false;
  readonly answers = new Map<string, string | undefined>();
  readonly commands: Record<string, unknown>[] = [];

  constructor(opts: { botId?: number; botUsername?: string; token?: string } = {}) {
    this.token = opts.token ?? `${opts.botId ?? 777}:TEST-token-secret-0123456789`;
    this.botInfo = {
      id: opts.botId ?? 777,
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

  // --- driving, as a person would --------------------------------------------------------

  sendText(from: Person, text: string): Update {
    const command = /^\/[a-zA-Z0-9_]+(@[a-zA-Z0-9_]+)?/.exec(text);
    const message = {
      message_id: this.nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: { id: from.id, type: "private" as const, first_name: from.first_name ?? "User" },
      from: { id: from.id, is_bot: false, first_name: from.first_name ?? "User", ...(from.language_code ? { language_code: from.language_code } : {}) },
      text,
      ...(command ? { entities: [{ type: "bot_command" as const, offset: 0, length: command[0].length }] } : {}),
    };
    return this.enqueue({ update_id: this.nextUpdateId++, message });
  }

  pressButton(from: Person, message: SentMessage, data: string): Update {
    const id = `cb-${this.nextUpdateId}`;
    return this.enqueue({
      update_id: this.nextUpdateId++,
      callback_query: {
        id,
        from: { id: from.id, is_bot: false, first_name: from.first_name ?? "User", ...(from.language_code ? { language_code: from.language_code } : {}) },
        chat_instance: "ci",
        data,
        message: {
          message_id: message.message_id,
          date: Math.floor(Date.now() / 1000),
          chat: { id: message.chat_id, type: "private", first_name: "User" },
          text: message.text ?? "",
        },
      },
    });
  }

  private enqueue(update: Update): Update {
    this.updates.push(update);
    for (const wake of this.pollers) wake();
    return update;
  }

  /** Updates not yet taken by getUpdates (for in-process tests that call bot.handleUpdate). */
  drain(): Update[] {
    return this.updates.splice(0);
  }

  // --- observing the bot -----------------------------------------------------------------

  sent(chatId?: number): SentMessage[] {
    return this.messages.filter((m) => chatId === undefined || m.chat_id === chatId);
  }

  last(chatId?: number): SentMessage | undefined {
    return this.sent(chatId).at(-1);
  }

  /** Resolves with the first message (sent or edited into shape) that matches. */
  async waitFor(predicate: (m: SentMessage) => boolean, timeoutMs = 5000): Promise<SentMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) {
        const seen = this.messages.map((m) => `#${m.message_id}@${m.chat_id}: ${(m.text ?? m.caption ?? "").slice(0, 200)}`).join("\n");
        throw new Error(`no matching message within ${timeoutMs} ms; sent so far:\n${seen}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private changed(): void {
    const waiters = this.waiters.splice(0);
    for (const w of waiters) w();
  }

  // --- the API ---------------------------------------------------------------------------

  /** grammY's `client.fetch`. */
  readonly fetch = (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const body = await bodyBuffer(init?.body);
    const headers = new Headers(init?.headers);
    const result = await this.handle(new URL(url).pathname, body, headers.get("content-type") ?? "");
    return Response.json(result, { status: result.ok ? 200 : result.error_code });
  }) as typeof globalThis.fetch;

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        void this.handle(req.url ?? "/", Buffer.concat(chunks), req.headers["content-type"] ?? "").then((result) => {
          res.writeHead(result.ok ? 200 : result.error_code, { "content-type": "application/json" });
          res.end(JSON.stringify(result));
        });
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.pollers) wake();
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((resolve) => this.server?.close(() => resolve()));
    }
  }

  private async handle(path: string, body: Buffer, contentType: string): Promise<Result> {
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(path);
    if (!m) return { ok: false, error_code: 404, description: "Not Found" };
    if (m[1] !== this.token) return { ok: false, error_code: 401, description: "Unauthorized" };
    const method = m[2] as string;
    let payload: Record<string, unknown> = {};
    let file: { file_name: string; content: Buffer } | undefined;
    if (contentType.startsWith("multipart/form-data")) {
      for (const part of parseMultipart(body, contentType)) {
        if (part.filename === undefined) payload[part.name] = part.content.toString("utf8");
        else file = { file_name: part.filename, content: part.content };
      }
    } else if (body.length > 0) {
      payload = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
    }
    this.calls.push({ method, payload });
    try {
      const result = await this.dispatch(method, payload, file);
      this.changed();
      return { ok: true, result };
    } catch (error) {
      if (error instanceof ApiError) return { ok: false, error_code: error.code, description: error.message };
      throw error;
    }
  }

  private message(payload: Record<string, unknown>): SentMessage {
    const chatId = Number(payload.chat_id);
    const found = this.messages.find((x) => x.chat_id === chatId && x.message_id === Number(payload.message_id));
    if (!found) throw new ApiError(400, "Bad Request: message to edit not found");
    return found;
  }

  private checkText(text: unknown, parseMode: unknown): string {
    if (typeof text !== "string" || text.trim().length === 0) throw new ApiError(400, "Bad Request: message text is empty");
    if (parseMode === "HTML") checkHtml(text);
    if (visibleLength(text, parseMode) > 4096) throw new ApiError(400, "Bad Request: message is too long");
    return text;
  }

  private async dispatch(method: string, p: Record<string, unknown>, file?: { file_name: string; content: Buffer }): Promise<unknown> {
    switch (method) {
      case "getMe":
        return this.botInfo;
      case "deleteWebhook":
      case "setMyCommands":
        if (method === "setMyCommands") this.commands.push(p);
        return true;
      case "deleteMyCommands":
      case "sendChatAction":
        return true;
      case "getMyCommands":
        return [];
      case "getUpdates":
        return this.getUpdates(p);
      case "sendMessage": {
        const text = this.checkText(p.text, p.parse_mode);
        const markup = checkMarkup(p.reply_markup);
        const sent: SentMessage = { message_id: this.nextMessageId++, chat_id: Number(p.chat_id), text, edits: 0, ...(markup ? { reply_markup: markup } : {}), ...(typeof p.parse_mode === "string" ? { parse_mode: p.parse_mode } : {}) };
        this.messages.push(sent);
        return this.asTelegram(sent);
      }
      case "editMessageText": {
        const target = this.message(p);
        const text = this.checkText(p.text, p.parse_mode);
        const markup = checkMarkup(p.reply_markup);
        if (target.text === text && JSON.stringify(target.reply_markup) === JSON.stringify(markup)) {
          throw new ApiError(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message");
        }
        target.text = text;
        if (markup) target.reply_markup = markup;
        else delete target.reply_markup;
        target.edits++;
        return this.asTelegram(target);
      }
      case "editMessageReplyMarkup": {
        const target = this.message(p);
        const markup = checkMarkup(p.reply_markup);
        if (markup) target.reply_markup = markup;
        else delete target.reply_markup;
        target.edits++;
        return this.asTelegram(target);
      }
      case "answerCallbackQuery":
        this.answers.set(String(p.callback_query_id), typeof p.text === "string" ? p.text : undefined);
        return true;
      case "sendDocument": {
        if (!file) throw new ApiError(400, "Bad Request: there is no document in the request");
        if (file.content.length > 50 * 1024 * 1024) throw new ApiError(413, "Request Entity Too Large");
        const caption = typeof p.caption === "string" ? p.caption : undefined;
        const sent: SentMessage = { message_id: this.nextMessageId++, chat_id: Number(p.chat_id), document: file, edits: 0, ...(caption ? { caption } : {}) };
        this.messages.push(sent);
        return { ...this.asTelegram(sent), document: { file_id: `f${sent.message_id}`, file_unique_id: `u${sent.message_id}`, file_name: file.file_name } };
      }
      case "deleteMessage": {
        const target = this.message(p);
        this.messages.splice(this.messages.indexOf(target), 1);
        return true;
      }
      default:
        throw new ApiError(404, "Not Found: method not found");
    }
  }

  private asTelegram(m: SentMessage): Record<string, unknown> {
    return {
      message_id: m.message_id,
      date: Math.floor(Date.now() / 1000),
      chat: { id: m.chat_id, type: "private", first_name: "User" },
      from: this.botInfo,
      ...(m.text !== undefined ? { text: m.text } : {}),
      ...(m.caption !== undefined ? { caption: m.caption } : {}),
      ...(m.reply_markup ? { reply_markup: m.reply_markup } : {}),
    };
  }

  private async getUpdates(p: Record<string, unknown>): Promise<Update[]> {
    const offset = Number(p.offset ?? 0);
    // Confirm (drop) everything below the offset, as Telegram does.
    while (this.updates.length > 0 && (this.updates[0] as Update).update_id < offset) this.updates.shift();
    const limit = Number(p.limit ?? 100);
    const deadline = Date.now() + Number(p.timeout ?? 0) * 1000;
    while (this.updates.length === 0 && !this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.pollers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.max(0, deadline - Date.now()));
        this.pollers.add(wake);
      });
    }
    return this.updates.slice(0, limit);
  }
}

/** A small multipart/form-data reader (undici's refuses grammY's framing). */
function parseMultipart(body: Buffer, contentType: string): { name: string; filename?: string; content: Buffer }[] {
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
  if (!boundary) throw new ApiError(400, "Bad Request: no multipart boundary");
  const parts: { name: string; filename?: string; content: Buffer }[] = [];
  const delimiter = Buffer.from(`--${boundary}`);
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    const chunk = body.subarray(start + delimiter.length, next);
    const headerEnd = chunk.indexOf("\r\n\r\n");
    if (headerEnd !== -1) {
      const headers = chunk.subarray(0, headerEnd).toString("utf8");
      let content = chunk.subarray(headerEnd + 4);
      if (content.subarray(-2).toString() === "\r\n") content = content.subarray(0, -2);
      // grammY writes `name="x"` but an unquoted `filename=x`.
      const name = /[;\s]name="([^"]*)"/.exec(headers)?.[1];
      const filename = /filename="?([^";\r\n]*)"?/.exec(headers)?.[1];
      if (name !== undefined) parts.push({ name, content, ...(filename !== undefined ? { filename } : {}) });
    }
    start = next;
  }
  return parts;
}

async function bodyBuffer(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === "string") return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === "function") {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
    return Buffer.concat(chunks);
  }
  return Buffer.from(await new Response(body as ConstructorParameters<typeof Response>[0]).arrayBuffer());
}
