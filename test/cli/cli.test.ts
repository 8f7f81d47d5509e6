import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { basename } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { fileHash, jsonClient, rawRow } from "../support/db-inspect.js";
import { repoRoot } from "../support/paths.js";
import { buildXuiDb, copyRealFixture, tempDbPath } from "../support/xui-fixture.js";
import { captureCli } from "../support/cli.js";

const DAY = 86_400_000;

function db() {
  const path = tempDbPath();
  buildXuiDb(path, {
    inbounds: [
      { id: 1, protocol: "vless", clients: [{ email: "alice", expiryTime: Date.now() + 5 * DAY }, { email: "bob", expiryTime: Date.now() + 5 * DAY }] },
      { id: 2, protocol: "vmess", clients: [{ email: "carol" }] },
    ],
  });
  return path;
}

const dataPath = tempDbPath("audit");

function cli(...args: string[]) {
  return captureCli(args, { BOT_DATA_PATH: dataPath, BACKUP_DIR: `${dataPath}.backups` });
}

describe("xui-admin", () => {
  it("extend prints a before/after diff, and --json the documented shape", async () => {
    const path = db();
    const before = rawRow(path, "alice")?.expiry_time as number;
    const text = await cli("extend", "--days", "30", "--db", path, "alice");
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/alice \(inbound 1\)\n {2}expiry: .* -> .*35 days left/);
    const json = await cli("extend", "--days", "1", "--db", path, "--json", "alice", "bob");
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.out) as { changed: { email: string; before: { expiryTime: number }; after: { expiryTime: number } }[] };
    expect(parsed.changed.map((c) => c.email)).toEqual(["alice", "bob"]);
    expect(parsed.changed[0]?.before.expiryTime).toBe(before + 30 * DAY);
    expect(parsed.changed[0]?.after.expiryTime).toBe(before + 31 * DAY);
  });

  it("sums up many unchanged clients by their reason", async () => {
    const path = tempDbPath();
    const clients = Array.from({ length: 25 }, (_, i) => ({ email: `n${i}`, expiryTime: 0 }));
    buildXuiDb(path, { inbounds: [{ id: 1, protocol: "vless", clients: [...clients, { email: "dated", expiryTime: Date.now() + DAY }] }] });
    const { code, out } = await cli("extend", "--days", "7", "--all", "--db", path);
    expect(code).toBe(0);
    expect(out).toMatch(/^extend: changed 1 client, 25 unchanged\ndated \(inbound 1\)/);
    expect(out).toContain("unchanged, never expires: nothing to extend: 25");
    expect(out).not.toContain("unchanged, unchanged");
    // 26 clients is over BACKUP_THRESHOLD: the backup went where this run's BACKUP_DIR says.
    expect(readdirSync(`${dataPath}.backups`).some((f) => f.startsWith(basename(path, ".db")))).toBe(true);
  });

  it("lists the first 20 of a big change and counts the rest; --full lists every client", async () => {
    const path = tempDbPath();
    const clients = Array.from({ length: 60 }, (_, i) => ({ email: `c${i}`, expiryTime: Date.now() + (i + 1) * DAY }));
    buildXuiDb(path, { inbounds: [{ id: 1, protocol: "vless", clients }] });
    const short = await cli("extend", "--days", "7", "--all", "--db", path);
    expect(short.code).toBe(0);
    expect(short.out.match(/^c\d+ \(inbound 1\)$/gm)).toHaveLength(20);
    expect(short.out).toContain("… and 40 more (--full lists every client)");
    const full = await cli("extend", "--days", "7", "--all", "--full", "--db", path);
    expect(full.out.match(/^c\d+ \(inbound 1\)$/gm)).toHaveLength(60);
    expect(full.out).not.toContain("more");
  });

  it("a dry run writes nothing: neither x-ui.db nor the audit log", async () => {
    const path = db();
    const hash = fileHash(path);
    const data = `${tempDbPath()}-audit.db`;
    const r = await runCli(["extend", "--days", "3", "--dry-run", "--db", path, "alice"], { out: () => undefined, err: () => undefined }, { BOT_DATA_PATH: data });
    expect(r).toBe(0);
    expect(fileHash(path)).toBe(hash);
    expect(existsSync(data)).toBe(false);
  });

  it("exits 2 with the bad input named on stderr, and writes nothing", async () => {
    const path = db();
    const hash = fileHash(path);
    const cases: [string[], RegExp][] = [
      [["extend", "--days", "0", "alice"], /--days: "0" must not be 0/],
      [["extend", "--days", "-40000", "alice"], /--days: "-40000" must be between -36500 and 36500/],
      [["extend", "--days", "abc", "alice"], /--days: "abc" is not a whole number/],
      [["extend", "--days", "3", "alice", "ghost"], /unknown client: ghost/],
      [["limit", "--gb", "1,2.3", "alice"], /--gb: "1,2.3" is not a number/],
      [["expiry", "--date", "2027-02-30", "alice"], /not a valid calendar date/],
      [["expiry", "alice"], /exactly one of --date/],
      [["block"], /name the clients/],
      [["frobnicate"], /unknown command "frobnicate"/],
      [["create", "--inbound", "1", "--email", "ALICE"], /email already in use: ALICE/],
      [["extend", "--days", "1", "--bogus", "alice"], /Unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args, "--db", path);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toMatch(message);
    }
    const err: string[] = [];
    const keepNone = await runCli(["extend", "--days", "1", "--db", path, "alice"], { out: () => undefined, err: (t) => err.push(t) }, { BOT_DATA_PATH: dataPath, BACKUP_KEEP: "0" });
    expect(keepNone).toBe(2);
    expect(err.join("\n")).toMatch(/BACKUP_KEEP: "0" must be at least 1/);
    expect(fileHash(path)).toBe(hash);
  });

  it("check exits 1 on drift and 0 once sync fixed it", async () => {
    const path = tempDbPath();
    buildXuiDb(path, { inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "a", tgId: "" }, { email: "b", noTrafficRow: true }] }] });
    expect((await cli("check", "--db", path)).code).toBe(1);
    const sync = await cli("sync", "--db", path, "--json");
    expect(sync.code).toBe(0);
    expect(JSON.parse(sync.out)).toMatchObject({ actions: expect.arrayContaining([expect.objectContaining({ kind: "insert-row", email: "b" })]) });
    const check = await cli("check", "--db", path, "--json");
    expect(check.code).toBe(0);
    expect(JSON.parse(check.out)).toMatchObject({ findings: [] });
  });

  it("create, show, find, list, block, unblock, reset work end to end", async () => {
    const path = db();
    const created = await cli("create", "--inbound", "2", "--email", "dave", "--days", "10", "--gb", "50", "--tg-id", "777", "--db", path);
    expect(created.code).toBe(0);
    expect(jsonClient(path, "dave")?.client).toMatchObject({ tgId: 777, totalGB: 50 * 2 ** 30 });
    expect((await cli("show", "dave", "--db", path)).out).toMatch(/used: +0 GB of 50 GB/);
    expect((await cli("find", "DAV", "--db", path)).out).toMatch(/^dave\t#2/);
    expect((await cli("block", "--inbound", "1", "--db", path)).code).toBe(0);
    expect((await cli("list", "--filter", "disabled", "--db", path)).out).toMatch(/\n2 clients$/);
    expect((await cli("unblock", "--all", "--db", path)).code).toBe(0);
    expect((await cli("reset", "--limit-gb", "10", "carol", "--db", path)).out).toMatch(/limit: unlimited -> 10 GB/);
    expect((await cli("check", "--db", path)).code).toBe(0);
  });

  it("refuses to write a 3x-ui 3.x file and says how to connect to its panel", async () => {
    const path = copyRealFixture("ivansalou288-tech_vpn_bot.db");
    const r = await cli("block", "--all", "--db", path);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/only through the panel's HTTP API, which is not configured: run `xui-admin panel-token` on this server .* XUI_PANEL_URL .* XUI_API_TOKEN$/);
    const unknown = await cli("check", "--db", copyRealFixture("wejudging_x-ui.db"));
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/no `client_traffics` table/);
  });

  it("history lists recorded changes and undo reverts one", async () => {
    const path = db();
    const before = rawRow(path, "alice")?.expiry_time as number;
    await cli("extend", "--days", "3", "--db", path, "alice");
    const history = await cli("history", "--json", "--db", path);
    const [latest] = JSON.parse(history.out) as { id: number; actor: string; operation: string }[];
    expect(latest).toMatchObject({ actor: "cli", operation: "extend" });
    expect((await cli("history", "--db", path)).out).toMatch(new RegExp(`^#${latest?.id}\t.*\tcli\textend\talice`));
    const undo = await cli("undo", String(latest?.id), "--db", path);
    expect(undo.code).toBe(0);
    expect(rawRow(path, "alice")?.expiry_time).toBe(before);
    const again = await cli("undo", String(latest?.id), "--db", path);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already undone/);
    expect((await cli("undo", "99999", "--db", path)).err).toMatch(/no change #99999/);
    // History needs only the audit log: the panel's database may be gone (or elsewhere).
    const without = await cli("history", "--json", "--db", `${path}.missing`);
    expect(without.code).toBe(0);
    expect((JSON.parse(without.out) as { database?: { path: string } }[])[0]?.database?.path).toBe(path);
  });

  it("undo refuses an entry of another database", async () => {
    const first = db();
    await cli("block", "--db", first, "carol");
    const [entry] = JSON.parse((await cli("history", "--json", "--db", first)).out) as { id: number }[];
    const other = tempDbPath();
    buildXuiDb(other, { inbounds: [{ id: 7, protocol: "vless", remark: "elsewhere", clients: [{ email: "carol" }] }] });
    const r = await cli("undo", String(entry?.id), "--db", other);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`change #${entry?.id} was made on another database \\(${first}\\)`));
    expect(rawRow(other, "carol")?.enable).toBe(1);
  });

  it("backup writes an online copy to --out FILE, or into a folder", async () => {
    const path = db();
    const file = tempDbPath("copy");
    const r = await cli("backup", "--out", file, "--db", path, "--json");
    expect(JSON.parse(r.out)).toEqual({ backup: file });
    expect(rawRow(file, "alice")).toEqual(rawRow(path, "alice"));
    const folder = `${tempDbPath("dir")}/`;
    const into = await cli("backup", "--out", folder, "--db", path);
    expect(into.out).toMatch(new RegExp(`^backup: ${folder}x-ui-.*\\.db$`));
  });

  it("runs as the installed bin", () => {
    const path = db();
    const run = spawnSync(process.execPath, ["bin/xui-admin.js", "block", "bob", "--db", path, "--data", dataPath], { cwd: repoRoot, encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/bob \(inbound 1\)\n {2}enabled: yes -> no \(blocked\)/);
    expect(rawRow(path, "bob")?.enable).toBe(0);
    const help = spawnSync(process.execPath, ["bin/xui-admin.js", "--help"], { cwd: repoRoot, encoding: "utf8" });
    expect(help.stdout).toMatch(/Exit codes: 0 success, 1 check found drift, 2 bad input/);
  });
});
