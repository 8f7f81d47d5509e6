// Callback data: at most 64 bytes, so buttons carry short server-side IDs and indexes, never
// emails (they can be long and Unicode). Anything that does not decode is "outdated".
import { EDIT_KEYS, type EditKey } from "./edit-fields.js";
export type ListAction = "extend" | "block" | "unblock" | "reset" | "limit";
export type CardAction = "extend7" | "extend30" | "block" | "unblock" | "reset" | "limit" | "delete" | "usage" | `edit-${EditKey}` | "link" | "unlink" | "invite";

export type Callback =
  | { kind: "confirm"; pendingId: string; yes: boolean }
  | { kind: "toggle"; selId: string; index: number }
  | { kind: "all" | "none"; selId: string }
  | { kind: "page"; selId: string; page: number }
  | { kind: "open"; selId: string; index: number }
  | { kind: "list-action"; selId: string; action: ListAction }
  | { kind: "card"; selId: string; action: CardAction }
  /** A list's jump: to the next page with a client of that status, or to a first letter. */
  | { kind: "jump"; selId: string; by: "status" | "letter"; value: string }
  /** A placeholder that keeps a list's buttons in place (the page number, a spent ⏮). */
  | { kind: "noop"; selId: string }
  /** A change of /history: open it, or preview its undo. */
  | { kind: "history"; id: number; undo: boolean };

const LIST_ACTIONS: Record<string, ListAction> = { e: "extend", b: "block", u: "unblock", r: "reset", l: "limit" };
const CARD_ACTIONS: Record<string, CardAction> = {
  e7: "extend7",
  e30: "extend30",
  b: "block",
  u: "unblock",
  r: "reset",
  l: "limit",
  d: "delete",
  lk: "link",
  ul: "unlink",
  iv: "invite",
  g: "usage",
  ...Object.fromEntries(EDIT_KEYS.map((k) => [`x${k.slice(0, 2)}`, `edit-${k}` as const])),
};
const code = (table: Record<string, string>, value: string) => Object.keys(table).find((k) => table[k] === value) as string;

export function encode(c: Callback): string {
  let data: string;
  switch (c.kind) {
    case "confirm":
      data = `p:${c.pendingId}:${c.yes ? "y" : "n"}`;
      break;
    case "toggle":
      data = `l:${c.selId}:t:${c.index}`;
      break;
    case "all":
    case "none":
      data = `l:${c.selId}:${c.kind === "all" ? "a" : "z"}`;
      break;
    case "page":
      data = `l:${c.selId}:g:${c.page}`;
      break;
    case "open":
      data = `l:${c.selId}:o:${c.index}`;
      break;
    case "list-action":
      data = `l:${c.selId}:x:${code(LIST_ACTIONS, c.action)}`;
      break;
    case "card":
      data = `c:${c.selId}:${code(CARD_ACTIONS, c.action)}`;
      break;
    case "jump":
      data = `l:${c.selId}:j:${c.by === "status" ? "s" : "l"}:${c.value}`;
      break;
    case "noop":
      data = `l:${c.selId}:n`;
      break;
    case "history":
      data = `h:${c.id}${c.undo ? ":u" : ""}`;
  }
  if (Buffer.byteLength(data) > 64) throw new Error(`callback data over 64 bytes: ${data}`);
  return data;
}

const ID = "([A-Za-z0-9_-]{1,16})";
const INDEX = "(\\d{1,6})";

export function decode(data: string): Callback | undefined {
  let m: RegExpExecArray | null;
  if ((m = new RegExp(`^p:${ID}:([yn])$`).exec(data))) return { kind: "confirm", pendingId: m[1] as string, yes: m[2] === "y" };
  if ((m = new RegExp(`^l:${ID}:t:${INDEX}$`).exec(data))) return { kind: "toggle", selId: m[1] as string, index: Number(m[2]) };
  if ((m = new RegExp(`^l:${ID}:([az])$`).exec(data))) return { kind: m[2] === "a" ? "all" : "none", selId: m[1] as string };
  if ((m = new RegExp(`^l:${ID}:g:${INDEX}$`).exec(data))) return { kind: "page", selId: m[1] as string, page: Number(m[2]) };
  if ((m = new RegExp(`^l:${ID}:o:${INDEX}$`).exec(data))) return { kind: "open", selId: m[1] as string, index: Number(m[2]) };
  if ((m = new RegExp(`^l:${ID}:n$`).exec(data))) return { kind: "noop", selId: m[1] as string };
  if ((m = /^h:(\d{1,12})(:u)?$/.exec(data))) return { kind: "history", id: Number(m[1]), undo: m[2] !== undefined };
  if ((m = new RegExp(`^l:${ID}:j:([sl]):(.{1,16})$`, "u").exec(data))) {
    return { kind: "jump", selId: m[1] as string, by: m[2] === "s" ? "status" : "letter", value: m[3] as string };
  }
  if ((m = new RegExp(`^l:${ID}:x:([a-z])$`).exec(data))) {
    const action = LIST_ACTIONS[m[2] as string];
    return action ? { kind: "list-action", selId: m[1] as string, action } : undefined;
  }
  if ((m = new RegExp(`^c:${ID}:([a-z0-9]{1,3})$`).exec(data))) {
    const action = CARD_ACTIONS[m[2] as string];
    return action ? { kind: "card", selId: m[1] as string, action } : undefined;
  }
  return undefined;
}
