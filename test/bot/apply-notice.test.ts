// Why Xray was not restarted reaches the admin in the admin's language: the bot driven into a
// real failing restart (a real command that fails, a panel that is down), the reason said from
// its data, only the foreign parts (command line, stderr, address, code) quoted and escaped.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import type { ApplyFailure } from "../../src/apply/apply-failure.js";
import { createApplier } from "../../src/apply/applier.js";
import { applyFailureText } from "../../src/bot/apply-text.js";
import { en } from "../../src/bot/locales/en.js";
import { ru } from "../../src/bot/locales/ru.js";
import type { Person } from "../support/telegram-stand-in.js";
import { ADMIN, harnesses } from "./harness.js";

const start = harnesses();
const RU: Person = { ...ADMIN, language_code: "ru" };
const timing = { debounceMs: 20, maxWaitMs: 1000, timeoutMs: 5000 };

/** A command that writes to stderr and exits 5, as a failing `systemctl reload x-ui` would. */
const FAILING = `${process.execPath} -e "process.stderr.write('Unit <x-ui> not found & gone'); process.exit(5)"`;
const FAILING_HTML = FAILING.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The address of a port nothing listens on (a server opened and closed at once). */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}/secret/`;
}

describe("a failed Xray restart, in the admin's language", () => {
  it("a failing command: Russian frame and reason, the command and its stderr quoted", async () => {
    const h = await start(undefined, { applier: createApplier({ mode: "command", command: FAILING, ...timing }) });
    const [reply] = await h.say(RU, "/unblock erin");
    expect(reply?.text).toMatch(/Xray перезапустится через 0 с/);
    const notice = await h.tg.waitFor((m) => m.text?.startsWith("⚠️") === true);
    expect(notice.chat_id).toBe(RU.id);
    expect(notice.text).toBe(
      `⚠️ Xray не перезапущен: команда <code>${FAILING_HTML}</code> завершилась с кодом 5: <code>Unit &lt;x-ui&gt; not found &amp; gone</code>\n` +
        "Изменение сохранено и вступит в силу при следующем перезапуске.",
    );
  });

  it("the same failure for an English admin", async () => {
    const h = await start(undefined, { applier: createApplier({ mode: "command", command: FAILING, ...timing }) });
    await h.say(ADMIN, "/unblock erin");
    const notice = await h.tg.waitFor((m) => m.text?.startsWith("⚠️") === true);
    expect(notice.text).toBe(
      `⚠️ Xray was not restarted: the command <code>${FAILING_HTML}</code> exited with code 5: <code>Unit &lt;x-ui&gt; not found &amp; gone</code>\n` +
        "The change is saved; it takes effect at the next restart.",
    );
  });

  it("a command that runs past its timeout, in Russian", async () => {
    const command = `${process.execPath} -e "setTimeout(() => {}, 5000)"`;
    const h = await start(undefined, { applier: createApplier({ mode: "command", command, debounceMs: 20, maxWaitMs: 1000, timeoutMs: 200 }) });
    await h.say(RU, "/unblock erin");
    const notice = await h.tg.waitFor((m) => m.text?.startsWith("⚠️") === true);
    expect(notice.text).toMatch(/^⚠️ Xray не перезапущен: команда <code>.*<\/code> не завершилась за 200 мс\nИзменение сохранено/);
  });

  it("a panel that is down (XUI_APPLY=panel), in Russian", async () => {
    const url = await closedPort();
    const h = await start(undefined, { applier: createApplier({ mode: "panel", url, username: "admin", password: "s3cret", ...timing }) });
    await h.say(RU, "/unblock erin");
    const notice = await h.tg.waitFor((m) => m.text?.startsWith("⚠️") === true);
    expect(notice.text).toBe(
      `⚠️ Xray не перезапущен: панель ${url} отклонила соединение: запущена ли она, на этом ли порту?\nИзменение сохранено и вступит в силу при следующем перезапуске.`,
    );
  });
});

const URL_ = "https://panel.example:2053/secret/";

/** One failure of each kind; a kind missing here fails to compile. */
const SAMPLES: { [K in ApplyFailure["kind"]]: Extract<ApplyFailure, { kind: K }> } = {
  "command-not-started": { kind: "command-not-started", command: "x-ui restart-xray", said: "ENOENT" },
  "command-failed": { kind: "command-failed", command: "systemctl reload x-ui", signal: "SIGTERM", said: "" },
  "command-timeout": { kind: "command-timeout", command: "x-ui restart-xray", ms: 30_000 },
  "panel-unreachable": { kind: "panel-unreachable", url: URL_, why: "timeout", ms: 30_000 },
  "panel-login": { kind: "panel-login", url: URL_, said: "", status: 404 },
  "panel-restart": { kind: "panel-restart", url: URL_, said: "<xray> failed", status: 200 },
};

describe("applyFailureText", () => {
  it.each(Object.values(SAMPLES))("$kind: Russian from the data, English for English", (reason) => {
    const outcome = { ok: false as const, error: "English", reason };
    expect(applyFailureText(ru, outcome)).toMatch(/[а-яё]/i);
    expect(applyFailureText(en, outcome)).not.toMatch(/[а-яё]/i);
  });

  it("says each reason's own data, escaped; the English message only without data", () => {
    const say = (reason: ApplyFailure) => applyFailureText(ru, { ok: false, error: "English", reason });
    expect(say(SAMPLES["command-not-started"])).toBe("команду <code>x-ui restart-xray</code> не удалось запустить (ENOENT)");
    expect(say(SAMPLES["command-failed"])).toBe("команда <code>systemctl reload x-ui</code> остановлена сигналом SIGTERM");
    expect(say(SAMPLES["panel-unreachable"])).toBe(`панель ${URL_} не ответила за 30000 мс`);
    expect(say(SAMPLES["panel-login"])).toBe(`панель ${URL_} не пустила бота (HTTP 404): проверьте логин и пароль панели`);
    expect(say(SAMPLES["panel-restart"])).toBe(`панель ${URL_} отказалась перезапустить Xray (&lt;xray&gt; failed)`);
    expect(applyFailureText(ru, { ok: false, error: "boom <1>" })).toBe("boom &lt;1&gt;");
  });
});
