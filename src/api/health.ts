// GET /api/health: for monitoring, without a token. It says whether the database can be read
// now and written at all, and the version running; nothing about clients or file paths.
import { readFileSync } from "node:fs";
import type { Context } from "hono";
import type { XuiService } from "../service/xui-service.js";

/** Read once: src/api/ and dist/api/ both sit two levels below package.json. */
const VERSION = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

export function health(c: Context, service: XuiService): Response {
  const database = service.databaseState();
  const ok = database === "ok";
  return c.json(
    { ok, status: ok ? "ok" : "degraded", database, schema: service.schema.family, writable: service.db.writable, version: VERSION },
    ok ? 200 : 503,
  );
}
