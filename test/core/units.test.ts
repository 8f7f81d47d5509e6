// Days left, as the card, lists, the CLI and reminders all count them: a part of a day is a day.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DAY_MS, daysLeft } from "../../src/core/units.js";

const NOW = Date.UTC(2026, 11, 1, 12);

describe("daysLeft", () => {
  it("counts a part of a day as one, both ways", () => {
    expect(daysLeft(NOW + 2.5 * DAY_MS, NOW)).toBe(3);
    expect(daysLeft(NOW + 3 * DAY_MS, NOW)).toBe(3);
    expect(daysLeft(NOW + 60_000, NOW)).toBe(1);
    expect(daysLeft(NOW, NOW)).toBe(0);
    expect(daysLeft(NOW - 60_000, NOW)).toBe(-1);
    expect(daysLeft(NOW - 2 * DAY_MS, NOW)).toBe(-2);
  });

  it("is the least whole number of days at least as long as what is left (past: mirrored)", () => {
    fc.assert(
      fc.property(fc.integer({ min: -400 * DAY_MS, max: 400 * DAY_MS }), (delta) => {
        const n = daysLeft(NOW + delta, NOW);
        if (delta >= 0) expect(n * DAY_MS >= delta && (n - 1) * DAY_MS < delta).toBe(true);
        else expect(daysLeft(NOW - delta, NOW)).toBe(-n);
      }),
    );
  });
});
