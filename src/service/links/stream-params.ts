// The query parameters a share link takes from an inbound's stream settings: transport
// (path, host, serviceName, mode...), TLS and REALITY. Ported from 3x-ui's sub/subService.go
// (2.9.4) and internal/sub/service.go (3.6.0); where the two differ, `dialect` picks.
import { createHash, randomInt } from "node:crypto";
import type { JsonObject, JsonValue } from "../../xui/panel-json.js";
import { goMarshal } from "./go-url.js";
import type { Dialect } from "./panel-settings.js";

export type Params = Map<string, string>;

/** The panel's random choices (a REALITY server name and short ID; 2.x: spiderX); injectable for tests. */
export interface Randomness {
  index(n: number): number;
  seq(n: number): string;
}

const LETTERS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
export const cryptoRandom: Randomness = {
  index: (n) => randomInt(n),
  seq: (n) => Array.from({ length: n }, () => LETTERS[randomInt(LETTERS.length)]).join(""),
};

export const obj = (v: JsonValue | undefined): JsonObject | undefined => (v !== null && typeof v === "object" && !Array.isArray(v) ? v : undefined);
export const text = (v: JsonValue | undefined): string => (typeof v === "string" ? v : "");
const strings = (v: JsonValue | undefined): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/** searchKey: the key at this level, else the first found below it. */
export function searchKey(data: JsonValue | undefined, key: string): JsonValue | undefined {
  if (data === null || typeof data !== "object") return undefined;
  if (!Array.isArray(data) && key in data) return data[key];
  for (const v of Array.isArray(data) ? data : Object.values(data)) {
    const found = searchKey(v, key);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** searchHost: a Host header, any case; the first of a list. */
function searchHost(headers: JsonValue | undefined): string {
  for (const [k, v] of Object.entries(obj(headers) ?? {})) {
    if (k.toLowerCase() !== "host") continue;
    return Array.isArray(v) ? text(v[0]) : text(v);
  }
  return "";
}

function pathAndHost(settings: JsonObject | undefined, set: (k: string, v: string) => void): void {
  set("path", text(settings?.path));
  const host = text(settings?.host);
  set("host", host !== "" ? host : searchHost(settings?.headers));
}

/** A TCP inbound with an HTTP header disguise: its path and host (3.x looks at the response's Host first). */
function tcpHttp(stream: JsonObject, dialect: Dialect): { path: string | undefined; host: string } | undefined {
  const header = obj(obj(stream.tcpSettings)?.header);
  if (text(header?.type) !== "http") return undefined;
  const request = obj(header?.request);
  const paths = request?.path;
  const path = Array.isArray(paths) && paths.length > 0 ? text(paths[0]) : undefined;
  const fromResponse = dialect === 3 ? searchHost(obj(obj(header?.response)?.headers)) : "";
  return { path, host: fromResponse || searchHost(request?.headers) };
}

const CORE_DEFAULTS: Record<string, string> = { scMaxEachPostBytes: "1000000", scMinPostsIntervalMs: "30" };

/** 3.6.0 buildXhttpExtra: every bidirectional xhttp setting a client must share with the server. */
function xhttpExtra3(x: JsonObject): JsonObject | undefined {
  const extra: JsonObject = {};
  if (text(x.mode) !== "") extra.mode = text(x.mode);
  Object.assign(extra, paddingExtra(x));
  for (const f of ["uplinkHTTPMethod", "sessionIDPlacement", "sessionIDKey", "sessionIDTable", "sessionIDLength", "seqPlacement", "seqKey", "uplinkDataPlacement", "uplinkDataKey", "scMaxEachPostBytes", "scMinPostsIntervalMs"]) {
    const v = text(x[f]);
    if (v !== "" && v !== CORE_DEFAULTS[f]) extra[f] = v;
  }
  for (const [legacy, renamed] of [["sessionPlacement", "sessionIDPlacement"], ["sessionKey", "sessionIDKey"]] as const) {
    if (!(renamed in extra) && text(x[legacy]) !== "") extra[renamed] = text(x[legacy]);
  }
  if (text(extra.sessionIDPlacement) !== "") extra.sessionPlacement = extra.sessionIDPlacement as string;
  if (text(extra.sessionIDKey) !== "") extra.sessionKey = extra.sessionIDKey as string;
  const chunk = x.uplinkChunkSize;
  if ((typeof chunk === "string" && chunk !== "") || (typeof chunk === "number" && chunk !== 0)) extra.uplinkChunkSize = chunk;
  if (x.noGRPCHeader === true) extra.noGRPCHeader = true;
  for (const f of ["xmux", "downloadSettings"]) {
    const v = x[f];
    if ((Array.isArray(v) && v.length > 0) || (obj(v) && Object.keys(v as JsonObject).length > 0)) extra[f] = v as JsonValue;
  }
  const headers = Object.entries(obj(x.headers) ?? {}).filter(([k]) => k.toLowerCase() !== "host");
  if (headers.length > 0) extra.headers = Object.fromEntries(headers);
  return Object.keys(extra).length > 0 ? extra : undefined;
}

/** The padding settings (both versions): xPaddingBytes, and the obfs mode's own fields when it is on. */
function paddingExtra(x: JsonObject): JsonObject {
  const extra: JsonObject = {};
  if (text(x.xPaddingBytes) !== "") extra.xPaddingBytes = text(x.xPaddingBytes);
  if (x.xPaddingObfsMode === true) {
    extra.xPaddingObfsMode = true;
    for (const f of ["xPaddingKey", "xPaddingHeader", "xPaddingPlacement", "xPaddingMethod"]) if (text(x[f]) !== "") extra[f] = text(x[f]);
  }
  return extra;
}

/** applyShareNetworkParams: the transport's part of a vless/trojan/ss link. */
export function networkParams(stream: JsonObject, network: string, params: Params, dialect: Dialect): void {
  const set = (k: string, v: string) => void params.set(k, v);
  switch (network) {
    case "tcp": {
      const http = tcpHttp(stream, dialect);
      if (!http) break;
      if (http.path !== undefined) set("path", http.path);
      set("host", http.host);
      set("headerType", "http");
      break;
    }
    case "ws":
      pathAndHost(obj(stream.wsSettings), set);
      break;
    case "httpupgrade":
      pathAndHost(obj(stream.httpupgradeSettings), set);
      break;
    case "grpc": {
      const grpc = obj(stream.grpcSettings);
      set("serviceName", text(grpc?.serviceName));
      set("authority", text(grpc?.authority));
      if (grpc?.multiMode === true) set("mode", "multi");
      break;
    }
    case "xhttp": {
      const x = obj(stream.xhttpSettings);
      if (!x) break;
      pathAndHost(x, set);
      if (dialect === 2 || typeof x.mode === "string") set("mode", text(x.mode));
      if (text(x.xPaddingBytes) !== "") set("x_padding_bytes", text(x.xPaddingBytes));
      const extra = dialect === 3 ? xhttpExtra3(x) : paddingExtra(x);
      if (extra && Object.keys(extra).length > 0) set("extra", goMarshal(extra));
      break;
    }
  }
}

/** applyVmessNetworkParams: the same for the vmess JSON object. */
export function vmessNetwork(stream: JsonObject, network: string, o: JsonObject, dialect: Dialect): void {
  o.net = network;
  switch (network) {
    case "tcp": {
      o.type = text(obj(obj(obj(stream.tcpSettings)?.header))?.type);
      const http = tcpHttp(stream, dialect);
      if (!http) break;
      if (http.path !== undefined) o.path = http.path;
      o.host = http.host;
      break;
    }
    case "ws":
      pathAndHost(obj(stream.wsSettings), (k, v) => (o[k] = v));
      break;
    case "httpupgrade":
      pathAndHost(obj(stream.httpupgradeSettings), (k, v) => (o[k] = v));
      break;
    case "grpc": {
      const grpc = obj(stream.grpcSettings);
      o.path = text(grpc?.serviceName);
      o.authority = text(grpc?.authority);
      if (grpc?.multiMode === true) o.type = "multi";
      break;
    }
    case "xhttp": {
      const x = obj(stream.xhttpSettings) ?? {};
      pathAndHost(x, (k, v) => (o[k] = v));
      if (dialect === 2 || typeof x.mode === "string") o.mode = text(x.mode);
      if (text(x.xPaddingBytes) !== "") o.x_padding_bytes = text(x.xPaddingBytes);
      const extra = dialect === 3 ? xhttpExtra3(x) : paddingExtra(x);
      // 2.x copies only the obfs fields onto the object (xPaddingBytes travels as x_padding_bytes).
      if (dialect === 2) delete extra?.xPaddingBytes;
      Object.assign(o, extra);
      break;
    }
  }
}

/** applyShareTLSParams / applyVmessTLSParams: sni, alpn, fingerprint (3.x: also ech, vcn, pcs). */
export function tlsFields(stream: JsonObject, dialect: Dialect, vmess: boolean): Map<string, string> {
  const out = new Map<string, string>();
  const tls = obj(stream.tlsSettings);
  const alpn = strings(tls?.alpn);
  if (alpn.length > 0 || (vmess && Array.isArray(tls?.alpn) && tls.alpn.length > 0)) out.set("alpn", alpn.join(","));
  const sni = searchKey(tls, "serverName");
  if (sni !== undefined) out.set("sni", text(sni));
  if (!tls) return out;
  const settings = searchKey(tls, "settings");
  const fp = searchKey(settings, "fingerprint");
  if (fp !== undefined) out.set("fp", text(fp));
  if (dialect === 3) {
    const ech = text(searchKey(settings, "echConfigList"));
    if (ech !== "") out.set("ech", ech);
    const vcn = text(searchKey(settings, "verifyPeerCertByName")).trim();
    if (vcn !== "") out.set("vcn", vcn);
    const pins = strings(searchKey(settings, "pinnedPeerCertSha256")).filter((p) => p !== "");
    if (pins.length > 0) out.set("pcs", pins.join(","));
  }
  return out;
}

/** applyShareRealityParams; `clientKey` (3.x) is the client's subId, else its email. */
export function realityParams(stream: JsonObject, params: Params, dialect: Dialect, clientKey: string, random: Randomness): void {
  params.set("security", "reality");
  const reality = obj(stream.realitySettings);
  if (!reality) return;
  const settings = searchKey(reality, "settings");
  const pickOne = (v: JsonValue | undefined) => (Array.isArray(v) && v.length > 0 ? text(v[random.index(v.length)]) : undefined);
  const sni = pickOne(searchKey(reality, "serverNames"));
  if (sni !== undefined) params.set("sni", sni);
  const pbk = searchKey(settings, "publicKey");
  if (pbk !== undefined) params.set("pbk", text(pbk));
  const sid = pickOne(searchKey(reality, "shortIds"));
  if (sid !== undefined) params.set("sid", sid);
  const fp = text(searchKey(settings, "fingerprint"));
  if (fp !== "") params.set("fp", fp);
  const pqv = text(searchKey(settings, "mldsa65Verify"));
  if (pqv !== "") params.set("pqv", pqv);
  const seed = text(searchKey(settings, "spiderX"));
  // 3.x derives a stable spiderX per client; 2.x draws a new one each time.
  params.set("spx", dialect === 3 && (seed !== "" || clientKey !== "") ? `/${createHash("sha256").update(`${seed}|${clientKey}`).digest("hex").slice(0, 15)}` : `/${random.seq(15)}`);
}
