// The three places a 3x-ui 3.x file keeps a client, read together: each inbound's
// settings.clients (JSON), the `clients` rows with their `client_inbounds` links, and the
// client_traffics rows. One read transaction, so no place is seen before a panel commit and
// another after it. Read-only; values read leniently (NULL as 0 or "").
import type Database from "better-sqlite3";
import type { XuiDb } from "../database.js";
import { parseSettings, type JsonObject } from "../panel-json.js";
import { num, str } from "../values.js";

export interface V3Inbound {
  id: number;
  remark: string;
  protocol: string;
  /** Why settings do not parse; the inbound's clients are then unknown. */
  settingsError?: string;
  /** settings.clients (objects only); null when settings hold no `clients` array. */
  clients: JsonObject[] | null;
}

/** A `clients` row, columns by their JSON names. */
export interface V3ClientRecord {
  id: number;
  email: string;
  subId: string;
  uuid: string;
  password: string;
  auth: string;
  limitIp: number;
  totalGB: number;
  expiryTime: number;
  enable: number;
  tgId: number;
  /** group_name; null in files before 3.2.0, which have no such column. */
  group: string | null;
  comment: string;
  reset: number;
}

export interface V3Link {
  clientId: number;
  inboundId: number;
  flowOverride: string;
}

export interface V3Traffic {
  id: number;
  inboundId: number;
  enable: number;
  email: string;
  up: number;
  down: number;
  expiryTime: number;
  total: number;
  reset: number;
}

export interface V3Tables {
  inbounds: V3Inbound[];
  clients: V3ClientRecord[];
  links: V3Link[];
  traffic: V3Traffic[];
}

type Row = Record<string, unknown>;

function inbound(r: Row): V3Inbound {
  const out: V3Inbound = { id: num(r.id), remark: str(r.remark), protocol: str(r.protocol), clients: null };
  try {
    const list = parseSettings(str(r.settings)).clients;
    if (Array.isArray(list)) out.clients = list.filter((c): c is JsonObject => c !== null && typeof c === "object" && !Array.isArray(c));
  } catch (error) {
    out.settingsError = (error as Error).message;
  }
  return out;
}

// `SELECT *`: the column set grows with nearly every 3.x release; absent ones read as empty.
const record = (r: Row): V3ClientRecord => ({
  id: num(r.id),
  email: str(r.email),
  subId: str(r.sub_id),
  uuid: str(r.uuid),
  password: str(r.password),
  auth: str(r.auth),
  limitIp: num(r.limit_ip),
  totalGB: num(r.total_gb),
  expiryTime: num(r.expiry_time),
  enable: num(r.enable),
  tgId: num(r.tg_id),
  group: "group_name" in r ? str(r.group_name) : null,
  comment: str(r.comment),
  reset: num(r.reset),
});

const link = (r: Row): V3Link => ({ clientId: num(r.client_id), inboundId: num(r.inbound_id), flowOverride: str(r.flow_override) });

const traffic = (r: Row): V3Traffic => ({
  id: num(r.id),
  inboundId: num(r.inbound_id),
  enable: num(r.enable),
  email: str(r.email),
  up: num(r.up),
  down: num(r.down),
  expiryTime: num(r.expiry_time),
  total: num(r.total),
  reset: num(r.reset),
});

function load(conn: Database.Database): V3Tables {
  const all = (sql: string) => conn.prepare(sql).all() as Row[];
  return {
    inbounds: all("SELECT id, remark, protocol, settings FROM inbounds ORDER BY id").map(inbound),
    clients: all("SELECT * FROM clients ORDER BY id").map(record),
    links: all("SELECT client_id, inbound_id, flow_override FROM client_inbounds ORDER BY client_id, inbound_id").map(link),
    traffic: all("SELECT * FROM client_traffics ORDER BY id").map(traffic),
  };
}

export function readV3Tables(db: XuiDb): V3Tables {
  return db.read((conn) => conn.transaction(() => load(conn))());
}
