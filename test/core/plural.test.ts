import { describe, expect, it } from "vitest";
import { count, plural } from "../../src/core/plural.js";
import { en } from "../../src/bot/locales/en.js";
import { ru } from "../../src/bot/locales/ru.js";

describe("plurals", () => {
  it("English: one and other, including 0 and fractions", () => {
    expect([0, 1, 2, 1.5, 21].map((n) => count(n, "day"))).toEqual(["0 days", "1 day", "2 days", "1.5 days", "21 days"]);
    expect(en.daysLeft(1)).toBe("1 day left");
    expect(en.daysLeft(-1)).toBe("expired 1 day ago");
    expect(en.listHeader("All", 1, 1, 1, 0)).toMatch(/^<b>All<\/b>: 1 client,/);
  });

  it("Russian: one, few, many by Intl.PluralRules", () => {
    const forms = { one: "# день", few: "# дня", many: "# дней", other: "# дня" };
    expect([1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111, 1.5].map((n) => plural("ru", n, forms))).toEqual([
      "1 день", "2 дня", "4 дня", "5 дней", "11 дней", "12 дней", "14 дней", "21 день", "22 дня", "25 дней", "101 день", "111 дней", "1.5 дня",
    ]);
    expect(ru.daysLeft(21)).toBe("осталось 21 день");
    expect(ru.renew(21)).toBe("каждый 21 день");
    expect(ru.renew(30)).toBe("каждые 30 дней");
    expect(ru.historyLine(1, "t", "op", 3, "a", false, "x, y, z")).toBe("#1 t · op · 3 клиента: x, y, z · a");
  });
});
