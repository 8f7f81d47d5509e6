// The few pieces of Go's net/url and encoding/json that the panel's link builders lean on,
// byte for byte: a client app compares nothing, but a link that differs from the panel's
// own makes admins doubt both.
import { compareKeys, type JsonValue } from "../../xui/panel-json.js";

const UNRESERVED = /[A-Za-z0-9\-_.~]/;

function escapeWith(s: string, keep: (c: string) => boolean, space: string): string {
  let out = "";
  for (const byte of Buffer.from(s, "utf8")) {
    const c = String.fromCharCode(byte);
    if (byte < 0x80 && (UNRESERVED.test(c) || keep(c))) out += c;
    else if (c === " ") out += space;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** url.QueryEscape: everything but the unreserved characters, a space as "+". */
export const queryEscape = (s: string): string => escapeWith(s, () => false, "+");

/** The frontend's encodeURIComponent as the 3.x panel spells it: QueryEscape with "%20" for spaces. */
export const componentEscape = (s: string): string => queryEscape(s).replaceAll("+", "%20");

/** url.URL.String()'s escaping of a fragment (2.x builders set URL.Fragment). */
export const fragmentEscape = (s: string): string => escapeWith(s, (c) => "$&+,/:;=?@!()*".includes(c), "%20");

/** url.URL.String()'s escaping of a user name (2.x builders parse "scheme://user@host"). */
export const userEscape = (s: string): string => escapeWith(s, (c) => "$&+,;=".includes(c), "%20");

/** url.Values.Encode(): keys in byte order, each key and value QueryEscape'd. */
export function encodeQuery(params: ReadonlyMap<string, string>): string {
  return [...params.keys()]
    .sort(compareKeys)
    .map((k) => `${queryEscape(k)}=${queryEscape(params.get(k) as string)}`)
    .join("&");
}

/** json.Marshal: compact, keys in byte order at every level, HTML-unsafe characters escaped. */
export function goMarshal(value: JsonValue): string {
  const sorted = (v: JsonValue): JsonValue => {
    if (v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) return v.map(sorted);
    const out = Object.create(null) as Record<string, JsonValue>;
    for (const k of Object.keys(v).sort(compareKeys)) out[k] = sorted(v[k] as JsonValue);
    return out;
  };
  return JSON.stringify(sorted(value)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`);
}
