// /servers: each server's state (reachable or not, panel and version, clients, online now,
// last error) with a button per server that opens its inbounds.
import { Composer, InlineKeyboard } from "grammy";
import type { ServerStatus } from "../../service/server-status.js";
import type { BotContext, BotDeps } from "../context.js";
import { reasonText } from "../error-text.js";
import { esc } from "../html.js";
import type { Texts } from "../locales/en.js";
import { errorReplies, sendReplies, textReplies } from "../operate.js";

/** A button's data: `srv:i:NAME` (server names are short words: always within Telegram's 64 bytes). */
const INBOUNDS = /^srv:i:([a-z0-9-]{1,16})$/;

export function serverLine(t: Texts, s: ServerStatus): string {
  const parts = [
    `<b>${esc(s.name)}</b> — ${s.state === "reachable" ? `✅ ${t.serverReachable}` : `⚠️ ${t.serverError}`}`,
    esc(s.version === undefined ? s.panel : `${s.panel} ${s.version}`),
    ...(s.clients === undefined ? [] : [t.serverClients(s.clients)]),
    ...(s.online === undefined ? [] : [t.serverOnline(s.online)]),
  ];
  const lastError = s.lastErrorCause === undefined ? esc(s.lastError ?? "") : reasonText(t, s.lastErrorCause);
  return [parts.join(" · "), ...(s.lastError === undefined ? [] : [`  ${t.serverLastError(lastError)}`])].join("\n");
}

export function servers(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const admin = composer.filter((ctx) => ctx.isAdmin);

  admin.command("servers", async (ctx) => {
    const t = ctx.t;
    const list = await deps.service.servers();
    const keyboard = new InlineKeyboard();
    for (const s of list) keyboard.text(t.serverInboundsButton(s.name), `srv:i:${s.name}`).row();
    const text = [t.serversHeader(list.length), "", ...list.map((s) => serverLine(t, s))].join("\n");
    await sendReplies(ctx, textReplies(text, keyboard));
  });

  admin.callbackQuery(INBOUNDS, async (ctx) => {
    const t = ctx.t;
    const name = (ctx.match as RegExpMatchArray)[1] as string;
    await ctx.answerCallbackQuery().catch(() => undefined);
    if (!deps.service.serverNames.includes(name)) return void (await ctx.reply(t.serverUnknown(esc(name)), { parse_mode: "HTML" }));
    try {
      const inbounds = deps.service.inbounds({ servers: [name] });
      const lines = inbounds.map((i) => t.serverInboundLine(i.id, esc(i.remark), esc(i.protocol), i.port, i.clientCount, i.enable));
      await sendReplies(ctx, textReplies([t.serverInbounds(esc(name), inbounds.length), "", ...lines].join("\n")));
    } catch (error) {
      await sendReplies(ctx, errorReplies(t, error, deps, true));
    }
  });
  return composer;
}
