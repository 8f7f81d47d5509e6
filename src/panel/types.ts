// What the 3x-ui 3.x HTTP API client takes and gives (panel-api.ts). Client fields are the
// panel's own model.Client JSON names (internal/database/model/model.go @v3.6.0), so a
// PanelClient is what /panel/api/clients/update takes as its body.

/** How a panel is reached: the configuration's own description of it (core/servers.ts). */
export type { ServerConnection as PanelConnection } from "../core/servers.js";

/**
 * A client as the panel's update route takes it. `id` is the VLESS/VMess UUID (the panel's
 * record calls it `uuid`); totalGB is bytes; expiryTime ms since the epoch, 0 = never,
 * negative = a delay counted from first use; reset is the auto-renew period in days.
 * Fields the panel has that are not named here (WireGuard keys, MTProto secret, reverse,
 * fields of later versions) ride along in the index signature, so a client read and written
 * back keeps them.
 */
export interface PanelClient {
  email: string;
  id?: string;
  password?: string;
  auth?: string;
  flow?: string;
  security?: string;
  limitIp: number;
  totalGB: number;
  expiryTime: number;
  enable: boolean;
  tgId: number;
  subId: string;
  group?: string;
  comment?: string;
  reset: number;
  created_at?: number;
  updated_at?: number;
  [key: string]: unknown;
}

/** The client_traffics row: usage (bytes) and what the panel enforces. */
export interface PanelTraffic {
  up: number;
  down: number;
  enable: boolean;
  expiryTime: number;
  total: number;
  lastOnline: number;
}

export interface PanelClientEntry {
  client: PanelClient;
  /** The inbounds it is attached to, ascending. */
  inboundIds: number[];
  /** null when the panel has no traffic row for it. */
  traffic: PanelTraffic | null;
}

export interface PanelInbound {
  id: number;
  remark: string;
  protocol: string;
  port: number;
  enable: boolean;
  tag: string;
  /** Parsed JSON, as the panel sends it (settings.clients included). */
  settings: unknown;
  streamSettings: unknown;
}

/** What a bulk route did: how many it changed and each email it passed over, with the panel's reason. */
export interface PanelBulkResult {
  count: number;
  skipped: { email: string; reason: string }[];
}
