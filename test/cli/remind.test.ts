// xui-admin remind --dry-run: what the bot would send now, to whom and why; nothing is sent or recorded.
import { describe, expect, it } from "vitest";
import { buildReminderDb, USERS } from "../support/reminder-fixture.js";
import { tempDbPath } from "../support/xui-fixture.js";
import { captureCli } from "../support/cli.js";

function cli(env: Record<string, string>, ...args: string[]) {
  return captureCli(args, env);
}

describe("xui-admin remind", () => {
  const db = tempDbPath();
  buildReminderDb(db, Date.now());
  const env = { BOT_DATA_PATH: tempDbPath("bot") };

  it("--dry-run lists the messages per Telegram user with the reasons", async () => {
    const r = await cli(env, "remind", "--dry-run", "--db", db);
    expect(r.code).toBe(0);
    expect(r.out).toContain("would send 3 message(s) now:");
    expect(r.out).toMatch(/to Telegram user 500:\n {2}alice: expires in 3 day\(s\) \([^)]+\): the 3-day reminder\n {2}alice-phone: 85% of the traffic used \(8\.5 of 10 GB\): the 80% reminder\n {2}alice-laptop: traffic used up \(10 GB\)/);
    expect(r.out).toMatch(/to Telegram user 600:\n {2}bob: expires in 1 day\(s\) \([^)]+\): the 1-day reminder \(also marks as passed: 3 days\)/);
    expect(r.out).not.toMatch(/dave|erin/);
  });

  it("--json gives the same as data, and the settings come from the environment", async () => {
    const r = await cli({ ...env, REMIND_DAYS: "1", REMIND_TRAFFIC: "90" }, "remind", "--dry-run", "--json", "--db", db);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.out) as { enabled: boolean; due: { tgId: number; reminders: { email: string; kind: string; threshold: number }[] }[] };
    expect(plan.enabled).toBe(true);
    expect(plan.due.find((u) => u.tgId === USERS.alice)?.reminders.map((x) => [x.email, x.kind, x.threshold])).toEqual([["alice-laptop", "depleted", 0]]);
    expect(plan.due.map((u) => u.tgId).sort()).toEqual([USERS.alice, USERS.bob]);
  });

  it("refuses without --dry-run, and names bad settings", async () => {
    expect((await cli(env, "remind", "--db", db)).code).toBe(2);
    const bad = await cli({ ...env, REMIND_DAYS: "soon", REPORT_TIME: "25:00" }, "remind", "--dry-run", "--db", db);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/REMIND_DAYS must be whole numbers.*REPORT_TIME must be a time of day/);
  });
});
