// xui-admin delete, edit, create with every option and negative days, on real files.
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { fileHash, ipsRow, jsonClient, rawRow, clientTables } from "../support/db-inspect.js";
import { buildXuiDb, tempDbPath } from "../support/xui-fixture.js";
import { captureCli } from "../support/cli.js";

const DAY = 86_400_000;
const dataPath = tempDbPath("audit");

function db() {
  const path = tempDbPath();
  buildXuiDb(path, {
    inbounds: [
      {
        id: 1,
        protocol: "vless",
        streamSettings: { network: "tcp", security: "reality" },
        clients: [
          { email: "alice", expiryTime: Date.now() + 5 * DAY, ips: "[]", jsonOverrides: { flow: "xtls-rprx-vision" } },
          { email: "bob", expiryTime: Date.now() + 5 * DAY, tgId: 55 },
        ],
      },
      { id: 2, protocol: "vmess", clients: [{ email: "carol" }] },
    ],
  });
  return path;
}

function cli(...args: string[]) {
  return captureCli(args, { BOT_DATA_PATH: dataPath, BACKUP_DIR: `${dataPath}.backups` });
}

const lastEntry = async (path: string) => (JSON.parse((await cli("history", "--json", "--db", path)).out) as { id: number; operation: string }[])[0];

describe("xui-admin delete", () => {
  it("deletes after a backup, says where it is, and undo puts the client back exactly", async () => {
    const path = db();
    const before = clientTables(path);
    const r = await cli("delete", "alice", "--db", path);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^delete: changed 1 client, 0 unchanged\nalice \(inbound 1\)\n {2}note: deleted\nbackup taken first: .*x-ui-.*\.db/);
    expect(jsonClient(path, "alice")).toBeUndefined();
    expect(rawRow(path, "alice")).toBeUndefined();
    expect(ipsRow(path, "alice")).toBeUndefined();
    const entry = await lastEntry(path);
    expect(entry?.operation).toBe("delete");
    expect((await cli("undo", String(entry?.id), "--db", path)).code).toBe(0);
    expect(clientTables(path)).toEqual(before);
  });

  it("--keep-traffic keeps the row; --dry-run writes nothing; --all is refused", async () => {
    const path = db();
    const hash = fileHash(path);
    expect((await cli("delete", "alice", "--dry-run", "--db", path)).out).toMatch(/would change 1/);
    expect((await cli("delete", "--all", "--db", path)).err).toMatch(/delete takes the clients by name/);
    expect(fileHash(path)).toBe(hash);
    expect((await cli("delete", "alice", "--keep-traffic", "--db", path)).code).toBe(0);
    expect(rawRow(path, "alice")).toBeDefined();
    expect(jsonClient(path, "alice")).toBeUndefined();
  });
});

describe("xui-admin edit", () => {
  it("changes each field it is given and prints before and after", async () => {
    const path = db();
    const r = await cli("edit", "bob", "--no-tg-id", "--limit-ip", "2", "--comment", "hi", "--flow", "xtls-rprx-vision", "--reset-days", "30", "--start-on-first-use", "7", "--db", path);
    expect(r.code).toBe(0);
    expect(r.out).toContain("auto-renew: off -> every 30 days");
    expect(r.out).toContain("tgId: 55 -> 0");
    expect(r.out).toContain('comment: "" -> "hi"');
    expect(r.out).toContain('flow: "" -> "xtls-rprx-vision"');
    expect(jsonClient(path, "bob")?.client).toMatchObject({ tgId: 0, limitIp: 2, comment: "hi", flow: "xtls-rprx-vision", reset: 30, expiryTime: -7 * DAY });
    expect(rawRow(path, "bob")).toMatchObject({ reset: 30, expiry_time: -7 * DAY });
    const renamed = await cli("edit", "bob", "--email", "robert", "--db", path, "--json");
    expect(JSON.parse(renamed.out)).toMatchObject({ operation: "edit", changed: [{ email: "bob", fields: { email: { before: "bob", after: "robert" } } }] });
    expect(rawRow(path, "robert")).toBeDefined();
    const entry = await lastEntry(path);
    expect((await cli("undo", String(entry?.id), "--db", path)).code).toBe(0);
    expect(rawRow(path, "bob")).toBeDefined();
  });

  it("refuses what it cannot do, naming why, and writes nothing", async () => {
    const path = db();
    const hash = fileHash(path);
    const cases: [string[], RegExp][] = [
      [["edit", "alice"], /edit needs at least one of/],
      [["edit", "alice", "bob", "--limit-ip", "1"], /edit takes exactly one REF/],
      [["edit", "alice", "--tg-id", "5", "--no-tg-id"], /choose one of --tg-id N and --no-tg-id/],
      [["edit", "alice", "--email", "CAROL"], /email already in use: CAROL/],
      [["edit", "carol", "--flow", "xtls-rprx-vision"], /flow is for VLESS only/],
      [["edit", "alice", "--flow", "fast"], /--flow: "fast" is not a flow/],
      [["edit", "alice", "--limit-ip", "-1"], /--limit-ip: "-1" is not a whole number/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args, "--db", path);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toMatch(message);
    }
    expect(fileHash(path)).toBe(hash);
  });
});

describe("xui-admin create and extend", () => {
  it("create takes a flow and a delayed start, and defaults the flow to the inbound's", async () => {
    const path = db();
    expect((await cli("create", "--inbound", "1", "--email", "d1", "--db", path)).code).toBe(0);
    expect(jsonClient(path, "d1")?.client.flow).toBe("xtls-rprx-vision");
    expect((await cli("create", "--inbound", "1", "--email", "d2", "--flow", "none", "--start-on-first-use", "30", "--limit-ip", "1", "--db", path)).code).toBe(0);
    expect(jsonClient(path, "d2")?.client).toMatchObject({ flow: "", expiryTime: -30 * DAY, limitIp: 1 });
    expect((await cli("create", "--inbound", "1", "--email", "d3", "--days", "3", "--start-on-first-use", "3", "--db", path)).err).toMatch(/choose one of --days/);
  });

  it("extend --days -3 takes three days away", async () => {
    const path = db();
    const before = rawRow(path, "alice")?.expiry_time as number;
    const r = await cli("extend", "--days", "-3", "alice", "--db", path);
    expect(r.code).toBe(0);
    expect(rawRow(path, "alice")?.expiry_time).toBe(before - 3 * DAY);
    const gone = await cli("extend", "--days", "-30", "alice", "--db", path);
    expect(gone.out).toMatch(/note: now expired/);
  });
});

describe("xui-admin operations with --filter", () => {
  function filtered() {
    const path = tempDbPath();
    buildXuiDb(path, {
      inbounds: [
        {
          id: 1,
          protocol: "vless",
          clients: [
            { email: "old1", expiryTime: Date.now() - 3 * DAY, active: false },
            { email: "old2", expiryTime: Date.now() - DAY, active: false },
            { email: "fine", expiryTime: Date.now() + 30 * DAY },
          ],
        },
      ],
    });
    return path;
  }

  /** xui-admin with a terminal that answers `answer` and records the question. */
  async function asked(answer: boolean, ...args: string[]) {
    const out: string[] = [];
    const questions: string[] = [];
    const io = { out: (t: string) => out.push(t), err: () => undefined, confirm: (q: string) => (questions.push(q), Promise.resolve(answer)) };
    const code = await runCli(args, io, { BOT_DATA_PATH: dataPath, BACKUP_DIR: `${dataPath}.backups` });
    return { code, out: out.join("\n"), questions };
  }

  it("shows what will change and asks first; only a yes applies it", async () => {
    const path = filtered();
    const hash = fileHash(path);
    const no = await asked(false, "block", "--filter", "expired", "--db", path);
    expect(no.code).toBe(2);
    expect(no.out).toMatch(/^block: would change 2 clients, 0 unchanged\nold1 \(inbound 1\)/);
    expect(no.questions).toEqual(["Apply block to these 2 clients? [y/N] "]);
    expect(fileHash(path)).toBe(hash);
    const yes = await asked(true, "block", "--filter", "expired", "--db", path);
    expect(yes.code).toBe(0);
    expect([rawRow(path, "old1")?.enable, jsonClient(path, "old2")?.client.enable, jsonClient(path, "fine")?.client.enable]).toEqual([0, false, true]);
  });

  it("without a terminal needs --yes; --dry-run never asks", async () => {
    const path = filtered();
    const hash = fileHash(path);
    const refused = await cli("delete", "--filter", "expired", "--db", path);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/--filter: no terminal to ask for confirmation: look with --dry-run, then run it again with --yes/);
    expect((await cli("extend", "--days", "5", "--filter", "expired", "--dry-run", "--db", path)).out).toMatch(/would change 2/);
    expect(fileHash(path)).toBe(hash);
    const done = await cli("delete", "--filter", "expired", "--yes", "--db", path);
    expect(done.code).toBe(0);
    expect([jsonClient(path, "old1"), jsonClient(path, "old2")]).toEqual([undefined, undefined]);
    expect(jsonClient(path, "fine")).toBeDefined();
  });

  it("explains a bad filter in the command line's own syntax", async () => {
    const path = filtered();
    expect((await cli("block", "--filter", "soon", "--db", path)).err).toMatch(/--filter: unknown filter "soon": use all, expiring\[:DAYS\], expired, depleted, disabled or inbound:ID/);
    expect((await cli("block", "--filter", "expired", "alice", "--db", path)).err).toMatch(/choose one of REF\.\.\., --inbound ID, --all and --filter F/);
  });
});
