// The long-running process is started with the same V8 flags however it is started: `npm start`,
// `npm run api`, the systemd unit and the container; the bench starts the API with them too.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { apiCommand } from "../../bench/api-command.js";

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");
const FLAGS = "--max-semi-space-size=2";

describe("the long-running process's Node flags", () => {
  it("are the same in package.json, the systemd unit, the Dockerfile and the bench", () => {
    const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toBe(`npm run build && node ${FLAGS} dist/main.js`);
    expect(scripts.api).toBe(`npm run build && node ${FLAGS} dist/api-main.js`);
    expect(read("deploy/xui-admin-bot.service")).toContain(`ExecStart=/usr/bin/node ${FLAGS} /opt/xui-admin-bot/dist/main.js`);
    expect(read("Dockerfile")).toContain(`CMD ["node", "${FLAGS}", "dist/main.js"]`);
    expect(apiCommand()).toEqual([FLAGS, "dist/api-main.js"]);
  });
});
