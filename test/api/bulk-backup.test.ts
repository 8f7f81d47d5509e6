// A bulk change through the API says where its backup went (issue 13).
import { existsSync } from "node:fs";
import { afterEach, expect, it } from "vitest";
import { DAY_MS } from "../../src/core/units.js";
import { startTestApi, type TestApi } from "./harness.js";

const running: TestApi[] = [];
afterEach(async () => {
  for (const t of running.splice(0)) await t.stop();
});

it("a bulk extend answers with the backup it took first", async () => {
  const emails = Array.from({ length: 25 }, (_, i) => `u${i}`);
  const t = await startTestApi({ inbounds: [{ id: 1, protocol: "vless", clients: emails.map((email) => ({ email, expiryTime: Date.now() + DAY_MS })) }] });
  running.push(t);
  const r = await t.call("POST", "/api/users/extend-expiry", { user_ids: emails, days: 3 });
  expect(r.status).toBe(200);
  const backup = r.json.backup as string | undefined;
  expect(backup).toMatch(/x-ui-.*\.db$/);
  expect(existsSync(backup as string)).toBe(true);
  const one = await t.call("POST", "/api/users/extend-expiry", { user_ids: ["u0"], days: 3 });
  expect(one.json.backup).toBeUndefined(); // one client: under BACKUP_THRESHOLD
});
