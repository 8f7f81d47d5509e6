// The admin commands. With their arguments they act at once (one client) or preview (several);
// without them they start a conversation that asks for what is missing.
import { Composer } from "grammy";
import { XuiError } from "../../shared/errors.js";
import { splitRefs } from "../../service/select.js";
import type { Operation } from "../../shared/types.js";
import { parseDays, parseExpiryDate, parseGb } from "../../service/validate.js";
import type { BotContext, BotDeps } from "../context.js";
import type { OpKind } from "../conversations/operation.js";
import { esc } from "../html.js";
import { operate } from "../operate.js";

/** What a one-shot command's arguments say: the clients and, when given, the operation. */
interface Parsed {
  refs: string[];
  op: Operation | null;
}

const NUMBER = /^[+-]?\d+([.,]\d+)?$/;
const isNumber = (s: string | undefined) => s !== undefined && NUMBER.test(s);

/**
 * The references and the last word. A number after the last space is taken whole before the
 * references are split on commas: `/limit alice 1,5` is 1.5 GB for alice, not 5 GB for
 * "alice" and "1". Otherwise commas separate too: `/extend alice,bob,30`.
 */
function splitLast(text: string): { words: string[]; head: string[]; last: string | undefined } {
  const end = /(?:^|\s)(\S+)\s*$/u.exec(text);
  if (end && isNumber(end[1])) {
    const head = splitRefs(text.slice(0, end.index));
    return { words: [...head, end[1] as string], head, last: end[1] };
  }
  const words = splitRefs(text);
  return { words, head: words.slice(0, -1), last: words.at(-1) };
}

/** The value comes last: `/extend alice bob 30`, `/limit alice 50`, `/expiry alice never`. */
export function parseOneShot(kind: OpKind, text: string): Parsed {
  if (kind === "block" || kind === "unblock" || kind === "delete") {
    const refs = splitRefs(text);
    return { refs, op: refs.length > 0 ? { kind } : null };
  }
  const { words, head, last } = splitLast(text);
  switch (kind) {
    case "extend":
      return isNumber(last) && head.length > 0 ? { refs: head, op: { kind, days: parseDays(last, "days") } } : { refs: words, op: null };
    case "limit":
      return isNumber(last) && head.length > 0 ? { refs: head, op: { kind, totalBytes: parseGb(last, "GB") } } : { refs: words, op: null };
    case "expiry":
      return last !== undefined && head.length > 0 && /^(\d{4}-\d{2}-\d{2}|never|0)$/i.test(last)
        ? { refs: head, op: { kind, expiryTime: parseExpiryDate(last, "date") } }
        : { refs: words, op: null };
    case "reset":
      if (isNumber(last) && head.length > 0) return { refs: head, op: { kind, totalBytes: parseGb(last, "GB") } };
      return { refs: words, op: words.length > 0 ? { kind } : null };
  }
}

const KINDS: OpKind[] = ["extend", "expiry", "limit", "reset", "block", "unblock"];

export function adminCommands(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const admin = composer.filter((ctx) => ctx.isAdmin);
  admin.command(["start", "help"], (ctx) => ctx.reply(ctx.t.help, { parse_mode: "HTML" }));
  admin.command("create", (ctx) => ctx.conversation.enter("create"));
  for (const kind of KINDS) {
    admin.command(kind, async (ctx) => {
      let parsed: Parsed;
      try {
        parsed = parseOneShot(kind, ctx.match);
      } catch (error) {
        if (!(error instanceof XuiError)) throw error;
        await ctx.reply(ctx.t.error(esc(error.message)), { parse_mode: "HTML" });
        return;
      }
      if (parsed.op) await operate(ctx, deps, parsed.op, parsed.refs);
      else await ctx.conversation.enter("operation", kind, parsed.refs.length > 0 ? parsed.refs : null);
    });
  }
  return composer;
}
