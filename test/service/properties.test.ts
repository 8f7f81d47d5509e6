// Any sequence of operations leaves the file consistent: check clean, usage counters where
// they were, unknown keys kept, every settings column in the panel's byte format.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { XuiService } from "../../src/service/xui-service.js";
import { marshalIndent, parseSettings } from "../../src/xui/panel-json.js";
import { operationAt } from "../support/arbitraries.js";
import { settingsTexts, usage } from "../support/db-inspect.js";
import { buildXuiDb, tempDbPath, variedClient, type FixtureClient } from "../support/xui-fixture.js";

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const EMAILS = ["a", "b", "c", "d", "e", "f"];

const step = fc.record({ op: operationAt(NOW), targets: fc.subarray(EMAILS, { minLength: 1 }) });

const client = (email: string, i: number): FixtureClient => ({ ...variedClient(NOW)(email, i), active: i % 2 === 0 });

describe("random operation sequences", () => {
  it("keep both places in agreement and nothing else moved", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        const path = tempDbPath();
        buildXuiDb(path, {
          inbounds: [
            { id: 1, protocol: "vless", clients: EMAILS.slice(0, 3).map(client), extraSettings: { fallbacks: [], decryption: "none" } },
            { id: 2, protocol: "shadowsocks", clients: EMAILS.slice(3).map((e, i) => client(e, i + 3)) },
          ],
        });
        // Sync once so the starting point has no drift of its own.
        const service = XuiService.open(path, { now: () => NOW, backupDir: `${path}.backups` });
        try {
          await service.sync();
          const usageBefore = usage(path);
          for (const { op, targets } of steps) await service.apply(op, { refs: targets });
          expect(service.check().findings).toEqual([]);
          const resetTouched = steps.some((s) => s.op.kind === "reset");
          if (!resetTouched) expect(usage(path)).toEqual(usageBefore);
          for (const text of settingsTexts(path).values()) {
            const settings = parseSettings(text);
            expect(text).toBe(marshalIndent(settings));
            for (const c of settings.clients as { email: string; [k: string]: unknown }[]) {
              expect(c[`unknown_${c.email}`]).toEqual({ keep: [EMAILS.indexOf(c.email), "<&>"] });
            }
          }
        } finally {
          service.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
