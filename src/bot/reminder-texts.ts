// The reminders' texts: a user's message, the admins' daily report, and /reminders. HTML, escaped.
import type { ReminderKey } from "../core/reminder-key.js";
import type { Client } from "../core/types.js";
import { dateString, gbString } from "../core/units.js";
import type { ReminderSettings } from "../reminder-env.js";
import type { DailyReport } from "../service/daily-report.js";
import type { PlannedReminder, ReminderPlan } from "../service/reminders.js";
import type { ReminderRecord } from "../store/reminders.js";
import { esc } from "./html.js";
import type { Texts } from "./locales/en.js";

/** Why one reminder is sent: one line about one client, `named` with its server (several servers: alice on two is two lines). */
export function reminderLine(t: Texts, r: PlannedReminder, named = false): string {
  const email = esc(named ? `${r.server}/${r.email}` : r.email);
  switch (r.kind) {
    case "expiry":
      return t.remind.expiry(email, r.value, dateString(r.about));
    case "expired":
      return t.remind.expired(email, dateString(r.about));
    case "traffic":
      return t.remind.traffic(email, r.value, gbString(r.usedBytes), gbString(r.about));
    case "depleted":
      return t.remind.depleted(email, gbString(r.about));
  }
}

/** One user's message: every client of theirs that crossed a threshold. */
export const reminderMessage = (t: Texts, reminders: PlannedReminder[], named = false): string =>
  [t.remind.header, ...reminders.map((r) => `• ${reminderLine(t, r, named)}`), "", t.remind.footer].join("\n");

const names = (t: Texts, list: string[]) => (list.length === 0 ? t.remind.reportNone : list.map(esc).join(", "));
/** `name`: how a client is named (with several servers, server/email). */
export function reportText(t: Texts, r: DailyReport, name: (c: Client) => string): string {
  const expiring = (c: Client) => `${name(c)} (${dateString(c.expiryTime).slice(11)})`;
  return [
    t.remind.reportTitle(r.day),
    `${t.remind.reportExpiringToday(r.expiringToday.length)}: ${names(t, r.expiringToday.map(expiring))}`,
    `${t.remind.reportExpiringTomorrow(r.expiringTomorrow.length)}: ${names(t, r.expiringTomorrow.map(expiring))}`,
    `${t.remind.reportDepleted(r.depleted.length)}: ${names(t, r.depleted.map(name))}`,
    `${t.remind.reportCreated(r.createdYesterday.length)}: ${names(t, r.createdYesterday)}`,
    `${t.remind.reportUndelivered(r.undelivered.length)}: ${names(t, r.undelivered.map((u) => `${u.email} → ${u.tgId} (${t.remind.status[u.status]})`))}`,
  ].join("\n");
}

const what = (t: Texts, k: ReminderKey) => t.remind.kind(k.kind, k.threshold);

/** /reminders: the settings, what would be sent now and to whom, and the last sends. */
export function remindersOverview(t: Texts, settings: ReminderSettings, plan: ReminderPlan, latest: ReminderRecord[], named = false): string {
  const report = settings.reportTime ? `${String(settings.reportTime.hour).padStart(2, "0")}:${String(settings.reportTime.minute).padStart(2, "0")}` : t.no;
  const lines = [settings.enabled ? t.remind.settings(settings.days.join(", "), settings.traffic.join(", "), settings.everyMin, report) : t.remind.off, ""];
  const batches = (list: ReminderPlan["due"]) => list.flatMap((b) => [t.remind.to(b.tgId), ...b.reminders.map((r) => `  • ${reminderLine(t, r, named)}`)]);
  lines.push(plan.due.length === 0 ? t.remind.dueNone : t.remind.due(plan.due.length), ...batches(plan.due));
  if (plan.unreachable.length > 0) lines.push("", t.remind.unreachable(plan.unreachable.length), ...batches(plan.unreachable));
  lines.push("", latest.length === 0 ? t.remind.latestNone : t.remind.latest);
  for (const r of latest) lines.push(t.remind.latestLine(dateString(r.at), esc(named ? `${r.server}/${r.email}` : r.email), what(t, r), r.tgId, t.remind.status[r.status]));
  return lines.join("\n");
}
