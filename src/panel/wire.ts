// The answers of 3x-ui 3.x's API, checked with zod before anything reads them, and turned
// into the types of types.ts. Shapes from v3.6.0: entity.Msg (web/entity), ClientRecord's
// MarshalJSON and ClientWithAttachments (service/client.go), xray.ClientTraffic, Inbound's
// MarshalJSON, the bulk results (service/client_bulk.go) and server status.
import { z } from "zod";
import type { InvalidAnswerWhy } from "../core/error-detail.js";
import { PanelFailure, type HttpAnswer } from "./transport.js";
import type { PanelBulkResult, PanelClient, PanelClientEntry, PanelInbound, PanelTraffic } from "./types.js";

/** Go's int64 may exceed 2^53 (usage is clamped at 9e18): whole, not "safe integer". */
export const whole = z.number().refine(Number.isInteger, "not a whole number");
export const text = z.string();

export const envelopeSchema = z.object({ success: z.boolean(), msg: z.string().optional().default(""), obj: z.unknown().optional() });

/** model.ClientRecord as the API sends it (its `id` is the row id; the UUID is `uuid`). */
export const recordShape = {
  id: whole,
  email: text,
  subId: text.default(""),
  uuid: text.default(""),
  password: text.default(""),
  auth: text.default(""),
  flow: text.default(""),
  security: text.default(""),
  limitIp: whole,
  totalGB: whole,
  expiryTime: whole,
  enable: z.boolean(),
  tgId: whole,
  group: text.default(""),
  comment: text.default(""),
  reset: whole.default(0),
  createdAt: whole.optional(),
  updatedAt: whole.optional(),
  allowedIPs: text.optional(),
  reverse: z.unknown().optional(),
};
const recordSchema = z.looseObject(recordShape);
type WireRecord = z.infer<typeof recordSchema>;

const trafficSchema = z.looseObject({ up: whole, down: whole, enable: z.boolean(), expiryTime: whole, total: whole, lastOnline: whole.default(0) });
const inboundIdsSchema = z.array(whole).nullable().optional();

export const listSchema = z.array(z.looseObject({ ...recordShape, inboundIds: inboundIdsSchema, traffic: trafficSchema.optional() }));
export const getSchema = z.looseObject({ client: recordSchema, inboundIds: inboundIdsSchema });
export const trafficAnswerSchema = trafficSchema.nullable();
export const inboundsSchema = z.array(
  z.looseObject({ id: whole, remark: text.default(""), protocol: text, port: whole, enable: z.boolean(), tag: text.default(""), settings: z.unknown(), streamSettings: z.unknown() }),
);
export const statusSchema = z.looseObject({ panelVersion: text.min(1) }).nullable();
const skippedSchema = z.array(z.looseObject({ email: text, reason: text })).nullable().optional();
export const setEnableSchema = z.looseObject({ changed: whole, skipped: skippedSchema });
export const bulkDeleteSchema = z.looseObject({ deleted: whole, skipped: skippedSchema });
export const bulkResetSchema = z.looseObject({ affected: whole });
export const csrfSchema = z.string().min(1);
export const flagSchema = z.boolean();

/** The fields of a record that are not model.Client's, or are named differently there. */
const RECORD_ONLY = new Set(["id", "uuid", "createdAt", "updatedAt", "allowedIPs", "reverse", "inboundIds", "traffic"]);

/** A record as the update route's body: uuid → id, createdAt → created_at, allowedIPs CSV → list. */
export function toPanelClient(r: WireRecord): PanelClient {
  const extra = Object.fromEntries(Object.entries(r).filter(([k]) => !RECORD_ONLY.has(k)));
  const allowed = (r.allowedIPs ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  return {
    ...extra,
    email: r.email,
    ...(r.uuid === "" ? {} : { id: r.uuid }),
    password: r.password,
    auth: r.auth,
    flow: r.flow,
    security: r.security,
    limitIp: r.limitIp,
    totalGB: r.totalGB,
    expiryTime: r.expiryTime,
    enable: r.enable,
    tgId: r.tgId,
    subId: r.subId,
    group: r.group,
    comment: r.comment,
    reset: r.reset,
    ...(r.createdAt === undefined ? {} : { created_at: r.createdAt }),
    ...(r.updatedAt === undefined ? {} : { updated_at: r.updatedAt }),
    ...(allowed.length === 0 ? {} : { allowedIPs: allowed }),
    ...(r.reverse === null || r.reverse === undefined ? {} : { reverse: r.reverse }),
  };
}

export function toTraffic(t: z.infer<typeof trafficSchema> | null | undefined): PanelTraffic | null {
  return t ? { up: t.up, down: t.down, enable: t.enable, expiryTime: t.expiryTime, total: t.total, lastOnline: t.lastOnline } : null;
}

export function toEntry(r: WireRecord, inboundIds: number[] | null | undefined, traffic: PanelTraffic | null): PanelClientEntry {
  return { client: toPanelClient(r), inboundIds: [...(inboundIds ?? [])].sort((a, b) => a - b), traffic };
}

export function toInbound(i: z.infer<typeof inboundsSchema>[number]): PanelInbound {
  return { id: i.id, remark: i.remark, protocol: i.protocol, port: i.port, enable: i.enable, tag: i.tag, settings: i.settings, streamSettings: i.streamSettings };
}

export function toBulkResult(count: number, skipped: z.infer<typeof skippedSchema>): PanelBulkResult {
  return { count, skipped: (skipped ?? []).map((s) => ({ email: s.email, reason: s.reason })) };
}

/**
 * EffectiveFlow (client_lookup.go L34) from the inbounds' JSON: the flow of the lowest inbound
 * where the client has one. The list route sends the `clients.flow` column instead, which the
 * last synced inbound overwrites (with "" from a non-Vision inbound), so an update built from
 * it would drop Vision from the client's VLESS inbounds.
 */
export function effectiveFlows(inbounds: PanelInbound[]): Map<string, string> {
  const flows = new Map<string, string>();
  for (const ib of [...inbounds].sort((a, b) => a.id - b.id)) {
    const clients = (ib.settings as { clients?: unknown } | null)?.clients;
    if (!Array.isArray(clients)) continue;
    for (const c of clients as { email?: unknown; flow?: unknown }[]) {
      if (typeof c?.email === "string" && typeof c.flow === "string" && c.flow !== "" && !flows.has(c.email)) flows.set(c.email, c.flow);
    }
  }
  return flows;
}

/** A zod failure in words that name the field, never its value. */
/**
 * A panel's answer to `what` as 3x-ui's {success, msg, obj}, or a panel-invalid failure saying
 * what came instead (both lines' API clients). `notFound`: the hint after a 404; `partial`: what
 * a failed POST may have applied (a 502/503/504 is worth trying again, for a read).
 */
export function checkedEnvelope(where: string, what: string, answer: HttpAnswer, hints: { notFound: string; partial: string }): z.infer<typeof envelopeSchema> {
  const { status } = answer;
  const invalid = (why: InvalidAnswerWhy, maybeApplied = false) => ({ kind: "invalid-answer" as const, where, why, status, maybeApplied });
  if (status === 404) throw new PanelFailure("panel-invalid", `the panel at ${where} has no ${what} (HTTP 404): check the URL's base path; ${hints.notFound}`, invalid("not-found"));
  if (status >= 300 && status < 400) throw new PanelFailure("panel-invalid", `the panel at ${where} redirects ${what} (HTTP ${status}): give the URL it redirects to (https?)`, invalid("redirect"));
  if (status >= 500) {
    const post = what.startsWith("POST");
    const maybe = post ? `; it may have applied ${hints.partial}: read it back before trying again` : "";
    throw new PanelFailure("panel-invalid", `the panel at ${where} failed on ${what} (HTTP ${status})${maybe}`, invalid("server-error", post), [502, 503, 504].includes(status));
  }
  if (status !== 200) throw new PanelFailure("panel-invalid", `the panel at ${where} answered ${what} with HTTP ${status}`, invalid("status"));
  let json: unknown;
  try {
    json = JSON.parse(answer.body);
  } catch {
    throw new PanelFailure("panel-invalid", `the panel at ${where} answered ${what} with something other than JSON: is this a 3x-ui panel?`, invalid("not-json"));
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) throw new PanelFailure("panel-invalid", `the panel at ${where} answered ${what} without 3x-ui's {success, msg, obj} (${describeIssues(parsed.error)})`, invalid("no-envelope"));
  return parsed.data;
}

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join(".") || "(answer)"}: ${i.message}`)
    .join("; ");
}
