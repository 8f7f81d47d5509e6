// `xui-admin sub`: the subscription URL and every share link, one per line, as plain text.
import type { Connection } from "../service/links/connection.js";

const MISSING = {
  disabled: "off (the panel's subscription service is disabled: subEnable)",
  "no-sub-id": "none (the client has no subId)",
  "no-host": "unknown (no subDomain or subURI in the panel: set PUBLIC_HOST)",
} as const;

const SKIPPED = { disabled: "the inbound is disabled", "no-host": "no host known: set PUBLIC_HOST" } as const;

export function renderConnection(c: Connection): string {
  const s = c.subscription;
  return [
    `${c.email}`,
    `subscription: ${s.url ?? MISSING[s.missing ?? "no-host"]}`,
    ...(s.jsonUrl ? [`json subscription: ${s.jsonUrl}`] : []),
    ...c.links.map((l) => `inbound ${l.inbound} ${l.inboundRemark} (${l.protocol}): ${l.url}`),
    ...c.skipped.map((k) => `inbound ${k.inbound}: no link (${SKIPPED[k.reason]})`),
    ...(c.links.length === 0 && c.skipped.length === 0 ? ["no share links (no inbound of a protocol with links)"] : []),
  ].join("\n");
}
