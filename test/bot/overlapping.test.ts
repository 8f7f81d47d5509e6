// Several chats at once, as the runner delivers them, and the bot's side of honest results:
// a change that failed part-way names both lists; /undo passes over what it cannot undo and
// previews an undo of several clients.
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { DAY_MS } from "../../src/core/units.js";
import { jsonClient, rawRow } from "../support/db-inspect.js";
import { buttons } from "../support/telegram-stand-in.js";
import { buildXuiDb } from "../support/xui-fixture.js";
import { ADMIN, ADMIN2, harnesses, NOW } from "./harness.js";

const start = harnesses();

/** alice..e on inbound 1 (vless), f..j on inbound 2 (vmess), 40 more on inbound 3. */
function build(path: string): void {
  const client = (email: string) => ({ email, expiryTime: NOW + 5 * DAY_MS });
  buildXuiDb(path, {
    inbounds: [
      { id: 1, protocol: "vless", clients: ["alice", "bob", "carol", "dave", "eve"].map(client) },
      { id: 2, protocol: "vmess", clients: ["fred", "gina", "hank", "iris", "jack"].map(client) },
      { id: 3, protocol: "trojan", clients: Array.from({ length: 40 }, (_, i) => client(`t${i}`)) },
    ],
  });
}

const both = (path: string, email: string) => [rawRow(path, email)?.expiry_time, jsonClient(path, email)?.client.expiryTime];

describe("several chats at once", () => {
  it("two admins extending one client both count, and each gets its diff", async () => {
    const h = await start(build);
    const replies = await h.sayConcurrently([
      [ADMIN, "/extend alice 30"],
      [ADMIN2, "/extend alice 7"],
    ]);
    expect(both(h.dbPath, "alice")).toEqual([NOW + 42 * DAY_MS, NOW + 42 * DAY_MS]);
    expect(replies.filter((m) => /Extend<\/b>: 1 changed/.test(m.text ?? ""))).toHaveLength(2);
    expect(h.service.check().findings).toEqual([]);
  });

  it("a confirmed bulk block, an extend and a limit from three chats leave both places agreeing", async () => {
    const h = await start(build);
    const [preview] = await h.say(ADMIN, `/block ${Array.from({ length: 40 }, (_, i) => `t${i}`).join(" ")}`);
    const confirm = buttons(preview).find((b) => b.text === "✅ Confirm")?.data as string;
    h.tg.pressButton(ADMIN, preview!, confirm);
    h.tg.sendText(ADMIN2, "/extend t3 10");
    const replies = await h.sayConcurrently([[{ id: 1003, first_name: "Third" }, "/help"]]);
    expect(replies.length).toBeGreaterThan(0);
    expect(both(h.dbPath, "t3")).toEqual([NOW + 15 * DAY_MS, NOW + 15 * DAY_MS]);
    expect([rawRow(h.dbPath, "t3")?.enable, jsonClient(h.dbPath, "t3")?.client.enable]).toEqual([0, false]);
    expect(h.service.check().findings).toEqual([]);
  });
});

describe("a change that fails part-way", () => {
  it("shows what was applied and what was not", async () => {
    // Two clients a transaction: alice..eve's inbound commits, fred..jack's fails on gina.
    const h = await start(build, {}, { unitClients: 2 });
    const db = new Database(h.dbPath);
    db.exec("CREATE TRIGGER fail_gina BEFORE UPDATE ON client_traffics WHEN NEW.email = 'gina' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
    db.close();
    const [preview] = await h.say(ADMIN, "/extend alice bob fred gina 3");
    const replies = await h.press(ADMIN, preview!, "✅ Confirm");
    const text = replies.map((m) => m.text).join("\n");
    expect(text).toMatch(/Partly applied.*disk on fire.*\/undo reverts what was applied/s);
    expect(text).toMatch(/Applied<\/b> \(2\):[\s\S]*alice[\s\S]*bob[\s\S]*Not applied<\/b> \(2\):\nfred, gina/);
    expect(both(h.dbPath, "alice")).toEqual([NOW + 8 * DAY_MS, NOW + 8 * DAY_MS]);
    expect(both(h.dbPath, "fred")).toEqual([NOW + 5 * DAY_MS, NOW + 5 * DAY_MS]);
    // /undo reverts exactly what was applied.
    const [undoPreview] = await h.say(ADMIN, "/undo");
    expect(undoPreview?.text).toMatch(/Undo of change #\d+/);
    await h.press(ADMIN, undoPreview!, "✅ Confirm");
    expect(both(h.dbPath, "alice")).toEqual([NOW + 5 * DAY_MS, NOW + 5 * DAY_MS]);
  });
});

describe("/undo", () => {
  it("previews an undo of several clients, and Confirm reverts them", async () => {
    const h = await start(build);
    const [preview] = await h.say(ADMIN, "/extend alice bob 10");
    await h.press(ADMIN, preview!, "✅ Confirm");
    const [undoPreview] = await h.say(ADMIN, "/undo");
    expect(both(h.dbPath, "alice")).toEqual([NOW + 15 * DAY_MS, NOW + 15 * DAY_MS]); // not yet
    expect(undoPreview?.text).toMatch(/2 of 2 selected client/);
    await h.press(ADMIN, undoPreview!, "✅ Confirm");
    expect(both(h.dbPath, "alice")).toEqual([NOW + 5 * DAY_MS, NOW + 5 * DAY_MS]);
    expect(both(h.dbPath, "bob")).toEqual([NOW + 5 * DAY_MS, NOW + 5 * DAY_MS]);
    expect((await h.say(ADMIN, "/undo"))[0]?.text).toBe("You have no change left to undo.");
  });

  it("passes over a change whose clients all moved since and reaches the one before", async () => {
    const h = await start(build);
    await h.say(ADMIN, "/limit carol 5");
    await h.say(ADMIN, "/limit dave 5");
    await h.say(ADMIN2, "/limit dave 9"); // dave moved on: the admin's last change cannot be undone
    const [reply] = await h.say(ADMIN, "/undo");
    expect(reply?.text).toMatch(/<b>carol<\/b>/);
    expect(rawRow(h.dbPath, "carol")?.total).toBe(0);
    expect(rawRow(h.dbPath, "dave")?.total).toBe(9 * 2 ** 30);
  });
});
