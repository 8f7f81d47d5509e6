import { spawnSync } from "node:child_process";
import { chmodSync } from "node:fs";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { fileHash } from "../support/db-inspect.js";
import { repoRoot } from "../support/paths.js";
import { tempDir } from "../support/temp-dir.js";
import { apiTokenRows, buildXui3Db, tablesDigest } from "../support/xui3-fixture.js";
import { buildXuiDb, tempDbPath } from "../support/xui-fixture.js";
import { captureCli } from "../support/cli.js";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function v3(journalMode: "wal" | "delete" = "wal"): string {
  const path = tempDbPath("x-ui-3");
  buildXui3Db(path, { inbounds: [{ id: 1, protocol: "vless" }], clients: [{ email: "alice" }], journalMode });
  return path;
}

function cli(...args: string[]) {
  return captureCli(args, {});
}

describe("xui-admin panel-token", () => {
  it("prints the plaintext alone on stdout, once; the file holds its SHA-256 under the default name", async () => {
    const path = v3();
    const run = await cli("panel-token", "--db", path);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^[0-9a-zA-Z]{48}$/);
    expect(run.err).toMatch(/API token "xui-admin-bot" added to .*stored as its SHA-256.*set XUI_API_TOKEN to it and XUI_PANEL_URL/);
    expect(apiTokenRows(path)).toMatchObject([{ name: "xui-admin-bot", token: sha256(run.out), enabled: 1 }]);
  });

  it("--json gives {name, token}; a second token gets a numeric suffix; --name is trimmed", async () => {
    const path = v3();
    const first = await cli("panel-token", "--db", path, "--json");
    const second = await cli("panel-token", "--db", path, "--json");
    const named = await cli("panel-token", "--db", path, "--json", "--name", "  central bot ");
    const [a, b, c] = [first, second, named].map((r) => JSON.parse(r.out) as { name: string; token: string });
    expect(Object.keys(a ?? {})).toEqual(["name", "token"]);
    expect([a?.name, b?.name, c?.name]).toEqual(["xui-admin-bot", "xui-admin-bot-2", "central bot"]);
    expect(apiTokenRows(path).map((r) => r.token)).toEqual([a, b, c].map((t) => sha256(t?.token ?? "")));
  });

  it("refuses a bad --name with exit code 2, writing nothing", async () => {
    const path = v3();
    const before = tablesDigest(path);
    for (const name of ["   ", "tab\there", "x".repeat(65)]) {
      const run = await cli("panel-token", "--db", path, "--name", name);
      expect(run.code).toBe(2);
      expect(run.err).toMatch(/--name: .*(must not be empty|control characters|longer than 64 bytes)/);
      expect(run.out).toBe("");
    }
    expect(tablesDigest(path)).toBe(before);
  });

  it("refuses a 2.x file: no api_tokens table", async () => {
    const path = tempDbPath();
    buildXuiDb(path, { inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "alice" }] }] });
    const before = fileHash(path);
    const run = await cli("panel-token", "--db", path);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/has no api_tokens table/);
    expect(run.out).toBe("");
    expect(fileHash(path)).toBe(before);
  });

  /** The installed command on a read-only copy of `path`, as a user who may not write it (root writes any file: nobody then). */
  function asOtherUser(path: string, ...args: string[]) {
    chmodSync(dirname(path), 0o755);
    chmodSync(path, 0o444);
    const asOther = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    return spawnSync(process.execPath, ["bin/xui-admin.js", ...args, "--db", path], { cwd: repoRoot, encoding: "utf8", env: { PATH: process.env.PATH }, ...asOther });
  }

  it("refuses a file this user may not write", () => {
    const path = v3("delete");
    const before = fileHash(path);
    const run = asOtherUser(path, "panel-token");
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/refusing to write .*: .* is not writable for this user/);
    expect(run.stdout).toBe("");
    expect(fileHash(path)).toBe(before);
  });

  it("the same check refuses client edits of a 2.x file this user may not write, with the reason", () => {
    const path = tempDbPath();
    buildXuiDb(path, { inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "alice" }] }] });
    const before = fileHash(path);
    const audit = tempDir();
    chmodSync(audit, 0o777); // the audit log opens first: let that user write it
    const run = asOtherUser(path, "block", "alice", "--data", join(audit, "bot.db"));
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/refusing to write .*: .* is not writable for this user/);
    expect(fileHash(path)).toBe(before);
  });
});
