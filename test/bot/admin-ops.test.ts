import { describe, expect, it } from "vitest";
import { DAY_MS, GB } from "../../src/core/units.js";
import { fileHash, jsonClient, rawRow } from "../support/db-inspect.js";
import { buttons } from "../support/telegram-stand-in.js";
import { readFileSync, writeFileSync } from "node:fs";
import { createApplier } from "../../src/apply/applier.js";
import Database from "better-sqlite3";
import { buildDemoDb, buildXuiDb, tempDbPath } from "../support/xui-fixture.js";
import { ADMIN, harnesses, NOW } from "./harness.js";

const start = harnesses();
type H = Awaited<ReturnType<typeof start>>;

const expiry = (h: H, email: string) => rawRow(h.dbPath, email)?.expiry_time as number;

describe("one-shot commands", () => {
  it("/extend on one client applies at once and answers with the diff", async () => {
    const h = await start();
    const before = expiry(h, "alice");
    const findings = h.service.check().findings; // the demo file's deliberate quirks
    const [reply] = await h.say(ADMIN, "/extend alice 30");
    expect(expiry(h, "alice")).toBe(before + 30 * DAY_MS);
    expect(jsonClient(h.dbPath, "alice")?.client.expiryTime).toBe(before + 30 * DAY_MS);
    expect(reply?.text).toMatch(/<b>Extend<\/b>: 1 changed, 0 unchanged\.\n\n<b>alice<\/b> \(inbound 1\)\n {2}expiry: .* → .*/);
    expect(h.service.check().findings).toEqual(findings);
  });

  it("on several clients shows a preview; Confirm applies, the buttons go away", async () => {
    const h = await start();
    const before = [expiry(h, "alice"), expiry(h, "dave")];
    const hash = fileHash(h.dbPath);
    const [preview] = await h.say(ADMIN, "/extend alice, dave 10");
    expect(preview?.text).toMatch(/2 of 2 selected clients will change/);
    expect(fileHash(h.dbPath)).toBe(hash); // nothing before Confirm
    const confirm = buttons(preview).find((b) => b.text === "✅ Confirm")?.data as string;
    const replies = await h.pressData(ADMIN, preview!, confirm);
    expect(expiry(h, "alice")).toBe((before[0] as number) + 10 * DAY_MS);
    expect(expiry(h, "dave")).toBe((before[1] as number) + 10 * DAY_MS);
    expect(replies.at(-1)?.text).toMatch(/2 changed/);
    expect(buttons(preview)).toEqual([]); // the buttons are gone
    // The same Confirm pressed again (say, from a second device) is outdated and changes nothing.
    const again = fileHash(h.dbPath);
    const update = h.tg.pressButton(ADMIN, preview!, confirm);
    await h.say(ADMIN, "/help");
    expect(h.tg.answers.get(update.callback_query?.id ?? "")).toBe("This button is outdated. Run the command again.");
    expect(fileHash(h.dbPath)).toBe(again);
  });

  it("Cancel leaves the database byte-identical", async () => {
    const h = await start();
    const hash = fileHash(h.dbPath);
    const [preview] = await h.say(ADMIN, "/block alice bob");
    const replies = await h.press(ADMIN, preview!, "✖️ Cancel");
    expect(replies.at(-1)?.text).toBe("Cancelled, nothing changed.");
    expect(fileHash(h.dbPath)).toBe(hash);
  });

  it("names unknown references in the preview, and refuses when none is known", async () => {
    const h = await start();
    const [preview] = await h.say(ADMIN, "/block alice ghost");
    expect(preview?.text).toMatch(/Unknown: ghost/);
    const [none] = await h.say(ADMIN, "/block ghost nobody");
    expect(none?.text).toBe("Unknown: ghost, nobody");
  });

  it("parses each command's value: limit, reset with a limit, expiry date and never", async () => {
    const h = await start();
    await h.say(ADMIN, "/limit alice 50");
    expect(rawRow(h.dbPath, "alice")?.total).toBe(50 * GB);
    await h.say(ADMIN, "/reset alice 100");
    expect(rawRow(h.dbPath, "alice")).toMatchObject({ up: 0, down: 0, total: 100 * GB });
    await h.say(ADMIN, "/expiry alice 2030-01-31");
    expect(new Date(expiry(h, "alice")).getFullYear()).toBe(2030);
    await h.say(ADMIN, "/expiry alice never");
    expect(expiry(h, "alice")).toBe(0);
    const [bad] = await h.say(ADMIN, "/extend alice 0");
    expect(bad?.text).toMatch(/Nothing changed: days: "0" must not be 0/);
  });

  it("a decimal comma stays inside the number: /limit alice 1,5 is 1.5 GB", async () => {
    const h = await start();
    const [reply] = await h.say(ADMIN, "/limit alice 1,5");
    expect(reply?.text).toMatch(/<b>Set limit<\/b>: 1 changed[\s\S]*limit: .* → 1\.5 GB/);
    expect(rawRow(h.dbPath, "alice")?.total).toBe(1.5 * GB);
    const [reset] = await h.say(ADMIN, "/reset alice, dave 2,5");
    expect(reset?.text).toMatch(/<b>alice<\/b>[\s\S]*limit: .* → 2\.5 GB[\s\S]*<b>dave<\/b>[\s\S]*limit: .* → 2\.5 GB/);
    const [preview] = await h.say(ADMIN, "/limit alice,dave 0,75");
    expect(preview?.text).toMatch(/2 of 2 selected/);
    await h.press(ADMIN, preview!, "✅ Confirm");
    expect([rawRow(h.dbPath, "alice")?.total, rawRow(h.dbPath, "dave")?.total]).toEqual([0.75 * GB, 0.75 * GB]);
    // "1,000": a thousand or one? Refused, nothing written.
    const hash = fileHash(h.dbPath);
    const [ambiguous] = await h.say(ADMIN, "/limit alice 1,000");
    expect(ambiguous?.text).toMatch(/Nothing changed: GB: "1,000" is ambiguous/);
    expect(fileHash(h.dbPath)).toBe(hash);
    // Without a space before it, commas still separate references and the value.
    const [extend] = await h.say(ADMIN, "/extend alice,dave,7");
    expect(extend?.text).toMatch(/2 of 2 selected/);
  });

  it("big batches answer with a summary and the full diff as a file", async () => {
    const h = await start((p) =>
      buildXuiDb(p, { inbounds: [{ id: 1, protocol: "vless", clients: Array.from({ length: 30 }, (_, i) => ({ email: `u${i}`, expiryTime: NOW + DAY_MS })) }] }),
    );
    const [preview] = await h.say(ADMIN, `/extend ${Array.from({ length: 30 }, (_, i) => `u${i}`).join(" ")} 5`);
    const replies = await h.press(ADMIN, preview!, "✅ Confirm");
    expect(replies.some((m) => m.text?.includes("The full before/after list is attached."))).toBe(true);
    const file = replies.find((m) => m.document)?.document;
    expect(file?.file_name).toMatch(/^extend-.*\.txt$/);
    expect(file?.content.toString("utf8").match(/^u\d+ \(inbound 1\)$/gm)).toHaveLength(30);
  });
});

describe("conversations", () => {
  it("/extend asks for the clients and the days, repeating a question after a bad answer", async () => {
    const h = await start();
    const before = expiry(h, "alice");
    expect((await h.say(ADMIN, "/extend"))[0]?.text).toMatch(/Which clients\?/);
    expect((await h.say(ADMIN, "ghost"))[0]?.text).toMatch(/Unknown: ghost\nTry again, or \/cancel\./);
    expect((await h.say(ADMIN, "alice"))[0]?.text).toBe("How many days to add?");
    expect((await h.say(ADMIN, "abc"))[0]?.text).toMatch(/days: "abc" is not a whole number of days\nTry again/);
    const [done] = await h.say(ADMIN, "30");
    expect(done?.text).toMatch(/1 changed/);
    expect(expiry(h, "alice")).toBe(before + 30 * DAY_MS);
  });

  it("survives a restart of the bot in the middle of a conversation", async () => {
    const h = await start();
    await h.say(ADMIN, "/limit");
    await h.say(ADMIN, "alice");
    await h.restart();
    await h.say(ADMIN, "25");
    expect(rawRow(h.dbPath, "alice")?.total).toBe(25 * GB);
  });

  it("/cancel leaves at any point and nothing changes", async () => {
    const h = await start();
    const hash = fileHash(h.dbPath);
    await h.say(ADMIN, "/block");
    expect((await h.say(ADMIN, "/cancel"))[0]?.text).toBe("Cancelled, nothing changed.");
    expect((await h.say(ADMIN, "alice"))[0]?.text).toMatch(/^<b>alice<\/b> — /); // her card, not a block
    expect((await h.say(ADMIN, "hello there"))[0]?.text).toMatch(/Clients/); // help
    expect(fileHash(h.dbPath)).toBe(hash);
    expect((await h.say(ADMIN, "/cancel"))[0]?.text).toBe("There is nothing to cancel.");
  });

  it("/create asks inbound, email, days and limit, and creates the client", async () => {
    const h = await start();
    const findings = h.service.check().findings;
    expect((await h.say(ADMIN, "/create"))[0]?.text).toMatch(/Which inbound\?[\s\S]*1 — 🇳🇱 VLESS Reality/);
    expect((await h.say(ADMIN, "5"))[0]?.text).toMatch(/unknown inbound: 5/); // wireguard: no clients
    await h.say(ADMIN, "2");
    expect((await h.say(ADMIN, "Alice"))[0]?.text).toMatch(/email already in use: Alice/);
    await h.say(ADMIN, "zoe");
    await h.say(ADMIN, "30");
    const [done] = await h.say(ADMIN, "50");
    expect(done?.text).toMatch(/<b>Create<\/b>: 1 changed[\s\S]*<b>zoe<\/b> \(inbound 2\): created/);
    expect(rawRow(h.dbPath, "zoe")).toMatchObject({ inbound_id: 2, total: 50 * GB, enable: 1 });
    expect(h.service.check().findings).toEqual(findings);
  });
});

describe("history and undo", () => {
  it("/history lists the latest changes and /undo reverts the caller's last one", async () => {
    const h = await start();
    const before = expiry(h, "alice");
    expect((await h.say(ADMIN, "/undo"))[0]?.text).toBe("You have no change left to undo.");
    await h.say(ADMIN, "/extend alice 30");
    await h.say(ADMIN, "/limit dave 5");
    const [history] = await h.say(ADMIN, "/history");
    expect(history?.text).toMatch(/^#2 .* · Set limit · 1 client: dave · 1001\n#1 .* · Extend · 1 client: alice · 1001$/);
    await h.say(ADMIN, "/undo"); // the limit
    const [undone] = await h.say(ADMIN, "/undo"); // the extension
    expect(undone?.text).toMatch(/<b>Undo<\/b>: 1 changed/);
    expect(expiry(h, "alice")).toBe(before);
    expect((await h.say(ADMIN, "/history"))[0]?.text).toMatch(/· Extend · 1 client: alice · 1001 · undone/);
  });
});

describe("live apply", () => {
  it("says a restart is pending, then reports how it went", async () => {
    const marker = tempDbPath("restarted");
    const command = `${process.execPath} -e "require('fs').writeFileSync(process.argv[1], 'ok')" ${marker}`;
    const h = await start(undefined, { applier: createApplier({ mode: "command", command, debounceMs: 30, maxWaitMs: 1000, timeoutMs: 5000 }) });
    const [reply] = await h.say(ADMIN, "/unblock erin");
    expect(reply?.text).toMatch(/Xray restarts in 0 s to pick this up/);
    const followUp = await h.tg.waitFor((m) => m.text === "✅ Xray restarted: the change is live.");
    expect(followUp.chat_id).toBe(ADMIN.id);
    expect(readFileSync(marker, "utf8")).toBe("ok");
    // A change the panel enforces by itself needs no restart.
    const [limit] = await h.say(ADMIN, "/limit alice 1");
    expect(limit?.text).not.toMatch(/Xray/);
  });

  it("without XUI_APPLY, says the change waits for the next restart", async () => {
    const h = await start();
    const [reply] = await h.say(ADMIN, "/unblock erin");
    expect(reply?.text).toMatch(/Xray picks this change up at its next restart\.$/);
  });
});

describe("/backup", () => {
  it("sends the current x-ui.db, a sound SQLite file, as a document", async () => {
    const h = await start();
    const [doc] = await h.say(ADMIN, "/backup");
    expect(doc?.document?.file_name).toMatch(/^x-ui-\d{4}-\d\d-\d\d-\d\d-\d\d\.db$/);
    const copy = tempDbPath("sent");
    writeFileSync(copy, doc!.document!.content);
    const db = new Database(copy, { readonly: true });
    expect(db.prepare("SELECT count(*) FROM client_traffics").pluck().get()).toBe(h.service.clients().length);
    db.close();
  });

  it("refuses clearly above Telegram's 50 MB upload limit", async () => {
    const h = await start((p) => {
      buildDemoDb(p, { now: NOW });
      const db = new Database(p);
      db.exec("CREATE TABLE padding (x BLOB); INSERT INTO padding VALUES (zeroblob(52 * 1024 * 1024));");
      db.close();
    });
    const [reply] = await h.say(ADMIN, "/backup");
    expect(reply?.text).toMatch(/x-ui\.db is 5\d MB: over Telegram's 50 MB limit/);
    expect(h.tg.calls.some((c) => c.method === "sendDocument")).toBe(false);
  });
});

describe("languages and limits", () => {
  it("answers in Russian to a Russian Telegram client", async () => {
    const h = await start();
    const [reply] = await h.say({ ...ADMIN, language_code: "ru" }, "/extend alice 1");
    expect(reply?.text).toMatch(/<b>Продление<\/b>: изменено 1, без изменений 0\./);
  });

  it("keeps every message under 4096 characters and every callback under 64 bytes", async () => {
    const long = "x".repeat(150);
    const h = await start((p) =>
      buildXuiDb(p, { inbounds: [{ id: 1, protocol: "vless", clients: Array.from({ length: 40 }, (_, i) => ({ email: `${long}${i}`, expiryTime: NOW + DAY_MS })) }] }),
    );
    const [preview, ...rest] = await h.say(ADMIN, `/block ${Array.from({ length: 40 }, (_, i) => `${long}${i}`).join(" ")}`);
    expect(rest.length).toBeGreaterThan(0); // split into several messages
    for (const m of [preview, ...rest]) expect(m?.text?.length).toBeLessThanOrEqual(4096);
    const [list] = await h.say(ADMIN, "/list");
    for (const b of buttons(list)) expect(Buffer.byteLength(b.data ?? "")).toBeLessThanOrEqual(64);
    expect(buttons(list).length).toBeLessThanOrEqual(100);
    // The stand-in rejects what Telegram rejects: no error reached the log path.
    expect(h.tg.calls.filter((c) => c.method === "sendMessage").length).toBeGreaterThan(2);
  });
});
