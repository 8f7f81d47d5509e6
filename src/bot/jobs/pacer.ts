// Keeps the bot's own messages to many chats (reminders, announcements) under Telegram's
// limit of about 30 messages a second overall: each send waits for its slot. One pacer is
// shared by every job, so that two running at once do not add up past the limit. A 429 that
// comes anyway is waited out by auto-retry.
export const SENDS_PER_SECOND = 25;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Pacer {
  private next = 0;
  private readonly gapMs: number;

  /** `sleep` and `now`: injectable for tests. */
  constructor(
    perSecond = SENDS_PER_SECOND,
    private readonly sleep: (ms: number) => Promise<void> = realSleep,
    private readonly now: () => number = Date.now,
  ) {
    this.gapMs = 1000 / perSecond;
  }

  /** Resolves when the caller may send its next message. */
  async wait(): Promise<void> {
    const now = this.now();
    const slot = Math.max(now, this.next);
    this.next = slot + this.gapMs;
    if (slot > now) await this.sleep(slot - now);
  }
}
