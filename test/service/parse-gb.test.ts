// Gigabytes as people type them: a decimal point or a decimal comma, but never a guess
// between a decimal comma and a thousands separator.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GB } from "../../src/core/units.js";
import { parseGb } from "../../src/service/validate.js";

describe("parseGb", () => {
  it("reads a decimal comma as a decimal point", () => {
    expect(parseGb("1,5")).toBe(1.5 * GB);
    expect(parseGb("1.5")).toBe(1.5 * GB);
    expect(parseGb("0,25")).toBe(0.25 * GB);
    expect(parseGb("0,500")).toBe(0.5 * GB); // a leading 0 is no thousands group
    expect(parseGb("1234,567")).toBe(Math.round(1234.567 * GB)); // nor are four digits
    expect(parseGb(" 50 ")).toBe(50 * GB);
    expect(parseGb(0)).toBe(0);
  });

  it("refuses a comma followed by three digits: a thousand, or one?", () => {
    for (const text of ["1,000", "12,345", "100,500", "+1,000"]) {
      expect(() => parseGb(text, "GB"), text).toThrow(`GB: ${JSON.stringify(text)} is ambiguous`);
    }
    expect(() => parseGb("1,000.5")).toThrow(/is not a number of GB/);
    expect(() => parseGb("1,2,3")).toThrow(/is not a number of GB/);
  });

  it("a comma and a point mean the same for every unambiguous decimal", () => {
    fc.assert(
      fc.property(fc.nat({ max: 99_999 }), fc.stringMatching(/^\d{1,4}$/), (whole, fraction) => {
        const comma = `${whole},${fraction}`;
        fc.pre(!/^[1-9]\d{0,2},\d{3}$/.test(comma));
        expect(parseGb(comma)).toBe(parseGb(`${whole}.${fraction}`));
      }),
    );
  });
});
