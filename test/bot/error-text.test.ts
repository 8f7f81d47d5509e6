// errorText has a Russian text for every XuiErrorCode, from the data the error carries: each
// sample built by the service's own code where it is a plain function (refuseUnresolved,
// checkedEnvelope, settleParts, refuseUnknownServers), else as the service builds it.
import { describe, expect, it } from "vitest";
import { DiffTable, newOpResult } from "../../src/core/diff-table.js";
import { invalidInput, PartialError, XuiError, type XuiErrorCode } from "../../src/core/errors.js";
import { errorText } from "../../src/bot/error-text.js";
import { en } from "../../src/bot/locales/en.js";
import { ru } from "../../src/bot/locales/ru.js";
import { checkedEnvelope } from "../../src/panel/wire.js";
import { refuseUnknownServers } from "../../src/service/fleet.js";
import { settleParts } from "../../src/service/fleet-results.js";
import { assertFlowAllowed } from "../../src/service/client-edit.js";
import { refuseUnresolved } from "../../src/service/select.js";

const WHERE = "https://panel.example:2053/secret/";

function thrown(fn: () => unknown): XuiError {
  try {
    fn();
  } catch (error) {
    if (error instanceof XuiError) return error;
    throw error;
  }
  throw new Error("nothing thrown");
}

const refused = new XuiError("panel-refused", "the panel refused POST panel/api/clients/update: <no> & no", [], undefined, { kind: "panel-refused", said: "<no> & no" });

/** One error of each code; a code missing here fails to compile. */
const SAMPLES: Record<XuiErrorCode, XuiError> = {
  "bad-input": thrown(() => refuseUnknownServers(["fr"], ["de", "nl"])),
  "unknown-ref": thrown(() => refuseUnresolved(["zed"], new Map())),
  "ambiguous-ref": thrown(() => refuseUnresolved([], new Map([["a1b2", ["alice", "bob"]]]))),
  "unknown-inbound": new XuiError("unknown-inbound", "unknown inbound: 9", ["9"]),
  "duplicate-email": new XuiError("duplicate-email", "email already in use: alice", ["alice"]),
  "read-only": new XuiError("read-only", "/x-ui.db mirrors a remote panel: sync repairs a local file only; nothing was changed", [], undefined, { kind: "read-only", path: "/x-ui.db", why: "remote-mirror" }),
  busy: new XuiError("busy", "the database is locked", ["/x-ui.db"]),
  "no-traffic-row": new XuiError("no-traffic-row", "no client_traffics row for alice: run `xui-admin sync` first", ["alice"]),
  "backup-failed": new XuiError("backup-failed", "could not back up x-ui.db before changing 21 clients (ENOSPC); nothing was changed", [], undefined, { kind: "backup-failed", clients: 21, said: "ENOSPC" }),
  "wrong-database": new XuiError("wrong-database", "change #7 was made on server fr, which is not configured: nothing was changed", ["7"], undefined, { kind: "wrong-database", change: 7, server: "fr" }),
  partial: new PartialError(newOpResult("extend", DiffTable.of([]), false), ["bob"], refused),
  "panel-unreachable": new XuiError("panel-unreachable", "server nl: no answer within 5000 ms", [], undefined, { kind: "status-timeout", ms: 5000 }),
  "panel-auth": new XuiError("panel-auth", "the panel asks for a 2FA code: use an API token (XUI_API_TOKEN) instead", [], undefined, { kind: "auth", where: WHERE, why: "two-factor" }),
  "panel-refused": refused,
  "panel-invalid": thrown(() => checkedEnvelope(WHERE, "GET panel/api/clients/list", { status: 404, headers: {}, body: "" }, { notFound: "3x-ui before 3.1 has no /panel/api/clients", partial: "part of the change" })),
};

const CYRILLIC = /[а-яё]/i;

describe("errorText", () => {
  it.each(Object.entries(SAMPLES))("%s: Russian from the error's data, English kept for English", (_, error) => {
    const text = errorText(ru, error);
    expect(text).toMatch(CYRILLIC);
    expect(text).not.toBe(errorText(en, error));
    expect(errorText(en, error)).not.toMatch(CYRILLIC);
  });

  it("says what each sample is, in Russian, the panel's words escaped", () => {
    const say = (code: XuiErrorCode) => errorText(ru, SAMPLES[code]);
    expect(say("bad-input")).toBe("неизвестный сервер «fr» (серверы: de, nl)");
    expect(say("ambiguous-ref")).toBe("неоднозначная ссылка: a1b2 подходит к alice, bob; укажите email");
    expect(say("backup-failed")).toBe("не удалось сделать резервную копию x-ui.db перед изменением 21 клиента (ENOSPC)");
    expect(say("wrong-database")).toBe("изменение #7 сделано на сервере fr, которого нет в настройках");
    expect(say("panel-invalid")).toBe(`панель ${WHERE} отвечает не так, как 3x-ui: страницы нет (HTTP 404): проверьте базовый путь в её адресе`);
    expect(say("panel-refused")).toBe("панель отказала: &lt;no&gt; &amp; no");
    expect(say("partial")).toMatch(/^⚠️ Применено частично: следующий шаг не удался \(панель отказала: &lt;no&gt; &amp; no\)/);
  });

  it("keeps a refused value's translation, and names the server, under a fleet", () => {
    const value = invalidInput("days", "x", "not-days");
    const named = new XuiError(value.code, `server nl: ${value.message}`, value.subjects, value.invalid, value.detail, "nl");
    expect(errorText(ru, named)).toBe(`сервер nl: ${errorText(ru, value)}`);
  });

  it("a flow the inbound cannot serve: the rule and what the inbound has", () => {
    const error = thrown(() => assertFlowAllowed({ id: 3, protocol: "vless" }, JSON.stringify({ network: "ws", security: "tls" }), "xtls-rprx-vision"));
    expect(error.message).toBe('flow: "xtls-rprx-vision" cannot be set on inbound 3: flow needs the TCP transport, this inbound uses ws');
    expect(errorText(ru, error)).toBe("flow xtls-rprx-vision нельзя задать в подключении 3: для flow нужен транспорт TCP, а это подключение использует ws");
  });

  it("plurals in Russian: 1 клиента, 2 клиентов, 5 клиентов", () => {
    const backup = (clients: number) => errorText(ru, new XuiError("backup-failed", "", [], undefined, { kind: "backup-failed", clients, said: "EIO" }));
    expect(backup(1)).toMatch(/изменением 1 клиента /);
    expect(backup(2)).toMatch(/изменением 2 клиентов /);
    expect(backup(5)).toMatch(/изменением 5 клиентов /);
    const rename = (clients: number) => errorText(ru, new XuiError("bad-input", "", ["email"], undefined, { kind: "email-one-client", clients }));
    expect(rename(2)).toBe("новый email даётся одному клиенту, а выбрано 2 клиента");
    expect(rename(5)).toBe("новый email даётся одному клиенту, а выбрано 5 клиентов");
  });

  it("a change none of several servers did: each server's own reason, each server named", () => {
    const down = new XuiError("panel-unreachable", "the panel at x refused the connection", [], undefined, { kind: "unreachable", where: WHERE, why: "refused", said: "ECONNREFUSED" });
    const error = thrown(() =>
      settleParts("extend", false, [
        { server: "de", error: refused, notApplied: ["de/alice"] },
        { server: "nl", error: down, notApplied: ["nl/alice"] },
      ]),
    );
    expect(error.message).toMatch(/^nothing was changed: server de: the panel refused/);
    expect(errorText(ru, error)).toBe(`сервер de: панель отказала: &lt;no&gt; &amp; no; сервер nl: панель ${WHERE} отклонила соединение: запущена ли она, на этом ли порту?`);
  });
});
