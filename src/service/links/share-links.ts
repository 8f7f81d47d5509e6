// One client's share links on one inbound (vless://, vmess://, trojan://, ss://), built as
// the panel's subscription server builds them: 2.9.4 sub/subService.go genVlessLink,
// genVmessLink, genTrojanLink, genShadowsocksLink; 3.6.0 internal/sub/service.go, same names.
import { isIP } from "node:net";
import type { ShareInbound } from "../../xui/share-source.js";
import { marshalIndent, type JsonObject } from "../../xui/panel-json.js";
import { componentEscape, encodeQuery, fragmentEscape, queryEscape, userEscape } from "./go-url.js";
import { isRoutableHost, type Dialect, type PanelSettings } from "./panel-settings.js";
import { networkParams, obj, realityParams, text, tlsFields, vmessNetwork, type Params, type Randomness } from "./stream-params.js";

export interface LinkContext {
  dialect: Dialect;
  settings: PanelSettings;
  /** The host a subscription request would have come to (PUBLIC_HOST); may be empty. */
  requestHost: string;
  random: Randomness;
}

export interface ShareLink {
  url: string;
  /** The name the link gives the connection (its #fragment). */
  remark: string;
}

/**
 * The host a client connects to. 2.x: a specific listen address, else the request's host.
 * 3.x (resolveInboundAddress): a custom share address, a routable listen address, then the
 * configured public host (subDomain, webDomain), then the request's. Nodes of a multi-node
 * 3.x panel are not followed. "" when nothing is known.
 */
export function inboundAddress(inbound: ShareInbound, ctx: LinkContext): string {
  const { listen } = inbound;
  if (ctx.dialect === 2) return ["", "0.0.0.0", "::", "::0"].includes(listen) ? ctx.settings.get("subDomain") || ctx.requestHost : listen;
  const listenAddr = listen !== "" && !listen.startsWith("@") && !listen.startsWith("/") && isRoutableHost(listen) ? listen : "";
  const custom = inbound.shareAddrStrategy === "custom" ? inbound.shareAddr.trim() : "";
  return custom || listenAddr || ctx.settings.get("subDomain") || ctx.settings.get("webDomain") || ctx.requestHost;
}

/** The connection's name: 2.x remarkModel ("-ieo": inbound, email, other); 3.x inbound, other, email. */
function remarkOf(inbound: ShareInbound, email: string, extra: string, ctx: LinkContext): string {
  if (ctx.dialect === 3) return [inbound.remark, extra, email].filter((p) => p !== "").join("-");
  const model = ctx.settings.get("remarkModel") || "-ieo";
  const parts: Record<string, string> = { i: inbound.remark, e: email, o: extra };
  return [...model.slice(1)].map((c) => parts[c] ?? "").filter((p) => p !== "").join(model[0]);
}

/** joinHostPort (3.x): an IPv6 host in brackets. */
const hostPort = (host: string, port: number, dialect: Dialect) => {
  const bare = dialect === 3 ? host.replace(/^\[|\]$/g, "") : host;
  return dialect === 3 && isIP(bare) === 6 ? `[${bare}]:${port}` : `${bare}:${port}`;
};

/** scheme://user@host:port?query#fragment as each version writes it. */
function urlOf(head: string, params: Params, remark: string, dialect: Dialect): string {
  const query = params.size > 0 ? `?${encodeQuery(params)}` : "";
  const fragment = remark === "" ? "" : `#${dialect === 3 ? componentEscape(remark) : fragmentEscape(remark)}`;
  return head + query + fragment;
}

interface ExternalProxy {
  forceTls: string;
  dest: string;
  port: number;
  remark: string;
}

function externalProxies(stream: JsonObject): ExternalProxy[] {
  const list = stream.externalProxy;
  if (!Array.isArray(list)) return [];
  return list.map((e) => obj(e) ?? {}).map((e) => ({ forceTls: text(e.forceTls), dest: text(e.dest), port: typeof e.port === "number" ? e.port : 0, remark: text(e.remark) }));
}

/** TLS hints a proxy that forces no TLS must not carry. */
const TLS_HINTS = ["alpn", "sni", "fp", "pcs"];

/** The links of a URL-style protocol: one for the inbound, or one per external proxy (its own host, port and TLS choice). */
function urlLinks(inbound: ShareInbound, email: string, ctx: LinkContext, params: Params, security: string, head: (host: string, port: number) => string): ShareLink[] {
  const proxies = externalProxies(inbound.stream);
  if (proxies.length === 0) {
    const remark = remarkOf(inbound, email, "", ctx);
    return [{ url: urlOf(head(inboundAddress(inbound, ctx), inbound.port), params, remark, ctx.dialect), remark }];
  }
  return proxies.map((ep) => {
    const own = new Map(params);
    if (own.has("security")) own.set("security", ep.forceTls === "same" ? security : ep.forceTls);
    if (ep.forceTls === "none") for (const k of TLS_HINTS) own.delete(k);
    const remark = remarkOf(inbound, email, ep.remark, ctx);
    return { url: urlOf(head(ep.dest, ep.port), own, remark, ctx.dialect), remark };
  });
}

function vlessEncryption(settings: JsonObject | null): boolean {
  return ["encryption", "decryption"].some((k) => {
    const v = text(settings?.[k]);
    return v !== "" && v !== "none";
  });
}

function vless(inbound: ShareInbound, client: JsonObject, email: string, ctx: LinkContext): ShareLink[] {
  const { stream, settings } = inbound;
  const network = text(stream.network);
  const params: Params = new Map([["type", network]]);
  if (typeof settings?.encryption === "string") params.set("encryption", settings.encryption);
  networkParams(stream, network, params, ctx.dialect);
  const security = text(stream.security);
  if (security === "tls") securityParams(stream, params, ctx);
  else if (security === "reality") realityParams(stream, params, ctx.dialect, text(client.subId) || email, ctx.random);
  else params.set("security", "none");
  const flow = text(client.flow);
  const flowAllowed = network === "tcp" ? security === "tls" || security === "reality" : ctx.dialect === 3 && network === "xhttp" && vlessEncryption(settings);
  if (flow !== "" && flowAllowed) params.set("flow", flow);
  const id = text(client.id);
  return urlLinks(inbound, email, ctx, params, security, (host, port) => `vless://${ctx.dialect === 2 ? userEscape(id) : id}@${hostPort(host, port, ctx.dialect)}`);
}

function securityParams(stream: JsonObject, params: Params, ctx: LinkContext): void {
  params.set("security", "tls");
  for (const [k, v] of tlsFields(stream, ctx.dialect, false)) params.set(k, v);
}

function trojan(inbound: ShareInbound, client: JsonObject, email: string, ctx: LinkContext): ShareLink[] {
  const { stream } = inbound;
  const network = text(stream.network);
  const params: Params = new Map([["type", network]]);
  networkParams(stream, network, params, ctx.dialect);
  const security = text(stream.security);
  if (security === "tls") securityParams(stream, params, ctx);
  else if (security === "reality") {
    realityParams(stream, params, ctx.dialect, text(client.subId) || email, ctx.random);
    if (network === "tcp" && text(client.flow) !== "") params.set("flow", text(client.flow));
  } else params.set("security", "none");
  const password = text(client.password);
  const user = ctx.dialect === 3 ? componentEscape(password) : userEscape(password);
  return urlLinks(inbound, email, ctx, params, security, (host, port) => `trojan://${user}@${hostPort(host, port, ctx.dialect)}`);
}

function shadowsocks(inbound: ShareInbound, client: JsonObject, email: string, ctx: LinkContext): ShareLink[] {
  const { stream, settings } = inbound;
  const network = text(stream.network);
  const params: Params = new Map([["type", network]]);
  networkParams(stream, network, params, ctx.dialect);
  const security = text(stream.security);
  if (security === "tls") securityParams(stream, params, ctx);
  const method = text(settings?.method);
  const serverPassword = text(settings?.password);
  const password = text(client.password);
  let user: string;
  if (ctx.dialect === 3) {
    // SIP002 clients read only `plugin`: a TCP HTTP disguise becomes obfs-local.
    if (network === "tcp" && params.get("headerType") === "http") {
      const host = params.get("host") ?? "";
      for (const k of ["type", "headerType", "host", "path"]) params.delete(k);
      params.set("plugin", `obfs-local;obfs=http;obfs-host=${host}`);
    }
    // SIP022 (2022-blake3-*) userinfo is percent-encoded, never base64.
    user = method.startsWith("2022") ? [method, serverPassword, password].map(queryEscape).join(":") : Buffer.from(`${method}:${password}`).toString("base64url");
  } else {
    user = Buffer.from(method.startsWith("2") ? `${method}:${serverPassword}:${password}` : `${method}:${password}`).toString("base64");
  }
  const proxies = externalProxies(stream).length > 0;
  if (proxies) params.set("security", security);
  return urlLinks(inbound, email, ctx, params, security, (host, port) => `ss://${user}@${hostPort(host, port, ctx.dialect)}`);
}

const vmessUrl = (o: JsonObject) => `vmess://${Buffer.from(marshalIndent(o)).toString("base64")}`;

function vmess(inbound: ShareInbound, client: JsonObject, email: string, ctx: LinkContext): ShareLink[] {
  const { stream } = inbound;
  const o: JsonObject = { v: "2", add: inboundAddress(inbound, ctx), port: inbound.port, type: "none" };
  const network = text(stream.network);
  vmessNetwork(stream, network, o, ctx.dialect);
  const security = text(stream.security);
  o.tls = security;
  if (security === "tls") for (const [k, v] of tlsFields(stream, ctx.dialect, true)) o[k] = v;
  o.id = text(client.id);
  const scy = text(client.security);
  // 3.x: the values xray-core v26 dropped ("", none, zero) become auto.
  o.scy = ctx.dialect === 3 && ["", "none", "zero"].includes(scy) ? "auto" : scy;
  const proxies = externalProxies(stream);
  if (proxies.length === 0) {
    o.ps = remarkOf(inbound, email, "", ctx);
    return [{ url: vmessUrl(o), remark: o.ps }];
  }
  return proxies.map((ep) => {
    const own: JsonObject = { ...o };
    if (ep.forceTls === "none") for (const k of TLS_HINTS) delete own[k];
    const remark = remarkOf(inbound, email, ep.remark, ctx);
    Object.assign(own, { ps: remark, add: ep.dest, port: ep.port });
    if (ep.forceTls !== "same") own.tls = ep.forceTls;
    return { url: vmessUrl(own), remark };
  });
}

const BUILDERS: Record<string, typeof vless> = { vless, vmess, trojan, shadowsocks };

/** The client's links on this inbound; [] for other protocols or when the client is not in it. */
export function shareLinks(inbound: ShareInbound, email: string, ctx: LinkContext): ShareLink[] {
  const build = BUILDERS[inbound.protocol];
  if (!build || !inbound.client) return [];
  return build(inbound, inbound.client, email, ctx);
}
