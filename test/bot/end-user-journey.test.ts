// Issue 12's "Done when", end to end on real 2.x files: an admin makes an invitation for alice,
// a new Telegram user opens it, is linked, gets their card and their connection (a QR photo that
// decodes to the subscription URL), and is reminded once per threshold: across a restart, again
// after the admin renews alice, never twice. Then the same customer on two servers: one
// reminder listing both clients, /me and /sub per server, /broadcast to one server's users, and
// an invitation for nl/alice that links nl's alice only.
import { qrOf } from "../support/qr.js";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { Pacer } from "../../src/bot/jobs/pacer.js";
import { ReminderJob } from "../../src/bot/jobs/reminders.js";
import { Fleet } from "../../src/service/fleet.js";
import { jsonClient } from "../support/db-inspect.js";
import { addPanelSettings, SUB_FIXTURE, SUB_SETTINGS } from "../support/sub-fixture.js";
import { DAY, reminderJob } from "../support/reminder-fixture.js";
import type { Person, SentMessage } from "../support/telegram-stand-in.js";
import { buildXuiDb, tempDbPath, type FixtureClient, type FixtureInbound } from "../support/xui-fixture.js";
import { ADMIN, harnesses, NOW } from "./harness.js";

const start = harnesses();
const USER: Person = { id: 4242, first_name: "Alice", language_code: "en" };

const codeIn = (text: string | undefined) => /https:\/\/t\.me\/xui_test_bot\?start=([A-Za-z0-9_-]+)/.exec(text ?? "")?.[1] as string;
const tgIdOf = (path: string, email: string) => jsonClient(path, email)?.client.tgId;
const reminders = (sent: SentMessage[], to: number) => sent.filter((m) => m.chat_id === to && /About your VPN subscription/.test(m.text ?? "")).map((m) => m.text ?? "");

/**
 * One server's x-ui.db: the REALITY inbound of the /sub fixture, named `remark`, with alice
 * (2.5 days left, Telegram user `aliceTg`) and `others`; its subscription served at `domain`.
 */
function serverDb(options: { remark: string; domain: string; aliceSub: string; aliceTg: number; others?: FixtureClient[] }) {
  return (path: string) => {
    const reality = SUB_FIXTURE.inbounds[0] as FixtureInbound;
    const alice = { ...(reality.clients?.[0] as FixtureClient), subId: options.aliceSub, tgId: options.aliceTg, expiryTime: NOW + 2.5 * DAY };
    buildXuiDb(path, { inbounds: [{ ...reality, remark: options.remark, clients: [alice, ...(options.others ?? [])] }] });
    addPanelSettings(path, { ...SUB_SETTINGS, subDomain: options.domain });
  };
}

describe("an end user's journey on one server", () => {
  it("invited, linked, given their connection, and reminded once per threshold: across a restart and again after a renewal", async () => {
    const h = await start(serverDb({ remark: "Amsterdam", domain: "sub.example.com", aliceSub: "alicesub", aliceTg: 0 }));

    // The admin's card of alice: its "invite link" button makes the deep link.
    const [card] = await h.say(ADMIN, "/user alice");
    const [invite] = await h.press(ADMIN, card!, "🔗 Invite link");
    const code = codeIn(invite?.text);
    expect(code).toMatch(/^[A-Za-z0-9_-]{22}$/);

    // A new Telegram user opens it: linked (read back from the file), their card, one Connection button.
    const [welcome] = (await h.say(USER, `/start ${code}`)).filter((m) => m.chat_id === USER.id);
    expect(welcome?.text).toMatch(/^✅ Your Telegram account is now linked to <b>alice<\/b>\.\n\nYour subscription:\n\n<b>alice<\/b> — 🟢 active\n[\s\S]*\(3 days left\)\nservers: Amsterdam$/);
    expect(welcome?.buttons().map((b) => b.text)).toEqual(["🔗 Connection"]);
    expect(tgIdOf(h.dbPath, "alice")).toBe(USER.id);
    await h.tg.waitFor((m) => m.chat_id === ADMIN.id && /opened the invitation for <b>alice<\/b>/.test(m.text ?? ""));

    // /sub: a photo whose QR code is the subscription URL; the card's button gives the same.
    const url = "https://sub.example.com:2096/sub/alicesub";
    const photos = (await h.say(USER, "/sub")).filter((m) => m.photo);
    expect(photos.map(qrOf)).toEqual([url]);
    expect(qrOf((await h.press(USER, welcome!, "🔗 Connection"))[0])).toBe(url);

    // 2.5 days left: the 3-day reminder, once; not again on the next tick nor after a restart.
    await reminderJob(h).tick(NOW);
    await reminderJob(h).tick(NOW + 60_000);
    await h.restart();
    await reminderJob(h).tick(NOW + 120_000);
    expect(reminders(h.tg.sent(), USER.id)).toEqual([expect.stringMatching(/<b>alice<\/b>: expires in 3 days/)]);

    // Two days on: the 1-day reminder, once, also across a restart.
    await reminderJob(h).tick(NOW + 2 * DAY);
    await h.restart();
    await reminderJob(h).tick(NOW + 2 * DAY + 60_000);
    expect(reminders(h.tg.sent(), USER.id)).toHaveLength(2);
    expect(reminders(h.tg.sent(), USER.id)[1]).toMatch(/<b>alice<\/b>: expires in 1 day \(/);

    // The admin renews alice (30 days more; one client: applied at once): the cycle starts
    // again for the new date, and nothing comes until 3 days before it.
    expect((await h.say(ADMIN, "/extend alice 30"))[0]?.text).toMatch(/alice/);
    expect(jsonClient(h.dbPath, "alice")?.client.expiryTime).toBeGreaterThan(NOW + 32 * DAY);
    await reminderJob(h).tick(NOW + 3 * DAY);
    expect(reminders(h.tg.sent(), USER.id)).toHaveLength(2);
    await reminderJob(h).tick(NOW + 30 * DAY);
    await h.restart();
    await reminderJob(h).tick(NOW + 30 * DAY + 60_000);
    await reminderJob(h).tick(NOW + 31.6 * DAY);
    await reminderJob(h).tick(NOW + 31.6 * DAY + 60_000);
    const all = reminders(h.tg.sent(), USER.id);
    expect(all).toHaveLength(4);
    expect(all[2]).toMatch(/<b>alice<\/b>: expires in 3 days/);
    expect(all[3]).toMatch(/<b>alice<\/b>: expires in 1 day \(/);
  });
});

describe("the same customer on two servers", () => {
  const fleets: Fleet[] = [];
  afterEach(() => {
    for (const f of fleets.splice(0)) f.close();
  });

  /**
   * Two 2.x files (the same inbound on each, as a copied setup has: the same identity), a
   * fleet over them, and a bot on the fleet. Nina (9002) is only on nl, Dora (9001) only on de.
   */
  async function twoServers(aliceTg: number) {
    const de = tempDbPath("de");
    const nl = tempDbPath("nl");
    serverDb({ remark: "Frankfurt", domain: "de.example.com", aliceSub: "alice-de", aliceTg, others: [{ email: "dora", tgId: 9001, expiryTime: NOW + 60 * DAY }] })(de);
    serverDb({ remark: "Amsterdam", domain: "nl.example.com", aliceSub: "alice-nl", aliceTg, others: [{ email: "nina", tgId: 9002, expiryTime: NOW + 60 * DAY }] })(nl);
    const fleet = await Fleet.open([{ name: "de", kind: "local", db: de }, { name: "nl", kind: "local", db: nl }], {});
    fleets.push(fleet);
    const h = await start(undefined, { service: fleet, pacer: new Pacer(1000, async () => {}), progressEveryMs: 0 }, {}, de);
    const job = () =>
      new ReminderJob({ api: h.bot.api, service: fleet, reminders: h.reminders, audit: h.audit, config: h.config, logger: pino({ level: "silent" }), pacer: new Pacer(1000, async () => {}) });
    return { h, de, nl, fleet, job };
  }

  it("one reminder listing both clients, once; /reminders agrees; /me and /sub per server", async () => {
    const { h, job } = await twoServers(USER.id);

    // /reminders before the tick: one message due, to the user, naming both servers' alice.
    const due = (await h.say(ADMIN, "/reminders")).map((m) => m.text).join("\n");
    expect(due).toMatch(/Due now<\/b>: 1 message\(s\)/);
    expect(due).toMatch(/<b>de\/alice<\/b>: expires in 3 days[\s\S]*<b>nl\/alice<\/b>: expires in 3 days/);

    await job().tick(NOW);
    await job().tick(NOW + 60_000);
    await h.restart();
    await job().tick(NOW + 120_000);
    const sent = reminders(h.tg.sent(), USER.id);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/• <b>de\/alice<\/b>: expires in 3 days[^\n]*\n• <b>nl\/alice<\/b>: expires in 3 days/);
    expect((await h.say(ADMIN, "/reminders")).map((m) => m.text).join("\n")).toMatch(/Last sends[\s\S]*de\/alice[\s\S]*nl\/alice|Last sends[\s\S]*nl\/alice[\s\S]*de\/alice/);

    // /me: both clients, each with its server and its own inbound's name (both are inbound 1).
    const [me] = await h.say(USER, "/me");
    expect(me?.text).toMatch(/^Your 2 subscriptions:\n\n<b>de\/alice<\/b> — 🟢 active\n[\s\S]*servers: Frankfurt\n\n<b>nl\/alice<\/b> — 🟢 active\n[\s\S]*servers: Amsterdam$/);
    expect(me?.text).not.toMatch(/dora|nina/);

    // /sub: each client's subscription from its own server; each card button its own client.
    const photos = (await h.say(USER, "/sub")).filter((m) => m.photo);
    expect(photos.map(qrOf)).toEqual(["https://de.example.com:2096/sub/alice-de", "https://nl.example.com:2096/sub/alice-nl"]);
    expect(photos[1]?.caption).toMatch(/^<b>nl\/alice<\/b>: your subscription/);
    expect(me?.buttons().map((b) => b.text)).toEqual(["🔗 de/alice", "🔗 nl/alice"]);
    expect(qrOf((await h.press(USER, me!, "🔗 nl/alice"))[0])).toBe("https://nl.example.com:2096/sub/alice-nl");
    expect(qrOf((await h.press(USER, me!, "🔗 de/alice"))[0])).toBe("https://de.example.com:2096/sub/alice-de");
  });

  it("/broadcast to `server nl`: only nl's linked users, each once; an unknown server is refused", async () => {
    const { h } = await twoServers(USER.id);
    const [ask] = await h.say(ADMIN, "/broadcast");
    expect(ask?.text).toMatch(/Send the announcement/);
    const [question] = await h.say(ADMIN, "Maintenance on nl tonight");
    expect(question?.text).toMatch(/<code>server NAME<\/code>.*servers: <code>de<\/code>, <code>nl<\/code>/);
    expect((await h.say(ADMIN, "server fi"))[0]?.text).toMatch(/unknown server "fi" \(servers: de, nl\)/);
    const preview = await h.say(ADMIN, "server nl");
    expect(preview[1]?.text).toMatch(/Send it to 2 user\(s\)\?/);
    await h.press(ADMIN, preview[1]!, "✅ Confirm");
    await h.tg.waitFor((m) => m.chat_id === ADMIN.id && /Announcement sent: 2 delivered/.test(m.text ?? ""));
    expect(h.tg.sent(USER.id).map((m) => m.text)).toEqual(["Maintenance on nl tonight"]);
    expect(h.tg.sent(9002).map((m) => m.text)).toEqual(["Maintenance on nl tonight"]);
    expect(h.tg.sent(9001)).toHaveLength(0);

    // With a filter after the server: nl's users expiring within 3 days (alice's user alone).
    await h.say(ADMIN, "/broadcast");
    await h.say(ADMIN, "Renew soon");
    const narrowed = await h.say(ADMIN, "server nl expiring 3");
    expect(narrowed[1]?.text).toMatch(/Send it to 1 user\(s\)\?/);
  });

  it("an invitation made for nl/alice links nl's alice only", async () => {
    const { h, de, nl } = await twoServers(0);
    const [invite] = await h.say(ADMIN, "/invite nl/alice");
    expect(invite?.text).toMatch(/Invitation for <b>nl\/alice<\/b>/);
    const [welcome] = (await h.say(USER, `/start ${codeIn(invite?.text)}`)).filter((m) => m.chat_id === USER.id);
    // Both files have one identity (no secret, the same inbound tags): the recorded path decides.
    expect(tgIdOf(nl, "alice")).toBe(USER.id);
    expect(tgIdOf(de, "alice")).toBe(0);
    expect(welcome?.text).toMatch(/^✅ Your Telegram account is now linked to <b>nl\/alice<\/b>\.\n\nYour subscription:\n\n<b>nl\/alice<\/b>/);
    const photos = (await h.say(USER, "/sub")).filter((m) => m.photo);
    expect(photos.map(qrOf)).toEqual(["https://nl.example.com:2096/sub/alice-nl"]);
  });
});
