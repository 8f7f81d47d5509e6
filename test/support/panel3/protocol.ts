// Per-protocol rules of v3.6.0 the client service applies to each inbound it touches
// (client_crud.go fillProtocolDefaults and friends, inbound_protocol.go).
import { randomBytes, randomInt, randomUUID } from "node:crypto";
import type { JsonObject, JsonValue } from "../../../src/xui/panel-json.js";
import type { InboundRow } from "./store.js";
import { GoError, type GoClient } from "./wire.js";

/** common.NewError: fmt.Sprintln of its arguments (spaces between, a newline at the end). */
export function goError(...parts: unknown[]): GoError {
  return new GoError(parts.map(String).join(" ") + "\n");
}

const NUM_LOWER = "0123456789abcdefghijklmnopqrstuvwxyz";

/** random.NumLower(n): the subId the panel gives a JSON entry that has none. */
export function numLower(n: number): string {
  return Array.from({ length: n }, () => NUM_LOWER[randomInt(NUM_LOWER.length)]).join("");
}

function hasForbiddenChar(s: string): boolean {
  return [...s].some((ch) => ch === "/" || ch === "\\" || ch === " " || (ch.codePointAt(0) ?? 0) < 0x20 || ch === "\u007f");
}

export function validateEmail(email: string): void {
  if (hasForbiddenChar(email)) throw goError("client email contains an invalid character:", email);
}

export function validateSubId(subId: string): void {
  if (hasForbiddenChar(subId)) throw goError("client subId contains an invalid character:", subId);
}

function settingsField(settings: string, key: string): string {
  try {
    const v = (JSON.parse(settings) as Record<string, unknown>)[key];
    return typeof v === "string" ? v : "";
  } catch {
    return "";
  }
}

function shadowsocksKeyBytes(method: string): number {
  if (method === "2022-blake3-aes-128-gcm") return 16;
  if (method === "2022-blake3-aes-256-gcm" || method === "2022-blake3-chacha20-poly1305") return 32;
  return 0;
}

function validShadowsocksKey(method: string, key: string): boolean {
  const n = shadowsocksKeyBytes(method);
  if (n === 0) return key !== "";
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(key)) return false;
  return Buffer.from(key, "base64").length === n;
}

const hexUuid = () => randomUUID().replaceAll("-", "");

/** fillProtocolDefaults (client_crud.go L165): the credential each protocol needs. */
export function fillProtocolDefaults(c: GoClient, ib: InboundRow): void {
  switch (ib.protocol) {
    case "vmess":
    case "vless":
      if (c.id === "") c.id = randomUUID();
      break;
    case "trojan":
      if (c.password === "") c.password = hexUuid();
      break;
    case "shadowsocks": {
      const method = settingsField(ib.settings, "method");
      if (c.password === "" || !validShadowsocksKey(method, c.password)) {
        const n = shadowsocksKeyBytes(method);
        c.password = n > 0 ? randomBytes(n).toString("base64") : hexUuid();
      }
      break;
    }
    case "hysteria":
      if (c.auth === "") c.auth = hexUuid();
      break;
  }
}

/** inboundCanEnableTlsFlow (inbound_protocol.go L32): VLESS on tcp+tls/reality, or xhttp+vlessenc. */
export function canEnableTlsFlow(ib: InboundRow): boolean {
  if (ib.protocol !== "vless" || !ib.stream_settings) return false;
  let stream: { network?: unknown; security?: unknown };
  try {
    stream = JSON.parse(ib.stream_settings) as typeof stream;
  } catch {
    return false;
  }
  if (stream.network === "tcp") return stream.security === "tls" || stream.security === "reality";
  if (stream.network === "xhttp") {
    const set = (v: string) => v !== "" && v !== "none";
    return set(settingsField(ib.settings, "encryption")) || set(settingsField(ib.settings, "decryption"));
  }
  return false;
}

/** clientWithInboundFlow (client_crud.go L214). */
export function withInboundFlow(c: GoClient, ib: InboundRow): GoClient {
  return canEnableTlsFlow(ib) ? { ...c } : { ...c, flow: "" };
}

/** applyShadowsocksClientMethod (client_crud.go L296): per-client `method` for non-2022 ciphers. */
export function applyShadowsocksMethod(entries: JsonValue[], settings: JsonObject): void {
  const method = typeof settings.method === "string" ? settings.method : "";
  const is2022 = method.startsWith("2022-blake3-");
  for (const entry of entries) {
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) continue;
    if (is2022) {
      delete entry.method;
      continue;
    }
    if (method === "" || (typeof entry.method === "string" && entry.method !== "")) continue;
    entry.method = method;
  }
}

/** The credential UpdateInboundClient requires of the new entry (client_inbound_apply.go L551). */
export function clientIdFor(protocol: string, c: GoClient): string {
  switch (protocol) {
    case "trojan":
      return c.password;
    case "shadowsocks":
    case "wireguard":
    case "mtproto":
      return c.email;
    case "hysteria":
      return c.auth;
    default:
      return c.id;
  }
}

/** The check addInboundClient makes of every new entry (L402). */
export function requireCredential(protocol: string, c: GoClient): void {
  if (c.email.trim() === "") throw goError("client email is required");
  const missing = protocol === "trojan" ? c.password === "" : protocol === "hysteria" ? c.auth === "" : protocol === "shadowsocks" ? c.email === "" : c.id === "";
  if (missing) throw goError("empty client ID");
}
