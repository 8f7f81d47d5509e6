// One API on a real x-ui.db in a temp folder of its own, over real HTTP on loopback, with
// its log lines captured; stop() closes everything and removes the folder.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApi } from "../../src/api/app.js";
import { startApi } from "../../src/api/server.js";
import type { Applier } from "../../src/apply/applier.js";
import { createLogger } from "../../src/log.js";
import { XuiService, type ServiceOptions } from "../../src/service/xui-service.js";
import { AuditLog } from "../../src/store/audit-log.js";
import { buildXuiDb, type FixtureOptions } from "../support/xui-fixture.js";

export const TOKEN = "test-api-token-0123456789";

export interface Answer {
  status: number;
  json: Record<string, unknown>;
  headers: Headers;
}

export interface TestApi {
  path: string;
  /** The loopback port it listens on. */
  port: number;
  service: XuiService;
  audit: AuditLog;
  /** Every log line the API wrote, parsed. */
  logs: Record<string, unknown>[];
  call(method: string, route: string, body?: unknown, options?: { token?: string | null; headers?: Record<string, string> }): Promise<Answer>;
  stop(): Promise<void>;
}

export async function startTestApi(fixture: FixtureOptions, options: { service?: ServiceOptions; applier?: Applier } = {}): Promise<TestApi> {
  const dir = mkdtempSync(join(tmpdir(), "xui-api-test-"));
  const path = join(dir, "x-ui.db");
  buildXuiDb(path, fixture);
  const audit = new AuditLog(join(dir, "bot.db"));
  const service = XuiService.open(path, { backupDir: join(dir, "backups"), ...options.service, audit });
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger("info", [TOKEN], { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const api = await startApi(createApi({ service, token: TOKEN, logger, ...(options.applier ? { applier: options.applier } : {}) }), "127.0.0.1", 0);
  return {
    path,
    port: api.port,
    service,
    audit,
    logs,
    async call(method, route, body, { token = TOKEN, headers = {} } = {}) {
      const res = await fetch(`http://127.0.0.1:${api.port}${route}`, {
        method,
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: res.headers };
    },
    async stop() {
      await api.close();
      service.close();
      audit.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
