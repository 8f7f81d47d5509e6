// The "Connection" and "Share links" buttons: `k:<client>:<s|l>`, the client named by a short
// hash of its email (emails can be long and Unicode), with its server's name when there are
// several (the same customer's `alice` on two servers are two buttons, each its own links).
// A press is resolved only among the clients the presser may see, so a forged or foreign hash
// finds nothing.
import { createHash } from "node:crypto";
import type { Client } from "../core/types.js";

export type ConnectionPart = "subscription" | "links";

/**
 * 72 bits of the SHA-256 of the email (`server/email` with several servers): collisions among
 * the clients are not a concern. One server's tags stay those of before several servers.
 */
export const clientTag = (c: Pick<Client, "email" | "server">): string =>
  createHash("sha256").update(c.server === undefined ? c.email : `${c.server}/${c.email}`).digest("base64url").slice(0, 12);

export const connectionData = (c: Pick<Client, "email" | "server">, part: ConnectionPart): string => `k:${clientTag(c)}:${part === "links" ? "l" : "s"}`;

export function decodeConnection(data: string): { tag: string; part: ConnectionPart } | undefined {
  const m = /^k:([A-Za-z0-9_-]{12}):([sl])$/.exec(data);
  return m ? { tag: m[1] as string, part: m[2] === "l" ? "links" : "subscription" } : undefined;
}

export const byTag = (clients: Client[], tag: string): Client | undefined => clients.find((c) => clientTag(c) === tag);
