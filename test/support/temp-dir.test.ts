import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { tempDir } from "./temp-dir.js";

const fileLevel = tempDir();
let madeInTest = "";

describe("tempDir", () => {
  it("makes an empty folder that lasts while its test runs", () => {
    madeInTest = tempDir();
    expect(existsSync(madeInTest)).toBe(true);
  });

  it("removes a test's folder once that test finished, and keeps the file's until the file is done", () => {
    expect(madeInTest).not.toBe("");
    expect(existsSync(madeInTest)).toBe(false);
    expect(existsSync(fileLevel)).toBe(true);
  });
});
