// The servers a CLI call acts on: SERVERS_FILE's (its zod checks loaded only then: start-up
// time is part of every call), else the one at --db / XUI_DB_PATH with XUI_PANEL_URL's API.
import { XuiError } from "../core/errors.js";
import { existsSync } from "node:fs";
import { mirrorFile, panelFromEnv } from "../panel-env.js";
import type { ClientService } from "../service/client-service.js";
import { Fleet } from "../service/fleet.js";
import type { ServerDeps } from "../service/server-factory.js";
import { XuiService } from "../service/xui-service.js";
import type { AuditLog } from "../store/audit-log.js";

export async function openServers(db: string, env: NodeJS.ProcessEnv, deps: ServerDeps, audit: AuditLog | undefined): Promise<ClientService> {
  const batchOf = audit ? { batchOf: (batch: string) => audit.batch(batch) } : {};
  const file = env.SERVERS_FILE?.trim();
  if (file) {
    const { readServersFile, serverTimeoutMs } = await import("../servers-file.js");
    const problems: string[] = [];
    const specs = readServersFile(file, env, serverTimeoutMs(env), problems);
    if (problems.length > 0) throw new XuiError("bad-input", `invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`, ["SERVERS_FILE"]);
    return Fleet.open(specs, deps, batchOf);
  }
  // Reads talk to no panel when there is a file to answer them; without one, a 3.x panel's
  // API is read into a mirror (one per user: a root call must not leave the bot's user a file
  // it cannot read).
  const local = existsSync(db);
  const panel = deps.readonly && local ? undefined : await panelFromEnv(env);
  const { mirrorDir, ...options } = deps;
  try {
    const service =
      panel && !local && mirrorDir !== undefined
        ? await XuiService.openRemote(panel, mirrorFile(mirrorDir, `cli-${process.getuid?.() ?? 0}`), { ...options, readonly: false })
        : XuiService.open(db, { ...options, ...(panel ? { panel } : {}) });
    return Fleet.of(service, batchOf);
  } catch (error) {
    panel?.close();
    throw error;
  }
}
