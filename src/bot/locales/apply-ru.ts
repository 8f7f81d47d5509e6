// Почему Xray не перезапущен, по-русски: те же ключи, что в apply-en.ts (это проверяет тип).
// Строки приходят уже экранированными; команда, её вывод, слова панели и её адрес цитируются как есть.
import { panelSaid, type ApplyTexts } from "./apply-en.js";
import { errorsRu } from "./errors-ru.js";

export const applyRu: ApplyTexts = {
  "command-not-started": (d) => `команду <code>${d.command}</code> не удалось запустить (${d.said})`,
  "command-failed": (d) =>
    `команда <code>${d.command}</code> ${d.signal ? `остановлена сигналом ${d.signal}` : `завершилась с кодом ${d.exitCode ?? "?"}`}${d.said ? `: <code>${d.said}</code>` : ""}`,
  "command-timeout": (d) => `команда <code>${d.command}</code> не завершилась за ${d.ms} мс`,
  "panel-unreachable": (d) => errorsRu.unreachable(d.url, errorsRu.unreachableWhy[d.why](d.said ?? String(d.ms ?? ""))),
  "panel-login": (d) => errorsRu.auth.login(d.url, panelSaid(d)),
  "panel-restart": (d) => `панель ${d.url} отказалась перезапустить Xray (${panelSaid(d)})`,
};
