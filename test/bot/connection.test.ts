// /sub and the "Connection" button: QR photos that decode to exactly the right URL, only
// ever the asker's own clients, and share links alone when the panel serves no subscription.
import { qrOf } from "../support/qr.js";
import { describe, expect, it } from "vitest";
import type { Person } from "../support/telegram-stand-in.js";
import { ALICE_TG, BOB_TG, buildSubDb, SUB_SETTINGS } from "../support/sub-fixture.js";
import { ADMIN, harnesses } from "./harness.js";

const start = harnesses();
const ALICE: Person = { id: ALICE_TG, first_name: "Alice", language_code: "en" };
const BOB: Person = { id: BOB_TG, first_name: "Bob", language_code: "ru" };
const STRANGER: Person = { id: 5999, language_code: "en" };

const subUrl = (subId: string) => `https://sub.example.com:2096/sub/${subId}`;

describe("/sub", () => {
  it("a linked user gets one subscription QR per client, each decoding to that client's URL, the URL in the caption", async () => {
    const h = await start(buildSubDb());
    const sent = await h.say(ALICE, "/sub");
    const photos = sent.filter((m) => m.photo);
    expect(photos.map(qrOf)).toEqual([subUrl("alicesub"), subUrl("laptopsub")]);
    expect(photos[0]?.caption).toContain(`<code>${subUrl("alicesub")}</code>`);
    expect(photos[0]?.caption).toMatch(/^<b>alice<\/b>: your subscription/);
    expect(sent.some((m) => /bobsub|bob\b/.test(`${m.caption ?? ""}${m.text ?? ""}`))).toBe(false);
  });

  it("Share links: one QR photo per link (an album for several), each with its URL as the caption", async () => {
    const h = await start(buildSubDb());
    const [, laptop] = (await h.say(ALICE, "/sub")).filter((m) => m.photo);
    const links = await h.press(ALICE, laptop!, "📎 Share links (2)");
    expect(links).toHaveLength(2);
    expect(links.every((m) => m.media_group_id !== undefined && m.media_group_id === links[0]?.media_group_id)).toBe(true);
    const urls = links.map(qrOf);
    expect(urls).toEqual([
      "trojan://laptop-pass@cdn1.example.com:8443?fp=chrome&security=tls&sni=sni.example.com&type=tcp#cdn-alice-laptop-CDN",
      "trojan://laptop-pass@plain.example.com:80?security=none&type=tcp#cdn-alice-laptop",
    ]);
    links.forEach((m, i) => expect(m.caption).toContain(`<code>${(urls[i] as string).replaceAll("&", "&amp;")}</code>`));
    const [alicePhoto] = (await h.say(ALICE, "/sub")).filter((m) => m.photo);
    const [reality] = await h.press(ALICE, alicePhoto!, "📎 Share links (1)");
    expect(qrOf(reality)).toMatch(/^vless:\/\/11111111-2222-4333-8444-555555555555@sub\.example\.com:443\?flow=xtls-rprx-vision&fp=firefox&pbk=PBKvalue&security=reality&sid=(ab12cd|0123456789abcdef)&sni=(www\.)?reality\.example\.com&spx=%2F[A-Za-z0-9]{15}&type=tcp#nl-alice$/);
  });

  it("a user never gets another user's links: someone else's button is outdated, a stranger gets their ID", async () => {
    const h = await start(buildSubDb());
    const [alicePhoto] = (await h.say(ALICE, "/sub")).filter((m) => m.photo);
    const data = alicePhoto?.buttons()[0]?.data as string;
    const pressed = h.tg.pressButton(BOB, alicePhoto!, data);
    const before = h.tg.sent().length;
    await h.say(BOB, "/help");
    expect(h.tg.answers.get(pressed.callback_query?.id ?? "")).toBe("Эта кнопка устарела. Выполните команду заново.");
    expect(h.tg.sent().slice(before).some((m) => m.photo)).toBe(false);
    const bobs = (await h.say(BOB, "/sub alice")).filter((m) => m.photo);
    expect(bobs.map(qrOf)).toEqual([subUrl("bobsub")]); // a user's /sub takes no reference
    const stranger = await h.say(STRANGER, "/sub");
    expect(stranger.some((m) => m.photo)).toBe(false);
    expect(stranger[0]?.text).toMatch(/Your Telegram ID is <code>5999<\/code>/);
  });

  it("subscription disabled in the panel: says so (in the user's language) and sends only the share links", async () => {
    const h = await start(buildSubDb({ ...SUB_SETTINGS, subEnable: "false" }));
    const sent = await h.say(BOB, "/sub");
    expect(sent[0]?.text).toMatch(/^<b>bob<\/b>: на сервере не включена подписка/);
    const photos = sent.filter((m) => m.photo);
    expect(photos).toHaveLength(1);
    expect(qrOf(photos[0])).toMatch(/^vless:\/\/22222222-3333-4444-8555-666666666666@sub\.example\.com:443\?fp=firefox&pbk=PBKvalue&security=reality&/);
    expect(sent.some((m) => (m.caption ?? m.text ?? "").includes("/sub/"))).toBe(false);
  });
});

describe("the Connection button", () => {
  it("on the end user's card, and on the admin's client card (to forward); the admin can also /sub REF", async () => {
    const h = await start(buildSubDb());
    const [card] = await h.say(ALICE, "hello");
    expect(card?.buttons().map((b) => b.text)).toEqual(["🔗 alice", "🔗 alice-laptop"]);
    const [photo] = await h.press(ALICE, card!, "🔗 alice-laptop");
    expect(qrOf(photo)).toBe(subUrl("laptopsub"));

    const [adminCard] = await h.say(ADMIN, "/user bob");
    const [adminPhoto] = await h.press(ADMIN, adminCard!, "🔗 Connection");
    expect(qrOf(adminPhoto)).toBe(subUrl("bobsub"));
    const [direct] = await h.say(ADMIN, "/sub alice-laptop");
    expect(qrOf(direct)).toBe(subUrl("laptopsub"));
    expect((await h.say(ADMIN, "/sub nobody"))[0]?.text).toBe("No client matches “nobody”.");
  });
});
