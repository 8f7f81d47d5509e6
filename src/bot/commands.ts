// The command menus Telegram shows: the admin list in each admin's chat, the user list for
// everyone else, in both languages. A menu is a convenience: one Telegram refuses (an admin
// who never opened the bot is "chat not found") is logged and the bot runs on; failing the
// start for it would only make a supervisor restart the bot into the same refusal.
import type { Api } from "grammy";
import type { Logger } from "../log.js";

const ADMIN = {
  en: [
    ["extend", "Add days: /extend alice 30"],
    ["block", "Block clients"],
    ["unblock", "Unblock clients"],
    ["delete", "Delete clients (after a preview)"],
    ["edit", "Change a field: /edit alice comment hi"],
    ["reset", "Reset used traffic"],
    ["limit", "Set the traffic limit (GB)"],
    ["expiry", "Set the expiry date"],
    ["create", "Add a client"],
    ["find", "Find clients"],
    ["user", "Client card"],
    ["list", "List clients (filters, bulk actions)"],
    ["stats", "Server statistics and charts"],
    ["history", "The latest changes"],
    ["undo", "Revert your last change"],
    ["backup", "The current x-ui.db as a file"],
    ["link", "Link a Telegram user to a client"],
    ["unlink", "Unlink a client's Telegram user"],
    ["invite", "A one-time invitation link for a client"],
    ["me", "My own clients, as a user sees them"],
    ["reminders", "Reminders due now and the last sent"],
    ["broadcast", "An announcement to linked users"],
    ["servers", "Servers: state, clients, inbounds"],
    ["help", "How to use this bot"],
    ["cancel", "Leave the current question"],
  ],
  ru: [
    ["extend", "Продлить: /extend alice 30"],
    ["block", "Заблокировать"],
    ["unblock", "Разблокировать"],
    ["delete", "Удалить клиентов (с подтверждением)"],
    ["edit", "Изменить поле: /edit alice comment текст"],
    ["reset", "Сбросить трафик"],
    ["limit", "Лимит трафика (ГБ)"],
    ["expiry", "Дата окончания"],
    ["create", "Добавить клиента"],
    ["find", "Найти клиентов"],
    ["user", "Карточка клиента"],
    ["list", "Список клиентов (фильтры, массовые действия)"],
    ["stats", "Статистика сервера и графики"],
    ["history", "Последние изменения"],
    ["undo", "Отменить последнее изменение"],
    ["backup", "Текущая x-ui.db файлом"],
    ["link", "Привязать пользователя Telegram к клиенту"],
    ["unlink", "Отвязать пользователя Telegram"],
    ["invite", "Одноразовая ссылка-приглашение для клиента"],
    ["me", "Мои клиенты, как их видит пользователь"],
    ["reminders", "Напоминания: к отправке и отправленные"],
    ["broadcast", "Объявление привязанным пользователям"],
    ["servers", "Серверы: состояние, клиенты, inbounds"],
    ["help", "Как пользоваться ботом"],
    ["cancel", "Прервать текущий вопрос"],
  ],
} as const;

const USER = {
  en: [
    ["me", "My subscriptions"],
    ["sub", "Connection links and QR codes"],
  ],
  ru: [
    ["me", "Мои подписки"],
    ["sub", "Ссылки для подключения и QR-коды"],
  ],
} as const;

const toCommands = (list: readonly (readonly [string, string])[]) => list.map(([command, description]) => ({ command, description }));

export async function registerCommands(api: Api, adminIds: Iterable<number>, logger: Logger): Promise<void> {
  const set = async (call: Promise<true>, chatId?: number) => {
    try {
      await call;
    } catch (err) {
      const hint = chatId === undefined ? undefined : "has this admin opened the bot yet? The menu is set at the next start after they do";
      logger.warn({ err, chatId, hint }, "could not set the command menu");
    }
  };
  await set(api.setMyCommands(toCommands(USER.en)));
  await set(api.setMyCommands(toCommands(USER.ru), { language_code: "ru" }));
  for (const id of adminIds) {
    const scope = { type: "chat", chat_id: id } as const;
    await set(api.setMyCommands(toCommands(ADMIN.en), { scope }), id);
    await set(api.setMyCommands(toCommands(ADMIN.ru), { scope, language_code: "ru" }), id);
  }
}
