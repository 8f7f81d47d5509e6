// npm run playground: the real bot (dist/main.js, as `npm start` runs it) against the local
// Bot API stand-in, on a demo x-ui.db (or $XUI_DB_PATH), chatted with from this terminal.
//   text          sends a message (commands too: /list, /extend alice 30, ...)
//   #N            presses button N of the latest message that has buttons
//   /as ID [ru]   talk as another Telegram user (an admin is 1001; linked users are 100000+)
//   /quit         stop
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import { buttons, FakeTelegram, type Person, type SentMessage } from "../test/support/telegram-stand-in.js";
import { repoRoot } from "../test/support/paths.js";
import { buildDemoDb } from "../test/support/xui-fixture.js";

const ADMIN_ID = 1001;
const dir = mkdtempSync(join(tmpdir(), "xui-playground-"));
const dbPath = process.env.XUI_DB_PATH ?? join(dir, "x-ui.db");
if (!process.env.XUI_DB_PATH) buildDemoDb(dbPath);

const tg = new FakeTelegram();
const apiRoot = await tg.listen();
const bot = spawn(process.execPath, [join(repoRoot, "dist/main.js")], {
  cwd: dir,
  env: { ...process.env, BOT_TOKEN: tg.token, ADMIN_IDS: String(ADMIN_ID), XUI_DB_PATH: dbPath, DATA_DIR: dir, TELEGRAM_API_ROOT: apiRoot, LOG_LEVEL: "warn" },
  stdio: ["ignore", "inherit", "inherit"],
});

let me: Person = { id: ADMIN_ID, first_name: "Admin", language_code: "en" };
const shown = new Map<number, number>(); // message id -> edits printed

const plain = (html: string) => html.replace(/<[^>]+>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

function show(m: SentMessage): void {
  const edited = shown.has(m.message_id) ? " (edited)" : "";
  console.log(`\n── bot → ${m.chat_id}${edited} ─────────────────`);
  if (m.text) console.log(plain(m.text));
  if (m.document) console.log(`[file ${m.document.file_name}, ${m.document.content.length} bytes]\n${m.document.content.toString("utf8").slice(0, 1500)}`);
  buttons(m).forEach((b, i) => console.log(`  #${i + 1} ${b.text}`));
  shown.set(m.message_id, m.edits);
}

const timer = setInterval(() => {
  for (const m of tg.sent()) if (shown.get(m.message_id) !== m.edits) show(m);
}, 100);

console.log(`Demo database: ${dbPath}\nYou are admin ${ADMIN_ID}. Try /help, /list expired, /extend alice 30, /me as "/as 100001".`);
const rl = createInterface({ input: process.stdin, output: process.stdout });
rl.setPrompt(`[${me.id}] > `);
rl.prompt();
for await (const line of rl) {
  const text = line.trim();
  if (text === "/quit") break;
  const as = /^\/as\s+(\d+)(?:\s+(\w\w))?$/.exec(text);
  const press = /^#(\d+)$/.exec(text);
  if (as) {
    me = { id: Number(as[1]), first_name: "User", language_code: as[2] ?? "en" };
  } else if (press) {
    const target = tg.sent(me.id).filter((m) => buttons(m).length > 0).at(-1);
    const button = target ? buttons(target)[Number(press[1]) - 1] : undefined;
    if (target && button?.data) tg.pressButton(me, target, button.data);
    else console.log("no such button");
  } else if (text.length > 0) {
    tg.sendText(me, text);
  }
  await new Promise((r) => setTimeout(r, 400));
  rl.setPrompt(`[${me.id}] > `);
  rl.prompt();
}
clearInterval(timer);
rl.close();
bot.kill("SIGTERM");
await new Promise((r) => bot.once("exit", r));
await tg.close();
