// `xui-admin remind --dry-run`: what the bot would send now, to whom, and why (the bot sends;
// the command line only looks). Plain English text, or JSON with --json.
import { dateString, gbString } from "../core/units.js";
import type { ReminderSettings } from "../reminder-env.js";
import type { PlannedReminder, ReminderPlan, UserReminders } from "../service/reminders.js";

function why(r: PlannedReminder): string {
  switch (r.kind) {
    case "expiry":
      return `expires in ${r.value} day(s) (${dateString(r.about)}): the ${r.threshold}-day reminder`;
    case "expired":
      return `expired on ${dateString(r.about)}`;
    case "traffic":
      return `${r.value}% of the traffic used (${gbString(r.usedBytes)} of ${gbString(r.about)} GB): the ${r.threshold}% reminder`;
    case "depleted":
      return `traffic used up (${gbString(r.about)} GB)`;
  }
}

const passed = (r: PlannedReminder) => (r.passed.length === 0 ? "" : ` (also marks as passed: ${r.passed.map((p) => (p.kind === "expiry" ? `${p.threshold} days` : p.kind === "traffic" ? `${p.threshold}%` : p.kind)).join(", ")})`);

const batch = (b: UserReminders) => [`to Telegram user ${b.tgId}:`, ...b.reminders.map((r) => `  ${r.email}: ${why(r)}${passed(r)}`)];

export function renderReminderPlan(plan: ReminderPlan, settings: ReminderSettings): string {
  const lines = [
    settings.enabled
      ? `reminders: ${settings.days.join(",")} days before expiry, at ${settings.traffic.join(",")}% of traffic, expired, depleted`
      : "reminders are off (REMINDERS=off): the bot sends none of these",
  ];
  lines.push(plan.due.length === 0 ? "nothing to send now" : `would send ${plan.due.length} message(s) now:`, ...plan.due.flatMap(batch));
  if (plan.unreachable.length > 0) lines.push(`not sent: ${plan.unreachable.length} user(s) blocked the bot (sent when they write to it again):`, ...plan.unreachable.flatMap(batch));
  return lines.join("\n");
}

/** The JSON form: the plan as data, each reminder with its reason in words. */
export function reminderPlanJson(plan: ReminderPlan, settings: ReminderSettings): unknown {
  const users = (list: UserReminders[]) => list.map((b) => ({ tgId: b.tgId, reminders: b.reminders.map((r) => ({ ...r, why: why(r) })) }));
  return { enabled: settings.enabled, due: users(plan.due), unreachable: users(plan.unreachable) };
}
