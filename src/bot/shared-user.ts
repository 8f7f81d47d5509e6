// Who an admin means when linking a client: a user chosen with Telegram's "choose a user"
// button (a users_shared message), the sender of a forwarded message, or a typed numeric ID.
import type { Message } from "grammy/types";
import { esc } from "./html.js";

export interface TelegramUser {
  id: number;
  /** What Telegram told of them (name, else @username); absent for a typed ID. */
  name?: string;
}

/** The request_id of the "choose a user" button: one such button per message, so any fixed number. */
export const REQUEST_ID = 1;

/** "hidden": a forward from someone who hides their account (no ID in it). */
export type Picked = { ok: true; user: TelegramUser } | { ok: false; reason: "hidden" | "not-a-person" };

const ID = /^\d{1,15}$/;

function person(id: number, first?: string, last?: string, username?: string): Picked {
  const name = [first, last].filter((s) => s !== undefined && s !== "").join(" ") || (username ? `@${username}` : "");
  return { ok: true, user: name === "" ? { id } : { id, name } };
}

export function pickUser(m: Message): Picked {
  const shared = m.users_shared;
  if (shared) {
    const u = shared.users[0];
    return shared.request_id === REQUEST_ID && u ? person(u.user_id, u.first_name, u.last_name, u.username) : { ok: false, reason: "not-a-person" };
  }
  const origin = m.forward_origin;
  if (origin) {
    if (origin.type === "hidden_user") return { ok: false, reason: "hidden" };
    if (origin.type === "user" && !origin.sender_user.is_bot) {
      const u = origin.sender_user;
      return person(u.id, u.first_name, u.last_name, u.username);
    }
    return { ok: false, reason: "not-a-person" }; // a bot's message, a channel's or a group's
  }
  const text = m.text?.trim() ?? "";
  return ID.test(text) && Number(text) > 0 ? { ok: true, user: { id: Number(text) } } : { ok: false, reason: "not-a-person" };
}

/** `Name (<code>123</code>)`, or the ID alone when no name is known. HTML. */
export const userLabel = (u: TelegramUser): string => (u.name ? `${esc(u.name)} (<code>${u.id}</code>)` : `<code>${u.id}</code>`);
