// Reminders over every configured server: each server planned against its own memory (its
// records are keyed by its name), then merged per Telegram user, so that a customer with a
// client on two servers gets one message listing both. The bot's job, /reminders and
// `xui-admin remind --dry-run` all plan through here, and so agree on what is due.
import type { ClientService } from "./client-service.js";
import { LOCAL_SERVER, planReminders, type ReminderPlan, type ReminderThresholds, type UserReminders } from "./reminders.js";

export interface FleetReminderInput {
  service: ClientService;
  thresholds: ReminderThresholds;
  now: number;
  /** What was recorded for server `server` (the reminder store's memory). */
  memory: (server: string) => { sent: ReadonlySet<string>; unreachable: ReadonlySet<number> };
  /** The name reminders are recorded under with one server (LOCAL_SERVER: what files made before several servers hold). */
  single?: string | undefined;
}

/** One entry per user: the reminders of `from` appended to those already in `into`. */
function mergeInto(into: Map<number, UserReminders>, from: UserReminders[]): void {
  for (const batch of from) {
    const seen = into.get(batch.tgId);
    if (seen) seen.reminders.push(...batch.reminders);
    else into.set(batch.tgId, { tgId: batch.tgId, reminders: [...batch.reminders] });
  }
}

export function planEveryServer(input: FleetReminderInput): ReminderPlan {
  const { service, thresholds, now, memory } = input;
  const several = service.serverNames.length > 1;
  const servers = several ? service.serverNames : [input.single ?? LOCAL_SERVER];
  const due = new Map<number, UserReminders>();
  const unreachable = new Map<number, UserReminders>();
  const forget: ReminderPlan["forget"] = [];
  for (const server of servers) {
    const clients = service.clients(several ? { servers: [server] } : undefined);
    const plan = planReminders({ server, clients, thresholds, now, ...memory(server) });
    mergeInto(due, plan.due);
    mergeInto(unreachable, plan.unreachable);
    forget.push(...plan.forget);
  }
  return { due: [...due.values()], unreachable: [...unreachable.values()], forget };
}
