// A stand-in of a 3x-ui v2.9.4 panel for tests: its login (controller/index.go) and the
// inbounds API (controller/inbound.go, service/inbound.go) over a real x-ui.db in the 2.x
// layout, keeping the inbound's JSON and client_traffics as each route of the panel does (see
// src/service/remote2.ts for what that is), served on 127.0.0.1 at a random port.
//
//   const panel = await startPanel2({ dbPath, username, password });
//   panel.calls()["POST /panel/api/inbounds/update/:id"]   // requests a route got
//   panel.garble(route)  panel.expireSessions()  await panel.stop()  await panel.close()
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import Database from "better-sqlite3";

export interface Panel2Options {
  dbPath: string;
  username: string;
  password: string;
  /** The base path, "/" by default. */
  basePath?: string;
  version?: string;
  /** The panel's clock (created_at/updated_at stamps). */
  now?: () => number;
  /** Where to listen (default: a random free port); a panel served again at its old address. */
  port?: number;
}

export interface Panel2 {
  readonly url: string;
  readonly dbPath: string;
  calls(): Record<string, number>;
  resetCalls(): void;
  /** The route answers 200 with JSON that is no entity.Msg (after `after` good answers), until garble(route, false). */
  garble(route: string, on?: boolean, after?: number): void;
  /** Every session ends (the panel restarted with a new secret). */
  expireSessions(): void;
  stop(): Promise<void>;
  close(): Promise<void>;
}

type Obj = Record<string, unknown>;
type Reply = { status: number; body?: unknown; cookie?: string; html?: string };
class GoError extends Error {}

interface InboundRow {
  id: number;
  up: number;
  down: number;
  total: number;
  all_time: number;
  remark: string;
  enable: number;
  expiry_time: number;
  traffic_reset: string;
  last_traffic_reset_time: number;
  listen: string;
  port: number;
  protocol: string;
  settings: string;
  stream_settings: string;
  tag: string;
  sniffing: string;
}

interface TrafficRow {
  id: number;
  inbound_id: number;
  enable: number;
  email: string;
  up: number;
  down: number;
  all_time: number | null;
  expiry_time: number;
  total: number;
  reset: number;
  last_online: number;
}

const COOKIE = "3x-ui";

/** json.MarshalIndent of a map: keys in sorted order, two spaces. */
function goIndent(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Obj)[k])]));
    return v;
  };
  return JSON.stringify(sort(value), null, 2);
}

const trafficWire = (t: TrafficRow): Obj => ({
  id: t.id, inboundId: t.inbound_id, enable: t.enable === 1, email: t.email, uuid: "", subId: "", up: t.up, down: t.down, allTime: t.all_time ?? 0,
  expiryTime: t.expiry_time, total: t.total, reset: t.reset, lastOnline: t.last_online,
});

function inboundWire(ib: InboundRow, clientStats: Obj[] | null): Obj {
  return {
    id: ib.id, up: ib.up, down: ib.down, total: ib.total, allTime: ib.all_time, remark: ib.remark, enable: ib.enable === 1, expiryTime: ib.expiry_time,
    trafficReset: ib.traffic_reset, lastTrafficResetTime: ib.last_traffic_reset_time, clientStats, listen: ib.listen, port: ib.port,
    protocol: ib.protocol, settings: ib.settings, streamSettings: ib.stream_settings, tag: ib.tag, sniffing: ib.sniffing,
  };
}

/** The key DelInboundClient and UpdateInboundClient find a client by. */
const keyField = (protocol: string): string => (protocol === "trojan" ? "password" : protocol === "shadowsocks" ? "email" : "id");

export async function startPanel2(options: Panel2Options): Promise<Panel2> {
  const db = new Database(options.dbPath);
  db.pragma("foreign_keys = OFF");
  const now = options.now ?? Date.now;
  const basePath = options.basePath ?? "/";
  const sessions = new Set<string>();
  const counts: Record<string, number> = {};
  /** Garbled routes, with how many good answers each gives first. */
  const garbled = new Map<string, number>();

  const inbound = (id: number): InboundRow => {
    const row = db.prepare("SELECT * FROM inbounds WHERE id = ?").get(id) as InboundRow | undefined;
    if (!row) throw new GoError("record not found");
    return row;
  };
  const clientsOf = (settings: string): Obj[] => ((JSON.parse(settings) as { clients?: Obj[] }).clients ?? []);
  const allEmails = (): string[] =>
    (db.prepare("SELECT settings FROM inbounds").pluck().all() as string[]).flatMap((s) => {
      try {
        return clientsOf(s).map((c) => String(c.email ?? ""));
      } catch {
        return [];
      }
    });
  const addClientStat = (inboundId: number, c: Obj) =>
    db.prepare("INSERT INTO client_traffics (inbound_id, enable, email, up, down, all_time, expiry_time, total, reset, last_online) VALUES (?, ?, ?, 0, 0, 0, ?, ?, ?, 0)")
      .run(inboundId, c.enable === true ? 1 : 0, c.email, Number(c.expiryTime ?? 0), Number(c.totalGB ?? 0), Number(c.reset ?? 0));
  const delClientStat = (email: string) => db.prepare("DELETE FROM client_traffics WHERE email = ?").run(email);
  const delClientIps = (email: string) => db.prepare("DELETE FROM inbound_client_ips WHERE client_email = ?").run(email);
  const saveSettings = (id: number, settings: Obj) => db.prepare("UPDATE inbounds SET settings = ? WHERE id = ?").run(goIndent(settings), id);

  /** model.Inbound bound from a JSON body (gin's ShouldBind). */
  const bindInbound = (body: string): Obj => {
    try {
      return JSON.parse(body) as Obj;
    } catch (error) {
      throw new GoError((error as Error).message);
    }
  };

  // --- the service (web/service/inbound.go @v2.9.4) ------------------------------------------

  function updateInbound(id: number, data: Obj): void {
    const old = inbound(id);
    const oldClients = clientsOf(old.settings);
    const settings = JSON.parse(String(data.settings)) as Obj;
    const newClients = (settings.clients as Obj[] | undefined) ?? [];
    db.transaction(() => {
      // updateClientTraffics: rows follow the emails that left and came, nothing else.
      const oldEmails = new Set(oldClients.map((c) => String(c.email ?? "")).filter(Boolean));
      const newEmails = new Set(newClients.map((c) => String(c.email ?? "")).filter(Boolean));
      for (const e of oldEmails) if (!newEmails.has(e)) delClientStat(e);
      for (const c of newClients) if (c.email && !oldEmails.has(String(c.email))) addClientStat(id, c);
      const created = new Map(oldClients.map((c) => [c.email, c.created_at]));
      const updated = new Map(oldClients.map((c) => [c.email, c.updated_at]));
      for (const c of newClients) {
        if (!("created_at" in c)) c.created_at = (created.get(c.email)) ?? now();
        if (!("updated_at" in c) && updated.get(c.email) !== undefined) c.updated_at = updated.get(c.email);
      }
      db.prepare("UPDATE inbounds SET up = ?, down = ?, total = ?, remark = ?, enable = ?, expiry_time = ?, traffic_reset = ?, listen = ?, port = ?, protocol = ?, settings = ?, stream_settings = ?, sniffing = ? WHERE id = ?").run(
        Number(data.up ?? 0), Number(data.down ?? 0), Number(data.total ?? 0), String(data.remark ?? ""), data.enable === true ? 1 : 0, Number(data.expiryTime ?? 0),
        String(data.trafficReset ?? ""), String(data.listen ?? ""), Number(data.port ?? 0), String(data.protocol ?? ""), goIndent(settings), String(data.streamSettings ?? ""), String(data.sniffing ?? ""), id,
      );
    })();
  }

  function addInboundClient(data: Obj): void {
    const clients = clientsOf(String(data.settings));
    const stamp = now();
    const taken = allEmails().map((e) => e.toLowerCase());
    const seen: string[] = [];
    for (const c of clients) {
      const e = String(c.email ?? "").toLowerCase();
      if (e && (taken.includes(e) || seen.includes(e))) throw new GoError(`Duplicate email: ${String(c.email)}`);
      seen.push(e);
      if (!("created_at" in c)) c.created_at = stamp;
      c.updated_at = stamp;
    }
    const old = inbound(Number(data.id));
    for (const c of clients) if (!c[keyField(old.protocol)]) throw new GoError("empty client ID");
    const settings = JSON.parse(old.settings) as Obj;
    settings.clients = [...((settings.clients as Obj[] | undefined) ?? []), ...clients];
    db.transaction(() => {
      for (const c of clients) if (c.email) addClientStat(old.id, c);
      saveSettings(old.id, settings);
    })();
  }

  function updateInboundClient(data: Obj, clientId: string): void {
    const client = clientsOf(String(data.settings))[0];
    const old = inbound(Number(data.id));
    const settings = JSON.parse(old.settings) as Obj;
    const list = settings.clients as Obj[];
    const key = keyField(old.protocol);
    const index = list.findIndex((c) => c[key] === clientId);
    if (!client || index < 0 || !client[key]) throw new GoError("empty client ID");
    const oldEmail = String(list[index]?.email ?? "");
    const email = String(client.email ?? "");
    if (email && email !== oldEmail && allEmails().some((e) => e.toLowerCase() === email.toLowerCase())) throw new GoError(`Duplicate email: ${email}`);
    client.created_at = list[index]?.created_at ?? now();
    client.updated_at = now();
    list[index] = client;
    db.transaction(() => {
      // UpdateClientStat: the row's switch, email, limits and auto-renew from the JSON.
      db.prepare("UPDATE client_traffics SET enable = ?, email = ?, total = ?, expiry_time = ?, reset = ? WHERE email = ?")
        .run(client.enable === true ? 1 : 0, email, Number(client.totalGB ?? 0), Number(client.expiryTime ?? 0), Number(client.reset ?? 0), oldEmail);
      db.prepare("UPDATE inbound_client_ips SET client_email = ? WHERE client_email = ?").run(email, oldEmail);
      saveSettings(old.id, settings);
    })();
  }

  function delInboundClient(id: number, clientId: string): void {
    const old = inbound(id);
    const settings = JSON.parse(old.settings) as Obj;
    const key = keyField(old.protocol);
    const list = settings.clients as Obj[];
    const gone = list.find((c) => c[key] === clientId);
    if (!gone) throw new GoError(`Client Not Found In Inbound For ID: ${clientId}`);
    settings.clients = list.filter((c) => c !== gone);
    if ((settings.clients as Obj[]).length === 0) throw new GoError("no client remained in Inbound");
    const email = String(gone.email ?? "");
    delClientIps(email);
    if (email && !db.prepare("SELECT 1 FROM client_traffics WHERE email = ?").get(email)) throw new GoError("record not found");
    delClientStat(email);
    saveSettings(id, settings);
  }

  function resetClientTraffic(email: string): void {
    const { changes } = db.prepare("UPDATE client_traffics SET up = 0, down = 0, enable = 1 WHERE email = ?").run(email);
    if (changes === 0) throw new GoError("record not found");
  }

  function trafficOf(email: string): Obj | null {
    const row = db.prepare("SELECT * FROM client_traffics WHERE email = ?").get(email) as TrafficRow | undefined;
    return row ? trafficWire(row) : null;
  }

  // --- the routes ----------------------------------------------------------------------------

  const ok = (msg: string, obj: unknown = null): Reply => ({ status: 200, body: { success: true, msg, obj } });
  const routes: [string, string, (p: Record<string, string>, body: string) => Reply][] = [
    ["GET", "/panel/api/inbounds/list", () => {
      const rows = db.prepare("SELECT * FROM client_traffics").all() as TrafficRow[];
      const list = (db.prepare("SELECT * FROM inbounds ORDER BY id").all() as InboundRow[]).map((ib) => inboundWire(ib, rows.filter((t) => t.inbound_id === ib.id).map(trafficWire)));
      return ok("", list);
    }],
    ["GET", "/panel/api/inbounds/get/:id", (p) => ok("", inboundWire(inbound(Number(p.id)), null))],
    ["GET", "/panel/api/inbounds/getClientTraffics/:email", (p) => ok("", trafficOf(p.email as string))],
    ["POST", "/panel/api/inbounds/update/:id", (p, body) => {
      updateInbound(Number(p.id), bindInbound(body));
      return ok("Inbound has been successfully updated.", inboundWire(inbound(Number(p.id)), null));
    }],
    ["POST", "/panel/api/inbounds/addClient", (_, body) => (addInboundClient(bindInbound(body)), ok("Client(s) added"))],
    ["POST", "/panel/api/inbounds/updateClient/:clientId", (p, body) => (updateInboundClient(bindInbound(body), p.clientId as string), ok("Client updated"))],
    ["POST", "/panel/api/inbounds/:id/delClient/:clientId", (p) => (delInboundClient(Number(p.id), p.clientId as string), ok("Client deleted"))],
    ["POST", "/panel/api/inbounds/:id/resetClientTraffic/:email", (p) => (resetClientTraffic(p.email as string), ok("Traffic reset"))],
    ["POST", "/panel/api/inbounds/updateClientTraffic/:email", (p, body) => {
      const r = JSON.parse(body) as { upload: number; download: number };
      db.prepare("UPDATE client_traffics SET up = ?, down = ?, all_time = max(COALESCE(all_time, 0), ?) WHERE email = ?").run(r.upload, r.download, r.upload + r.download, p.email);
      return ok("Client updated");
    }],
  ];

  function match(method: string, rest: string): { key: string; run: () => (body: string) => Reply } | undefined {
    const parts = rest.split("/");
    for (const [m, path, handler] of routes) {
      const pattern = path.split("/");
      if (m !== method || pattern.length !== parts.length) continue;
      const params: Record<string, string> = {};
      if (pattern.every((p, i) => (p.startsWith(":") ? ((params[p.slice(1)] = decodeURIComponent(parts[i] as string)), true) : p === parts[i]))) {
        return { key: `${method} ${path}`, run: () => (body) => handler(params, body) };
      }
    }
    return undefined;
  }

  function handle(req: http.IncomingMessage, body: string): Reply {
    const url = new URL(req.url ?? "/", "http://panel");
    const method = req.method ?? "GET";
    if (!url.pathname.startsWith(basePath)) return { status: 404 };
    const rest = "/" + url.pathname.slice(basePath.length);
    if (method === "GET" && rest === "/") {
      return { status: 200, html: `<!DOCTYPE html><html><head><link rel="stylesheet" href="${basePath}assets/css/custom.min.css?${options.version ?? "2.9.4"}"></head></html>` };
    }
    if (method === "POST" && rest === "/login") {
      counts["POST /login"] = (counts["POST /login"] ?? 0) + 1;
      const form = (req.headers["content-type"] ?? "").includes("json") ? (JSON.parse(body) as Obj) : Object.fromEntries(new URLSearchParams(body));
      if (form.username !== options.username || form.password !== options.password) {
        return { status: 200, body: { success: false, msg: "Wrong username or password." } };
      }
      const sid = randomBytes(18).toString("base64url");
      sessions.add(sid);
      return { ...ok("Logged in successfully"), cookie: sid };
    }
    const matched = match(method, rest);
    if (!matched) return { status: 404 };
    counts[matched.key] = (counts[matched.key] ?? 0) + 1;
    const sid = /(?:^|;\s*)3x-ui=([^;]+)/.exec(req.headers.cookie ?? "")?.[1];
    // checkAPIAuth: no session, no API (404, not 401).
    if (sid === undefined || !sessions.has(sid)) return { status: 404 };
    const good = garbled.get(matched.key);
    if (good !== undefined) {
      if (good <= 0) return { status: 200, body: { hello: "world" } };
      garbled.set(matched.key, good - 1);
    }
    try {
      return matched.run()(body);
    } catch (error) {
      if (!(error instanceof GoError)) throw error;
      return { status: 200, body: { success: false, msg: `Something went wrong (${error.message})`, obj: null } };
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const reply = handle(req, Buffer.concat(chunks).toString("utf8"));
      const headers: http.OutgoingHttpHeaders = reply.cookie === undefined ? {} : { "set-cookie": `${COOKIE}=${reply.cookie}; Path=${basePath}; HttpOnly` };
      if (reply.html !== undefined) res.writeHead(reply.status, { ...headers, "content-type": "text/html" }).end(reply.html);
      else if (reply.body === undefined) res.writeHead(reply.status, headers).end();
      else res.writeHead(reply.status, { ...headers, "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(reply.body));
    });
  });
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    dbPath: options.dbPath,
    calls: () => ({ ...counts }),
    resetCalls: () => {
      for (const k of Object.keys(counts)) delete counts[k];
    },
    garble: (route, on = true, after = 0) => (on ? garbled.set(route, after) : garbled.delete(route)),
    expireSessions: () => sessions.clear(),
    stop,
    close: async () => {
      await stop();
      db.close();
    },
  };
}
