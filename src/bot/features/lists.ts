// /list and /find: a paged list with a toggle per client, select all/none, and bulk actions;
// /user and a tap on a client: the client card with buttons for the common actions.
// The list and the ticks live server-side; buttons carry only the selection ID and indexes.
import { Composer, GrammyError, InlineKeyboard } from "grammy";
import { XuiError } from "../../core/errors.js";
import { parseClientFilter } from "../../service/queries.js";
import type { ClientFilter, Client, Operation } from "../../core/types.js";
import type { Selection } from "../../store/bot-store.js";
import { decode, encode, type Callback, type CardAction } from "../callback-data.js";
import { connectionData } from "../connection-callback.js";
import type { BotContext, BotDeps, ConvContext } from "../context.js";
import { ask, type Conv } from "../conversations/ask.js";
import { editReplies } from "../conversations/edit.js";
import { esc } from "../html.js";
import type { Texts } from "../locales/en.js";
import { errorReplies, operate, previewReplies, sendReplies, type Reply } from "../operate.js";
import { cardText, listLine } from "../render.js";
import { inviteReplies } from "./linking.js";
import { sendUsageChart } from "./stats.js";
import { serverScope } from "../server-scope.js";
import { clientStatus } from "../../service/status.js";
import { addJumpRows, byName, jumpIndex, statusesOf } from "./list-jumps.js";

const PAGE = 10;
/** Button labels stay short: Telegram shows little of a long one anyway. */
const LABEL = 28;

function title(t: Texts, f: Selection["filter"]): string {
  switch (f.kind) {
    case "expiring":
      return t.filterName.expiring(f.days);
    case "inbound":
      return t.filterName.inbound(f.inboundId);
    case "search":
      return t.filterName.search(esc(f.query));
    default:
      return t.filterName[f.kind];
  }
}

const short = (s: string) => (s.length > LABEL ? `${s.slice(0, LABEL - 1)}…` : s);

export function listView(t: Texts, deps: BotDeps, selId: string, sel: Selection): { text: string; keyboard: InlineKeyboard } {
  const pages = Math.max(1, Math.ceil(sel.emails.length / PAGE));
  const page = Math.min(sel.page, pages - 1);
  const byRef = new Map(deps.service.clients().map((c) => [deps.service.refOf(c), c]));
  const now = deps.service.now();
  const keyboard = new InlineKeyboard();
  // The controls come first and are the same on every page; the clients' rows follow (the
  // last page has fewer).
  if (pages > 1) addJumpRows(t, keyboard, selId, page, pages, statusesOf(sel.emails, byRef, now), sel.emails);
  keyboard
    .text(t.selectAll, encode({ kind: "all", selId }))
    .text(t.selectNone, encode({ kind: "none", selId }))
    .row()
    .text(t.actionExtend, encode({ kind: "list-action", selId, action: "extend" }))
    .text(t.actionLimit, encode({ kind: "list-action", selId, action: "limit" }))
    .text(t.actionReset, encode({ kind: "list-action", selId, action: "reset" }))
    .row()
    .text(t.actionBlock, encode({ kind: "list-action", selId, action: "block" }))
    .text(t.actionUnblock, encode({ kind: "list-action", selId, action: "unblock" }))
    .row();
  const lines: string[] = [];
  const selected = new Set(sel.selected);
  for (let i = page * PAGE; i < Math.min(sel.emails.length, (page + 1) * PAGE); i++) {
    const email = sel.emails[i] as string;
    const client = byRef.get(email);
    lines.push(client ? listLine(t, client, now, i + 1) : `${i + 1}. <s>${esc(email)}</s>`);
    keyboard
      .text(`${selected.has(i) ? "✅" : "⬜"} ${short(email)}`, encode({ kind: "toggle", selId, index: i }))
      .text(t.open, encode({ kind: "open", selId, index: i }))
      .row();
  }
  const header = t.listHeader(title(t, sel.filter), sel.emails.length, page + 1, pages, selected.size);
  return { text: `${header}\n\n${lines.join("\n")}`, keyboard };
}

function cardView(t: Texts, selId: string, client: Client, now: number): { text: string; keyboard: InlineKeyboard } {
  const card = (action: CardAction) => encode({ kind: "card", selId, action });
  const keyboard = new InlineKeyboard()
    .text(t.cardExtend(7), card("extend7"))
    .text(t.cardExtend(30), card("extend30"))
    .row()
    .text(client.enabled ? t.cardBlock : t.cardUnblock, card(client.enabled ? "block" : "unblock"))
    .text(t.cardReset, card("reset"))
    .text(t.cardLimit, card("limit"))
    .row()
    .text(t.cardEditTg, card("edit-tg"))
    .text(t.cardEditIp, card("edit-ip"))
    .text(t.cardEditComment, card("edit-comment"))
    .row();
  // A flow only where one can be set at all (the service checks the transport).
  if (client.protocol === "vless") keyboard.text(t.cardEditFlow, card("edit-flow"));
  keyboard.text(t.cardEditEmail, card("edit-email")).text(t.cardEditRenew, card("edit-renew")).row();
  keyboard.text(t.link.cardLink, card("link"));
  if (client.tgId) keyboard.text(t.link.cardUnlink, card("unlink"));
  keyboard.text(t.link.cardInvite, card("invite")).row().text(t.cardUsage, card("usage")).text(t.cardDelete, card("delete"));
  // The user's connection, for the admin to forward: not a card action, the link feature answers it.
  keyboard.text(t.connectionButton, connectionData(client, "subscription"));
  return { text: cardText(t, client, now), keyboard };
}

/** A client card as a reply; its buttons' selection is stored now. */
function cardReply(t: Texts, deps: BotDeps, adminId: number, client: Client): Reply {
  const ref = deps.service.refOf(client);
  const selId = deps.store.addSelection({ adminId, title: ref, filter: { kind: "search", query: ref }, emails: [ref], selected: [0], page: 0 });
  const view = cardView(t, selId, client, deps.service.now());
  return { text: view.text, keyboard: view.keyboard };
}

function listReply(t: Texts, deps: BotDeps, adminId: number, filter: Selection["filter"], clients: Client[]): Reply {
  if (clients.length === 0) return { text: t.listEmpty(title(t, filter)) };
  // In name order, so that numbers stay with names and letter jumps work; a search keeps
  // its order (exact hits first). References as the service finds them again (`nl/alice`).
  const sorted = filter.kind === "search" ? clients : [...clients].sort((x, y) => byName(x.email, y.email));
  const sel: Selection = { adminId, title: "", filter, emails: sorted.map((c) => deps.service.refOf(c)), selected: [], page: 0 };
  const selId = deps.store.addSelection(sel);
  const view = listView(t, deps, selId, sel);
  return { text: view.text, keyboard: view.keyboard };
}

/** /find and /user: an exact or single match opens the card, several make a list. */
export function findReplies(t: Texts, deps: BotDeps, adminId: number, given: string): Reply[] {
  try {
    return findOn(t, deps, adminId, given);
  } catch (error) {
    return errorReplies(t, error, deps, true);
  }
}

function findOn(t: Texts, deps: BotDeps, adminId: number, given: string): Reply[] {
  const { scope, rest: query } = serverScope(given);
  const exact = scope.servers ? undefined : deps.service.get(query);
  if (exact) return [cardReply(t, deps, adminId, exact)];
  const found = deps.service.find(query, scope);
  if (found.length === 1) return [cardReply(t, deps, adminId, found[0] as Client)];
  if (found.length === 0) return [{ text: t.noMatches(esc(query)) }];
  return [listReply(t, deps, adminId, { kind: "search", query }, found)];
}

/** /find and /user without a query: ask for it. */
export function findConversation(deps: BotDeps) {
  return async function find(conversation: Conv, ctx: ConvContext): Promise<void> {
    const t = ctx.t;
    const query = await ask(conversation, ctx, t.askQuery, (x) => {
      if (x.trim() === "") throw new XuiError("bad-input", t.askQuery, ["query"]);
      return x.trim();
    });
    const adminId = ctx.from?.id ?? 0;
    await sendReplies(ctx, await conversation.external(() => findReplies(t, deps, adminId, query)));
  };
}

export function lists(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const admin = composer.filter((ctx) => ctx.isAdmin);

  admin.command("list", async (ctx) => {
    let filter: ClientFilter;
    const { scope, rest } = serverScope(ctx.match);
    try {
      filter = parseClientFilter(rest);
    } catch (error) {
      if (!(error instanceof XuiError)) throw error;
      await ctx.reply(ctx.t.badFilter(esc(ctx.match)), { parse_mode: "HTML" });
      return;
    }
    try {
      await sendReplies(ctx, [listReply(ctx.t, deps, ctx.from?.id ?? 0, filter, deps.service.list(filter, scope))]);
    } catch (error) {
      await sendReplies(ctx, errorReplies(ctx.t, error, deps, true));
    }
  });

  admin.command(["find", "user"], async (ctx) => {
    const query = ctx.match.trim();
    if (query.length === 0) return ctx.conversation.enter("find");
    await sendReplies(ctx, findReplies(ctx.t, deps, ctx.from?.id ?? 0, query));
  });

  // A bare email (or key) opens that client's card; any other text goes on (to /help).
  admin.on("message:text", async (ctx, next) => {
    const text = ctx.message.text.trim();
    const client = text.startsWith("/") ? undefined : deps.service.get(text);
    if (!client) return next();
    await sendReplies(ctx, [cardReply(ctx.t, deps, ctx.from.id, client)]);
  });

  admin.on("callback_query:data", async (ctx, next) => {
    const cb = decode(ctx.callbackQuery.data);
    if (!cb || cb.kind === "confirm" || cb.kind === "history") return next();
    const sel = deps.store.selection(cb.selId, ctx.from.id);
    if (!sel) return ctx.answerCallbackQuery({ text: ctx.t.outdated, show_alert: true });
    await onListButton(ctx, deps, cb, sel);
  });
  return composer;
}

async function onListButton(ctx: BotContext, deps: BotDeps, cb: Exclude<Callback, { kind: "confirm" | "history" }>, sel: Selection): Promise<void> {
  const t = ctx.t;
  const redraw = async () => {
    deps.store.saveSelection(cb.selId, sel);
    const view = listView(t, deps, cb.selId, sel);
    await editIfChanged(ctx, view.text, view.keyboard);
  };
  const inRange = (i: number) => i >= 0 && i < sel.emails.length;
  switch (cb.kind) {
    case "toggle":
      if (!inRange(cb.index)) return void (await ctx.answerCallbackQuery({ text: t.outdated, show_alert: true }));
      sel.selected = sel.selected.includes(cb.index) ? sel.selected.filter((i) => i !== cb.index) : [...sel.selected, cb.index];
      await redraw();
      break;
    case "all":
    case "none":
      sel.selected = cb.kind === "all" ? sel.emails.map((_, i) => i) : [];
      await redraw();
      break;
    case "page":
      sel.page = cb.page;
      await redraw();
      break;
    case "jump": {
      const now = deps.service.now();
      const byEmail = new Map(deps.service.clients().map((c) => [deps.service.refOf(c), c]));
      const statusOf = (email: string) => {
        const c = byEmail.get(email);
        return c ? clientStatus(c, now) : undefined;
      };
      const at = jumpIndex(cb.by, cb.value, (sel.page + 1) * PAGE, sel.emails, statusOf);
      if (at === undefined) break;
      sel.page = Math.floor(at / PAGE);
      await redraw();
      break;
    }
    case "noop":
      break;
    case "open": {
      const client = inRange(cb.index) ? deps.service.get(sel.emails[cb.index] as string) : undefined;
      if (!client) return void (await ctx.answerCallbackQuery({ text: t.outdated, show_alert: true }));
      await sendReplies(ctx, [cardReply(t, deps, ctx.from?.id ?? 0, client)]);
      break;
    }
    case "list-action": {
      const emails = sel.selected.filter(inRange).map((i) => sel.emails[i] as string);
      if (emails.length === 0) return void (await ctx.answerCallbackQuery({ text: t.selectFirst, show_alert: true }));
      if (cb.action === "extend" || cb.action === "limit") await ctx.conversation.enter("operation", cb.action, emails);
      else await operate(ctx, deps, { kind: cb.action }, emails);
      break;
    }
    case "card":
      await onCardButton(ctx, deps, cb.selId, cb.action, sel.emails[0] as string);
      break;
  }
  // A lost answer only leaves the button spinning a while; the action itself is done.
  await ctx.answerCallbackQuery().catch(() => undefined);
}

/**
 * A card's buttons. Those that ask a value (a limit, a field) start a conversation; reset and
 * delete, which cannot be undone or remove the client, show a preview to confirm; the others
 * act at once, and the card shows the client as it is now.
 */
async function onCardButton(ctx: BotContext, deps: BotDeps, selId: string, action: CardAction, email: string): Promise<void> {
  const t = ctx.t;
  const adminId = ctx.from?.id ?? 0;
  if (action === "limit") return ctx.conversation.enter("operation", "limit", [email]);
  if (action === "link") return ctx.conversation.enter("link", email);
  if (action === "invite") return sendReplies(ctx, inviteReplies(t, deps, email, adminId, ctx.me.username));
  if (action === "usage") {
    const client = deps.service.get(email);
    if (!client) return void (await ctx.answerCallbackQuery({ text: t.outdated, show_alert: true }));
    return sendUsageChart(ctx, deps, client);
  }
  if (action.startsWith("edit-")) return ctx.conversation.enter("edit", email, action.slice("edit-".length));
  if (action === "reset" || action === "delete") {
    const op: Operation = { kind: action };
    try {
      await sendReplies(ctx, await previewReplies(t, deps, { adminId, op, emails: [email] }));
    } catch (error) {
      await sendReplies(ctx, errorReplies(t, error, deps));
    }
    return;
  }
  if (action === "unlink") {
    await sendReplies(ctx, await editReplies(t, deps, email, { tgId: 0 }, adminId));
  } else {
    const days = action === "extend7" ? 7 : action === "extend30" ? 30 : 0;
    await operate(ctx, deps, days > 0 ? { kind: "extend", days } : { kind: action as "block" | "unblock" }, [email]);
  }
  const client = deps.service.get(email);
  if (client) {
    const view = cardView(t, selId, client, deps.service.now());
    await editIfChanged(ctx, view.text, view.keyboard);
  }
}

/** Edits a list or card in place; pressing "None" twice must not be an error. */
async function editIfChanged(ctx: BotContext, text: string, keyboard: InlineKeyboard): Promise<void> {
  try {
    await ctx.editMessageText(text, { parse_mode: "HTML", reply_markup: keyboard });
  } catch (error) {
    if (!(error instanceof GrammyError && error.description.includes("message is not modified"))) throw error;
  }
}
