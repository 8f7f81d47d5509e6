// The HTTP API (the seed's xui-manager API, and more) on Hono: JSON in, JSON out, the same
// service calls as the bot and the CLI. Every change answers with the before/after diff.
import { createHash, timingSafeEqual } from "node:crypto";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { badInput, XuiError } from "../service/errors.js";
import { parseClientFilter } from "../service/queries.js";
import { clientView } from "../service/status.js";
import type { CreateClientInput, OpResult, Operation } from "../service/types.js";
import { parseBytes, parseDays, parseEmail, parseExpiryDate, parseGb, parseNonNegativeInt } from "../service/validate.js";
import type { XuiService } from "../service/xui-service.js";
import { createApplier, settled, type Applier } from "../apply/applier.js";
import type { ApplyStatus } from "../apply/scheduler.js";

export interface ApiDeps {
  service: XuiService;
  token: string;
  /** Makes the running Xray pick changes up; absent: the answer says a restart is needed. */
  applier?: Applier;
}

/** 1 MiB: a request naming tens of thousands of clients still fits. */
const MAX_BODY = 1024 * 1024;

const STATUS: Record<XuiError["code"], ContentfulStatusCode> = {
  "bad-input": 400,
  "unknown-ref": 404,
  "ambiguous-ref": 400,
  "unknown-inbound": 404,
  "duplicate-email": 409,
  "read-only": 409,
  busy: 503,
  "no-traffic-row": 409,
  "backup-failed": 503,
};

const digest = (s: string) => createHash("sha256").update(s).digest();

function authorised(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(.+)$/i.exec(header ?? "")?.[1] ?? "";
  // Compare digests: equal length, constant time, whatever was sent.
  return timingSafeEqual(digest(given), digest(token));
}

async function body(c: Context): Promise<Record<string, unknown>> {
  let value: unknown;
  try {
    value = await c.req.json();
  } catch {
    throw new XuiError("bad-input", "body: not valid JSON", ["body"]);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new XuiError("bad-input", "body: must be a JSON object", ["body"]);
  return value as Record<string, unknown>;
}

function userIds(b: Record<string, unknown>): string[] {
  const ids = b.user_ids;
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((x) => typeof x === "string" && x.trim() !== "")) {
    throw badInput("user_ids", ids, "must be a non-empty array of emails or client keys");
  }
  return ids as string[];
}

function enableFlag(value: unknown): boolean {
  if (typeof value !== "boolean") throw badInput("enable", value, "must be true or false");
  return value;
}

/** Parses `field` when present, else undefined. */
const optional = <T>(b: Record<string, unknown>, field: string, parse: (v: unknown, f: string) => T): T | undefined =>
  b[field] === undefined || b[field] === null ? undefined : parse(b[field], field);

function createInput(b: Record<string, unknown>): CreateClientInput {
  const input: CreateClientInput = {
    inboundId: parseNonNegativeInt(b.inbound_id, "inbound_id"),
    email: parseEmail(b.email, "email"),
  };
  const days = optional(b, "days", (v, f) => (v === 0 ? 0 : parseDays(v, f)));
  if (days) input.days = days;
  const total = optional(b, "total_bytes", parseBytes) ?? optional(b, "total_gb", parseGb);
  if (total !== undefined) input.totalBytes = total;
  const tgId = optional(b, "tg_id", (v, f) => parseNonNegativeInt(v, f));
  if (tgId !== undefined) input.tgId = tgId;
  const limitIp = optional(b, "limit_ip", (v, f) => parseNonNegativeInt(v, f, 10_000));
  if (limitIp !== undefined) input.limitIp = limitIp;
  if (b.comment !== undefined) {
    if (typeof b.comment !== "string") throw badInput("comment", b.comment, "must be a string");
    input.comment = b.comment;
  }
  return input;
}

function expiryOf(b: Record<string, unknown>): number {
  if (b.expiry_time !== undefined) {
    const ms = b.expiry_time;
    if (typeof ms !== "number" || !Number.isSafeInteger(ms) || ms < 0) throw badInput("expiry_time", ms, "must be Unix milliseconds (0 = never)");
    return ms;
  }
  if (b.date !== undefined) return parseExpiryDate(b.date, "date");
  throw new XuiError("bad-input", "expiry_time or date: one of them is required", ["expiry_time"]);
}

export function createApi(deps: ApiDeps): Hono {
  const app = new Hono();
  const { service } = deps;

  app.onError((error, c) => {
    if (error instanceof XuiError) return c.json({ error: error.message, code: error.code, subjects: error.subjects }, STATUS[error.code]);
    return c.json({ error: "internal error" }, 500);
  });
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));

  // Monitoring needs no token and learns nothing but that the service answers.
  app.get("/api/health", (c) => c.json({ status: "ok", database: service.schema.family, writable: service.db.writable }));

  app.use("/api/*", async (c, next) => {
    if (!authorised(c.req.header("authorization"), deps.token)) return c.json({ error: "missing or wrong bearer token" }, 401);
    await next();
  });
  app.use("/api/*", bodyLimit({ maxSize: MAX_BODY, onError: (c) => c.json({ error: `body larger than ${MAX_BODY} bytes` }, 413) }));

  const applier = deps.applier ?? createApplier({ mode: "none" });
  /** With ?wait=true a pending restart is waited for, and the answer says how it went. */
  const applyStatusOf = async (c: Context, result: OpResult): Promise<ApplyStatus> => {
    const request = applier.request(result);
    return request.outcome && c.req.query("wait") === "true" ? settled(await request.outcome) : request.status;
  };
  const change = async (c: Context, op: Operation, ids: string[]) => {
    const result = await service.apply(op, { refs: ids }, { actor: "api" });
    return c.json({ ...result, apply: await applyStatusOf(c, result) });
  };

  app.post("/api/users/extend-expiry", async (c) => {
    const b = await body(c);
    return change(c, { kind: "extend", days: parseDays(b.days, "days") }, userIds(b));
  });
  app.post("/api/users/reset-traffic", async (c) => {
    const b = await body(c);
    const limit = optional(b, "new_limit", parseBytes);
    return change(c, limit === undefined ? { kind: "reset" } : { kind: "reset", totalBytes: limit }, userIds(b));
  });
  app.post("/api/users/toggle-status", async (c) => {
    const b = await body(c);
    return change(c, { kind: enableFlag(b.enable) ? "unblock" : "block" }, userIds(b));
  });
  app.post("/api/users/set-limit", async (c) => {
    const b = await body(c);
    const limit = optional(b, "new_limit", parseBytes) ?? optional(b, "gb", parseGb);
    if (limit === undefined) throw new XuiError("bad-input", "new_limit (bytes) or gb: one of them is required", ["new_limit"]);
    return change(c, { kind: "limit", totalBytes: limit }, userIds(b));
  });
  app.post("/api/users/set-expiry", async (c) => {
    const b = await body(c);
    return change(c, { kind: "expiry", expiryTime: expiryOf(b) }, userIds(b));
  });
  app.post("/api/users", async (c) => {
    const input = createInput(await body(c));
    const result = await service.create(input, { actor: "api" });
    const client = service.get(input.email);
    return c.json({ ...result, client: client && clientView(client, service.now()), apply: await applyStatusOf(c, result) }, 201);
  });
  app.get("/api/users/:ref", (c) => {
    const ref = c.req.param("ref");
    const client = service.get(ref);
    if (!client) throw new XuiError("unknown-ref", `unknown client: ${ref}`, [ref]);
    return c.json(clientView(client, service.now()));
  });
  app.get("/api/users", (c) => {
    const q = c.req.query("q");
    const clients = q ? service.find(q) : service.list(parseClientFilter(c.req.query("filter") ?? "all"));
    const now = service.now();
    return c.json({ count: clients.length, clients: clients.map((client) => clientView(client, now)) });
  });
  app.get("/api/check", (c) => c.json(service.check()));
  return app;
}
