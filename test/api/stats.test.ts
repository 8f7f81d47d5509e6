// GET /api/stats over real HTTP: the service's numbers as JSON, behind the token.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createApi } from "../../src/api/app.js";
import { startApi } from "../../src/api/server.js";
import { GB } from "../../src/core/units.js";
import { createLogger } from "../../src/log.js";
import type { ServerStats } from "../../src/service/stats.js";
import { XuiService } from "../../src/service/xui-service.js";
import { UsageHistory } from "../../src/store/usage-history.js";
import { tempDir } from "../support/temp-dir.js";
import { buildXuiDb } from "../support/xui-fixture.js";

const TOKEN = "test-api-token-0123456789";

describe("GET /api/stats", () => {
  it("answers the statistics with the usage history's traffic, and 401 without the token", async () => {
    const dir = tempDir("xui-api-stats");
    const path = join(dir, "x-ui.db");
    buildXuiDb(path, { inbounds: [{ id: 1, protocol: "vmess", clients: [{ email: "alice", up: GB, down: GB, lastOnline: Date.now() }, { email: "bob", enable: false }] }] });
    const usage = new UsageHistory(join(dir, "bot.db"));
    const service = XuiService.open(path);
    const now = service.now();
    usage.sample("local", [{ email: "alice", key: "a", up: 0, down: 0 }], now - 60_000);
    usage.sample("local", [{ email: "alice", key: "a", up: 5, down: 7 }], now);
    const api = await startApi(createApi({ service, token: TOKEN, usage, logger: createLogger("silent", [TOKEN]) }), "127.0.0.1", 0);
    try {
      const url = `http://127.0.0.1:${api.port}/api/stats`;
      const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      const stats = (await res.json()) as ServerStats;
      expect(stats.clients).toMatchObject({ total: 2, active: 1, blocked: 1 });
      expect(stats.online).toBe(1);
      expect(stats.traffic).toEqual({ today: 12, days7: 12, days30: 12, allTime: 2 * GB });
      expect(stats.top).toEqual([{ email: "alice", inboundId: 1, up: GB, down: GB, used: 2 * GB }]);
      expect(stats.inbounds).toHaveLength(1);
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(405);
    } finally {
      await api.close();
      service.close();
      usage.close();
    }
  });
});
