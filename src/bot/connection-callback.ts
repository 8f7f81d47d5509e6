// The "Connection" and "Share links" buttons: `k:<client>:<s|l>`, the client named by a short
// hash of its email (emails can be long and Unicode). A press is resolved only among the
// clients the presser may see, so a forged or foreign hash finds nothing.
import { createHash } from "node:crypto";
import type { Client } from "../core/types.js";

export type ConnectionPart = "subscription" | "links";

/** 72 bits of the email's SHA-256: collisions among one server's clients are not a concern. */
export const clientTag = (email: string): string => createHash("sha256").update(email).digest("base64url").slice(0, 12);

export const connectionData = (email: string, part: ConnectionPart): string => `k:${clientTag(email)}:${part === "links" ? "l" : "s"}`;

export function decodeConnection(data: string): { tag: string; part: ConnectionPart } | undefined {
  const m = /^k:([A-Za-z0-9_-]{12}):([sl])$/.exec(data);
  return m ? { tag: m[1] as string, part: m[2] === "l" ? "links" : "subscription" } : undefined;
}

export const byTag = (clients: Client[], tag: string): Client | undefined => clients.find((c) => clientTag(c.email) === tag);
