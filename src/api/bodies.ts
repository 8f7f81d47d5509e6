// The API's request bodies, checked strictly. A field the route does not take is refused by
// name (a typo such as new_limt must not quietly reset traffic and drop the limit), two fields
// that say the same thing may not both be given, and values that are plausible only in the
// wrong unit (seconds for ms, GB for bytes) are refused rather than written. Values go through
// the same parsers as the bot's and the CLI's, so every front end explains a value alike.
import { z } from "zod";
import { badInput, XuiError } from "../core/errors.js";
import { GB } from "../core/units.js";
import type { ClientEdit, CreateClientInput, Operation } from "../core/types.js";
import {
  parseBytes,
  parseComment,
  parseDayDelta,
  parseDays,
  parseEmail,
  parseExpiryDate,
  parseFlow,
  parseGb,
  parseLimitIp,
  parseNonNegativeInt,
  parseResetDays,
} from "../service/validate.js";

type Parser<T> = (value: unknown, field: string) => T;

/** A field through a parser; the parser's bad-input error becomes an issue at that field. */
function field<T>(name: string, parse: Parser<T>) {
  return z.unknown().transform((value, ctx): T => {
    try {
      return parse(value, name);
    } catch (error) {
      if (!(error instanceof XuiError)) throw error;
      ctx.addIssue({ code: "custom", message: error.message });
      return z.NEVER;
    }
  });
}

const required = <T>(name: string, parse: Parser<T>) =>
  field(name, (value, f) => {
    // Said here, not by the parser: it would quote the missing value as "undefined".
    if (value === undefined) throw new XuiError("bad-input", `${f}: is required`, [f]);
    return parse(value, f);
  });

/** Absent and null both mean "not given". */
const optional = <T>(name: string, parse: Parser<T>) => field(name, (value, f): T | undefined => (value === null ? undefined : parse(value, f))).optional();

const MIB = 1024 * 1024;
/** Unix ms before 1973, yet Unix seconds up to the year 5138: meant as seconds. */
const SECONDS_BELOW = 1e11;

const parseUserIds: Parser<string[]> = (ids, f) => {
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((x) => typeof x === "string" && x.trim() !== "")) {
    throw badInput(f, ids, "must be a non-empty array of emails or client keys");
  }
  return ids as string[];
};

const parseEnable: Parser<boolean> = (value, f) => {
  if (typeof value !== "boolean") throw badInput(f, value, "must be true or false");
  return value;
};

const parseExpiryMs: Parser<number> = (ms, f) => {
  if (typeof ms !== "number" || !Number.isSafeInteger(ms) || ms < 0) throw badInput(f, ms, "must be Unix milliseconds (0 = never)");
  if (ms > 0 && ms < SECONDS_BELOW) throw badInput(f, ms, `looks like seconds: ${f} is Unix milliseconds (${ms * 1000}?), 0 = never`);
  return ms;
};

/** A limit under 1 MiB is no real limit: it is a number of GB sent as bytes (0 = unlimited). */
const parseLimitBytes: Parser<number> = (value, f) => {
  const bytes = parseBytes(value, f);
  if (bytes > 0 && bytes < MIB) throw badInput(f, value, `is under 1 MiB: ${f} is in bytes (${bytes} GB = ${bytes * GB}), 0 = unlimited`);
  return bytes;
};

const parseLimitGb: Parser<number> = (value, f) => {
  const bytes = parseGb(value, f);
  if (bytes > 0 && bytes < MIB) throw badInput(f, value, "is under 1 MiB, 0 = unlimited");
  return bytes;
};

const userIds = required("user_ids", parseUserIds);

/** `server`: one server's name or a list of them (several servers: SERVERS_FILE). */
const parseServers: Parser<string[]> = (value, f) => {
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((x) => typeof x === "string" && x.trim() !== "")) {
    throw badInput(f, value, "must be a server's name or a non-empty array of them");
  }
  return (list as string[]).map((x) => x.trim().toLowerCase());
};
const server = optional("server", parseServers);

/** The servers a body names in `server` (already checked by its route's schema). */
export function serversIn(body: unknown): string[] | undefined {
  const value = (body as { server?: unknown } | null)?.server;
  return value === undefined || value === null ? undefined : parseServers(value, "server");
}

/** The body's fields, or one bad-input error naming every field at fault. */
function check<S extends z.ZodObject>(schema: S, body: unknown): z.output<S> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw new XuiError("bad-input", "body: must be a JSON object", ["body"]);
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const taken = Object.keys(schema.shape).join(", ");
  const messages: string[] = [];
  const subjects: string[] = [];
  for (const issue of parsed.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) messages.push(`${JSON.stringify(key)}: unknown field (this route takes ${taken})`);
      subjects.push(...issue.keys);
    } else {
      messages.push(issue.message);
      subjects.push(String(issue.path[0]));
    }
  }
  throw new XuiError("bad-input", messages.join("; "), [...new Set(subjects)]);
}

/** The value of the one field given of two that say the same thing in different units. */
function oneOf<T>(first: [string, T | undefined], second: [string, T | undefined]): T {
  const [a, aValue] = first;
  const [b, bValue] = second;
  if (aValue !== undefined && bValue !== undefined) throw new XuiError("bad-input", `${a} and ${b}: give one of them, not both`, [a, b]);
  const value = aValue ?? bValue;
  if (value === undefined) throw new XuiError("bad-input", `${a} or ${b}: one of them is required`, [a, b]);
  return value;
}

export interface Change {
  op: Operation;
  refs: string[];
  /** Only on these servers (absent: every server). */
  servers?: string[];
}

const change =
  <S extends z.ZodObject<{ user_ids: typeof userIds }>>(schema: S, opOf: (b: z.output<S>) => Operation) =>
  (body: unknown): Change => {
    const { server: servers, ...b } = check(schema.extend({ server }), body);
    return { op: opOf(b as z.output<S>), refs: b.user_ids, ...(servers === undefined ? {} : { servers }) };
  };

/** The change routes, /api/users/<name>: each body to an operation on the named clients. */
export const changes = {
  // Negative days take days away.
  "extend-expiry": change(z.strictObject({ user_ids: userIds, days: required("days", parseDayDelta) }), (b) => ({ kind: "extend", days: b.days })),
  "reset-traffic": change(z.strictObject({ user_ids: userIds, new_limit: optional("new_limit", parseLimitBytes) }), (b) =>
    b.new_limit === undefined ? { kind: "reset" } : { kind: "reset", totalBytes: b.new_limit },
  ),
  "toggle-status": change(z.strictObject({ user_ids: userIds, enable: required("enable", parseEnable) }), (b) => ({ kind: b.enable ? "unblock" : "block" })),
  "set-limit": change(z.strictObject({ user_ids: userIds, new_limit: optional("new_limit", parseLimitBytes), gb: optional("gb", parseLimitGb) }), (b) => ({
    kind: "limit",
    totalBytes: oneOf(["new_limit", b.new_limit], ["gb", b.gb]),
  })),
  "set-expiry": change(z.strictObject({ user_ids: userIds, expiry_time: optional("expiry_time", parseExpiryMs), date: optional("date", parseExpiryDate) }), (b) => ({
    kind: "expiry",
    expiryTime: oneOf(["expiry_time", b.expiry_time], ["date", b.date]),
  })),
} satisfies Record<string, (body: unknown) => Change>;

const createSchema = z.strictObject({
  inbound_id: required("inbound_id", parseNonNegativeInt),
  email: required("email", parseEmail),
  // 0: no expiry, as when days is left out.
  days: optional("days", (v, f) => (v === 0 ? 0 : parseDays(v, f))),
  total_bytes: optional("total_bytes", parseLimitBytes),
  total_gb: optional("total_gb", parseLimitGb),
  tg_id: optional("tg_id", parseNonNegativeInt),
  limit_ip: optional("limit_ip", parseLimitIp),
  comment: optional("comment", parseComment),
  flow: optional("flow", parseFlow),
  start_on_first_use: optional("start_on_first_use", parseDays),
  // 3x-ui 3.x: further inbounds to attach the client to.
  more_inbound_ids: optional("more_inbound_ids", (v, f) => {
    if (!Array.isArray(v)) throw new XuiError("bad-input", `${f}: must be an array of inbound IDs`, [f]);
    return v.map((id, i) => parseNonNegativeInt(id, `${f}[${i}]`));
  }),
  // Several servers: the one to create the client on.
  server,
});

/** POST /api/users. */
export function createInput(body: unknown): CreateClientInput {
  const b = check(createSchema, body);
  const input: CreateClientInput = { inboundId: b.inbound_id, email: b.email };
  if (b.days) input.days = b.days;
  if (b.total_bytes !== undefined || b.total_gb !== undefined) input.totalBytes = oneOf(["total_bytes", b.total_bytes], ["total_gb", b.total_gb]);
  if (b.tg_id !== undefined) input.tgId = b.tg_id;
  if (b.limit_ip !== undefined) input.limitIp = b.limit_ip;
  if (b.comment !== undefined) input.comment = b.comment;
  if (b.flow !== undefined) input.flow = b.flow;
  if (b.start_on_first_use !== undefined) {
    if (b.days) throw new XuiError("bad-input", "days and start_on_first_use: give one of them, not both", ["days", "start_on_first_use"]);
    input.delayedStartDays = b.start_on_first_use;
  }
  if (b.more_inbound_ids !== undefined && b.more_inbound_ids.length > 0) input.moreInboundIds = b.more_inbound_ids;
  return input;
}

const editSchema = z.strictObject({
  // 0 unlinks the Telegram user.
  tg_id: optional("tg_id", parseNonNegativeInt),
  limit_ip: optional("limit_ip", parseLimitIp),
  comment: optional("comment", parseComment),
  flow: optional("flow", parseFlow),
  email: optional("email", parseEmail),
  reset_days: optional("reset_days", parseResetDays),
});

/** PATCH /api/users/:ref: the fields to change; at least one. */
export function editChanges(body: unknown): ClientEdit {
  const b = check(editSchema, body);
  const out: ClientEdit = {};
  if (b.tg_id !== undefined) out.tgId = b.tg_id;
  if (b.limit_ip !== undefined) out.limitIp = b.limit_ip;
  if (b.comment !== undefined) out.comment = b.comment;
  if (b.flow !== undefined) out.flow = b.flow;
  if (b.email !== undefined) out.email = b.email;
  if (b.reset_days !== undefined) out.reset = b.reset_days;
  if (Object.keys(out).length === 0) throw new XuiError("bad-input", `body: nothing to change (this route takes ${Object.keys(editSchema.shape).join(", ")})`, ["body"]);
  return out;
}
