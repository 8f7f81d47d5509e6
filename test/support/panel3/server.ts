// A stand-in of the 3x-ui v3.6.0 panel for tests: its HTTP API (controller/client.go,
// controller/inbound.go list, controller/server.go status, controller/index.go login) over a
// real x-ui.db with the v3.6.0 schema, served on 127.0.0.1 at a random port, with knobs to
// make it fail the ways a real panel does.
//
//   const panel = await startPanel3({ dbPath });          // base path from settings.webBasePath
//   panel.url                                             // http://127.0.0.1:PORT/secret/
//   panel.refuse("POST /panel/api/clients/bulkEnable", "no")  // answers success:false
//   panel.drop(route, n)  panel.stall(route)  panel.expireSessions()  panel.setTwoFactor(true)
//   panel.calls()["POST /panel/api/clients/bulkEnable"]   // how many requests a route got
//   await panel.stop()                                    // down: connections refused
//   await panel.close()                                   // stop + close the database
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { JsonObject, JsonValue } from "../../../src/xui/panel-json.js";
import { Auth, newBase32Secret, totp, type Session } from "./auth.js";
import { decodeCreatePayload, decodeCreatePayloads, decodeStruct, parseJsonBody } from "./bodies.js";
import { ClientService, GoPanic } from "./clients.js";
import { PanelStore, parseClients, type InboundRow } from "./store.js";
import { GoError, decodeClient, trafficToWire } from "./wire.js";

export interface Panel3Options {
  dbPath: string;
  /** Defaults to the file's webBasePath setting, else "/". */
  basePath?: string;
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string; cert: string };
  /** What GET /panel/api/server/status reports as panelVersion. */
  version?: string;
  now?: () => number;
}

export interface Panel3 {
  /** The panel's URL with its base path, e.g. http://127.0.0.1:40123/secret/ */
  readonly url: string;
  readonly dbPath: string;
  /** Requests each route got, keyed "METHOD /path/:param" (the path after the base path). */
  calls(): Record<string, number>;
  resetCalls(): void;
  /** The route answers {success:false, msg} (after auth) until refuse(route, null). */
  refuse(route: string, msg: string | null): void;
  /** The route answers {success:true, obj} with this obj, whatever it is (until answer(route, undefined)). */
  answer(route: string, obj: unknown): void;
  /** The next `times` requests to the route lose their connection without an answer. */
  drop(route: string, times?: number): void;
  /** The route never answers (until stop/close or stall(route, false)). */
  stall(route: string, on?: boolean): void;
  /** Ends every session by bumping users.login_epoch in the file, as the panel does. */
  expireSessions(): void;
  /** Turns 2FA on (with a new secret) or off in the file's settings. */
  setTwoFactor(enabled: boolean): void;
  /** The code 2FA wants now. */
  twoFactorCode(): string;
  /** Stops listening and drops open connections: the panel is down. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

type Reply = { status: number; body?: unknown; cookie?: string };
interface Call {
  params: Record<string, string>;
  query: URLSearchParams;
  body: string;
  userId: number;
}
type Handler = (call: Call) => { msg: string; obj: unknown };

const MSG = {
  wrong: "Something went wrong",
  obtain: "Obtain",
  added: "Inbound client(s) have been added.",
  updated: "Inbound client has been updated.",
  deleted: "Inbound client has been deleted.",
  reset: "Traffic has been reset.",
  badLogin: "Invalid username or password or two-factor code.",
  loggedIn: "You have successfully logged into your account.",
  invalidForm: "The input data format is invalid.",
  noUsername: "Username is required",
  noPassword: "Password is required",
};

/** entity.Msg, as jsonMsgObj builds it (controller/util.go L153). */
function envelope(prefix: string, obj: unknown, error?: unknown): JsonObject {
  if (error === undefined) return { success: true, msg: prefix, obj: (obj ?? null) as JsonValue };
  const text = (error as Error).message;
  return { success: false, msg: text === "" ? prefix || MSG.wrong : `${prefix} (${text})`, obj: (obj ?? null) as JsonValue };
}

const COOKIE = "3x-ui";

function cookieOf(headers: http.IncomingHttpHeaders): string | undefined {
  for (const part of (headers.cookie ?? "").split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === COOKIE) return value.join("=");
  }
  return undefined;
}

/** Inbound's JSON (model.go L169): settings, streamSettings and sniffing nested. */
function inboundToWire(ib: InboundRow, clientStats: JsonObject[]): JsonObject {
  const nested = (text: string | null): JsonValue => {
    if (!text || text.trim() === "") return null;
    try {
      return JSON.parse(text) as JsonValue;
    } catch {
      return text;
    }
  };
  return {
    id: ib.id, up: ib.up, down: ib.down, total: ib.total, remark: ib.remark, subSortIndex: ib.sub_sort_index, enable: ib.enable !== 0,
    expiryTime: ib.expiry_time, trafficReset: ib.traffic_reset, trafficResetDay: ib.traffic_reset_day, lastTrafficResetTime: ib.last_traffic_reset_time,
    clientStats, listen: ib.listen, port: ib.port, protocol: ib.protocol, tag: ib.tag, ...(ib.node_id === null ? {} : { nodeId: ib.node_id }),
    shareAddrStrategy: ib.share_addr_strategy, shareAddr: ib.share_addr ?? "", settings: nested(ib.settings), streamSettings: nested(ib.stream_settings),
    sniffing: nested(ib.sniffing),
  };
}

export async function startPanel3(options: Panel3Options): Promise<Panel3> {
  const now = options.now ?? Date.now;
  const store = new PanelStore(options.dbPath, now);
  const auth = new Auth(store.db, now);
  const service = new ClientService(store);
  const basePath = options.basePath ?? auth.setting("webBasePath") ?? "/";
  const counts: Record<string, number> = {};
  const refusals = new Map<string, string>();
  const answers = new Map<string, unknown>();
  const drops = new Map<string, number>();
  const stalls = new Set<string>();

  const emails = (c: Call) => decodeStruct(parseJsonBody(c.body), { emails: "strings" }, "controller.bulkEnableRequest").emails;
  const write = (msg: string, run: (c: Call) => unknown): Handler => (c) => ({ msg, obj: run(c) ?? null });

  /** The API's routes (all behind checkAPIAuth): [method, path after the base path, handler]. */
  const routes: [string, string, Handler][] = [
    ["GET", "/panel/api/clients/list", () => ({ msg: "", obj: service.list() })],
    ["GET", "/panel/api/clients/get/:email", (c) => ({ msg: "", obj: service.get(c.params.email as string) })],
    ["GET", "/panel/api/clients/traffic/:email", (c) => ({ msg: "", obj: service.traffic(c.params.email as string) })],
    ["POST", "/panel/api/clients/add", write(MSG.added, (c) => {
      const p = decodeCreatePayload(parseJsonBody(c.body));
      service.create(p.client, p.inboundIds);
    })],
    ["POST", "/panel/api/clients/update/:email", write(MSG.updated, (c) => {
      const filter = (c.query.get("inboundIds") ?? "").split(",").map((s) => Number.parseInt(s.trim(), 10)).filter(Number.isInteger);
      service.updateByEmail(c.params.email as string, decodeClient(parseJsonBody(c.body)), filter);
    })],
    ["POST", "/panel/api/clients/del/:email", write(MSG.deleted, (c) => service.deleteByEmail(c.params.email as string, c.query.get("keepTraffic") === "1"))],
    ["POST", "/panel/api/clients/resetTraffic/:email", write(MSG.reset, (c) => service.resetTraffic(c.params.email as string))],
    ["POST", "/panel/api/clients/bulkEnable", (c) => ({ msg: "", obj: service.bulkSetEnable(emails(c), true) })],
    ["POST", "/panel/api/clients/bulkDisable", (c) => ({ msg: "", obj: service.bulkSetEnable(emails(c), false) })],
    ["POST", "/panel/api/clients/bulkDel", (c) => {
      const b = decodeStruct(parseJsonBody(c.body), { emails: "strings", keepTraffic: "bool" }, "controller.bulkDeleteRequest");
      return { msg: "", obj: service.bulkDelete(b.emails, b.keepTraffic) };
    }],
    ["POST", "/panel/api/clients/bulkResetTraffic", (c) => ({ msg: "", obj: service.bulkResetTraffic(emails(c)) })],
    ["POST", "/panel/api/clients/bulkCreate", (c) => ({ msg: "", obj: service.bulkCreate(decodeCreatePayloads(parseJsonBody(c.body))) })],
    ["POST", "/panel/api/clients/bulkAdjust", (c) => {
      const b = decodeStruct(parseJsonBody(c.body), { emails: "strings", addDays: "int", addBytes: "int", flow: "string" }, "controller.bulkAdjustRequest");
      return { msg: "", obj: service.bulkAdjust(b.emails, b.addDays, b.addBytes, b.flow) };
    }],
    ["GET", "/panel/api/inbounds/list", (c) => ({ msg: "", obj: listInbounds(c.userId) })],
    ["GET", "/panel/api/server/status", () => ({ msg: "", obj: status() })],
  ];

  /** GetInbounds (inbound.go L164): the user's inbounds with the traffic rows of their clients. */
  function listInbounds(userId: number): JsonObject[] {
    return store.inboundsOf(userId).map((ib) => {
      const jsonEmails = new Set(parseClients(ib.settings).map((c) => c.email.toLowerCase()));
      const rows = store.allTraffics();
      return inboundToWire(ib, rows.filter((t) => t.inbound_id === ib.id || jsonEmails.has(t.email.toLowerCase())).map((t) => trafficToWire(t)));
    });
  }

  function status(): JsonObject {
    return {
      cpu: 0, cpuCores: 1, mem: { current: 0, total: 0 }, xray: { state: "running", errorMsg: "", version: "26.7.11" },
      panelVersion: options.version ?? "3.6.0", panelGuid: "", uptime: 0, loads: [0, 0, 0], tcpCount: 0, udpCount: 0,
    };
  }

  function match(method: string, rest: string): { route: [string, string, Handler]; params: Record<string, string> } | undefined {
    const parts = rest.split("/");
    for (const route of routes) {
      if (route[0] !== method) continue;
      const pattern = route[1].split("/");
      if (pattern.length !== parts.length) continue;
      const params: Record<string, string> = {};
      const hit = pattern.every((p, i) => {
        const part = decodeURIComponent(parts[i] as string);
        if (p.startsWith(":")) params[p.slice(1)] = part;
        return p.startsWith(":") || p === part;
      });
      if (hit) return { route, params };
    }
    return undefined;
  }

  /** IndexController (controller/index.go): csrf-token, login, getTwoFactorEnable. */
  function index(method: string, rest: string, req: http.IncomingMessage, body: string): Reply | undefined {
    const sid = cookieOf(req.headers);
    const existing = auth.session(sid);
    if (method === "GET" && rest === "/csrf-token") {
      const state = existing ?? {};
      const token = auth.ensureCsrf(state);
      return { status: 200, body: { obj: token, success: true }, ...(existing ? {} : { cookie: auth.save(state) }) };
    }
    if (method !== "POST" || (rest !== "/login" && rest !== "/getTwoFactorEnable")) return undefined;
    if (!auth.validCsrf(existing, req.headers["x-csrf-token"] as string | undefined)) return { status: 403 };
    const state = existing as Session;
    if (rest === "/getTwoFactorEnable") return { status: 200, body: envelope("", auth.setting("twoFactorEnable") === "true") };
    let form: { username: string; password: string; twoFactorCode: string };
    try {
      const raw = (req.headers["content-type"] ?? "").includes("application/json") ? parseJsonBody(body) : Object.fromEntries(new URLSearchParams(body));
      form = decodeStruct(raw, { username: "string", password: "string", twoFactorCode: "string" }, "controller.LoginForm");
    } catch {
      return { status: 200, body: envelope(MSG.invalidForm, null, new Error("")) };
    }
    if (form.username === "") return { status: 200, body: envelope(MSG.noUsername, null, new Error("")) };
    if (form.password === "") return { status: 200, body: envelope(MSG.noPassword, null, new Error("")) };
    const user = auth.checkUser(form.username, form.password, form.twoFactorCode);
    if (!user) return { status: 200, body: envelope(MSG.badLogin, null, new Error("")) };
    return { status: 200, body: envelope(MSG.loggedIn, null), cookie: auth.login(state, user) };
  }

  /** APIController.checkAPIAuth (controller/api.go L36), then CSRFMiddleware. */
  function authorize(method: string, req: http.IncomingMessage): { userId: number } | Reply {
    const header = req.headers.authorization ?? "";
    const session = auth.session(cookieOf(req.headers));
    if (header.startsWith("Bearer ") && auth.matchToken(header.slice("Bearer ".length))) return { userId: auth.firstUserId() ?? 0 };
    const userId = auth.loggedIn(session);
    if (userId === undefined) return { status: req.headers["x-requested-with"] === "XMLHttpRequest" ? 401 : 404 };
    if (method !== "GET" && method !== "HEAD" && !auth.validCsrf(session, req.headers["x-csrf-token"] as string | undefined)) return { status: 403 };
    return { userId };
  }

  function handle(req: http.IncomingMessage, body: string): Reply | "drop" | "stall" {
    const url = new URL(req.url ?? "/", "http://panel");
    const method = req.method ?? "GET";
    if (!url.pathname.startsWith(basePath)) return { status: 404 };
    const rest = "/" + url.pathname.slice(basePath.length);
    const matched = match(method, rest);
    const key = `${method} ${matched ? matched.route[1] : rest}`;
    const known = matched !== undefined || ["/csrf-token", "/login", "/getTwoFactorEnable"].includes(rest);
    if (known) counts[key] = (counts[key] ?? 0) + 1;
    const dropsLeft = drops.get(key) ?? 0;
    if (dropsLeft > 0) {
      drops.set(key, dropsLeft - 1);
      return "drop";
    }
    if (stalls.has(key)) return "stall";
    if (!matched) return index(method, rest, req, body) ?? { status: 404 };
    const allowed = authorize(method, req);
    if ("status" in allowed) return allowed;
    const refusal = refusals.get(key);
    if (refusal !== undefined) return { status: 200, body: envelope(refusal, null, new Error("")) };
    if (answers.has(key)) return { status: 200, body: envelope("", answers.get(key)) };
    const call: Call = { params: matched.params, query: url.searchParams, body, userId: allowed.userId };
    const handler = matched.route[2];
    try {
      const out = handler(call);
      return { status: 200, body: envelope(out.msg, out.obj) };
    } catch (error) {
      if (error instanceof GoPanic) return { status: 500 };
      const prefix = method === "GET" ? MSG.obtain : MSG.wrong;
      return { status: 200, body: envelope(prefix, null, error instanceof GoError ? error : new GoError((error as Error).message)) };
    }
  }

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const reply = handle(req, Buffer.concat(chunks).toString("utf8"));
      if (reply === "drop") return void req.socket.destroy();
      if (reply === "stall") return;
      const cookie = reply.cookie === undefined ? {} : { "set-cookie": `${COOKIE}=${reply.cookie}; Path=${basePath}; HttpOnly; SameSite=Lax${options.tls ? "; Secure" : ""}` };
      if (reply.body === undefined) {
        res.writeHead(reply.status, cookie).end();
        return;
      }
      res.writeHead(reply.status, { "content-type": "application/json; charset=utf-8", ...cookie }).end(JSON.stringify(reply.body));
    });
  };

  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener) : http.createServer(listener);
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
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
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}${basePath}`,
    dbPath: options.dbPath,
    calls: () => ({ ...counts }),
    resetCalls: () => {
      for (const k of Object.keys(counts)) delete counts[k];
    },
    refuse: (route, msg) => (msg === null ? refusals.delete(route) : refusals.set(route, msg)),
    answer: (route, obj) => (obj === undefined ? answers.delete(route) : answers.set(route, obj)),
    drop: (route, times = 1) => drops.set(route, times),
    stall: (route, on = true) => (on ? stalls.add(route) : stalls.delete(route)),
    expireSessions: () => auth.bumpLoginEpoch(),
    setTwoFactor: (enabled) => {
      if (enabled) auth.setSetting("twoFactorToken", newBase32Secret());
      auth.setSetting("twoFactorEnable", enabled ? "true" : "false");
    },
    twoFactorCode: () => totp(auth.setting("twoFactorToken") ?? "", now()),
    stop,
    close: async () => {
      await stop();
      store.close();
    },
  };
}
