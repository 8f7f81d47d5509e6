// /stats end to end against the Telegram stand-in: the summary as text, then the two charts as
// an album of real PNGs; and a client's usage chart from its card. On a real 2.x file, with a
// usage history recorded by the store.
import { join } from "node:path";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { DAY_MS, GB } from "../../src/core/units.js";
import { UsageHistory } from "../../src/store/usage-history.js";
import type { SentMessage } from "../support/telegram-stand-in.js";
import { tempDir } from "../support/temp-dir.js";
import { buildXuiDb } from "../support/xui-fixture.js";
import { ADMIN, harnesses, NOW } from "./harness.js";

const start = harnesses();
const RU = { id: ADMIN.id, first_name: "Админ", language_code: "ru" };

function build(path: string): void {
  buildXuiDb(path, {
    inbounds: [
      {
        id: 1,
        protocol: "vless",
        remark: "NL <main>",
        port: 443,
        clients: [
          { email: "alice", expiryTime: NOW + 2 * DAY_MS, up: GB, down: 3 * GB, lastOnline: NOW - 30_000 },
          { email: "bob", expiryTime: NOW - DAY_MS, down: GB },
          { email: "carol", enable: false, expiryTime: NOW + 20 * DAY_MS },
        ],
      },
    ],
  });
}

/** A usage history in its own file, with alice's traffic of today recorded. */
function usage(): UsageHistory {
  const history = new UsageHistory(join(tempDir("xui-bot-stats"), "bot.db"));
  history.sample("local", [{ email: "alice", key: "k", up: 0, down: 0 }], NOW - 60 * 60_000);
  history.sample("local", [{ email: "alice", key: "k", up: GB / 2, down: GB / 2 }], NOW);
  return history;
}

const pngSize = (m: SentMessage | undefined) => {
  const image = PNG.sync.read(m?.photo?.content as Buffer);
  return [image.width, image.height];
};

describe("/stats", () => {
  it("sends the summary, then the top clients and expiring charts as an album", async () => {
    const history = usage();
    const h = await start(build, { usage: history });
    const replies = await h.say(ADMIN, "/stats");
    const text = replies.filter((m) => m.text !== undefined).map((m) => m.text).join("\n");
    expect(text).toContain("📊 <b>Server statistics</b>");
    expect(text).toContain("👥 <b>3 clients</b>");
    expect(text).toMatch(/🟢 active: 1\n {4}⏳ 1 of the active end within 3 days\n {2}⌛ expired: 1\n {2}📉 traffic used up: 0\n {2}⛔ blocked: 1/);
    expect(text).toContain("🟩 Online now: 1");
    expect(text).toContain("today: 1 GB · 7 days: 1 GB · 30 days: 1 GB");
    expect(text).toContain("all time: 5 GB");
    expect(text).toMatch(/1\. alice — 4 GB\n2\. bob — 1 GB/);
    expect(text).toContain("#1 NL &lt;main&gt; (vless, :443): 3 clients, 1 active, 1 online, 5 GB");
    const photos = replies.filter((m) => m.photo);
    expect(photos.map((m) => m.photo?.file_name)).toEqual(["top-clients.png", "expiring.png"]);
    expect(pngSize(photos[0])).toEqual([800, 52 + 2 * 30 + 16]);
    expect(pngSize(photos[1])).toEqual([800, 360]);
    expect(h.tg.calls.map((c) => c.method)).toContain("sendMediaGroup");
    history.close();
  });

  it("speaks Russian with Russian plurals, and says when there is no history yet", async () => {
    const h = await start(build);
    const replies = await h.say(RU, "/stats");
    const text = replies.filter((m) => m.text !== undefined).map((m) => m.text).join("\n");
    expect(text).toContain("👥 <b>3 клиента</b>");
    expect(text).toContain("в ближайшие 3 дня");
    expect(text).toContain("сегодня: — · 7 дней: — · 30 дней: —");
    expect(text).toContain("каждые 15 минут");
    expect(text).toContain("3 клиента, активных 1");
    expect(replies.filter((m) => m.photo)).toHaveLength(2);
  });

  it("is for admins only", async () => {
    const h = await start(build);
    const replies = await h.say({ id: 5555, first_name: "Stranger", language_code: "en" }, "/stats");
    expect(replies.some((m) => m.photo)).toBe(false);
    expect(replies.map((m) => m.text).join("\n")).not.toContain("Server statistics");
  });
});

describe("the card's usage chart", () => {
  it("sends the client's traffic per day over 30 days as a photo with the total", async () => {
    const history = usage();
    const h = await start(build, { usage: history });
    const [card] = await h.say(ADMIN, "/user alice");
    expect(card?.buttons().map((b) => b.text)).toContain("📈 Usage chart");
    const replies = await h.press(ADMIN, card as SentMessage, "📈 Usage chart");
    const photo = replies.find((m) => m.photo);
    expect(photo?.caption).toBe("📈 <b>alice</b>: 1 GB in the last 30 days.");
    expect(pngSize(photo)).toEqual([800, 360]);
    history.close();
  });
});
