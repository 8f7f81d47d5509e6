// Whether a 3.x x-ui.db keeps a client the same in its three places (xui3-reference.md §2.3):
// each settings.clients[] entry, its `clients` row and link, and its `client_traffics` row.
// Read through a connection of its own; written from the reference, not from the stand-in.
import Database from "better-sqlite3";

interface Entry {
  email?: unknown;
  enable?: unknown;
  expiryTime?: unknown;
  totalGB?: unknown;
  limitIp?: unknown;
  tgId?: unknown;
  subId?: unknown;
  comment?: unknown;
  reset?: unknown;
  flow?: unknown;
  id?: unknown;
  password?: unknown;
}

/** The JSON entries of every inbound, as [inbound id, protocol, entry]. */
export function jsonClients(path: string): [number, string, Entry][] {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare("SELECT id, protocol, settings FROM inbounds ORDER BY id").all() as { id: number; protocol: string; settings: string }[];
    return rows.flatMap((r) => ((JSON.parse(r.settings) as { clients?: Entry[] }).clients ?? []).map((e) => [r.id, r.protocol, e] as [number, string, Entry]));
  } finally {
    db.close();
  }
}

/** Every way the three places disagree, in words; [] when they agree. */
export function disagreements(path: string): string[] {
  const db = new Database(path, { readonly: true });
  const problems: string[] = [];
  try {
    const records = new Map((db.prepare("SELECT * FROM clients").all() as Record<string, unknown>[]).map((r) => [r.email as string, r]));
    const traffics = new Map((db.prepare("SELECT * FROM client_traffics").all() as Record<string, unknown>[]).map((t) => [t.email as string, t]));
    const links = new Map((db.prepare("SELECT * FROM client_inbounds").all() as Record<string, unknown>[]).map((l) => [`${l.client_id as number}/${l.inbound_id as number}`, l]));
    const passwords = new Map<string, unknown[]>();
    for (const [, protocol, e] of jsonClients(path)) {
      if (protocol === "trojan" || protocol === "shadowsocks") passwords.set(String(e.email), [...(passwords.get(String(e.email)) ?? []), e.password]);
    }
    const seenLinks = new Set<string>();
    const seenEmails = new Set<string>();
    for (const [inbound, protocol, e] of jsonClients(path)) {
      const email = String(e.email);
      seenEmails.add(email);
      const where = `inbound ${inbound}, ${email}`;
      const rec = records.get(email);
      if (!rec) {
        problems.push(`${where}: no clients row`);
        continue;
      }
      const pairs: [string, unknown, unknown][] = [
        ["enable", e.enable === true ? 1 : 0, rec.enable],
        ["expiryTime", e.expiryTime, rec.expiry_time],
        ["totalGB", e.totalGB, rec.total_gb],
        ["limitIp", e.limitIp, rec.limit_ip],
        ["tgId", e.tgId, rec.tg_id],
        ["subId", e.subId, rec.sub_id],
        ["comment", e.comment, rec.comment],
        ["reset", e.reset, rec.reset],
      ];
      if (protocol === "vless" || protocol === "vmess") pairs.push(["id", e.id, rec.uuid]);
      // A client on Trojan and Shadowsocks 2022 inbounds gets a key per cipher, and the row
      // keeps whichever inbound synced last: only one shared password must be the row's.
      else if (new Set(passwords.get(email)).size === 1) pairs.push(["password", e.password, rec.password]);
      for (const [field, json, row] of pairs) if (json !== row) problems.push(`${where}: JSON ${field} ${JSON.stringify(json)}, clients row ${JSON.stringify(row)}`);
      const key = `${rec.id as number}/${inbound}`;
      seenLinks.add(key);
      const link = links.get(key);
      if (!link) problems.push(`${where}: no client_inbounds link`);
      else if (link.flow_override !== (e.flow ?? "")) problems.push(`${where}: JSON flow ${JSON.stringify(e.flow ?? "")}, flow_override ${JSON.stringify(link.flow_override)}`);
      const t = traffics.get(email);
      if (!t) {
        problems.push(`${where}: no client_traffics row`);
        continue;
      }
      for (const [field, json, row] of [
        ["enable", e.enable === true ? 1 : 0, t.enable],
        ["expiryTime", e.expiryTime, t.expiry_time],
        ["totalGB", e.totalGB, t.total],
        ["reset", e.reset, t.reset],
      ] as [string, unknown, unknown][]) {
        if (json !== row) problems.push(`${where}: JSON ${field} ${JSON.stringify(json)}, client_traffics ${JSON.stringify(row)}`);
      }
    }
    for (const key of links.keys()) if (!seenLinks.has(key)) problems.push(`client_inbounds ${key}: no JSON entry`);
    for (const email of records.keys()) if (!seenEmails.has(email)) problems.push(`clients row ${email}: in no inbound`);
    for (const email of traffics.keys()) if (!seenEmails.has(email)) problems.push(`client_traffics row ${email}: in no inbound`);
  } finally {
    db.close();
  }
  return problems;
}
