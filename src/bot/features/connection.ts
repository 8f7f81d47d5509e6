// /sub and the "Connection" button: the subscription URL as a QR photo (its URL in the
// caption), and on request one QR photo per share link. An end user gets only the clients
// linked to their Telegram ID; an admin any client (/sub REF, or a client card's button).
import { Composer, InlineKeyboard, InputFile, InputMediaBuilder } from "grammy";
import type { Client } from "../../core/types.js";
import { connectionOf, type Connection, type ConnectionLink } from "../../service/links/connection.js";
import { byTag, connectionData, decodeConnection, type ConnectionPart } from "../connection-callback.js";
import type { BotContext, BotDeps } from "../context.js";
import { esc } from "../html.js";
import type { Texts } from "../locales/en.js";
import { qrPng } from "../qr.js";

/** Telegram's limits: a caption of 1024 characters, a media group of 10 photos. */
const CAPTION = 1024;
const GROUP = 10;

/** A caption with the URL when it fits; else the name alone, and the URL follows as text. */
function caption(head: string, url: string): { caption: string; overflow?: string } {
  const full = `${head}\n<code>${esc(url)}</code>`;
  return full.length <= CAPTION ? { caption: full } : { caption: head, overflow: `<code>${esc(url)}</code>` };
}

/**
 * `client`: whose connection `c` is; `name`: how it is named to the user (`nl/alice` with
 * several servers, where the same customer has an alice on each).
 */
async function sendSubscription(ctx: BotContext, t: Texts, c: Connection, client: Client, name: string): Promise<void> {
  const s = c.subscription;
  const linksButton = new InlineKeyboard().text(t.shareLinksButton(c.links.length), connectionData(client, "links"));
  if (s.url === null) {
    await ctx.reply(t.subscriptionMissing[s.missing ?? "no-host"](esc(name)), { parse_mode: "HTML" });
    return sendLinks(ctx, t, c, name);
  }
  const head = t.subscriptionCaption(esc(name));
  const { caption: text, overflow } = caption(head, s.url);
  await ctx.replyWithPhoto(new InputFile(await qrPng(s.url), "subscription.png"), { caption: text, parse_mode: "HTML", ...(overflow || c.links.length === 0 ? {} : { reply_markup: linksButton }) });
  const extra = [overflow, s.jsonUrl ? `${t.jsonSubscription}: <code>${esc(s.jsonUrl)}</code>` : undefined].filter((x): x is string => x !== undefined);
  if (extra.length > 0) await ctx.reply(extra.join("\n"), { parse_mode: "HTML", ...(c.links.length === 0 ? {} : { reply_markup: linksButton }) });
}

async function sendLinks(ctx: BotContext, t: Texts, c: Connection, name: string): Promise<void> {
  if (c.links.length === 0) {
    await ctx.reply(t.noShareLinks(esc(name), c.skipped.some((k) => k.reason === "no-host")), { parse_mode: "HTML" });
    return;
  }
  const overflows: string[] = [];
  const photos: { file: InputFile; caption: string }[] = [];
  for (const link of c.links) {
    const { caption: text, overflow } = caption(linkHead(link), link.url);
    if (overflow) overflows.push(overflow);
    photos.push({ file: new InputFile(await qrPng(link.url), `link-${photos.length + 1}.png`), caption: text });
  }
  // An album needs two photos at least; up to ten go in one.
  for (let i = 0; i < photos.length; i += GROUP) {
    const group = photos.slice(i, i + GROUP);
    const [first] = group;
    if (group.length === 1 && first) await ctx.replyWithPhoto(first.file, { caption: first.caption, parse_mode: "HTML" });
    else await ctx.replyWithMediaGroup(group.map((p) => InputMediaBuilder.photo(p.file, { caption: p.caption, parse_mode: "HTML" })));
  }
  for (const text of overflows) await ctx.reply(text, { parse_mode: "HTML" });
}

const linkHead = (l: ConnectionLink) => `<b>${esc(l.remark || l.inboundRemark)}</b> (${esc(l.protocol)})`;

async function send(ctx: BotContext, deps: BotDeps, client: Client, part: ConnectionPart): Promise<void> {
  await ctx.replyWithChatAction("upload_photo").catch(() => undefined);
  const connection = connectionOf(deps.service.serviceOf(client), client, { publicHost: deps.config.publicHost });
  const name = deps.service.refOf(client);
  if (part === "links") await sendLinks(ctx, ctx.t, connection, name);
  else await sendSubscription(ctx, ctx.t, connection, client, name);
}

/** The clients a person may get links for: an admin any, anyone else their own. */
const visible = (ctx: BotContext, deps: BotDeps): Client[] => (ctx.isAdmin ? deps.service.clients() : deps.service.byTelegramId(ctx.from?.id ?? 0));

/**
 * Installed twice: for end users before their catch-all (which answers everything else), for
 * admins after the middleware that leaves a conversation on any command.
 */
export function connection(deps: BotDeps, who: "users" | "admins"): Composer<BotContext> {
  const outer = new Composer<BotContext>();
  const composer = outer.filter((ctx) => ctx.isAdmin === (who === "admins"));
  composer.command("sub", async (ctx) => {
    const ref = ctx.match.trim();
    if (ctx.isAdmin && ref !== "") {
      const client = deps.service.get(ref);
      if (!client) return void (await ctx.reply(ctx.t.noMatches(esc(ref)), { parse_mode: "HTML" }));
      return send(ctx, deps, client, "subscription");
    }
    const own = deps.service.byTelegramId(ctx.from?.id ?? 0);
    if (own.length === 0) {
      await ctx.reply(ctx.isAdmin ? ctx.t.subUsage : ctx.t.stranger(ctx.from?.id ?? 0), { parse_mode: "HTML" });
      return;
    }
    for (const client of own) await send(ctx, deps, client, "subscription");
  });
  composer.on("callback_query:data", async (ctx, next) => {
    const cb = decodeConnection(ctx.callbackQuery.data);
    if (!cb) return next();
    const client = byTag(visible(ctx, deps), cb.tag);
    if (!client) return void (await ctx.answerCallbackQuery({ text: ctx.t.outdated, show_alert: true }));
    await ctx.answerCallbackQuery().catch(() => undefined);
    await send(ctx, deps, client, cb.part);
  });
  return outer;
}

/** The "Connection" button(s) under a card: one per client (named when there are several). */
export function connectionKeyboard(t: Texts, clients: Client[], keyboard = new InlineKeyboard()): InlineKeyboard {
  for (const c of clients) {
    const name = c.server === undefined ? c.email : `${c.server}/${c.email}`;
    keyboard.text(clients.length > 1 ? t.connectionButtonFor(name) : t.connectionButton, connectionData(c, "subscription")).row();
  }
  return keyboard;
}
