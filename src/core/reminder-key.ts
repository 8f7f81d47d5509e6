// A reminder's identity, shared by the service (which plans reminders) and the store (which
// remembers them): sent once per (server, client, kind, threshold, about).

/**
 * What a reminder is about. The names are a contract: they are stored in the bot's file and
 * appear in `xui-admin remind --json`.
 */
export type ReminderKind = "expiry" | "expired" | "traffic" | "depleted";

/**
 * `about` is the expiry time (expiry, expired) or the traffic limit (traffic, depleted) the
 * reminder was about, so a renewal, which changes it, starts the cycle again.
 */
export interface ReminderKey {
  server: string;
  email: string;
  kind: ReminderKind;
  /** Days (expiry), percent (traffic); 0 for expired and depleted. */
  threshold: number;
  about: number;
}

export const reminderKeyString = (k: ReminderKey): string => `${k.server}\u0000${k.email}\u0000${k.kind}\u0000${k.threshold}\u0000${k.about}`;
