// The rough edges a new user met (issue 13), each on a real x-ui.db through the Telegram
// stand-in: a mistyped value says why, dates read back as typed, counts are labelled and
// plural, Russian throughout, long lists get around, bulk changes name their backup.
import { describe, expect, it } from "vitest";
import { DAY_MS, GB } from "../../src/core/units.js";
import { fileHash, rawRow } from "../support/db-inspect.js";
import { buttons, type Person } from "../support/telegram-stand-in.js";
import { buildXuiDb, type FixtureClient } from "../support/xui-fixture.js";
import { ADMIN, harnesses, NOW } from "./harness.js";

const start = harnesses();
/** The second admin, with a Russian Telegram client. */
const RU: Person = { id: 1002, first_name: "Ру", language_code: "ru" };

describe("values", () => {
  it("/limit alice 1e3 says what is wrong instead of asking again; a client named like a number is a client", async () => {
    const h = await start((p) =>
      buildXuiDb(p, { inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "alice" }, { email: "1-2" }] }] }),
    );
    const hash = fileHash(h.dbPath);
    expect((await h.say(ADMIN, "/limit alice 1e3"))[0]?.text).toBe('Nothing changed: GB: "1e3" is not a number of GB');
    expect((await h.say(ADMIN, "/extend alice 1e3"))[0]?.text).toBe('Nothing changed: days: "1e3" is not a whole number of days');
    expect((await h.say(ADMIN, "/expiry alice 2027-02-30"))[0]?.text).toBe('Nothing changed: date: "2027-02-30" is not a valid calendar date');
    expect(fileHash(h.dbPath)).toBe(hash);
    // "1-2" names a client: the command asks for the limit of both.
    expect((await h.say(ADMIN, "/limit alice 1-2"))[0]?.text).toBe("New traffic limit in GB? (0 = unlimited)");
    await h.say(ADMIN, "5");
    expect(rawRow(h.dbPath, "1-2")?.total).toBe(0); // a preview first (two clients)
  });

  it("/expiry carol 2027-01-31 reads back as the date typed; other times carry the time zone", async () => {
    const h = await start();
    const [reply] = await h.say(ADMIN, "/expiry carol 2027-01-31");
    expect(reply?.text).toMatch(/expiry: \d{4}-\d\d-\d\d \d\d:\d\d UTC([+-]\d+(:\d\d)?)? \(.*\) → through 2027-01-31 \(\d+ days left\)/);
    expect(reply?.text).not.toContain("2027-02-01 00:00");
    expect(new Date(rawRow(h.dbPath, "carol")?.expiry_time as number).getDate()).toBe(1); // stored: the midnight after
    const [ru] = await h.say(RU, "/user carol");
    expect(ru?.text).toMatch(/срок: по 2027-01-31 включительно \(осталось \d+ (день|дня|дней)\)/);
  });
});

describe("counts and Russian", () => {
  it("/create labels each inbound's count, in both languages, with plurals", async () => {
    const h = await start((p) =>
      buildXuiDb(p, {
        inbounds: [
          { id: 1, protocol: "vless", remark: "one", port: 443, clients: [{ email: "a" }] },
          { id: 2, protocol: "vmess", remark: "many", port: 80, clients: ["b", "c", "d", "e", "f"].map((email) => ({ email })) },
        ],
      }),
    );
    expect((await h.say(ADMIN, "/create"))[0]?.text).toBe("Which inbound? Send its number.\n1 — one (vless, :443, 1 client)\n2 — many (vmess, :80, 5 clients)");
    expect((await h.say(RU, "/create"))[0]?.text).toBe("Какое подключение (inbound)? Пришлите его номер.\n1 — one (vless, :443, 1 клиент)\n2 — many (vmess, :80, 5 клиентов)");
    expect((await h.say(RU, "x"))[0]?.text).toBe('подключение: "x" — не целое число\nПопробуйте ещё раз или /cancel.');
    expect((await h.say(RU, "7"))[0]?.text).toBe("нет такого подключения: 7\nПопробуйте ещё раз или /cancel.");
  });

  it("Russian: validation errors, ГБ everywhere, plural days and clients", async () => {
    const h = await start((p) =>
      buildXuiDb(p, {
        inbounds: [
          {
            id: 1,
            protocol: "vless",
            clients: [
              { email: "one", expiryTime: NOW + DAY_MS - 60_000, totalBytes: 10 * GB },
              { email: "twentyone", expiryTime: NOW + 21 * DAY_MS - 60_000 },
            ],
          },
        ],
      }),
    );
    await h.say(RU, "/limit one");
    expect((await h.say(RU, "abc"))[0]?.text).toBe('ГБ: "abc" — не число ГБ\nПопробуйте ещё раз или /cancel.');
    expect((await h.say(RU, "-5"))[0]?.text).toBe('ГБ: "-5" — не может быть отрицательным\nПопробуйте ещё раз или /cancel.');
    await h.say(RU, "/cancel");
    expect((await h.say(RU, "/extend one 0"))[0]?.text).toBe('Ничего не изменено: дни: "0" — не может быть 0 (отрицательное число убавляет дни)');
    const [list] = await h.say(RU, "/list");
    expect(list?.text).toMatch(/^<b>Все клиенты<\/b>: 2 клиента, страница 1\/1/);
    expect(list?.text).toMatch(/one<\/b> .* · 0\/10 ГБ · .*\(осталось 1 день\)/);
    expect(list?.text).toMatch(/twentyone<\/b> .* · 0\/∞ ГБ · .*\(осталось 21 день\)/);
    expect(list?.text).not.toMatch(/GB/);
    const [en] = await h.say(ADMIN, "/list");
    expect(en?.text).toMatch(/^<b>All clients<\/b>: 2 clients/);
    expect(en?.text).toMatch(/\(1 day left\)/);
    const [preview] = await h.say(RU, "/block one twentyone");
    expect(preview?.text).toMatch(/^<b>Блокировка<\/b>: будет изменено 2 из 2 выбранных клиентов\. Подтвердить\?\n\n<b>one<\/b> \(подключение 1\)/);
  });
});

describe("/list with many pages", () => {
  const names = ["anna", "bella", "carl", "dora", "emil", "fred", "gina", "hugo", "ida", "jon", "kim", "lea", "max", "nina", "otto", "paul", "quin", "rita", "sam", "tom", "uma", "vera", "walt", "xena", "yara", "zoe"];
  const build = (p: string) => {
    // In the file out of name order; "walt" alone expired (page 3 in name order).
    const clients: FixtureClient[] = [...names].reverse().map((email) => ({ email, expiryTime: email === "walt" ? NOW - DAY_MS : NOW + 30 * DAY_MS }));
    buildXuiDb(p, { inbounds: [{ id: 1, protocol: "vless", clients }] });
  };
  const positions = (m: Parameters<typeof buttons>[0]) => buttons(m).map((b) => b.text);

  it("lists in name order with first/last, the page, jumps by status and letter, controls in fixed places", async () => {
    const h = await start(build);
    const [list] = await h.say(ADMIN, "/list");
    expect(list?.text).toMatch(/^<b>All clients<\/b>: 26 clients, page 1\/3/);
    expect(list?.text).toMatch(/\n1\. <b>anna<\/b>/);
    const first = positions(list);
    expect(first.slice(0, 5)).toEqual(["·", "·", "1/3", "▶️", "⏭"]);
    expect(first).toContain("⌛ 1");
    expect(first).toContain("🟢 25");
    await h.press(ADMIN, list!, "⏭");
    expect(list?.text).toMatch(/page 3\/3/);
    expect(list?.text).toMatch(/\n21\. <b>uma<\/b>/);
    // The same control in the same place on every page (the last has fewer clients).
    const last = positions(list);
    expect(last.slice(0, 5)).toEqual(["⏮", "◀️", "3/3", "·", "·"]);
    expect(last.indexOf("☑️ All")).toBe(first.indexOf("☑️ All"));
    expect(last.indexOf("⛔ Block")).toBe(first.indexOf("⛔ Block"));
    await h.press(ADMIN, list!, "⏮");
    expect(list?.text).toMatch(/page 1\/3/);
    await h.press(ADMIN, list!, "⌛ 1");
    expect(list?.text).toMatch(/page 3\/3/);
    expect(list?.text).toMatch(/<b>walt<\/b> ⌛ expired/);
    const letters = buttons(list).filter((b) => /^[A-Z]$/.test(b.text)).map((b) => b.text);
    expect(letters.length).toBeLessThanOrEqual(8);
    expect(letters[0]).toBe("A");
    await h.press(ADMIN, list!, letters[1] as string);
    expect(list?.text).toMatch(/page 1\/3/); // the second letter shown starts on page 1
    const late = letters.at(-1) as string;
    await h.press(ADMIN, list!, late);
    expect(list?.text).toMatch(new RegExp(`<b>${late.toLowerCase()}`));
    // The page number does nothing (and says nothing).
    expect(await h.press(ADMIN, list!, /^\d+\/3$/)).toEqual([]);
  });
});

describe("backups", () => {
  it("a bulk change says it took a backup, and where", async () => {
    const h = await start((p) =>
      buildXuiDb(p, { inbounds: [{ id: 1, protocol: "vless", clients: Array.from({ length: 25 }, (_, i) => ({ email: `u${i}`, expiryTime: NOW + DAY_MS })) }] }),
    );
    const [preview] = await h.say(ADMIN, `/extend ${Array.from({ length: 25 }, (_, i) => `u${i}`).join(" ")} 5`);
    const replies = await h.press(ADMIN, preview!, "✅ Confirm");
    const said = replies.map((r) => r.text).join("\n");
    const path = /A backup of x-ui\.db was taken first: <code>([^<]+)<\/code>/.exec(said)?.[1];
    expect(path).toMatch(/\.backups\/.*\.db$/);
    expect(fileHash(path as string)).toBeTruthy();
  });
});

describe("/history", () => {
  it("opens a change from its button, and undoes exactly that one after a preview", async () => {
    const h = await start();
    const before = rawRow(h.dbPath, "alice")?.expiry_time as number;
    await h.say(ADMIN, "/extend alice 5");
    await h.say(ADMIN, "/limit dave 50");
    const [history] = await h.say(ADMIN, "/history");
    expect(buttons(history).map((b) => b.text)).toEqual(["#2", "#1"]);
    const [opened] = await h.press(ADMIN, history!, "#1");
    expect(opened?.text).toMatch(/^#1 .* · Extend · 1 client: alice · 1001\n\n<b>alice<\/b> \(inbound 1\)\n {2}expiry: /);
    const [preview] = await h.press(ADMIN, opened!, "↩️ Undo this change");
    expect(preview?.text).toMatch(/^<b>Undo<\/b>: 1 of 1 selected client will change\. Confirm\?\nUndo of change #1\./);
    expect(rawRow(h.dbPath, "alice")?.expiry_time).toBe(before + 5 * DAY_MS); // nothing before Confirm
    await h.press(ADMIN, preview!, "✅ Confirm");
    expect(rawRow(h.dbPath, "alice")?.expiry_time).toBe(before);
    expect(rawRow(h.dbPath, "dave")?.total).toBe(50 * GB); // the later change stays
    // Opened again: undone, so no Undo button.
    const [again] = await h.press(ADMIN, history!, "#1");
    expect(again?.text).toMatch(/· undone/);
    expect(buttons(again)).toEqual([]);
  });
});
