// `xui-admin sub REF [--json]` and GET /api/users/:ref/links: the same subscription URL and
// share links the bot sends, read-only.
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { startTestApi } from "../api/harness.js";
import { fileHash } from "../support/db-inspect.js";
import { addPanelSettings, SUB_FIXTURE, SUB_SETTINGS } from "../support/sub-fixture.js";
import { buildXuiDb, tempDbPath } from "../support/xui-fixture.js";

const LINKS = [
  { inbound: 2, protocol: "trojan", url: "trojan://laptop-pass@cdn1.example.com:8443?fp=chrome&security=tls&sni=sni.example.com&type=tcp#cdn-alice-laptop-CDN" },
  { inbound: 2, protocol: "trojan", url: "trojan://laptop-pass@plain.example.com:80?security=none&type=tcp#cdn-alice-laptop" },
];

async function cli(env: Record<string, string>, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const dataPath = tempDbPath("audit");
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) }, { BOT_DATA_PATH: dataPath, ...env });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("xui-admin sub", () => {
  it("prints the subscription URL and every share link; --json the documented shape; writes nothing", async () => {
    const path = tempDbPath();
    buildXuiDb(path, SUB_FIXTURE);
    addPanelSettings(path, SUB_SETTINGS);
    const hash = fileHash(path);
    const json = await cli({}, "sub", "alice-laptop", "--json", "--db", path);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual({ email: "alice-laptop", subscription: "https://sub.example.com:2096/sub/laptopsub", links: LINKS });
    const text = await cli({}, "sub", "alice-laptop", "--db", path);
    expect(text.out).toBe(["alice-laptop", "subscription: https://sub.example.com:2096/sub/laptopsub", ...LINKS.map((l) => `inbound 2 cdn (trojan): ${l.url}`)].join("\n"));
    expect(fileHash(path)).toBe(hash);
    expect((await cli({}, "sub", "nobody", "--db", path)).code).not.toBe(0);
  });

  it("without subDomain the host is PUBLIC_HOST; without either, the reason", async () => {
    const path = tempDbPath();
    buildXuiDb(path, SUB_FIXTURE);
    const withHost = JSON.parse((await cli({ PUBLIC_HOST: "203.0.113.7" }, "sub", "bob", "--json", "--db", path)).out) as { subscription: string; links: { url: string }[] };
    expect(withHost.subscription).toBe("http://203.0.113.7:2096/sub/bobsub");
    expect(withHost.links[0]?.url).toMatch(/^vless:\/\/22222222-3333-4444-8555-666666666666@203\.0\.113\.7:443\?/);
    expect(JSON.parse((await cli({}, "sub", "bob", "--json", "--db", path)).out)).toEqual({ email: "bob", subscription: null, subscriptionMissing: "no-host", links: [], skipped: [{ inbound: 1, reason: "no-host" }] });
  });
});

describe("GET /api/users/:ref/links", () => {
  it("answers the same JSON as the CLI", async () => {
    const api = await startTestApi(SUB_FIXTURE);
    try {
      addPanelSettings(api.path, SUB_SETTINGS);
      const answer = await api.call("GET", "/api/users/alice-laptop/links");
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({ email: "alice-laptop", subscription: "https://sub.example.com:2096/sub/laptopsub", links: LINKS });
      expect((await api.call("GET", "/api/users/nobody/links")).status).toBe(404);
      expect((await api.call("GET", "/api/users/alice/links", undefined, { token: null })).status).toBe(401);
    } finally {
      await api.stop();
    }
  });
});
