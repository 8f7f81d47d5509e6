// The servers one bot manages (SERVERS_FILE, or the one local server), as configuration
// describes them: read by config (the bot, the API) and the CLI, opened by service/fleet.

/** What a server's name may be: a short word, as `nl/alice` and `server:nl` write it. */
export const SERVER_NAME = /^[a-z0-9-]{1,16}$/;

/** The server's name without SERVERS_FILE: XUI_DB_PATH (with XUI_PANEL_URL on 3.x). */
export const LOCAL_SERVER = "local";

/**
 * How a server is reached: a local x-ui.db (2.x written directly, 3.x read with writes through
 * its panel's API), or a remote panel through its API alone (2.x or 3.x).
 */
export type ServerKind = "local" | "remote-2x" | "remote-3x";

/** How a panel's API is reached (the panels' clients take it as PanelConnection). */
export interface ServerConnection {
  /** The panel's URL with its base path, e.g. https://host:2053/secret/ */
  url: string;
  /** An API token (3.x: Settings → Security → API Token); preferred over a login. */
  token?: string;
  username?: string;
  password?: string;
  /** PEM of a CA or self-signed certificate to trust for this panel only (https URLs). */
  ca?: string;
  /** Each HTTP request's limit, connection to last byte. */
  timeoutMs: number;
}

export interface ServerSpec {
  name: string;
  kind: ServerKind;
  /** The local x-ui.db (kind local). */
  db?: string;
  /** The panel's API: for a local 3.x file, and for every remote panel. */
  panel?: ServerConnection;
}

/** A remote panel's kind by its credentials: an API token exists on 3.x only, a login on both
 *  (a "remote-2x" that turns out to be 3.x is opened as one: see server-factory.ts). */
export const remoteKind = (connection: Pick<ServerConnection, "token">): ServerKind => (connection.token === undefined ? "remote-2x" : "remote-3x");
