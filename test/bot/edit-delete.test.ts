// The bot's /delete, /edit, the card's edit and delete buttons, create's default flow, and the
// rough edges a new admin meets, through the Telegram stand-in on real files.
import { describe, expect, it } from "vitest";
import { DAY_MS, GB } from "../../src/core/units.js";
import { clientTables, fileHash, jsonClient, rawRow } from "../support/db-inspect.js";
import { buttons } from "../support/telegram-stand-in.js";
import { buildXuiDb } from "../support/xui-fixture.js";
import { ADMIN, harnesses, NOW } from "./harness.js";

const start = harnesses();

/** A VLESS REALITY inbound whose clients use Vision, and a WebSocket one. */
const reality = (p: string) =>
  buildXuiDb(p, {
    inbounds: [
      {
        id: 1,
        protocol: "vless",
        remark: "Reality",
        streamSettings: { network: "tcp", security: "reality" },
        clients: [
          { email: "alice", expiryTime: NOW + 10 * DAY_MS, up: GB, jsonOverrides: { flow: "xtls-rprx-vision" } },
          { email: "bob", expiryTime: NOW + 2 * DAY_MS, jsonOverrides: { flow: "xtls-rprx-vision" } },
          { email: "blocked", enable: false, active: false, expiryTime: NOW + 5 * DAY_MS },
        ],
      },
      { id: 2, protocol: "vless", remark: "WS", streamSettings: { network: "ws", security: "tls" }, clients: [{ email: "wsuser" }] },
    ],
  });

describe("/delete", () => {
  it("previews even one client, deletes on Confirm, says so on the preview, and /undo brings it back exactly", async () => {
    const h = await start(reality);
    const before = clientTables(h.dbPath);
    const hash = fileHash(h.dbPath);
    const [preview] = await h.say(ADMIN, "/delete alice");
    expect(preview?.text).toMatch(/^<b>Delete<\/b>: 1 client will be removed from the panel/);
    expect(preview?.text).toMatch(/<b>alice<\/b> \(inbound 1\)\n {2}ⓘ deleted/);
    expect(fileHash(h.dbPath)).toBe(hash); // nothing before Confirm
    const replies = await h.press(ADMIN, preview!, "✅ Confirm");
    expect(jsonClient(h.dbPath, "alice")).toBeUndefined();
    expect(rawRow(h.dbPath, "alice")).toBeUndefined();
    expect(preview?.text).toBe("✅ Confirmed. <b>Delete</b>: 1 changed, 0 unchanged.");
    expect(buttons(preview)).toEqual([]);
    expect(replies.at(-1)?.text).toMatch(/<b>Delete<\/b>: 1 changed/);
    const [undone] = await h.say(ADMIN, "/undo");
    expect(undone?.text).toMatch(/<b>Undo<\/b>: 1 changed[\s\S]*<b>alice<\/b> \(inbound 1\): created/);
    expect(clientTables(h.dbPath)).toEqual(before);
  });

  it("the undo of a delete of several clients previews them, then puts them all back", async () => {
    const h = await start(reality);
    const before = clientTables(h.dbPath);
    const [preview] = await h.say(ADMIN, "/delete alice, bob");
    await h.press(ADMIN, preview!, "✅ Confirm");
    const [undoPreview] = await h.say(ADMIN, "/undo");
    expect(undoPreview?.text).toMatch(/^<b>Undo<\/b>: 2 of 2 selected clients will change\. Confirm\?\nUndo of change #1\./);
    expect(jsonClient(h.dbPath, "alice")).toBeUndefined();
    await h.press(ADMIN, undoPreview!, "✅ Confirm");
    expect(undoPreview?.text).toBe("✅ Confirmed. <b>Undo</b>: 2 changed, 0 unchanged.");
    expect(clientTables(h.dbPath)).toEqual(before);
  });

  it("without clients asks which; Cancel says so on the preview", async () => {
    const h = await start(reality);
    const hash = fileHash(h.dbPath);
    expect((await h.say(ADMIN, "/delete"))[0]?.text).toMatch(/Which clients\?/);
    const [preview] = await h.say(ADMIN, "bob");
    expect(preview?.text).toMatch(/will be removed/);
    await h.press(ADMIN, preview!, "✖️ Cancel");
    expect(preview?.text).toBe("✖️ Cancelled: nothing changed.");
    expect(fileHash(h.dbPath)).toBe(hash);
  });
});

describe("/edit", () => {
  it("changes a field at once with its before and after; undo puts it back", async () => {
    const h = await start(reality);
    const before = clientTables(h.dbPath);
    const [reply] = await h.say(ADMIN, "/edit alice comment paid until <May>");
    expect(reply?.text).toMatch(/<b>Edit<\/b>: 1 changed[\s\S]*comment: none → paid until &lt;May&gt;/);
    expect(jsonClient(h.dbPath, "alice")?.client.comment).toBe("paid until <May>");
    expect((await h.say(ADMIN, "/edit alice tg 12345"))[0]?.text).toMatch(/Telegram ID: none → 12345/);
    expect((await h.say(ADMIN, "/edit alice ip 2"))[0]?.text).toMatch(/IP limit: unlimited → 2/);
    expect((await h.say(ADMIN, "/edit alice renew 30"))[0]?.text).toMatch(/auto-renew: off → every 30 days/);
    expect((await h.say(ADMIN, "/edit alice email alicia"))[0]?.text).toMatch(/email: alice → alicia/);
    expect(rawRow(h.dbPath, "alicia")).toBeDefined();
    for (let i = 0; i < 5; i++) await h.say(ADMIN, "/undo");
    expect(clientTables(h.dbPath)).toEqual(before);
  });

  it("explains itself without arguments, asks for a missing value, and refuses what the panel would not take", async () => {
    const h = await start(reality);
    expect((await h.say(ADMIN, "/edit"))[0]?.text).toMatch(/<code>\/edit alice FIELD VALUE<\/code>/);
    expect((await h.say(ADMIN, "/edit alice colour red"))[0]?.text).toMatch(/FIELD one of/);
    expect((await h.say(ADMIN, "/edit alice tg"))[0]?.text).toMatch(/Telegram ID to link to <b>alice<\/b>\? Now: none/);
    expect((await h.say(ADMIN, "abc"))[0]?.text).toMatch(/Telegram ID: "abc" is not a whole number\nTry again/);
    expect((await h.say(ADMIN, "777"))[0]?.text).toMatch(/Telegram ID: none → 777/);
    const hash = fileHash(h.dbPath);
    expect((await h.say(ADMIN, "/edit wsuser flow xtls-rprx-vision"))[0]?.text).toMatch(/Nothing changed: flow: .* this inbound uses ws/);
    expect((await h.say(ADMIN, "/edit alice email BOB"))[0]?.text).toMatch(/Nothing changed: email already in use: BOB/);
    expect(fileHash(h.dbPath)).toBe(hash);
  });

  it("the card's buttons edit a field, delete after Confirm, and reset traffic only after Confirm", async () => {
    const h = await start(reality);
    const [card] = await h.say(ADMIN, "/user alice");
    expect(buttons(card).map((b) => b.text)).toEqual(expect.arrayContaining(["✏️ Telegram ID", "✏️ IP limit", "✏️ Comment", "✏️ Flow", "✏️ Email", "✏️ Auto-renew", "🗑 Delete"]));
    const [question] = await h.press(ADMIN, card!, "✏️ Flow");
    expect(question?.text).toMatch(/Flow for <b>alice<\/b>\? Now: xtls-rprx-vision/);
    expect((await h.say(ADMIN, "-"))[0]?.text).toMatch(/flow: xtls-rprx-vision → none/);
    expect(jsonClient(h.dbPath, "alice")?.client.flow).toBe("");
    // Reset: a preview first; the usage is there until Confirm.
    const [resetPreview] = await h.press(ADMIN, card!, "♻️ Reset traffic");
    expect(resetPreview?.text).toMatch(/<b>Reset traffic<\/b>: 1 of 1 selected client will change\. Confirm\?/);
    expect(rawRow(h.dbPath, "alice")?.up).toBe(GB);
    await h.press(ADMIN, resetPreview!, "✅ Confirm");
    expect(rawRow(h.dbPath, "alice")?.up).toBe(0);
    const [deletePreview] = await h.press(ADMIN, card!, "🗑 Delete");
    expect(jsonClient(h.dbPath, "alice")).toBeDefined();
    await h.press(ADMIN, deletePreview!, "✅ Confirm");
    expect(jsonClient(h.dbPath, "alice")).toBeUndefined();
  });
});

describe("/create", () => {
  it("gives the new client the flow of its inbound's clients and shows its key", async () => {
    const h = await start(reality);
    await h.say(ADMIN, "/create");
    await h.say(ADMIN, "1");
    await h.say(ADMIN, "zoe");
    await h.say(ADMIN, "30");
    const replies = await h.say(ADMIN, "0");
    const client = jsonClient(h.dbPath, "zoe")?.client;
    expect(client?.flow).toBe("xtls-rprx-vision");
    expect(replies.at(-1)?.text).toBe(`🔑 Key: <code>${String(client?.id)}</code>`);
  });
});

describe("rough edges", () => {
  it("/extend reads the number anywhere and the word days in either language; negative days take days away", async () => {
    const h = await start(reality);
    const expiry = () => rawRow(h.dbPath, "alice")?.expiry_time as number;
    const before = expiry();
    await h.say(ADMIN, "/extend alice 5 days");
    expect(expiry()).toBe(before + 5 * DAY_MS);
    await h.say(ADMIN, "/extend 30 alice");
    expect(expiry()).toBe(before + 35 * DAY_MS);
    await h.say(ADMIN, "/extend alice 2 дня");
    expect(expiry()).toBe(before + 37 * DAY_MS);
    const [minus] = await h.say(ADMIN, "/extend alice -3");
    expect(minus?.text).toMatch(/<b>Extend<\/b>: 1 changed/);
    expect(expiry()).toBe(before + 34 * DAY_MS);
    const [gone] = await h.say(ADMIN, "/extend bob -5");
    expect(gone?.text).toMatch(/ⓘ now expired/);
  });

  it("/user and /find without arguments ask for the query; a bare email opens the card", async () => {
    const h = await start(reality);
    expect((await h.say(ADMIN, "/user"))[0]?.text).toBe("Which client? Send an email, a key, or part of one.");
    expect((await h.say(ADMIN, "alice"))[0]?.text).toMatch(/^<b>alice<\/b> — 🟢 active/);
    expect((await h.say(ADMIN, "/find"))[0]?.text).toMatch(/Which client\?/);
    expect((await h.say(ADMIN, "ws"))[0]?.text).toMatch(/^<b>wsuser<\/b>/);
    expect((await h.say(ADMIN, "BOB"))[0]?.text).toMatch(/^<b>bob<\/b> — /);
  });

  it("blocking a blocked client says why nothing changed; a preview names who stays as they are, and why", async () => {
    const h = await start(reality);
    const [reply] = await h.say(ADMIN, "/block blocked");
    expect(reply?.text).toMatch(/<b>Block<\/b>: 0 changed, 1 unchanged\.\n\n<b>blocked<\/b> \(inbound 1\)\n {2}ⓘ already blocked/);
    const [preview] = await h.say(ADMIN, "/block alice blocked");
    expect(preview?.text).toMatch(/1 will stay as they are: blocked \(already blocked\)\./);
  });

  it("/cancel with an open preview cancels it: the preview says so and loses its buttons, nothing is written", async () => {
    const h = await start(reality);
    const hash = fileHash(h.dbPath);
    const [preview] = await h.say(ADMIN, "/block alice bob");
    const confirm = buttons(preview).find((b) => b.text === "✅ Confirm")?.data as string;
    expect((await h.say(ADMIN, "/cancel"))[0]?.text).toBe("Cancelled, nothing changed.");
    expect(preview?.text).toBe("✖️ Cancelled: nothing changed.");
    expect(buttons(preview)).toEqual([]);
    // A Confirm still shown somewhere (another device, not yet refreshed) is outdated.
    const update = h.tg.pressButton(ADMIN, { ...preview!, reply_markup: { inline_keyboard: [[{ text: "✅ Confirm", callback_data: confirm }]] } }, confirm);
    await h.say(ADMIN, "/help");
    expect(h.tg.answers.get(update.callback_query?.id ?? "")).toBe("This button is outdated. Run the command again.");
    expect(fileHash(h.dbPath)).toBe(hash);
    expect((await h.say(ADMIN, "/cancel"))[0]?.text).toBe("There is nothing to cancel.");
  });
});
