// Every refusal reaches a Russian admin in Russian: the bot driven into each for real (a 3.x
// panel that refuses, is down or refuses the token; a read-only file; a delete whose backup
// cannot be written; a client without its usage row; a fleet's server), the file read back
// unchanged through a fresh connection.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { PanelApi } from "../../src/panel/panel-api.js";
import { Fleet } from "../../src/service/fleet.js";
import { runPanel3, type RunningPanel3 } from "../support/panel3/harness.js";
import type { Person } from "../support/telegram-stand-in.js";
import { tempDir } from "../support/temp-dir.js";
import { demoXui3 } from "../support/xui3-fixture.js";
import { buildDemoDb, tempDbPath } from "../support/xui-fixture.js";
import { ADMIN, harnesses, NOW } from "./harness.js";

const start = harnesses();
const RU: Person = { ...ADMIN, language_code: "ru" };

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A column of one row, read through a connection of its own. */
function read(dbPath: string, sql: string, ...params: unknown[]): unknown {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(sql).pluck().get(...params);
  } finally {
    db.close();
  }
}

const expiry2 = (dbPath: string, email: string) => read(dbPath, "SELECT expiry_time FROM client_traffics WHERE email = ?", email);
const expiry3 = (dbPath: string, email: string) => read(dbPath, "SELECT expiry_time FROM clients WHERE email = ?", email);

/** A bot on a 3.x stand-in panel, through an API client with `token` (the panel's own by default). */
async function onPanel3(token?: string) {
  const running = await runPanel3({ fixture: demoXui3(NOW) });
  const api = new PanelApi({ url: running.panel.url, token: token ?? running.token, timeoutMs: 5000 });
  closers.push(() => api.close());
  const h = await start(undefined, {}, { panel: api }, running.dbPath);
  return { h, running };
}

const UPDATE = "POST /panel/api/clients/update/:email";
const ADJUST = "POST /panel/api/clients/bulkAdjust";

function refuseWrites(running: RunningPanel3, msg: string): void {
  running.panel.refuse(UPDATE, msg);
  running.panel.refuse(ADJUST, msg);
}

describe("a 3.x panel's refusals, in Russian", () => {
  it("panel-refused: the panel's own words, escaped, inside the Russian frame", async () => {
    const { h, running } = await onPanel3();
    refuseWrites(running, "quota <exceeded> & more");
    const before = expiry3(running.dbPath, "bob");
    const [reply] = await h.say(RU, "/extend bob 1");
    expect(reply?.text).toMatch(/^Ничего не изменено: панель отказала: .*quota &lt;exceeded&gt; &amp; more/);
    expect(expiry3(running.dbPath, "bob")).toBe(before);
  });

  it("panel-unreachable: a panel that is down", async () => {
    const { h, running } = await onPanel3();
    const before = expiry3(running.dbPath, "bob");
    await running.panel.stop();
    const [reply] = await h.say(RU, "/extend bob 1");
    expect(reply?.text).toBe(`Ничего не изменено: панель ${running.panel.url} отклонила соединение: запущена ли она, на этом ли порту?`);
    expect(expiry3(running.dbPath, "bob")).toBe(before);
  });

  it("panel-auth: a token the panel does not take", async () => {
    const { h, running } = await onPanel3("not-a-token");
    const before = expiry3(running.dbPath, "bob");
    const [reply] = await h.say(RU, "/extend bob 1");
    expect(reply?.text).toMatch(/^Ничего не изменено: панель http:\/\/127\.0\.0\.1:\d+\/\S* не приняла API-токен \(HTTP 401\): укажите открытый текст включённого токена$/);
    expect(expiry3(running.dbPath, "bob")).toBe(before);
  });
});

describe("a 2.x file's refusals, in Russian", () => {
  it("read-only: a file the bot opened read-only", async () => {
    const h = await start(undefined, {}, { readonly: true });
    const before = expiry2(h.dbPath, "alice");
    const [reply] = await h.say(RU, "/extend alice 1");
    expect(reply?.text).toBe(`Ничего не изменено: ${h.dbPath} нельзя изменить: бот открыл его только для чтения (XUI_READONLY)`);
    expect(expiry2(h.dbPath, "alice")).toBe(before);
  });

  it("backup-failed: a delete whose backup cannot be written", async () => {
    const blocker = join(tempDir("errors-ru"), "a-file");
    writeFileSync(blocker, "");
    const h = await start(undefined, {}, { backupDir: join(blocker, "backups") });
    const [preview] = await h.say(RU, "/delete alice");
    const [reply] = await h.press(RU, preview!, "✅ Подтвердить");
    expect(reply?.text).toMatch(/^Ничего не изменено: не удалось сделать резервную копию x-ui\.db перед изменением 1 клиента \(.*ENOTDIR.*\)$/);
    expect(read(h.dbPath, "SELECT count(*) FROM client_traffics WHERE email = 'alice'")).toBe(1);
  });

  it("no-traffic-row: a client without its usage row", async () => {
    const h = await start((p) => {
      buildDemoDb(p, { now: NOW });
      const db = new Database(p);
      db.prepare("DELETE FROM client_traffics WHERE email = 'alice'").run();
      db.close();
    });
    const settings = read(h.dbPath, "SELECT settings FROM inbounds WHERE id = 1");
    const [reply] = await h.say(RU, "/extend alice 1");
    expect(reply?.text).toBe("Ничего не изменено: нет строки трафика (client_traffics) для alice: сначала выполните <code>xui-admin sync</code> на сервере");
    expect(read(h.dbPath, "SELECT settings FROM inbounds WHERE id = 1")).toBe(settings);
  });
});

describe("several servers, in Russian", () => {
  it("the failing server's name survives translation", async () => {
    const de = tempDbPath("de");
    buildDemoDb(de, { now: NOW });
    const running = await runPanel3({ fixture: demoXui3(NOW) });
    const fleet = await Fleet.open(
      [
        { name: "de", kind: "local", db: de },
        { name: "nl", kind: "local", db: running.dbPath, panel: { url: running.panel.url, token: running.token, timeoutMs: 5000 } },
      ],
      {},
    );
    closers.push(() => fleet.close());
    const h = await start(undefined, { service: fleet }, {}, de);
    refuseWrites(running, "busy elsewhere");
    const before = expiry3(running.dbPath, "bob");
    const [reply] = await h.say(RU, "/extend nl/bob 1");
    expect(reply?.text).toMatch(/^Ничего не изменено: сервер nl: панель отказала: .*busy elsewhere/);
    expect(expiry3(running.dbPath, "bob")).toBe(before);

    // bob on both servers: de applies, nl refuses; the partial result says so in Russian.
    const deBefore = expiry2(de, "bob");
    const [preview] = await h.say(RU, "/extend bob 1");
    const replies = await h.press(RU, preview!, "✅ Подтвердить");
    expect(replies.map((m) => m.text).join("\n")).toMatch(/^⚠️ Применено частично: следующий шаг не удался \(сервер nl: панель отказала: .*busy elsewhere.*\)/);
    expect(expiry2(de, "bob")).not.toBe(deBefore);
    expect(expiry3(running.dbPath, "bob")).toBe(before);

    // /servers: the last error, in Russian, under the server's own line.
    await running.panel.stop();
    const [servers] = await h.say(RU, "/servers");
    expect(servers?.text).toMatch(/<b>nl<\/b> — ⚠️ ошибка[\s\S]*последняя ошибка: панель http:\/\/127\.0\.0\.1:\d+\/\S* отклонила соединение: запущена ли она, на этом ли порту\?/);
  });
});
