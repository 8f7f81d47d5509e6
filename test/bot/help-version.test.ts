// An admin's /help ends with the version running (what to name when reporting a problem);
// nobody else is told anything about the bot.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/paths.js";
import { ADMIN, harnesses } from "./harness.js";

const start = harnesses();
const VERSION = (JSON.parse(readFileSync(`${repoRoot}/package.json`, "utf8")) as { version: string }).version;

describe("the version in /help", () => {
  it("closes an admin's help, in every language, and is not shown to a stranger", async () => {
    const h = await start();
    for (const language_code of ["en", "ru"]) {
      const [help] = await h.say({ ...ADMIN, language_code }, "/help");
      expect(help?.text).toMatch(new RegExp(`\\n\\n<i>xui-admin-bot ${VERSION.replaceAll(".", "\\.")}</i>$`));
    }
    const [stranger] = await h.say({ id: 31337, first_name: "S" }, "/help");
    expect(stranger?.text).not.toContain("xui-admin-bot");
  });
});
