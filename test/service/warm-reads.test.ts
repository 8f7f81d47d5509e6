// A long-running service serves reads from its last snapshot until someone commits, patches
// that snapshot after its own small changes, and splices a changed client's bytes into a big
// inbound's stored text. None of it may ever show or write anything a fresh read would not.
import Database from "better-sqlite3";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { GB } from "../../src/core/units.js";
import { XuiService } from "../../src/service/xui-service.js";
import { marshalIndent, parseSettings } from "../../src/xui/panel-json.js";
import { RowTable } from "../../src/xui/row-table.js";
import { operationAt } from "../support/arbitraries.js";
import { settingsTexts } from "../support/db-inspect.js";
import { buildXuiDb, tempDbPath, variedClient, type FixtureClient } from "../support/xui-fixture.js";

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const EMAILS = Array.from({ length: 12 }, (_, i) => `c${i}`);

const client = (email: string, i: number): FixtureClient => ({ ...variedClient(NOW)(email, i), tgId: i % 3 === 0 ? 1000 : 0 });

function build(): string {
  const path = tempDbPath();
  buildXuiDb(path, {
    inbounds: [
      { id: 1, protocol: "vless", clients: EMAILS.slice(0, 9).map(client), extraSettings: { fallbacks: [], decryption: "none" } },
      { id: 2, protocol: "trojan", clients: EMAILS.slice(9).map((e, i) => client(e, i + 9)) },
    ],
  });
  return path;
}

/** What a process that opens the file now would see. */
function freshView(path: string) {
  const fresh = XuiService.open(path, { now: () => NOW, readonly: true });
  try {
    return fresh.clients();
  } finally {
    fresh.close();
  }
}

// As the bot and the API run it (compact: the settings kept as text and spans), and as a command.
describe.each([true, false])("a warm service (compact %s)", (compact) => {
  it("shows after every change of its own exactly what a fresh read of the file shows, and writes the panel's bytes", async () => {
    const step = fc.record({ op: operationAt(NOW), targets: fc.subarray(EMAILS, { minLength: 1, maxLength: 3 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), async (steps) => {
        const path = build();
        const service = XuiService.open(path, { now: () => NOW, compact });
        try {
          await service.sync();
          for (const { op, targets } of steps) {
            service.get(targets[0] as string); // a read between changes, as the bot and the API make them
            await service.apply(op, { refs: targets });
            expect(service.clients()).toEqual(freshView(path));
            for (const e of targets) expect(service.get(e)).toEqual(freshView(path).find((c) => c.email === e));
          }
          for (const text of settingsTexts(path).values()) expect(text).toBe(marshalIndent(parseSettings(text)));
        } finally {
          service.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it("sees what another program committed since its last read", async () => {
    const path = build();
    const service = XuiService.open(path, { now: () => NOW, compact });
    try {
      await service.apply({ kind: "extend", days: 10 }, { refs: ["c2"] });
      expect(service.get("c3")?.up).toBe(3 * GB);
      const panel = new Database(path);
      panel.prepare("UPDATE client_traffics SET up = ? WHERE email = 'c3'").run(7 * GB);
      const text = panel.prepare("SELECT settings FROM inbounds WHERE id = 1").pluck().get() as string;
      const settings = parseSettings(text);
      (settings.clients as { email: string; comment?: string }[])[4]!.comment = "set by the panel";
      panel.prepare("UPDATE inbounds SET settings = ? WHERE id = 1").run(marshalIndent(settings));
      panel.close();
      expect(service.get("c3")?.up).toBe(7 * GB);
      expect(service.get("c4")?.comment).toBe("set by the panel");
      await service.apply({ kind: "extend", days: 1 }, { refs: ["c4"] });
      expect(service.get("c4")?.comment).toBe("set by the panel");
      expect(service.clients()).toEqual(freshView(path));
    } finally {
      service.close();
    }
  });

  it("reads one client after the panel's traffic tick from its row alone, and a whole snapshot once an inbound changed", async () => {
    const path = build();
    const service = XuiService.open(path, { now: () => NOW, compact });
    service.get("c0"); // warm, as a running bot or API is
    const loads = vi.spyOn(RowTable, "read");
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.oneof(fc.record({ tick: fc.constantFrom(...EMAILS), up: fc.nat(1000) }), fc.record({ comment: fc.constantFrom(...EMAILS) }), fc.record({ extend: fc.constantFrom(...EMAILS) }), fc.record({ link: fc.constantFrom(...EMAILS), to: fc.constantFrom(0, 1000, 2000) })), { maxLength: 8 }),
          async (steps) => {
            for (const step of steps) {
              const panel = new Database(path);
              if ("tick" in step) panel.prepare("UPDATE client_traffics SET up = up + ?, down = down + 1 WHERE email = ?").run(step.up, step.tick);
              if ("comment" in step) {
                const settings = parseSettings(panel.prepare("SELECT settings FROM inbounds WHERE id = 1").pluck().get() as string);
                for (const c of settings.clients as { email: string; comment?: string }[]) if (c.email === step.comment) c.comment = `${String(c.comment)}+`;
                panel.prepare("UPDATE inbounds SET settings = ? WHERE id = 1").run(marshalIndent(settings));
              }
              panel.close();
              if ("extend" in step) await service.apply({ kind: "extend", days: 1 }, { refs: [step.extend] });
              if ("link" in step) await service.edit({ refs: [step.link] }, { tgId: step.to });
              const fresh = freshView(path);
              loads.mockClear();
              for (const e of EMAILS) expect(service.get(e)).toEqual(fresh.find((c) => c.email === e));
              for (const id of [0, 1000, 2000]) expect(service.byTelegramId(id)).toEqual(fresh.filter((c) => id > 0 && c.tgId === id));
              // Rows only (the tick, our own small change): no read of every row for one client.
              if ("tick" in step || "extend" in step) expect(loads).not.toHaveBeenCalled();
            }
          },
        ),
        { numRuns: 25 },
      );
    } finally {
      loads.mockRestore();
      service.close();
    }
  });

  it("serialises an inbound whole when its stored text is not the panel's own layout", async () => {
    const path = build();
    const raw = new Database(path);
    const text = raw.prepare("SELECT settings FROM inbounds WHERE id = 1").pluck().get() as string;
    // As the panel's web form stores an inbound it saved: the browser's JSON, not Go's.
    raw.prepare("UPDATE inbounds SET settings = ? WHERE id = 1").run(JSON.stringify(parseSettings(text), null, 4));
    raw.close();
    const service = XuiService.open(path, { now: () => NOW, compact });
    try {
      await service.apply({ kind: "extend", days: 3 }, { refs: ["c2"] });
      const after = settingsTexts(path).get(1) as string;
      expect(after).toBe(marshalIndent(parseSettings(after)));
      await service.apply({ kind: "block" }, { refs: ["c6"] });
      const again = settingsTexts(path).get(1) as string;
      expect(again).toBe(marshalIndent(parseSettings(again)));
      expect(service.clients()).toEqual(freshView(path));
    } finally {
      service.close();
    }
  });
});
