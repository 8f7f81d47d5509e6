// xui-admin's rough edges (issue 13) on real files: check grouped, list and inbounds readable.
import { describe, expect, it } from "vitest";
import { buildXuiDb, copyRealFixture, tempDbPath } from "../support/xui-fixture.js";
import { captureCli } from "../support/cli.js";

const DAY = 86_400_000;
const dataPath = tempDbPath("audit");

function cli(...args: string[]) {
  return captureCli(args, { BOT_DATA_PATH: dataPath, BACKUP_DIR: `${dataPath}.backups` });
}

describe("xui-admin check", () => {
  it("groups a real file's findings by kind with counts, shows the first five, says what repairs them; --full lists all", async () => {
    const path = copyRealFixture("Takoyek_Tel_To_Pannel.db");
    const short = await cli("check", "--db", path);
    expect(short.code).toBe(1);
    const lines = short.out.split("\n");
    expect(lines[0]).toMatch(/^x-ui-legacy: 15 inbounds, 482 clients, 482 client_traffics rows$/);
    const total = Number(/^(\d+) findings:$/m.exec(short.out)?.[1]);
    const group = /^ {2}bad-type: (\d+) \(`xui-admin sync` rewrites each value as the panel writes it\)$/m.exec(short.out);
    expect(Number(group?.[1])).toBeGreaterThan(5);
    expect(short.out).toContain(`    … and ${Number(group?.[1]) - 5} more (--full lists all)`);
    expect(lines.length).toBeLessThan(40);
    const full = await cli("check", "--full", "--db", path);
    expect(full.out.split("\n").filter((l) => l.startsWith("    ") && !l.startsWith("    …"))).toHaveLength(total);
    const json = JSON.parse((await cli("check", "--json", "--db", path)).out) as { findings: unknown[] };
    expect(json.findings).toHaveLength(total);
  });

  it("reports a wrongly typed expiryTime once, and names the row a duplicate row repeats", async () => {
    const path = tempDbPath();
    buildXuiDb(path, {
      inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "alice", expiryTime: 0, jsonOverrides: { expiryTime: "" } }, { email: "bob" }] }],
      orphanRows: [{ email: "BOB", inboundId: 1 }],
    });
    const { out } = await cli("check", "--full", "--db", path);
    expect(out.match(/alice/g)).toHaveLength(1);
    expect(out).toContain('    alice: expiryTime is "", not an integer');
    expect(out).toMatch(/ {4}client_traffics row \d+: BOB duplicates row \d+'s email bob but for case/);
    expect(out).toMatch(/ {2}duplicate-email: 1 \(sync leaves these to you/);
  });
});

describe("xui-admin list and inbounds", () => {
  it("list has a header and units; inbounds escapes a remark's newline, and says when there are none", async () => {
    const path = tempDbPath();
    buildXuiDb(path, {
      inbounds: [{ id: 1, protocol: "vless", remark: "two\nlines", port: 443, clients: [{ email: "alice", totalBytes: 2 ** 31, expiryTime: Date.now() + 5 * DAY }] }],
    });
    const list = (await cli("list", "--db", path)).out.split("\n");
    expect(list[0]).toBe("EMAIL\tINBOUNDS\tSTATUS\tUSED / LIMIT\tEXPIRY");
    expect(list[1]).toMatch(/^alice\t#1\tactive\t0 GB \/ 2 GB\t.* UTC([+-][\d:]+)? \(5 days left\)$/);
    expect(list[2]).toBe("1 client");
    const inbounds = (await cli("inbounds", "--db", path)).out.split("\n");
    expect(inbounds).toEqual(["ID\tPROTOCOL\tPORT\tSTATE\tREMARK\tCLIENTS", "#1\tvless\t:443\ton\ttwo\\nlines\t1 client"]);
    const empty = tempDbPath();
    buildXuiDb(empty, { inbounds: [] });
    const none = await cli("inbounds", "--db", empty);
    expect([none.code, none.out]).toEqual([0, `no inbounds in ${empty}`]);
  });

  it("limit --gb with a negative number says negative, even with a comma", async () => {
    const path = tempDbPath();
    buildXuiDb(path, { inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "alice" }] }] });
    for (const gb of ["-1", "-1,000", "-1,5"]) {
      const r = await cli("limit", "--gb", gb, "--db", path, "alice");
      expect([r.code, r.err]).toEqual([2, `xui-admin: --gb: ${JSON.stringify(gb)} must not be negative`]);
    }
  });

  it("an expiry set by date reads back as that date", async () => {
    const path = tempDbPath();
    buildXuiDb(path, { inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "carol", expiryTime: Date.now() + DAY }] }] });
    const r = await cli("expiry", "--date", "2030-01-31", "--db", path, "carol");
    expect(r.out).toMatch(/expiry: .* -> through 2030-01-31 \(\d+ days left\)/);
  });
});
