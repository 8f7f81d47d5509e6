// /broadcast: the text, the recipients, a preview with the count and Confirm; the sending in
// the background with its progress edited in place and the counts at the end; /cancel stops it.
import { describe, expect, it } from "vitest";
import { Pacer } from "../../src/bot/jobs/pacer.js";
import { buildXuiDb } from "../support/xui-fixture.js";
import { ADMIN, harnesses } from "./harness.js";

const start = harnesses();
const DAY = 86_400_000;
const NOW = Date.now();
/** Linked users 201..206 (206 owns two clients: one message), and one client nobody is linked to. */
const USERS = [201, 202, 203, 204, 205, 206];

function build(path: string): void {
  buildXuiDb(path, {
    inbounds: [
      { id: 1, protocol: "vless", clients: USERS.map((id, i) => ({ email: `u${id}`, tgId: id, expiryTime: i < 2 ? NOW + DAY : NOW + 60 * DAY })) },
      { id: 2, protocol: "trojan", clients: [{ email: "u206-phone", tgId: 206 }, { email: "nobody", tgId: 0 }] },
    ],
  });
}

async function prepare(h: Awaited<ReturnType<typeof start>>, audience: string) {
  expect((await h.say(ADMIN, "/broadcast"))[0]?.text).toMatch(/Send the announcement/);
  expect((await h.say(ADMIN, "<b>Maintenance</b> tonight at 23:00"))[0]?.text).toMatch(/Who gets it/);
  return h.say(ADMIN, audience);
}

describe("/broadcast", () => {
  it("previews with the count, sends a copy to each linked user once, edits its progress and ends with the counts", async () => {
    const h = await start(build, { pacer: new Pacer(1000, async () => {}), progressEveryMs: 0 });
    h.tg.blocked.add(203);
    const preview = await prepare(h, "all");
    expect(preview[0]?.text).toBe("<b>Maintenance</b> tonight at 23:00"); // the copy, as users will get it
    expect(preview[1]?.text).toMatch(/Send it to 6 user\(s\)\?/);
    await h.press(ADMIN, preview[1]!, "✅ Confirm");
    const done = await h.tg.waitFor((m) => m.chat_id === ADMIN.id && /Announcement sent/.test(m.text ?? ""));
    expect(done.text).toBe("✅ Announcement sent: 5 delivered, 1 blocked the bot, 0 failed.");
    expect(done.edits).toBeGreaterThan(1); // "Sending: n / 6" in place, then the counts
    for (const id of USERS.filter((u) => u !== 203)) expect(h.tg.sent(id).map((m) => m.text)).toEqual(["<b>Maintenance</b> tonight at 23:00"]);
    expect(h.tg.sent(203)).toHaveLength(0);
  });

  it("takes a filter: only users expiring within N days", async () => {
    const h = await start(build, { pacer: new Pacer(1000, async () => {}), progressEveryMs: 0 });
    const preview = await prepare(h, "expiring 3");
    expect(preview[1]?.text).toMatch(/Send it to 2 user\(s\)\?/);
    await h.press(ADMIN, preview[1]!, "✅ Confirm");
    await h.tg.waitFor((m) => m.chat_id === ADMIN.id && /Announcement sent: 2 delivered/.test(m.text ?? ""));
    expect(h.tg.sent(203)).toHaveLength(0);
  });

  it("Cancel under the preview sends nothing", async () => {
    const h = await start(build, { pacer: new Pacer(1000, async () => {}) });
    const preview = await prepare(h, "all");
    await h.press(ADMIN, preview[1]!, "✖️ Cancel");
    expect(h.tg.calls.filter((c) => c.method === "copyMessage")).toHaveLength(1); // the preview's own copy
  });

  it("/cancel stops a running broadcast", async () => {
    // Five sends a second: the broadcast is still running when /cancel arrives.
    const h = await start(build, { pacer: new Pacer(5), progressEveryMs: 0 });
    const preview = await prepare(h, "all");
    await h.press(ADMIN, preview[1]!, "✅ Confirm");
    await h.tg.waitForCall("copyMessage", (c) => Number(c.payload.chat_id) === USERS[0]);
    expect((await h.say(ADMIN, "/cancel"))[0]?.text).toMatch(/Stopping the announcement/);
    const stopped = await h.tg.waitFor((m) => m.chat_id === ADMIN.id && /Announcement stopped/.test(m.text ?? ""));
    const delivered = USERS.filter((id) => h.tg.sent(id).length > 0).length;
    expect(delivered).toBeLessThan(USERS.length);
    expect(stopped.text).toBe(`✖️ Announcement stopped: ${delivered} delivered, 0 blocked the bot, 0 failed, ${USERS.length - delivered} not sent.`);
  });
});
