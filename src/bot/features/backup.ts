// /backup: the current x-ui.db as a document, taken online (the panel keeps writing), within
// Telegram's 50 MB upload limit.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Composer, InputFile } from "grammy";
import type { BotContext, BotDeps } from "../context.js";

/** Telegram's limit for a bot's uploads. */
export const UPLOAD_LIMIT = 50 * 1024 * 1024;

export function backupCommand(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.filter((ctx) => ctx.isAdmin).command("backup", async (ctx) => {
    const dir = mkdtempSync(join(tmpdir(), "xui-backup-"));
    try {
      const stamp = new Date(deps.service.now()).toISOString().slice(0, 16).replace(/[:T]/g, "-");
      const file = await deps.service.backupTo(join(dir, `x-ui-${stamp}.db`));
      const size = statSync(file).size;
      if (size > UPLOAD_LIMIT) {
        await ctx.reply(ctx.t.backupTooBig(Math.round(size / 1024 / 1024)));
        return;
      }
      await ctx.replyWithDocument(new InputFile(file), { caption: ctx.t.backupCaption });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  return composer;
}
