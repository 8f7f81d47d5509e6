// `xui-admin invite` prints https://t.me/<bot>?start=CODE, so it needs the bot's username:
// it asks Telegram (getMe) with the bot's own BOT_TOKEN, through TELEGRAM_API_ROOT when that
// is set, exactly as the bot would. No second setting to keep in step with @BotFather.
import { XuiError } from "../core/errors.js";

const TIMEOUT_MS = 10_000;

export async function botUsername(env: NodeJS.ProcessEnv): Promise<string> {
  const token = env.BOT_TOKEN?.trim();
  if (!token) throw new XuiError("bad-input", "invite needs BOT_TOKEN (the bot's token): the link names the bot, and Telegram tells its username", ["BOT_TOKEN"]);
  const root = (env.TELEGRAM_API_ROOT?.trim() || "https://api.telegram.org").replace(/\/+$/, "");
  let body: { ok?: boolean; description?: string; result?: { username?: unknown } };
  try {
    const response = await fetch(`${root}/bot${token}/getMe`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    body = (await response.json()) as typeof body;
  } catch (error) {
    throw new XuiError("bad-input", `could not ask Telegram for the bot's username (${(error as Error).message}); no invitation was made`, ["BOT_TOKEN"]);
  }
  const username = body.result?.username;
  if (body.ok !== true || typeof username !== "string") {
    throw new XuiError("bad-input", `Telegram did not tell the bot's username (${body.description ?? "no username"}); check BOT_TOKEN. No invitation was made`, ["BOT_TOKEN"]);
  }
  return username;
}
