// The polling loop's sign of life for `xui-admin health`: every getUpdates Telegram answers
// becomes a heartbeat in the bot's own file (the store writes one every 15 s at most). An
// answer, not a request: a loop that keeps asking a Telegram it cannot reach, or that another
// instance of the bot keeps out (409), is not working, and health should say so.
import type { Api } from "grammy";
import type { BotStore } from "../store/bot-store.js";

/** `onError`: a heartbeat that could not be written (the file busy): polling goes on regardless. */
export function beatOnPolls(api: Api, store: Pick<BotStore, "beat">, onError: (error: unknown) => void): void {
  api.config.use(async (prev, method, payload, signal) => {
    const result = await prev(method, payload, signal);
    if (method === "getUpdates" && result.ok) {
      try {
        store.beat();
      } catch (error) {
        onError(error);
      }
    }
    return result;
  });
}
