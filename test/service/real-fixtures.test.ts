// Every x-ui.db people published must open; check must run; writes must work or be refused
// with a reason, leaving a refused file byte-identical.
import { describe, expect, it } from "vitest";
import { XuiService } from "../../src/service/xui-service.js";
import { fileHash, usage } from "../support/db-inspect.js";
import { copyRealFixture, listRealFixtures } from "../support/xui-fixture.js";

const EXPECTED: Record<string, { family: string; writable: boolean; reason?: RegExp }> = {
  "ivansalou288-tech_vpn_bot-2.db": { family: "3x-ui-2", writable: true },
  "Takoyek_Tel_To_Pannel.db": { family: "x-ui-legacy", writable: true },
  "amirneo98_server86.db": { family: "x-ui-legacy", writable: true },
  "ivansalou288-tech_vpn_bot.db": { family: "3x-ui-3", writable: false, reason: /through the panel's HTTP API, which is not configured: run `xui-admin panel-token`/ },
  "om0504_x-ui.db": { family: "unknown", writable: false, reason: /client_infos/ },
  "wejudging_x-ui.db": { family: "unknown", writable: false, reason: /no `client_traffics` table/ },
};

describe("real published databases", () => {
  it("covers every file in the fixtures folder", () => {
    expect(listRealFixtures().sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name}: opens as ${expected.family}, checks, and ${expected.writable ? "takes writes" : "refuses writes"}`, async () => {
      const path = copyRealFixture(name);
      const service = XuiService.open(path, { backupDir: `${path}.backups` });
      try {
        expect(service.schema.family).toBe(expected.family);
        const report = service.check();
        expect(report.family).toBe(expected.family);
        if (!expected.writable) {
          expect(service.db.refusal).toMatch(expected.reason as RegExp);
          const before = fileHash(path);
          const email = service.clients()[0]?.email ?? "anyone";
          await expect(service.apply({ kind: "extend", days: 1 }, { refs: [email] })).rejects.toMatchObject({ code: "read-only" });
          await expect(service.create({ inboundId: 1, email: "new-one" })).rejects.toMatchObject({ code: "read-only" });
          if (expected.family === "3x-ui-3") {
            // Report-only there: the panel repairs its own tables.
            expect(await service.sync()).toMatchObject({ actions: [], unresolved: report.findings, reportOnly: expect.any(String) });
          } else {
            await expect(service.sync()).rejects.toMatchObject({ code: "read-only" });
          }
          expect(fileHash(path)).toBe(before);
          return;
        }
        expect(report.clients).toBeGreaterThan(100);
        const usageBefore = usage(path);
        // Sync first (these files carry drift: string tgIds and more), then every client
        // takes an operation and the file stays consistent.
        await service.sync();
        expect(service.check().findings).toEqual([]);
        const result = await service.apply({ kind: "extend", days: 30 }, { all: true });
        expect(result.changed.length + result.unchanged.length).toBe(report.clients);
        await service.apply({ kind: "block" }, { refs: [service.clients()[0]?.email as string] });
        expect(service.check().findings).toEqual([]);
        expect(usage(path)).toEqual(usageBefore);
      } finally {
        service.close();
      }
    });
  }
});
