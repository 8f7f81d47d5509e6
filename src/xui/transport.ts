// Which inbounds may give their clients a VLESS flow: the panel offers XTLS Vision only on a
// VLESS inbound over TCP (Xray's RAW) secured by TLS or REALITY; elsewhere Xray refuses the
// client or the connection fails. Read from the inbound's `stream_settings`.
import type Database from "better-sqlite3";
import type { FlowWhy } from "../core/error-detail.js";
import { parseSettings } from "./panel-json.js";
import { str } from "./values.js";

/** The flows the panel offers (TLS_FLOW_CONTROL), besides "" for none. */
export const FLOWS = ["xtls-rprx-vision", "xtls-rprx-vision-udp443"] as const;

/** Why a flow cannot be set on this inbound's clients, as data: the rule broken and what the inbound has. */
export function flowProblem(protocol: string, streamSettings: string): { why: FlowWhy; found: string } | null {
  if (protocol !== "vless") return { why: "vless-only", found: protocol };
  let network = "";
  let security = "";
  try {
    const stream = parseSettings(streamSettings);
    network = str(stream.network);
    security = str(stream.security);
  } catch {
    return { why: "unreadable", found: "" };
  }
  if (network !== "tcp" && network !== "raw") return { why: "transport", found: network || "none" };
  if (security !== "tls" && security !== "reality") return { why: "security", found: security || "none" };
  return null;
}

/** Each listed inbound's stream_settings ("" where it has none, or the column is missing). */
export function readStreamSettings(conn: Database.Database, ids: number[]): Map<number, string> {
  const has = conn.prepare("SELECT 1 FROM pragma_table_info('inbounds') WHERE name = 'stream_settings'").get() !== undefined;
  const stmt = has ? conn.prepare("SELECT stream_settings FROM inbounds WHERE id = ?").pluck() : null;
  return new Map(ids.map((id) => [id, str(stmt?.get(id))]));
}
