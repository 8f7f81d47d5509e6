// Почему сервис отказал, по-русски: те же ключи, что в errors-en.ts (это проверяет тип).
// Аргументы приходят уже экранированными; слова панели и системы цитируются как есть.
import { plural } from "../../core/plural.js";
import type { FlowWhy } from "../../core/error-detail.js";
import type { ErrorTexts } from "./errors-en.js";

const ONE_SERVER_CALLS = { create: "Создание клиента", inbound: "Подключение", sync: "Синхронизация", backup: "Резервная копия" } as const;

const FLOW_WHY: Record<FlowWhy, (found: string) => string> = {
  "vless-only": (found) => `flow бывает только у VLESS, а это подключение — ${found}`,
  unreadable: () => "его настройки не читаются",
  transport: (found) => `для flow нужен транспорт TCP, а это подключение использует ${found}`,
  security: (found) => `для flow нужен TLS или REALITY, а у этого подключения ${found}`,
};

const clients = (n: number) => plural("ru", n, { one: "# клиента", few: "# клиентов", many: "# клиентов", other: "# клиента" });

export const errorsRu: ErrorTexts = {
  internal: "внутренняя ошибка",
  onServer: (server, text) => `сервер ${server}: ${text}`,
  servers: (texts) => texts.join("; "),
  ambiguous: (parts) => `неоднозначная ссылка: ${parts.join("; ")}; укажите email`,
  ambiguousPart: (ref, emails) => `${ref} подходит к ${emails}`,
  noTrafficRow: (emails) => `нет строки трафика (client_traffics) для ${emails}: сначала выполните <code>xui-admin sync</code> на сервере`,
  readOnly: (path, why) => `${path} нельзя изменить: ${why}`,
  readOnlyWhy: {
    layout: (said) => `бот не умеет менять базу такого устройства (${said})`,
    "v3-no-api": () => "клиентов 3x-ui 3.x меняет только HTTP API панели, а он не настроен (XUI_PANEL_URL, XUI_API_TOKEN)",
    "not-writable": () => "у пользователя бота нет права записи в файл",
    "opened-read-only": () => "бот открыл его только для чтения (XUI_READONLY)",
    "no-file": () => "такого файла нет",
    "not-sqlite": (said) => `это не читаемая база SQLite (${said})`,
    "remote-mirror": () => "это копия удалённой панели: sync чинит только локальный файл",
    "newer-bot-file": () => "его записала более новая версия бота: запустите её снова",
  },
  backupFailed: (n, said) => `не удалось сделать резервную копию x-ui.db перед изменением ${clients(n)} (${said})`,
  wrongDatabase: (id, path) => `изменение #${id} сделано в другой базе (${path})`,
  wrongServer: (id, server) => `изменение #${id} сделано на сервере ${server}, которого нет в настройках`,
  unreachable: (where, why) => `панель ${where} ${why}`,
  unreachableWhy: {
    timeout: (ms) => `не ответила за ${ms} мс`,
    tls: (said) => `предъявила TLS-сертификат, которому бот не доверяет (${said}): укажите её сертификат или CA как CA панели`,
    refused: () => "отклонила соединение: запущена ли она, на этом ли порту?",
    "no-host": () => "указана с именем хоста, которое не находится в DNS",
    failed: (said) => `не ответила (${said})`,
  },
  maybeApplied: "; возможно, панель применила изменение: проверьте, прежде чем повторять",
  statusTimeout: (ms) => `нет ответа за ${ms} мс`,
  auth: {
    token: (where, status) => `панель ${where} не приняла API-токен (HTTP ${status}): укажите открытый текст включённого токена`,
    relogin: (where, status) => `панель ${where} отказала боту сразу после нового входа (HTTP ${status})`,
    login: (where, said) => `панель ${where} не пустила бота (${said || "без объяснения"}): проверьте логин и пароль панели`,
    csrf: (where) => `панель ${where} не приняла CSRF-токен входа`,
    "two-factor": () => "панель просит код 2FA: используйте вместо пароля API-токен (XUI_API_TOKEN)",
  },
  panelRefused: (said) => `панель отказала: ${said || "без объяснения"}`,
  notKept: (email) => `панель не сохранила ${email}`,
  invalidAnswer: (where, why) => `панель ${where} отвечает не так, как 3x-ui: ${why}`,
  invalidAnswerWhy: {
    "not-found": () => "страницы нет (HTTP 404): проверьте базовый путь в её адресе",
    redirect: (status) => `она перенаправляет (HTTP ${status}): укажите адрес, куда она перенаправляет`,
    "server-error": (status) => `у неё ошибка (HTTP ${status})`,
    status: (status) => `HTTP ${status}`,
    "not-json": () => "её ответ не JSON: это точно панель 3x-ui?",
    "no-envelope": () => "в её ответе нет {success, msg, obj}, как у 3x-ui",
    "bad-body": () => "её ответ не такой, какой даёт её версия",
    "too-big": () => "её ответ слишком велик",
    "no-csrf": () => "нет сессии и CSRF-токена: это 3x-ui 3.x?",
    "no-cookie": () => "вход не выдал cookie сессии: это 3x-ui 2.x?",
    "no-version": () => "на странице входа нет версии 3x-ui: проверьте базовый путь в её адресе",
    "no-status-yet": () => "у неё ещё нет статуса (она только что запустилась): повторите через несколько секунд",
    "too-old": (version) => `это 3x-ui ${version}: без локального x-ui.db боту нужна 3.1 или новее`,
  },
  refusal: {
    "unknown-servers": (d) => `${d.names.length > 1 ? "неизвестные серверы" : "неизвестный сервер"} ${d.names.map((n) => `«${n}»`).join(", ")} (серверы: ${d.configured.join(", ")})`,
    "one-server": (d) => `${ONE_SERVER_CALLS[d.what]}: нужен один сервер, назовите его (серверы: ${d.configured.join(", ")})`,
    "no-client": () => "клиент не указан: назовите хотя бы один email или ключ",
    "nothing-to-edit": () => "нечего менять: укажите хотя бы одно поле",
    "days-or-first-use": () => "дни и старт с первого подключения: укажите что-то одно",
    "one-inbound-v2": () => "в 3x-ui 2.x клиент живёт в одном подключении: создайте по клиенту на подключение, каждому свой email",
    "no-client-accounting": (d) => `подключение ${d.inbound} — ${d.protocol}: у него нет учёта по клиентам, клиентов добавить нельзя`,
    "unreadable-settings": (d) => `у подключения ${d.inbound} нечитаемые настройки (${d.said})`,
    "keep-traffic-v2": () => "панель 3x-ui 2.x удаляет трафик клиента вместе с ним: сохранить трафик через её API нельзя",
    // Как FLOW_TEXTS (core/error-detail.ts), по-русски.
    "flow-refused": (d) => `flow ${d.flow || "none"} нельзя задать в подключении ${d.inbound}: ${FLOW_WHY[d.why](d.found)}`,
    "email-one-client": (d) => `новый email даётся одному клиенту, а выбрано ${plural("ru", d.clients, { one: "# клиент", few: "# клиента", many: "# клиентов", other: "# клиента" })}`,
    "unknown-filter": (d) => `неизвестный фильтр «${d.text}»: all, expiring [ДНИ], expired, depleted, disabled или inbound ID`,
  },
};
