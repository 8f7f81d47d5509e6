// GET /api/health: for monitoring, without a token. It says whether the database can be read
// now and written at all, and the version running; nothing about clients or file paths.
import type { Context } from "hono";
import type { ClientService } from "../service/client-service.js";
import { version } from "../core/version.js";

export function health(c: Context, service: ClientService): Response {
  const database = service.databaseState();
  const ok = database === "ok";
  return c.json(
    { ok, status: ok ? "ok" : "degraded", database, schema: service.schema.family, writable: service.writer === "file", version: version() },
    ok ? 200 : 503,
  );
}
