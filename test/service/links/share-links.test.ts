// Each link builder against the string 3x-ui builds for the same inbound: expected values
// worked out from sub/subService.go (2.9.4) and internal/sub/service.go (3.6.0).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PanelSettings, type Dialect } from "../../../src/service/links/panel-settings.js";
import { shareLinks, type LinkContext } from "../../../src/service/links/share-links.js";
import type { Randomness } from "../../../src/service/links/stream-params.js";
import { subscriptionOf } from "../../../src/service/links/subscription-url.js";
import type { JsonObject } from "../../../src/xui/panel-json.js";
import type { ShareInbound } from "../../../src/xui/share-source.js";
import { repoRoot } from "../../support/paths.js";

const STREAMS = JSON.parse(readFileSync(join(repoRoot, "test/fixtures/links/streams.json"), "utf8")) as Record<string, JsonObject>;
const ID = "11111111-2222-4333-8444-555555555555";
/** The first server name and short ID; "abcdefghijklmno" where 2.x draws a spiderX. */
const FIRST: Randomness = { index: () => 0, seq: (n) => "abcdefghijklmnopqrstuvwxyz".slice(0, n) };

function ctx(dialect: Dialect, rows: Record<string, string> = { subDomain: "sub.example.com" }, requestHost = "request.example.com"): LinkContext {
  return { dialect, settings: new PanelSettings(new Map(Object.entries(rows))), requestHost, random: FIRST };
}

function inbound(protocol: string, stream: string, client: JsonObject, extra: Partial<ShareInbound> = {}): ShareInbound {
  const settings: JsonObject = protocol === "vless" ? { decryption: "none", encryption: "none" } : {};
  return { id: 1, remark: "nl", protocol, port: 443, listen: "", enable: true, stream: STREAMS[stream] as JsonObject, settings, client, shareAddrStrategy: "", shareAddr: "", ...extra };
}

const alice = { id: ID, email: "alice", subId: "subAlice", flow: "xtls-rprx-vision" };
const urls = (i: ShareInbound, email: string, c: LinkContext) => shareLinks(i, email, c).map((l) => l.url);

describe("vless", () => {
  it("REALITY: pbk, sid, sni, fp, flow; spiderX derived per client on 3.x, drawn on 2.x", () => {
    const i = inbound("vless", "reality", alice);
    const query = "encryption=none&flow=xtls-rprx-vision&fp=firefox&pbk=PBKvalue&security=reality&sid=ab12cd&sni=reality.example.com";
    // /c252fbc3ecd3e3c: the panel's own cross-language vector for deriveSpiderX("/seed", "subAlice").
    expect(urls(i, "alice", ctx(3))).toEqual([`vless://${ID}@sub.example.com:443?${query}&spx=%2Fc252fbc3ecd3e3c&type=tcp#nl-alice`]);
    expect(urls(i, "alice", ctx(2))).toEqual([`vless://${ID}@sub.example.com:443?${query}&spx=%2Fabcdefghijklmno&type=tcp#nl-alice`]);
  });

  it("TLS over WebSocket: sni, alpn, fp, path, the Host header; no flow off TCP; a space in the name", () => {
    const i = inbound("vless", "tls-ws", alice, { remark: "NL 1" });
    const expected = `vless://${ID}@sub.example.com:443?alpn=h2%2Chttp%2F1.1&encryption=none&fp=chrome&host=cdn.example.com&path=%2Fws+path&security=tls&sni=sni.example.com&type=ws#NL%201-alice`;
    expect(urls(i, "alice", ctx(2))).toEqual([expected]);
    expect(urls(i, "alice", ctx(3))).toEqual([expected]);
  });

  it("xhttp: path, host, mode, padding; 3.x packs the bidirectional settings into extra (core defaults left out)", () => {
    const i = inbound("vless", "xhttp", alice);
    const head = `vless://${ID}@sub.example.com:443?encryption=none&extra=`;
    const tail = "&host=x.example.com&mode=packet-up&path=%2Fx&security=none&type=xhttp&x_padding_bytes=100-1000#nl-alice";
    expect(urls(i, "alice", ctx(3))).toEqual([`${head}%7B%22mode%22%3A%22packet-up%22%2C%22xPaddingBytes%22%3A%22100-1000%22%7D${tail}`]);
    expect(urls(i, "alice", ctx(2))).toEqual([`${head}%7B%22xPaddingBytes%22%3A%22100-1000%22%7D${tail}`]);
  });

  it("external proxies (2.x): one link each, with its host, port, TLS choice and name", () => {
    const i = inbound("vless", "external-proxy", alice);
    expect(urls(i, "alice", ctx(2))).toEqual([
      `vless://${ID}@cdn1.example.com:8443?encryption=none&flow=xtls-rprx-vision&fp=chrome&security=tls&sni=sni.example.com&type=tcp#nl-alice-CDN`,
      `vless://${ID}@plain.example.com:80?encryption=none&flow=xtls-rprx-vision&security=none&type=tcp#nl-alice`,
    ]);
  });
});

describe("vmess", () => {
  it("gRPC multi mode: base64 of the indented JSON, keys sorted; 3.x turns scy none into auto", () => {
    const i = inbound("vmess", "grpc", { id: "vm-id", security: "none", email: "bob" });
    const json = (scy: string) =>
      `{\n  "add": "sub.example.com",\n  "authority": "",\n  "id": "vm-id",\n  "net": "grpc",\n  "path": "svc",\n  "port": 443,\n  "ps": "nl-bob",\n  "scy": "${scy}",\n  "tls": "none",\n  "type": "multi",\n  "v": "2"\n}`;
    expect(urls(i, "bob", ctx(3))).toEqual([`vmess://${Buffer.from(json("auto")).toString("base64")}`]);
    expect(urls(i, "bob", ctx(2))).toEqual([`vmess://${Buffer.from(json("none")).toString("base64")}`]);
  });

  it("TLS over WebSocket: sni, alpn and fp in the object", () => {
    const [url] = urls(inbound("vmess", "tls-ws", { id: "vm-id", security: "auto", email: "bob" }), "bob", ctx(2));
    expect(JSON.parse(Buffer.from((url as string).slice("vmess://".length), "base64").toString())).toEqual({
      add: "sub.example.com", alpn: "h2,http/1.1", fp: "chrome", host: "cdn.example.com", id: "vm-id", net: "ws", path: "/ws path", port: 443, ps: "nl-bob", scy: "auto", sni: "sni.example.com", tls: "tls", type: "none", v: "2",
    });
  });
});

describe("trojan", () => {
  it("httpupgrade; the password escaped as each version does (3.x: encodeURIComponent)", () => {
    const i = inbound("trojan", "httpupgrade", { password: "pa/ss=word+1", email: "carol" });
    const query = "host=up.example.com&path=%2Fup&security=none&type=httpupgrade#nl-carol";
    expect(urls(i, "carol", ctx(3))).toEqual([`trojan://pa%2Fss%3Dword%2B1@sub.example.com:443?${query}`]);
    expect(urls(i, "carol", ctx(2))).toEqual([`trojan://pa%2Fss=word+1@sub.example.com:443?${query}`]);
  });
});

describe("shadowsocks", () => {
  it("TCP with an HTTP disguise: 2.x keeps xray's params, 3.x writes a SIP002 obfs-local plugin and base64url", () => {
    const i = inbound("shadowsocks", "tcp-http", { password: "secret", email: "dave" }, { settings: { method: "chacha20-ietf-poly1305", password: "" } });
    const user = "chacha20-ietf-poly1305:secret";
    expect(urls(i, "dave", ctx(2))).toEqual([`ss://${Buffer.from(user).toString("base64")}@sub.example.com:443?headerType=http&host=h.example.com&path=%2Findex&type=tcp#nl-dave`]);
    expect(urls(i, "dave", ctx(3))).toEqual([`ss://${Buffer.from(user).toString("base64url")}@sub.example.com:443?plugin=obfs-local%3Bobfs%3Dhttp%3Bobfs-host%3Dh.example.com#nl-dave`]);
  });

  it("2022-blake3: the server and client keys; percent-encoded on 3.x, base64 on 2.x", () => {
    const plain = { ...(STREAMS["grpc"] as JsonObject), network: "tcp", security: "none" };
    STREAMS["plain"] = plain;
    const i = inbound("shadowsocks", "plain", { password: "Y2xpZW50", email: "erin" }, { settings: { method: "2022-blake3-aes-128-gcm", password: "c2VydmVy+/==" } });
    expect(urls(i, "erin", ctx(3))).toEqual(["ss://2022-blake3-aes-128-gcm:c2VydmVy%2B%2F%3D%3D:Y2xpZW50@sub.example.com:443?type=tcp#nl-erin"]);
    expect(urls(i, "erin", ctx(2))).toEqual([`ss://${Buffer.from("2022-blake3-aes-128-gcm:c2VydmVy+/==:Y2xpZW50").toString("base64")}@sub.example.com:443?type=tcp#nl-erin`]);
  });
});

describe("the host of a share link", () => {
  const host = (c: LinkContext, extra: Partial<ShareInbound> = {}) => new URL((urls(inbound("vless", "grpc", alice, extra), "alice", c)[0] as string).replace("vless:", "http:")).host;

  it("a specific listen address wins; a wildcard or loopback one is never shown", () => {
    expect(host(ctx(2), { listen: "203.0.113.1" })).toBe("203.0.113.1:443");
    expect(host(ctx(3), { listen: "203.0.113.1" })).toBe("203.0.113.1:443");
    expect(host(ctx(2), { listen: "0.0.0.0" })).toBe("sub.example.com:443");
    expect(host(ctx(3), { listen: "127.0.0.1" })).toBe("sub.example.com:443");
  });

  it("without subDomain: the request's host (PUBLIC_HOST); 3.x tries webDomain first, and a custom share address before all", () => {
    expect(host(ctx(2, {}))).toBe("request.example.com:443");
    expect(host(ctx(3, { webDomain: "panel.example.com" }))).toBe("panel.example.com:443");
    expect(host(ctx(3, {}), { shareAddrStrategy: "custom", shareAddr: " edge.example.com ", listen: "203.0.113.1" })).toBe("edge.example.com:443");
    expect(host(ctx(3, {}), { listen: "2001:db8::1" })).toBe("[2001:db8::1]:443");
  });
});

describe("the subscription URL", () => {
  const sub = (dialect: Dialect, rows: Record<string, string>, publicHost?: string) => subscriptionOf(new PanelSettings(new Map(Object.entries(rows))), "SUBID", dialect, publicHost);

  it("subDomain with the default port and path; https when a certificate and key are set (2.x always writes the port)", () => {
    expect(sub(2, { subDomain: "sub.example.com" }).url).toBe("http://sub.example.com:2096/sub/SUBID");
    const tls = { subDomain: "sub.example.com", subPort: "443", subCertFile: "/c.pem", subKeyFile: "/k.pem", subPath: "/s" };
    expect(sub(2, tls).url).toBe("https://sub.example.com:443/s/SUBID");
    expect(sub(3, tls).url).toBe("https://sub.example.com/s/SUBID");
  });

  it("a configured subURI is used as it is; 3.x also takes the JSON URL's host from it", () => {
    const rows = { subDomain: "sub.example.com", subURI: "https://proxy.example.com/s/", subJsonEnable: "true" };
    expect(sub(3, rows)).toEqual({ enabled: true, url: "https://proxy.example.com/s/SUBID", jsonUrl: "https://proxy.example.com/json/SUBID" });
    expect(sub(2, rows)).toEqual({ enabled: true, url: "https://proxy.example.com/s/SUBID", jsonUrl: "http://sub.example.com:2096/json/SUBID" });
  });

  it("no settings rows: the panel's defaults with PUBLIC_HOST as the request's host (the panel's own test vector)", () => {
    expect(sub(3, {}, "sub.example.com").url).toBe("http://sub.example.com:2096/sub/SUBID");
    expect(sub(2, {})).toEqual({ enabled: true, url: null, jsonUrl: null, missing: "no-host" });
  });

  it("subEnable false: no subscription server", () => {
    expect(sub(2, { subEnable: "false", subDomain: "sub.example.com" })).toEqual({ enabled: false, url: null, jsonUrl: null, missing: "disabled" });
  });
});
