// A long-running process keeps each inbound's settings as text and its clients' spans (compact),
// a command keeps the parse. Whatever the panel or a person left in the settings column, both
// must see and write exactly the same, and what they see must be what a fresh read sees.
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { DAY_MS, GB } from "../../src/core/units.js";
import { XuiService } from "../../src/service/xui-service.js";
import { marshalIndent, parseSettings } from "../../src/xui/panel-json.js";
import { settingsTexts } from "../support/db-inspect.js";
import { buildXuiDb, tempDbPath } from "../support/xui-fixture.js";

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const open: XuiService[] = [];
afterEach(() => open.splice(0).forEach((s) => s.close()));

const clients = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ email: `${prefix}${i}`, expiryTime: NOW + (i + 1) * DAY_MS, totalBytes: (i % 3) * GB, up: i * GB, tgId: i % 4 === 3 ? String(1000 + (i % 3)) : 1000 + (i % 3), jsonOverrides: { comment: `<${prefix}&${i}>` } }));

/**
 * Inbounds as the panel writes them (1), as its web form stores them (2: four-space JSON), with
 * a settings column that does not parse (3), with something that is not a client among the
 * clients (4), with no clients (5), and a protocol without clients (6).
 */
function oddFile(): string {
  const path = tempDbPath();
  buildXuiDb(path, {
    inbounds: [
      { id: 1, protocol: "vless", clients: clients("a", 30), extraSettings: { decryption: "none", fallbacks: [] } },
      { id: 2, protocol: "vmess", clients: clients("b", 5) },
      { id: 3, protocol: "trojan", clients: clients("c", 2) },
      { id: 4, protocol: "trojan", clients: clients("d", 3) },
      { id: 5, protocol: "vless", clients: [] },
      { id: 6, protocol: "wireguard" },
    ],
  });
  const db = new Database(path);
  const text = (id: number) => db.prepare("SELECT settings FROM inbounds WHERE id = ?").pluck().get(id) as string;
  const set = db.prepare("UPDATE inbounds SET settings = ? WHERE id = ?");
  set.run(JSON.stringify(parseSettings(text(2)), null, 4), 2);
  set.run(`${text(3)} trailing`, 3);
  const four = parseSettings(text(4));
  (four.clients as unknown[]).splice(1, 0, null);
  set.run(marshalIndent(four), 4);
  db.close();
  return path;
}

function service(path: string, compact: boolean): XuiService {
  const s = XuiService.open(path, { now: () => NOW, compact });
  open.push(s);
  return s;
}

/** Everything a face reads, in one value to compare. */
function view(s: XuiService) {
  const clients = s.clients();
  return {
    clients,
    inbounds: s.inbounds(),
    usage: s.usageCounters(),
    one: clients.map((c) => s.get(c.email)),
    byKey: clients.map((c) => s.get(c.key)?.email),
    byTelegram: [1000, 1001, 1002, 7].map((id) => s.byTelegramId(id)),
    check: s.check().findings,
  };
}

describe("a compact reader", () => {
  it("reads every kind of settings column exactly as a reader that keeps the parse", () => {
    const path = oddFile();
    const compact = view(service(path, true));
    expect(compact).toEqual(view(service(path, false)));
    expect(compact.clients.map((c) => c.email).sort()).toEqual([...clients("a", 30), ...clients("b", 5), ...clients("d", 3)].map((c) => c.email).sort());
    expect(compact.inbounds.find((i) => i.id === 3)?.settingsError).toBeDefined();
    // A user's own clients, the ones whose tgId is text in the JSON too, and no one else's.
    expect(compact.byTelegram.map((list) => list.length)).toEqual([13, 13, 12, 0]);
    expect(compact.byTelegram[0]?.every((c) => c.tgId === 1000)).toBe(true);
  });

  it("writes the same bytes, and then reads what a fresh process reads", async () => {
    const a = oddFile();
    const b = oddFile();
    const compact = service(a, true);
    const plain = service(b, false);
    for (const s of [compact, plain]) {
      await s.apply({ kind: "extend", days: 3 }, { refs: ["a7", "b2", "d2"] });
      await s.edit({ refs: ["a8"] }, { comment: "changed <here>" });
      await s.apply({ kind: "block" }, { inboundId: 1 });
      await s.delete({ refs: ["d0"] });
      await s.create({ inboundId: 1, email: "new", key: "6f1c1a52-7c55-4d35-9b0e-3c2a4ad1e0f1", subId: "newsub0000000001" });
    }
    expect(settingsTexts(a)).toEqual(settingsTexts(b));
    const fresh = service(a, false);
    expect(view(compact)).toEqual(view(fresh));
    expect(view(plain)).toEqual(view(fresh));
  });

  it("keeps reading right when the panel rewrites an inbound in another layout and back", () => {
    const path = oddFile();
    const compact = service(path, true);
    expect(compact.get("a3")?.comment).toBe("<a&3>");
    const db = new Database(path);
    const settings = parseSettings(db.prepare("SELECT settings FROM inbounds WHERE id = 1").pluck().get() as string);
    (settings.clients as { comment: string }[])[3]!.comment = "by the web form";
    db.prepare("UPDATE inbounds SET settings = ? WHERE id = 1").run(JSON.stringify(settings));
    expect(compact.get("a3")?.comment).toBe("by the web form");
    (settings.clients as { comment: string }[])[4]!.comment = "by the panel";
    db.prepare("UPDATE inbounds SET settings = ? WHERE id = 1").run(marshalIndent(settings));
    db.close();
    expect(compact.get("a4")?.comment).toBe("by the panel");
    expect(view(compact)).toEqual(view(service(path, false)));
  });
});
