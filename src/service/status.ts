// One status per client, decided here once and shown by every face (CLI, API, bot), so that
// no face calls a client "active" that another calls expired.
import { isExhausted, isExpired } from "./operations.js";
import type { Client, ClientState } from "../core/types.js";

/** The names are a contract: the API's and the CLI's JSON carry them as `status`. */
export type ClientStatus = "active" | "expired" | "depleted" | "blocked" | "disabled";

/**
 * blocked (the admin's switch, JSON enable=false) > expired > depleted (used >= limit) >
 * disabled (client_traffics.enable=0 for none of those reasons: the panel's doing) > active.
 * The panel clears its flag only on its next tick (and never while it is stopped), so the
 * flag alone would call a long-expired client active.
 */
export function clientStatus(c: Pick<ClientState, "enabled" | "active" | "expiryTime" | "totalBytes" | "up" | "down">, now: number): ClientStatus {
  if (!c.enabled) return "blocked";
  if (isExpired(c, now)) return "expired";
  if (isExhausted(c)) return "depleted";
  return c.active ? "active" : "disabled";
}

/** A client as the JSON faces give it: with `status`, and `active` meaning status "active". */
export type ClientView = Client & { status: ClientStatus };

export function clientView(c: Client, now: number): ClientView {
  const status = clientStatus(c, now);
  return { ...c, active: status === "active", status };
}
