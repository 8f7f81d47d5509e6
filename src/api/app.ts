// The HTTP API (the seed's xui-manager API, and more) on Hono: JSON in, JSON out, the same
// service calls as the bot and the CLI. Every change answers with the before/after diff.
import { createHash, timingSafeEqual } from "node:crypto";
import { Hono, type Context, type Handler, type Next } from "hono";
import type { BlankEnv } from "hono/types";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { createLogger, type Logger } from "../log.js";
import { XuiError } from "../core/errors.js";
import { parseClientFilter } from "../service/queries.js";
import { clientView } from "../service/status.js";
import { fleetStats } from "../service/fleet-stats.js";
import type { UsageSource } from "../core/usage.js";
import { connectionJson, connectionOf } from "../service/links/connection.js";
import type { OpResult } from "../core/types.js";
import type { ClientService } from "../service/client-service.js";
import { createApplier, settled, type Applier } from "../apply/applier.js";
import type { ApplyStatus } from "../apply/scheduler.js";
import { changes, createInput, editChanges, serversIn, type Change } from "./bodies.js";
import { errorHandler, fail } from "./errors.js";
import { health } from "./health.js";

export interface ApiDeps {
  service: ClientService;
  token: string;
  /** Makes the running Xray pick changes up; absent: the answer says a restart is needed. */
  applier?: Applier;
  /** Where failures are logged with their request ID; absent: warnings and errors to stdout. */
  logger?: Logger;
  /** The usage history, for /api/stats' traffic today / 7 / 30 days; absent: those are null. */
  usage?: UsageSource;
  /** PUBLIC_HOST: the host of connection links when the panel names none. */
  publicHost?: string | undefined;
}

/** 1 MiB: a request naming tens of thousands of clients still fits. */
const MAX_BODY = 1024 * 1024;

const digest = (s: string) => createHash("sha256").update(s).digest();

function authorised(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(.+)$/i.exec(header ?? "")?.[1] ?? "";
  // Compare digests: equal length, constant time, whatever was sent.
  return timingSafeEqual(digest(given), digest(token));
}

async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new XuiError("bad-input", "body: not valid JSON", ["body"]);
  }
}

/**
 * Registers a path's handlers, then a 405 naming them for every other method. Registered in
 * order, so that a wider pattern added later (GET /api/users/:ref) cannot claim a POST-only
 * path such as /api/users/extend-expiry.
 */
function route<P extends string>(
  app: Hono,
  path: P,
  handlers: { GET?: Handler<BlankEnv, P>; POST?: Handler<BlankEnv, P>; PATCH?: Handler<BlankEnv, P>; DELETE?: Handler<BlankEnv, P> },
): void {
  if (handlers.GET) app.get(path, handlers.GET);
  if (handlers.POST) app.post(path, handlers.POST);
  if (handlers.PATCH) app.patch(path, handlers.PATCH);
  if (handlers.DELETE) app.delete(path, handlers.DELETE);
  const allow = Object.keys(handlers).flatMap((m) => (m === "GET" ? ["GET", "HEAD"] : [m])).join(", ");
  app.all(path, (c) => fail(c, 405, "method-not-allowed", `${c.req.method} ${c.req.path}: method not allowed (use ${allow})`, [c.req.method], { Allow: allow }));
}

/** ?server=nl (repeatable): the servers a read is about; absent, every server. */
function scopeOf(c: Context): { servers?: string[] } {
  const named = (c.req.queries("server") ?? []).flatMap((s) => s.split(",")).map((s) => s.trim().toLowerCase()).filter((s) => s.length > 0);
  return named.length > 0 ? { servers: named } : {};
}

/** /api/users/alice?server=nl names nl's alice (as the reference nl/alice does). */
function refOn(c: Context, ref: string): string {
  const servers = scopeOf(c).servers ?? [];
  if (servers.length > 1) throw new XuiError("bad-input", "server: name one server for one client", ["server"]);
  return servers.length === 1 ? `${servers[0]}/${ref}` : ref;
}

export function createApi(deps: ApiDeps): Hono {
  const app = new Hono();
  const { service } = deps;
  const logger = deps.logger ?? createLogger("warn", [deps.token]);

  // First: every answer, errors included, carries the request ID its log lines carry.
  app.use(requestId());
  app.onError(errorHandler(logger));
  app.notFound((c) => fail(c, 404, "unknown-route", `no route ${c.req.method} ${c.req.path}`, [c.req.path]));

  // Monitoring needs no token and learns nothing about clients.
  route(app, "/api/health", { GET: (c) => health(c, service) });

  app.use("/api/*", async (c, next) => {
    if (!authorised(c.req.header("authorization"), deps.token)) {
      return fail(c, 401, "unauthorized", "missing or wrong bearer token", ["authorization"], { "WWW-Authenticate": "Bearer" });
    }
    await next();
  });
  // A panel read through its API: its mirror brought up to date when older than its maximum
  // age (a no-op on a local file). The panel down is a 503 that says so, not a stale answer.
  app.use("/api/*", async (_c, next) => {
    await service.ensureFresh();
    await next();
  });
  // Only where a body is read: asking a request for its body makes @hono/node-server build the
  // whole fetch Request (headers, an AbortSignal) that a GET otherwise never needs.
  const limit = bodyLimit({ maxSize: MAX_BODY, onError: (c) => fail(c, 413, "body-too-large", `body larger than ${MAX_BODY} bytes`, ["body"]) });
  app.use("/api/*", (c: Context<BlankEnv, string>, next: Next) => (c.req.method === "GET" || c.req.method === "HEAD" ? next() : limit(c, next)));

  const applier = deps.applier ?? createApplier({ mode: "none" });
  /** With ?wait=true a pending restart is waited for, and the answer says how it went. */
  const applyStatusOf = async (c: Context, result: OpResult): Promise<ApplyStatus> => {
    const request = applier.request(result);
    return request.outcome && c.req.query("wait") === "true" ? settled(await request.outcome) : request.status;
  };

  for (const [name, read] of Object.entries(changes) as [string, (body: unknown) => Change][]) {
    route(app, `/api/users/${name}`, {
      POST: async (c) => {
        const { op, refs, servers } = read(await jsonBody(c));
        const result = await service.apply(op, { refs }, { actor: "api", ...(servers ? { servers } : {}) });
        return c.json({ ...result, apply: await applyStatusOf(c, result) });
      },
    });
  }
  route(app, "/api/users", {
    GET: (c) => {
      const q = c.req.query("q");
      const scope = scopeOf(c);
      const clients = q ? service.find(q, scope) : service.list(parseClientFilter(c.req.query("filter") ?? "all"), scope);
      const now = service.now();
      return c.json({ count: clients.length, clients: clients.map((client) => clientView(client, now)) });
    },
    POST: async (c) => {
      const body = await jsonBody(c);
      const input = createInput(body);
      const servers = serversIn(body);
      const result = await service.create(input, { actor: "api", ...(servers ? { servers } : {}) });
      const client = service.find(input.email, servers ? { servers } : {}).find((x) => x.email === input.email);
      return c.json({ ...result, client: client && clientView(client, service.now()), apply: await applyStatusOf(c, result) }, 201);
    },
  });
  // The subscription URL and share links, as `xui-admin sub REF --json`.
  route(app, "/api/users/:ref/links", {
    GET: (c) => {
      const ref = refOn(c, c.req.param("ref"));
      const client = service.get(ref);
      if (!client) throw new XuiError("unknown-ref", `unknown client: ${ref}`, [ref]);
      return c.json(connectionJson(connectionOf(service.serviceOf(client), client, { publicHost: deps.publicHost })));
    },
  });
  route(app, "/api/users/:ref", {
    GET: (c) => {
      const ref = refOn(c, c.req.param("ref"));
      const client = service.get(ref);
      if (!client) throw new XuiError("unknown-ref", `unknown client: ${ref}`, [ref]);
      return c.json(clientView(client, service.now()));
    },
    PATCH: async (c) => {
      const changes = editChanges(await jsonBody(c));
      const ref = refOn(c, c.req.param("ref"));
      const result = await service.edit({ refs: [ref] }, changes, { actor: "api" });
      const client = service.get(changes.email === undefined ? ref : refOn(c, changes.email));
      return c.json({ ...result, client: client && clientView(client, service.now()), apply: await applyStatusOf(c, result) });
    },
    // ?keep_traffic=true leaves the client_traffics row, as xui-admin delete --keep-traffic.
    DELETE: async (c) => {
      const result = await service.delete({ refs: [refOn(c, c.req.param("ref"))] }, { keepTraffic: c.req.query("keep_traffic") === "true", actor: "api" });
      return c.json({ ...result, apply: await applyStatusOf(c, result) });
    },
  });
  route(app, "/api/stats", { GET: (c) => c.json(fleetStats(service, deps.usage, scopeOf(c)).stats) });
  route(app, "/api/check", { GET: (c) => c.json(service.check(scopeOf(c))) });
  route(app, "/api/servers", { GET: async (c) => c.json({ servers: await service.servers() }) });
  return app;
}
