// The admins' daily report over two servers: every client it names carries its server
// (server/email), as lists and /stats name them; the same email on both servers is two lines.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REMINDER_DEFAULTS } from "../../src/reminder-env.js";
import { startOfDay } from "../../src/service/daily-report.js";
import { ADMIN } from "../bot/harness.js";
import { buildReminderDb, DAY, reminderJob, USERS } from "../support/reminder-fixture.js";
import { tempDir } from "../support/temp-dir.js";
import { fleetBot } from "./fleet-bot.js";

describe("the daily report over several servers", () => {
  it("names each client with its server: expiring, used up, created yesterday, reminders not delivered", async () => {
    const day = startOfDay(Date.now(), 1);
    const at9 = day + 9 * 3_600_000;
    const dir = tempDir("fleet-report");
    const [de, nl] = [join(dir, "de.db"), join(dir, "nl.db")];
    buildReminderDb(de, at9 - 0.5 * DAY);
    buildReminderDb(nl, at9 - 0.5 * DAY);
    const serversFile = join(dir, "servers.json");
    writeFileSync(serversFile, JSON.stringify([{ name: "de", db: de }, { name: "nl", db: nl }]));
    const bot = await fleetBot({ SERVERS_FILE: serversFile, BOT_DATA_PATH: join(dir, "bot.db"), DATA_DIR: join(dir, "data") });
    try {
      bot.config.reminders = { ...REMINDER_DEFAULTS, reportTime: { hour: 9, minute: 0 } };
      bot.tg.blocked.add(USERS.carol);
      await bot.service.create({ inboundId: 1, email: "frank", days: 30 }, { actor: String(ADMIN.id), servers: ["nl"] });
      await reminderJob(bot).tick(at9);
      const report = bot.tg.sent(ADMIN.id).map((m) => m.text).join("\n");
      // Equal expiries keep the servers' order.
      expect(report).toMatch(/Expiring today<\/b> \(4\): de\/bob \(\d\d:\d\d\), de\/dave \(\d\d:\d\d\), nl\/bob \(\d\d:\d\d\), nl\/dave \(\d\d:\d\d\)\n/);
      expect(report).toMatch(/Expiring tomorrow<\/b> \(2\): de\/carol \(\d\d:\d\d\), nl\/carol/);
      expect(report).toMatch(/Traffic used up<\/b> \(2\): de\/alice-laptop, nl\/alice-laptop/);
      expect(report).toMatch(/Created yesterday<\/b> \(1\): nl\/frank/);
      expect(report).toMatch(/Reminders not delivered<\/b> \(2\): (de\/carol → 700 \(blocked the bot\), nl\/carol|nl\/carol → 700 \(blocked the bot\), de\/carol) → 700 \(blocked the bot\)/);
    } finally {
      bot.close();
    }
  });
});
