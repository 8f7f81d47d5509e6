// Parsers for every value a person types, shared by the bot, the CLI and the API. Each
// accepts a string or a number and either returns a clean value or throws a bad-input error
// that names the field and the value.
import { invalidInput, XuiError } from "../core/errors.js";
import { GB } from "../core/units.js";
import type { ClientEdit, CreateClientInput } from "../core/types.js";
import { MAX_TOKEN_NAME_BYTES } from "../xui/v3/api-token.js";
import { FLOWS } from "../xui/transport.js";

/** A century: anything longer is a typo, and the sums must stay exact integers. */
const MAX_DAYS = 36_500;
/** 1 PB: beyond any real limit, far below float precision trouble. */
const MAX_GB = 1_048_576;

function asText(value: unknown): string | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : undefined;
  return typeof value === "string" ? value.trim() : undefined;
}

export function parseDays(value: unknown, field = "days"): number {
  const text = asText(value);
  if (text === undefined || !/^[+-]?\d+$/.test(text)) throw invalidInput(field, value, "not-days");
  const days = Number(text);
  if (days <= 0) throw invalidInput(field, value, "too-small", 1);
  if (days > MAX_DAYS) throw invalidInput(field, value, "too-big", MAX_DAYS);
  return days;
}

/** Days to add, or with a minus to take away ("-3"); never 0. */
export function parseDayDelta(value: unknown, field = "days"): number {
  const text = asText(value);
  if (text === undefined || !/^[+-]?\d+$/.test(text)) throw invalidInput(field, value, "not-days");
  const days = Number(text);
  if (days === 0) throw invalidInput(field, value, "zero-days");
  if (Math.abs(days) > MAX_DAYS) throw invalidInput(field, value, "out-of-range", MAX_DAYS);
  return days;
}

/** "1,000": a thousand with a thousands separator, or one with a decimal comma? */
const THOUSANDS_OR_DECIMAL = /^[+-]?[1-9]\d{0,2},\d{3}$/;

/**
 * Gigabytes (2^30 bytes), fractions allowed, with a decimal point or comma ("1,5" is 1.5);
 * returns bytes. 0 means unlimited.
 */
export function parseGb(value: unknown, field = "gb"): number {
  const given = asText(value);
  // "-1,000" is negative whichever the comma is: say that, not "ambiguous".
  if (given !== undefined && /^-\s*[\d.,]/.test(given)) throw invalidInput(field, value, "negative");
  if (given !== undefined && THOUSANDS_OR_DECIMAL.test(given)) {
    throw invalidInput(field, value, "ambiguous-comma");
  }
  const text = given?.replace(",", ".");
  if (text === undefined || !/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text)) throw invalidInput(field, value, "not-gb");
  const gb = Number(text);
  if (gb > MAX_GB) throw invalidInput(field, value, "too-big-gb", MAX_GB);
  return Math.round(gb * GB);
}

/** A byte count as the seed's API takes it: a non-negative integer. */
export function parseBytes(value: unknown, field = "bytes"): number {
  const text = asText(value);
  if (text === undefined || !/^\d+$/.test(text)) throw invalidInput(field, value, "not-bytes");
  const bytes = Number(text);
  if (!Number.isSafeInteger(bytes) || bytes > MAX_GB * GB) throw invalidInput(field, value, "too-big", MAX_GB * GB);
  return bytes;
}

/**
 * "YYYY-MM-DD" (the client stays valid through that day, until midnight after it, in the
 * process's time zone), or "never"/"0" for no expiry. Returns Unix ms, 0 for never.
 */
export function parseExpiryDate(value: unknown, field = "date"): number {
  const text = asText(value);
  if (text !== undefined && /^(never|0|∞|никогда)$/i.test(text)) return 0;
  const m = text === undefined ? null : /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) throw invalidInput(field, value, "not-date");
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(y, mo - 1, d);
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d || y < 2000 || y > 2200) {
    throw invalidInput(field, value, "not-calendar-date");
  }
  return new Date(y, mo - 1, d + 1).getTime();
}

export function parseNonNegativeInt(value: unknown, field: string, max = Number.MAX_SAFE_INTEGER): number {
  const text = asText(value);
  if (text === undefined || !/^\d+$/.test(text)) throw invalidInput(field, value, "not-whole");
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n > max) throw invalidInput(field, value, "too-big", max);
  return n;
}

/** Emails are 3x-ui's client names: any text, but no spaces (they separate references). */
export function parseEmail(value: unknown, field = "email"): string {
  const text = asText(value);
  if (text === undefined || text.length === 0) throw invalidInput(field, value, "empty");
  if (/[\s,;]/u.test(text)) throw invalidInput(field, value, "email-chars");
  if (text.length > 200) throw invalidInput(field, value, "too-long", 200);
  return text;
}

/** A panel API token's name, as the panel takes it (trimmed, 1–64 bytes); no control characters. */
export function parseTokenName(value: unknown, field = "name"): string {
  const text = asText(value);
  if (text === undefined || text.length === 0) throw invalidInput(field, value, "empty");
  if (/\p{Cc}/u.test(text)) throw invalidInput(field, value, "control-chars");
  if (Buffer.byteLength(text) > MAX_TOKEN_NAME_BYTES) throw invalidInput(field, value, "too-long-bytes", MAX_TOKEN_NAME_BYTES);
  return text;
}

/** A VLESS flow the panel offers, or "" (also "-" or "none") for none. */
export function parseFlow(value: unknown, field = "flow"): string {
  const text = asText(value);
  if (text !== undefined && /^(|-|none)$/i.test(text)) return "";
  if (text === undefined || !(FLOWS as readonly string[]).includes(text)) throw invalidInput(field, value, "not-flow", FLOWS.join(", "));
  return text;
}

/** IP limit: how many IPs may use the client at once; 0 = any number. */
export const parseLimitIp = (value: unknown, field = "limit-ip"): number => parseNonNegativeInt(value, field, 10_000);

/** Auto-renew period in days (the panel's `reset`); 0 = off. */
export const parseResetDays = (value: unknown, field = "reset-days"): number => parseNonNegativeInt(value, field, MAX_DAYS);

export function parseComment(value: unknown, field = "comment"): string {
  if (typeof value !== "string") throw invalidInput(field, value, "not-string");
  if (value.length > 500) throw invalidInput(field, value.slice(0, 20) + "…", "too-long", 500);
  return value;
}

/** The fields both a creation and an edit may set. */
function validateCommon(input: Pick<CreateClientInput, "tgId" | "limitIp" | "comment" | "flow" | "delayedStartDays">): void {
  if (input.tgId !== undefined) parseNonNegativeInt(input.tgId, "tg-id");
  if (input.limitIp !== undefined) parseLimitIp(input.limitIp);
  if (input.comment !== undefined) parseComment(input.comment);
  if (input.flow !== undefined) parseFlow(input.flow);
  if (input.delayedStartDays !== undefined) parseDays(input.delayedStartDays, "start-on-first-use");
}

export function validateCreate(input: CreateClientInput): void {
  parseEmail(input.email);
  parseNonNegativeInt(input.inboundId, "inbound");
  if (input.days !== undefined && input.days !== 0) parseDays(input.days);
  if (input.days && input.delayedStartDays !== undefined) {
    throw new XuiError("bad-input", "days and start-on-first-use: give one of them, not both", ["days", "start-on-first-use"], undefined, { kind: "days-or-first-use" });
  }
  if (input.totalBytes !== undefined) parseBytes(input.totalBytes, "limit");
  validateCommon(input);
}

export function validateEdit(changes: ClientEdit): void {
  if (Object.values(changes).every((v) => v === undefined)) throw new XuiError("bad-input", "nothing to edit: give at least one field", ["changes"], undefined, { kind: "nothing-to-edit" });
  if (changes.email !== undefined) parseEmail(changes.email);
  if (changes.reset !== undefined) parseResetDays(changes.reset);
  validateCommon(changes);
}
