// The shapes 3x-ui v3.6.0 moves clients in, as Go's encoding/json reads and writes them:
// model.Client (the request body and each settings.clients[] entry, model.go L859) and
// model.ClientRecord (the `clients` row, L887, and its API form through MarshalJSON).
import type { JsonObject, JsonValue } from "../../../src/xui/panel-json.js";

/** model.Client once decoded: every field present, zero when the JSON left it out. */
export interface GoClient {
  id: string;
  security: string;
  password: string;
  flow: string;
  reverse: { tag: string } | null;
  auth: string;
  privateKey: string;
  publicKey: string;
  allowedIPs: string[];
  preSharedKey: string;
  keepAlive: number;
  secret: string;
  adTag: string;
  email: string;
  limitIp: number;
  totalGB: number;
  expiryTime: number;
  enable: boolean;
  tgId: number;
  subId: string;
  group: string;
  comment: string;
  reset: number;
  created_at: number;
  updated_at: number;
}

type Kind = "string" | "int" | "bool" | "strings" | "reverse";

/** The struct's fields in declaration order (json.Marshal writes them so), with omitempty. */
const FIELDS: readonly [keyof GoClient, Kind, boolean][] = [
  ["id", "string", true],
  ["security", "string", false],
  ["password", "string", true],
  ["flow", "string", true],
  ["reverse", "reverse", true],
  ["auth", "string", true],
  ["privateKey", "string", true],
  ["publicKey", "string", true],
  ["allowedIPs", "strings", true],
  ["preSharedKey", "string", true],
  ["keepAlive", "int", true],
  ["secret", "string", true],
  ["adTag", "string", true],
  ["email", "string", false],
  ["limitIp", "int", false],
  ["totalGB", "int", false],
  ["expiryTime", "int", false],
  ["enable", "bool", false],
  ["tgId", "int", false],
  ["subId", "string", false],
  ["group", "string", true],
  ["comment", "string", false],
  ["reset", "int", false],
  ["created_at", "int", true],
  ["updated_at", "int", true],
];

const GO_TYPE: Record<Kind, string> = { string: "string", int: "int64", bool: "bool", strings: "[]string", reverse: "model.ClientReverse" };

/** An error whose text is what the Go code would put after the panel's "(…)". */
export class GoError extends Error {}

export function zeroClient(): GoClient {
  return {
    id: "", security: "", password: "", flow: "", reverse: null, auth: "", privateKey: "", publicKey: "", allowedIPs: [],
    preSharedKey: "", keepAlive: 0, secret: "", adTag: "", email: "", limitIp: 0, totalGB: 0, expiryTime: 0, enable: false,
    tgId: 0, subId: "", group: "", comment: "", reset: 0, created_at: 0, updated_at: 0,
  };
}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") return "object";
  return typeof v === "boolean" ? "bool" : typeof v;
}

function decodeField(kind: Kind, v: unknown, field: string): GoClient[keyof GoClient] {
  const wrong = () => new GoError(`json: cannot unmarshal ${typeof v === "number" && kind === "int" ? `number ${v}` : jsonType(v)} into Go struct field Client.${field} of type ${GO_TYPE[kind]}`);
  switch (kind) {
    case "string":
      if (typeof v !== "string") throw wrong();
      return v;
    case "int":
      if (typeof v !== "number" || !Number.isInteger(v)) throw wrong();
      return v;
    case "bool":
      if (typeof v !== "boolean") throw wrong();
      return v;
    case "strings":
      if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) throw wrong();
      return v as string[];
    case "reverse": {
      if (typeof v !== "object" || Array.isArray(v)) throw wrong();
      const tag = (v as Record<string, unknown>).tag;
      if (tag !== undefined && tag !== null && typeof tag !== "string") throw wrong();
      return { tag: typeof tag === "string" ? tag : "" };
    }
  }
}

/**
 * json.Unmarshal into model.Client: unknown keys are ignored, a key matches its field exactly
 * or else case-insensitively, null leaves the zero value, and a value of the wrong type is the
 * error Go gives.
 */
export function decodeClient(value: unknown): GoClient {
  if (value === null) return zeroClient();
  if (typeof value !== "object" || Array.isArray(value)) throw new GoError(`json: cannot unmarshal ${jsonType(value)} into Go value of type model.Client`);
  const source = value as Record<string, unknown>;
  const keys = Object.keys(source);
  const out = zeroClient() as unknown as Record<string, unknown>;
  for (const [field, kind] of FIELDS) {
    const key = field in source ? field : keys.findLast((k) => k.toLowerCase() === field.toLowerCase());
    const v = key === undefined ? undefined : source[key];
    if (v === undefined || v === null) continue;
    out[field] = decodeField(kind, v, field);
  }
  return out as unknown as GoClient;
}

/** json.Marshal of model.Client: omitempty fields left out when zero. */
export function encodeClient(c: GoClient): JsonObject {
  const out: JsonObject = {};
  for (const [field, , omitEmpty] of FIELDS) {
    const v = c[field];
    const empty = v === "" || v === 0 || v === null || (Array.isArray(v) && v.length === 0);
    if (omitEmpty && empty) continue;
    out[field] = v;
  }
  return out;
}

/** A `clients` row with NULLs read as Go reads them into the struct (zero values). */
export interface ClientRow {
  id: number;
  email: string;
  sub_id: string;
  uuid: string;
  password: string;
  auth: string;
  flow: string;
  security: string;
  reverse: string;
  wg_private_key: string;
  wg_public_key: string;
  wg_allowed_ips: string;
  wg_pre_shared_key: string;
  wg_keep_alive: number;
  secret: string;
  ad_tag: string;
  limit_ip: number;
  total_gb: number;
  expiry_time: number;
  enable: boolean;
  tg_id: number;
  group_name: string;
  comment: string;
  reset: number;
  created_at: number;
  updated_at: number;
}

export const ROW_COLUMNS = [
  "email", "sub_id", "uuid", "password", "auth", "flow", "security", "reverse", "wg_private_key", "wg_public_key", "wg_allowed_ips",
  "wg_pre_shared_key", "wg_keep_alive", "secret", "ad_tag", "limit_ip", "total_gb", "expiry_time", "enable", "tg_id", "group_name",
  "comment", "reset", "created_at", "updated_at",
] as const;

export function rowFromDb(raw: Record<string, unknown>): ClientRow {
  const text = (k: string) => (typeof raw[k] === "string" ? (raw[k]) : "");
  const num = (k: string) => (typeof raw[k] === "number" ? (raw[k]) : 0);
  return {
    id: num("id"), email: text("email"), sub_id: text("sub_id"), uuid: text("uuid"), password: text("password"), auth: text("auth"),
    flow: text("flow"), security: text("security"), reverse: text("reverse"), wg_private_key: text("wg_private_key"),
    wg_public_key: text("wg_public_key"), wg_allowed_ips: text("wg_allowed_ips"), wg_pre_shared_key: text("wg_pre_shared_key"),
    wg_keep_alive: num("wg_keep_alive"), secret: text("secret"), ad_tag: text("ad_tag"), limit_ip: num("limit_ip"),
    total_gb: num("total_gb"), expiry_time: num("expiry_time"), enable: num("enable") !== 0, tg_id: num("tg_id"),
    group_name: text("group_name"), comment: text("comment"), reset: num("reset"), created_at: num("created_at"), updated_at: num("updated_at"),
  };
}

/** Client.ToRecord (model.go L1036): the row a JSON entry stands for. */
export function toRow(c: GoClient): Omit<ClientRow, "id"> {
  return {
    email: c.email, sub_id: c.subId, uuid: c.id, password: c.password, auth: c.auth, flow: c.flow, security: c.security,
    reverse: c.reverse ? JSON.stringify({ tag: c.reverse.tag }) : "", wg_private_key: c.privateKey, wg_public_key: c.publicKey,
    wg_allowed_ips: c.allowedIPs.join(","), wg_pre_shared_key: c.preSharedKey, wg_keep_alive: c.keepAlive, secret: c.secret,
    ad_tag: c.adTag, limit_ip: c.limitIp, total_gb: c.totalGB, expiry_time: c.expiryTime, enable: c.enable, tg_id: c.tgId,
    group_name: c.group, comment: c.comment, reset: c.reset, created_at: c.created_at, updated_at: c.updated_at,
  };
}

function parseReverse(text: string): { tag: string } | null {
  if (text === "") return null;
  try {
    const v = JSON.parse(text) as { tag?: unknown };
    return { tag: typeof v.tag === "string" ? v.tag : "" };
  } catch {
    return null;
  }
}

/** ClientRecord.ToClient (model.go L1081). */
export function rowToClient(r: ClientRow): GoClient {
  return {
    id: r.uuid, security: r.security, password: r.password, flow: r.flow, reverse: parseReverse(r.reverse), auth: r.auth,
    privateKey: r.wg_private_key, publicKey: r.wg_public_key, allowedIPs: r.wg_allowed_ips.split(",").map((s) => s.trim()).filter(Boolean),
    preSharedKey: r.wg_pre_shared_key, keepAlive: r.wg_keep_alive, secret: r.secret, adTag: r.ad_tag, email: r.email,
    limitIp: r.limit_ip, totalGB: r.total_gb, expiryTime: r.expiry_time, enable: r.enable, tgId: r.tg_id, subId: r.sub_id,
    group: r.group_name, comment: r.comment, reset: r.reset, created_at: r.created_at, updated_at: r.updated_at,
  };
}

/** ClientRecord.MarshalJSON (model.go L925): the API's form of a row, reverse as an object. */
export function rowToWire(r: ClientRow): JsonObject {
  let reverse: JsonValue = null;
  if (r.reverse.trim() !== "") {
    try {
      reverse = JSON.parse(r.reverse) as JsonValue;
    } catch {
      reverse = r.reverse;
    }
  }
  return {
    id: r.id, email: r.email, subId: r.sub_id, uuid: r.uuid, password: r.password, auth: r.auth, flow: r.flow, security: r.security,
    privateKey: r.wg_private_key, publicKey: r.wg_public_key, allowedIPs: r.wg_allowed_ips, preSharedKey: r.wg_pre_shared_key,
    keepAlive: r.wg_keep_alive, secret: r.secret, adTag: r.ad_tag, limitIp: r.limit_ip, totalGB: r.total_gb, expiryTime: r.expiry_time,
    enable: r.enable, tgId: r.tg_id, group: r.group_name, comment: r.comment, reset: r.reset, createdAt: r.created_at,
    updatedAt: r.updated_at, reverse,
  };
}

/** A `client_traffics` row (xray.ClientTraffic). */
export interface TrafficRow {
  id: number;
  inbound_id: number;
  enable: boolean;
  email: string;
  up: number;
  down: number;
  expiry_time: number;
  total: number;
  reset: number;
  last_online: number;
}

export function trafficFromDb(raw: Record<string, unknown>): TrafficRow {
  const num = (k: string) => (typeof raw[k] === "number" ? (raw[k]) : 0);
  return {
    id: num("id"), inbound_id: num("inbound_id"), enable: num("enable") !== 0, email: typeof raw.email === "string" ? raw.email : "",
    up: num("up"), down: num("down"), expiry_time: num("expiry_time"), total: num("total"), reset: num("reset"), last_online: num("last_online"),
  };
}

/** xray.ClientTraffic's JSON (client_traffic.go); uuid and subId are filled by the caller. */
export function trafficToWire(t: TrafficRow, extra: { uuid: string; subId: string } = { uuid: "", subId: "" }): JsonObject {
  return {
    id: t.id, inboundId: t.inbound_id, enable: t.enable, email: t.email, uuid: extra.uuid, subId: extra.subId, up: t.up, down: t.down,
    expiryTime: t.expiry_time, total: t.total, reset: t.reset, lastOnline: t.last_online,
  };
}
