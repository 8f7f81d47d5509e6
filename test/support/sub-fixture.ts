// A 2.x x-ui.db for connection links: a REALITY inbound and a trojan one behind two external
// proxies (stream settings from test/fixtures/links/streams.json), clients linked to Telegram
// users, and the panel's subscription settings rows.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { repoRoot } from "./paths.js";
import { buildXuiDb, type FixtureOptions } from "./xui-fixture.js";

const STREAMS = JSON.parse(readFileSync(join(repoRoot, "test/fixtures/links/streams.json"), "utf8")) as Record<string, Record<string, unknown>>;

export const ALICE_TG = 5001;
export const BOB_TG = 5002;

export const SUB_FIXTURE: FixtureOptions = {
  inbounds: [
    {
      id: 1,
      protocol: "vless",
      remark: "nl",
      port: 443,
      streamSettings: STREAMS["reality"],
      clients: [
        { email: "alice", key: "11111111-2222-4333-8444-555555555555", subId: "alicesub", tgId: ALICE_TG, jsonOverrides: { flow: "xtls-rprx-vision" } },
        { email: "bob", key: "22222222-3333-4444-8555-666666666666", subId: "bobsub", tgId: BOB_TG },
      ],
    },
    {
      id: 2,
      protocol: "trojan",
      remark: "cdn",
      port: 8443,
      streamSettings: STREAMS["external-proxy"],
      clients: [{ email: "alice-laptop", key: "laptop-pass", subId: "laptopsub", tgId: ALICE_TG }],
    },
  ],
};

/** The panel's settings rows, as its settings page saves them. */
export function addPanelSettings(path: string, rows: Record<string, string>): void {
  const db = new Database(path);
  try {
    const insert = db.prepare("INSERT INTO settings (key, value) VALUES (?, ?)");
    for (const [k, v] of Object.entries(rows)) insert.run(k, v);
  } finally {
    db.close();
  }
}

/** The subscription settings of a panel serving https://sub.example.com:2096/sub/. */
export const SUB_SETTINGS = { subEnable: "true", subDomain: "sub.example.com", subPort: "2096", subPath: "/sub/", subCertFile: "/root/cert.crt", subKeyFile: "/root/private.key" };

export const buildSubDb = (rows: Record<string, string> = SUB_SETTINGS) => (path: string) => {
  buildXuiDb(path, SUB_FIXTURE);
  addPanelSettings(path, rows);
};
