// How each kind of server is opened: one function (spec, deps) => XuiService a kind. The fleet
// knows nothing of kinds; a new driver is one entry here.
import type { ServerKind, ServerSpec } from "../core/servers.js";
import { XuiError } from "../core/errors.js";
import { PanelApi } from "../panel/panel-api.js";
import { XuiService, type ServiceOptions } from "./xui-service.js";

/** What every server is opened with (the audit log, backups, the clock), whatever its kind. */
export type ServerDeps = Omit<ServiceOptions, "panel" | "server">;

export type ServerOpener = (spec: ServerSpec, deps: ServerDeps) => XuiService;

/** A local x-ui.db: 2.x written directly; 3.x read, and written through its panel's API. */
const openLocal: ServerOpener = (spec, deps) => {
  if (spec.db === undefined) throw new XuiError("bad-input", `server ${spec.name}: no db`, [spec.name]);
  // Read-only calls (the CLI's list, find, ...) talk to no panel.
  const panel = spec.panel && !deps.readonly ? new PanelApi(spec.panel) : undefined;
  return XuiService.open(spec.db, { ...deps, server: spec.name, ...(panel ? { panel } : {}) });
};

/**
 * Every kind and its opener. The remote kinds (a panel without a local file) come with their
 * drivers, built on other branches: until they are plugged in here, SERVERS_FILE refuses such
 * a server with "not supported yet".
 */
const SERVER_KINDS: Record<ServerKind, ServerOpener | undefined> = {
  local: openLocal,
  // The remote 2.x panel driver (its own API, session login): XuiService.openRemote(...) on merge.
  "remote-2x": undefined,
  // The remote 3.x reader (the panel's API without its file): on merge.
  "remote-3x": undefined,
};

export const isSupportedKind = (kind: ServerKind): boolean => SERVER_KINDS[kind] !== undefined;

export function openServer(spec: ServerSpec, deps: ServerDeps): XuiService {
  const open = SERVER_KINDS[spec.kind];
  if (!open) throw new XuiError("bad-input", `server ${spec.name}: a ${spec.kind} panel is not supported yet`, [spec.name]);
  return open(spec, deps);
}
