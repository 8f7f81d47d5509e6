// How each kind of server is opened: one function (spec, deps) => XuiService a kind. The fleet
// knows nothing of kinds; a new driver is one entry here.
import type { ServerKind, ServerSpec } from "../core/servers.js";
import { XuiError } from "../core/errors.js";
import { join } from "node:path";
import { XuiService, type RemoteOptions } from "./xui-service.js";

/**
 * What every server is opened with (the audit log, backups, the clock), whatever its kind;
 * `mirrorDir`: where the mirrors of panels read through their API live (one file a server).
 */
export type ServerDeps = Omit<RemoteOptions, "panel" | "server" | "remote"> & { mirrorDir?: string };

export type ServerOpener = (spec: ServerSpec, deps: ServerDeps) => Promise<XuiService>;

/** A local x-ui.db: 2.x written directly; 3.x read, and written through its panel's API. */
const openLocal: ServerOpener = async (spec, deps) => {
  if (spec.db === undefined) throw new XuiError("bad-input", `server ${spec.name}: no db`, [spec.name]);
  // Read-only calls (the CLI's list, find, ...) talk to no panel.
  const panel = spec.panel && !deps.readonly ? new (await panelApi())(spec.panel) : undefined;
  try {
    return XuiService.open(spec.db, { ...options(deps), server: spec.name, ...(panel ? { panel } : {}) });
  } catch (error) {
    panel?.close();
    throw error;
  }
};

/**
 * The 3.x panel's API client (and zod with it), loaded on demand: `xui-admin` starts for every
 * scripted call, and most never talk to a panel.
 */
const panelApi = async () => (await import("../panel/panel-api.js")).PanelApi;

/** The options a service takes, without what only the factory reads. */
function options(deps: ServerDeps): Omit<ServerDeps, "mirrorDir"> {
  const { mirrorDir: _dir, ...rest } = deps;
  return rest;
}

/** A remote panel's mirror file: `<mirrorDir>/<server>.db`. */
function mirrorOf(spec: ServerSpec, deps: ServerDeps): string {
  if (deps.mirrorDir === undefined) throw new XuiError("bad-input", `server ${spec.name}: no folder for its mirror (DATA_DIR)`, [spec.name]);
  return join(deps.mirrorDir, `${spec.name}.db`);
}

function connectionOf(spec: ServerSpec) {
  if (spec.panel === undefined) throw new XuiError("bad-input", `server ${spec.name}: no url`, [spec.name]);
  return spec.panel;
}

/** A 3.x panel without its file: read through its API into a mirror, written through it. */
const openRemote3: ServerOpener = async (spec, deps) => {
  const panel = new (await panelApi())(connectionOf(spec));
  try {
    return await XuiService.openRemote(panel, mirrorOf(spec, deps), { ...options(deps), readonly: false, server: spec.name });
  } catch (error) {
    panel.close();
    throw error;
  }
};

/**
 * A remote panel given a login (no token) may be of either line: 2.x shows its version in its
 * login page's asset links; 3.x (a single-page app there, and without 2.x's client routes)
 * tells it through its API once logged in. Which one answers decides the driver: 2.x's writes
 * on a 3.x panel would miss its clients table.
 */
async function loginPanelLine(spec: ServerSpec): Promise<{ version: string; line: 2 | 3 }> {
  const connection = connectionOf(spec);
  const v2 = new (await import("../panel/v2/api.js")).Panel2Api(connection);
  try {
    return { version: await v2.panelVersion(), line: 2 };
  } catch (error) {
    if (!(error instanceof XuiError && error.code === "panel-invalid")) throw error;
    const v3 = new (await panelApi())(connection);
    try {
      return { version: await v3.panelVersion(), line: 3 };
    } catch {
      throw error; // neither: the 2.x answer says what is wrong with the address
    } finally {
      v3.close();
    }
  } finally {
    v2.close();
  }
}

/** A panel given a login: a 2.x panel through its own API (a mirror of inbounds/list), or a 3.x one as openRemote3. */
const openRemoteLogin: ServerOpener = async (spec, deps) => {
  if ((await loginPanelLine(spec)).line === 3) return openRemote3(spec, deps);
  return XuiService.openRemote2(connectionOf(spec), mirrorOf(spec, deps), { ...options(deps), readonly: false, server: spec.name });
};

/** Every kind and its opener. */
const SERVER_KINDS: Record<ServerKind, ServerOpener | undefined> = {
  local: openLocal,
  "remote-2x": openRemoteLogin,
  "remote-3x": openRemote3,
};

export const isSupportedKind = (kind: ServerKind): boolean => SERVER_KINDS[kind] !== undefined;

export async function openServer(spec: ServerSpec, deps: ServerDeps): Promise<XuiService> {
  const open = SERVER_KINDS[spec.kind];
  if (!open) throw new XuiError("bad-input", `server ${spec.name}: a ${spec.kind} panel is not supported yet`, [spec.name]);
  return open(spec, deps);
}

/**
 * A remote panel's version as it reports it, asked through a client of its kind opened for this
 * call alone: no mirror is read (`xui-admin health` runs every minute in Docker).
 */
export async function remotePanelVersion(spec: ServerSpec): Promise<string> {
  if (spec.kind === "remote-2x") return (await loginPanelLine(spec)).version;
  const panel = new (await panelApi())(connectionOf(spec));
  try {
    return await panel.panelVersion(); // each request ends within the server's SERVER_TIMEOUT_MS
  } finally {
    panel.close();
  }
}
