// The reminder settings: defaults, every problem listed with the rest of the configuration.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

const BASE = { BOT_TOKEN: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abc", ADMIN_IDS: "1" };

describe("reminder settings", () => {
  it("default to reminders on at 3 and 1 days and 80 and 95 %, every 10 min, no report", () => {
    expect(loadConfig(BASE).reminders).toEqual({ enabled: true, days: [3, 1], traffic: [80, 95], everyMin: 10, reportTime: null });
  });

  it("read every variable", () => {
    const c = loadConfig({ ...BASE, REMINDERS: "off", REMIND_DAYS: "7, 2,1", REMIND_TRAFFIC: "50", REMIND_EVERY_MIN: "5", REPORT_TIME: "09:30" });
    expect(c.reminders).toEqual({ enabled: false, days: [7, 2, 1], traffic: [50], everyMin: 5, reportTime: { hour: 9, minute: 30 } });
  });

  it("list every problem at once, with the others", () => {
    let error: unknown;
    try {
      loadConfig({ ADMIN_IDS: "1", REMINDERS: "yes", REMIND_DAYS: "3,x", REMIND_TRAFFIC: "120", REMIND_EVERY_MIN: "0", REPORT_TIME: "9am" });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).problems).toEqual([
      "BOT_TOKEN is required (the token @BotFather gave you)",
      "REMINDERS must be on or off",
      "REMIND_DAYS must be whole numbers from 1 to 3650, separated by commas (e.g. 3,1)",
      "REMIND_TRAFFIC must be whole numbers from 1 to 99, separated by commas (e.g. 80,95)",
      "REMIND_EVERY_MIN must be a whole number of minutes, at least 1",
      "REPORT_TIME must be a time of day as HH:MM (e.g. 09:00), or empty for no report",
    ]);
  });
});
