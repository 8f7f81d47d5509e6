// The subscription URL of one subId, as the panel's sub server announces it (2.9.4
// sub/subService.go BuildURLs + getBaseSchemeAndHost; 3.6.0 internal/sub/service.go BuildURLs
// + SettingService.BuildSubURIBase). The panel takes the host from the request; a bot has
// none, so it uses subDomain, else PUBLIC_HOST (3.x: then webDomain, as the panel does for a
// request from a loopback address).
import type { Dialect, PanelSettings } from "./panel-settings.js";

export interface Subscription {
  /** subEnable: false means the panel runs no subscription server. */
  enabled: boolean;
  url: string | null;
  /** The JSON subscription (subJsonEnable), else null. */
  jsonUrl: string | null;
  /** Why there is no URL: the server is off, the client has no subId, or no host is known. */
  missing?: "disabled" | "no-sub-id" | "no-host";
}

const joinPathWithId = (base: string, subId: string) => (base.endsWith("/") ? base + subId : `${base}/${subId}`);

/** scheme://host[:port] of the sub server; the default port of the scheme is left out (3.x, and what a browser sends). */
function uriBase(s: PanelSettings, host: string, alwaysPort: boolean): string {
  const port = s.int("subPort");
  const tls = s.get("subKeyFile") !== "" && s.get("subCertFile") !== "";
  const scheme = tls ? "https" : "http";
  if (!alwaysPort && ((port === 443 && tls) || (port === 80 && !tls))) return `${scheme}://${host}`;
  return `${scheme}://${host}:${port}`;
}

/** scheme://host of a configured URI; "" when it has neither. */
function baseOf(uri: string): string {
  try {
    const u = new URL(uri);
    return u.host === "" ? "" : `${u.protocol}//${u.host}`;
  } catch {
    return "";
  }
}

export function subscriptionOf(s: PanelSettings, subId: string, dialect: Dialect, publicHost: string | undefined): Subscription {
  if (!s.bool("subEnable")) return { enabled: false, url: null, jsonUrl: null, missing: "disabled" };
  if (subId === "") return { enabled: true, url: null, jsonUrl: null, missing: "no-sub-id" };
  const subDomain = s.get("subDomain");
  const host = subDomain || publicHost || (dialect === 3 ? s.get("webDomain") : "");
  // 2.x writes the port whenever subDomain is set; from a request it has the Host header's.
  const base = host === "" ? null : uriBase(s, host, dialect === 2 && subDomain !== "");
  const subURI = s.get("subURI");
  const build = (configured: string, base: string | null, path: string) => (configured !== "" ? joinPathWithId(configured, subId) : base === null ? null : joinPathWithId(base + path, subId));
  const url = build(subURI, base, s.get("subPath"));
  // 3.x: a configured subURI (a reverse proxy) also gives the JSON URL its scheme and host.
  const jsonBase = dialect === 3 && subURI !== "" ? baseOf(subURI) || base : base;
  const jsonUrl = s.bool("subJsonEnable") ? build(s.get("subJsonURI"), jsonBase, s.get("subJsonPath")) : null;
  return { enabled: true, url, jsonUrl, ...(url === null ? { missing: "no-host" as const } : {}) };
}
