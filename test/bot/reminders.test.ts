// Reminders from the bot process: each threshold once (across restarts), again after a
// renewal, one message per user, catch-up sending only the most urgent, blocked users, flood
// limits, the daily report and /reminders. Real 2.x files, the Telegram stand-in, time injected.
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { REMINDER_DEFAULTS } from "../../src/reminder-env.js";
import { startOfDay } from "../../src/service/daily-report.js";
import { buildReminderDb, DAY, reminderJob, USERS } from "../support/reminder-fixture.js";
import { ADMIN, ADMIN2, harnesses } from "./harness.js";

const start = harnesses();
const NOW = Date.now();

/** The reminders table as a fresh connection reads it. */
function rows(path: string): { email: string; kind: string; threshold: number; status: string }[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT email, kind, threshold, status FROM reminders ORDER BY email, kind, threshold").all() as never;
  } finally {
    db.close();
  }
}

const textsTo = (h: { tg: { sent(chat?: number): { text?: string }[] } }, chat: number) => h.tg.sent(chat).map((m) => m.text ?? "");

describe("reminders", () => {
  it("sends each threshold once, across a restart, one message per user, and again after a renewal", async () => {
    const h = await start((p) => buildReminderDb(p, NOW));
    h.tg.blocked.add(USERS.carol);
    await h.say({ id: USERS.alice, language_code: "ru" }, "привет"); // their language is remembered
    const before = textsTo(h, USERS.alice).length;
    await reminderJob(h).tick(NOW);

    const toAlice = textsTo(h, USERS.alice).slice(before);
    expect(toAlice).toHaveLength(1); // three clients, one message
    expect(toAlice[0]).toContain("О вашей подписке");
    expect(toAlice[0]).toMatch(/<b>alice<\/b>: заканчивается через 3 дня/);
    expect(toAlice[0]).toMatch(/<b>alice-phone<\/b>: использовано 85% трафика/);
    expect(toAlice[0]).toMatch(/<b>alice-laptop<\/b>: трафик исчерпан/);
    // Catch-up: half a day left sends the 1-day reminder only; the 3-day one is recorded as passed.
    const toBob = textsTo(h, USERS.bob);
    expect(toBob).toHaveLength(1);
    expect(toBob[0]).toMatch(/<b>bob<\/b>: expires in 1 day/);
    expect(toBob[0]).not.toMatch(/3 days/);
    expect(h.tg.sent().some((m) => /dave|erin/.test(m.text ?? ""))).toBe(false);
    expect(rows(h.config.botDataPath).filter((r) => r.email === "bob")).toEqual([
      { email: "bob", kind: "expiry", threshold: 1, status: "sent" },
      { email: "bob", kind: "expiry", threshold: 3, status: "passed" },
    ]);

    // The next tick, and a new process on the same files, send nothing again.
    const count = h.tg.sent().length;
    await reminderJob(h).tick(NOW + 60_000);
    await h.restart();
    await reminderJob(h).tick(NOW + 120_000);
    expect(h.tg.sent().length).toBe(count);

    // Two days on: alice crosses 1 day, bob has expired.
    await reminderJob(h).tick(NOW + 2 * DAY);
    const later = h.tg.sent().slice(count);
    expect(later.filter((m) => m.chat_id === USERS.alice).map((m) => m.text)).toEqual([expect.stringMatching(/<b>alice<\/b>: заканчивается через 1 день/)]);
    expect(later.filter((m) => m.chat_id === USERS.bob).map((m) => m.text)).toEqual([expect.stringMatching(/<b>bob<\/b>: expired on/)]);

    // A renewal starts the cycle again: 30 more days, and 3 days before the new date it comes back.
    await h.service.apply({ kind: "extend", days: 30 }, { refs: ["alice"] });
    const renewed = h.tg.sent().length;
    await reminderJob(h).tick(NOW + 3 * DAY);
    expect(h.tg.sent().length).toBe(renewed);
    await reminderJob(h).tick(NOW + 30 * DAY);
    expect(h.tg.sent().slice(renewed).filter((m) => m.chat_id === USERS.alice).map((m) => m.text)).toEqual([expect.stringMatching(/<b>alice<\/b>: заканчивается через 3 дня/)]);
    expect(rows(h.config.botDataPath).filter((r) => r.email === "alice" && r.kind === "expiry")).toHaveLength(3); // 3 and 1 days, then 3 days of the new date
  });

  it("marks a user who blocked the bot unreachable, does not retry, and writes again once they do", async () => {
    const h = await start((p) => buildReminderDb(p, NOW));
    h.tg.blocked.add(USERS.carol);
    const tries = () => h.tg.calls.filter((c) => c.method === "sendMessage" && Number(c.payload.chat_id) === USERS.carol && /About your VPN/.test(String(c.payload.text))).length;
    await reminderJob(h).tick(NOW);
    expect(tries()).toBe(1);
    expect(rows(h.config.botDataPath).find((r) => r.email === "carol")).toMatchObject({ kind: "expiry", threshold: 3, status: "blocked" });
    await reminderJob(h).tick(NOW + 1.5 * DAY); // the 1-day threshold: not tried while unreachable
    expect(tries()).toBe(1);
    const overview = await h.say(ADMIN, "/reminders");
    expect(overview.map((m) => m.text).join("\n")).toMatch(/carol · 3 days before expiry · <code>700<\/code> · blocked the bot/);

    h.tg.blocked.delete(USERS.carol);
    await h.say({ id: USERS.carol }, "hello again");
    await reminderJob(h).tick(NOW + 1.5 * DAY + 60_000);
    expect(tries()).toBe(2);
    expect(h.tg.sent(USERS.carol).at(-1)?.text).toMatch(/<b>carol<\/b>: expires in 1 day/);
  });

  it("/reminders shows what is due now, to whom and why", async () => {
    const h = await start((p) => buildReminderDb(p, NOW));
    const text = (await h.say(ADMIN, "/reminders")).map((m) => m.text).join("\n");
    expect(text).toMatch(/Due now<\/b>: 3 message\(s\)/);
    expect(text).toMatch(/to <code>500<\/code>:\n {2}• <b>alice<\/b>: expires in \d days[^\n]*\n {2}• <b>alice-phone<\/b>: 85% of the traffic used \(8\.5 of 10 GB\)/);
    expect(text).toMatch(/Last sends<\/b>: none yet/);
    expect(h.tg.sent(USERS.alice)).toHaveLength(0); // a look only
  });

  it("waits out a flood limit (429) and still sends once", async () => {
    const h = await start((p) => buildReminderDb(p, NOW));
    h.tg.floodOnce("sendMessage", 1);
    await reminderJob(h).tick(NOW);
    expect(h.tg.calls.some((c) => c.response?.ok === false && c.response.error_code === 429)).toBe(true);
    expect(textsTo(h, USERS.alice)).toHaveLength(1);
    expect(textsTo(h, USERS.bob)).toHaveLength(1);
  });

  it("overlapping ticks send each reminder once", async () => {
    const h = await start((p) => buildReminderDb(p, NOW));
    await Promise.all([reminderJob(h).tick(NOW), reminderJob(h).tick(NOW), reminderJob(h).tick(NOW)]);
    expect(textsTo(h, USERS.alice)).toHaveLength(1);
    expect(textsTo(h, USERS.bob)).toHaveLength(1);
  });

  it("sends nothing with REMINDERS=off", async () => {
    const h = await start((p) => buildReminderDb(p, NOW));
    h.config.reminders = { ...REMINDER_DEFAULTS, enabled: false };
    await reminderJob(h).tick(NOW);
    expect(h.tg.sent()).toHaveLength(0);
  });

  it("sends the admins' daily report at REPORT_TIME, once a day", async () => {
    // The report's day is tomorrow, so that a client created now was created "yesterday".
    const day = startOfDay(Date.now(), 1);
    const at9 = day + 9 * 3_600_000;
    const h = await start((p) => buildReminderDb(p, at9 - 0.5 * DAY)); // bob expires at 9:00 + 0 (today), alice tomorrow
    h.config.reminders = { ...REMINDER_DEFAULTS, reportTime: { hour: 9, minute: 0 } };
    h.tg.blocked.add(USERS.carol);
    await h.service.create({ inboundId: 1, email: "frank", days: 30 }, { actor: String(ADMIN.id) });
    const job = reminderJob(h);
    await job.tick(at9 - 60_000);
    expect(h.tg.sent(ADMIN.id)).toHaveLength(0);
    await job.tick(at9);
    const report = h.tg.sent(ADMIN.id).map((m) => m.text).join("\n");
    expect(report).toMatch(/Daily report<\/b>, \d{4}-\d{2}-\d{2}/);
    expect(report).toMatch(/Expiring today<\/b> \(2\): bob \(\d\d:\d\d\), dave/);
    expect(report).toMatch(/Expiring tomorrow<\/b> \(1\): carol/); // alice: 2.5 days before 21:00 yesterday
    expect(report).toMatch(/Traffic used up<\/b> \(1\): alice-laptop/);
    expect(report).toMatch(/Created yesterday<\/b> \(1\): frank/);
    expect(report).toMatch(/Reminders not delivered<\/b> \(1\): carol → 700 \(blocked the bot\)/);
    expect(h.tg.sent(ADMIN2.id)).toHaveLength(1);
    await job.tick(at9 + 30 * 60_000);
    await h.restart();
    await reminderJob(h).tick(at9 + 60 * 60_000);
    expect(h.tg.sent(ADMIN.id)).toHaveLength(1);
    await reminderJob(h).tick(at9 + DAY);
    expect(h.tg.sent(ADMIN.id)).toHaveLength(2);
  });
});
