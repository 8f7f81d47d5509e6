import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { blankState } from "../../src/core/types.js";
import { RowTable } from "../../src/xui/row-table.js";
import { buildXuiDb, tempDbPath } from "../support/xui-fixture.js";

const ALL = new Set(["reset", "all_time", "last_online"]);
const open: Database.Database[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

function db(clients: number): Database.Database {
  const path = tempDbPath();
  buildXuiDb(path, {
    inbounds: [{ id: 1, protocol: "vless", clients: Array.from({ length: clients }, (_, i) => ({ email: `u${i}`, expiryTime: 1_800_000_000_000 + i, totalBytes: i * 2 ** 30, up: 2 ** 40 + i, down: i })) }],
  });
  const conn = new Database(path);
  open.push(conn);
  return conn;
}

describe("RowTable", () => {
  it("holds every row with the values SELECT * gives", () => {
    const conn = db(150);
    const table = RowTable.read(conn, ALL);
    const star = conn.prepare("SELECT id, inbound_id, enable, email, up, down, expiry_time, total, reset, all_time, last_online FROM client_traffics").all();
    expect(table.length).toBe(150);
    expect(table.rows()).toEqual(star);
    const state = blankState();
    table.readState(149, false, state);
    expect(state).toMatchObject({ enabled: false, expiryTime: 1_800_000_000_149 });
    expect(table.id(149)).toBe((star[149] as { id: number }).id);
    expect(table.usage(149)).toEqual({ up: (star[149] as { up: number }).up, down: (star[149] as { down: number }).down });
  });

  it("reads inside a write transaction too, seeing its uncommitted rows", () => {
    const conn = db(3);
    conn.exec("BEGIN IMMEDIATE");
    conn.exec("INSERT INTO client_traffics (inbound_id, enable, email, up, down, expiry_time, total, reset, all_time, last_online) VALUES (1, 1, 'new', 0, 0, 0, 0, 0, 0, 0)");
    expect(RowTable.read(conn, ALL).emails).toEqual(["u0", "u1", "u2", "new"]);
    conn.exec("ROLLBACK");
    expect(RowTable.read(conn, ALL).length).toBe(3);
    expect(RowTable.empty().length).toBe(0);
  });

  it("reads NULL and text where numbers belong as numbers, enable as 0 or 1", () => {
    const conn = db(2);
    conn.exec("UPDATE client_traffics SET up = NULL, down = '12', enable = 7, reset = 'x' WHERE email = 'u1'");
    const row = RowTable.read(conn, ALL).rows().find((r) => r.email === "u1");
    expect(row).toMatchObject({ up: 0, down: 12, enable: 1, reset: 0 });
  });

  it("reads a BLOB where a number or an email belongs as 0 and an empty email, as a row scan does", () => {
    const conn = db(3);
    // X'01' and X'00' are also valid JSONB (true, null): neither may be read as JSON.
    conn.exec("UPDATE client_traffics SET up = X'01', down = X'DEADBEEF', email = X'00' WHERE email = 'u1'");
    const scanned = conn.prepare("SELECT id, up, email FROM client_traffics WHERE id = 2").raw().get() as unknown[];
    expect(Buffer.isBuffer(scanned[1]) && Buffer.isBuffer(scanned[2])).toBe(true); // what a scan would have met
    const table = RowTable.read(conn, ALL);
    expect(table.length).toBe(3);
    expect(table.rows()[1]).toMatchObject({ id: 2, up: 0, down: 0, email: "" });
    expect(table.rows()[2]).toMatchObject({ email: "u2", up: 2 ** 40 + 2 });
  });

  it("reads REAL values exactly, and big counters as a JS number holds them", () => {
    const conn = db(2);
    conn.prepare("UPDATE client_traffics SET up = ?, down = ? WHERE email = 'u0'").run(0.1 + 0.2, 1767225600123.25);
    conn.prepare("UPDATE client_traffics SET up = ? WHERE email = 'u1'").run(2n ** 60n + 1n);
    const rows = RowTable.read(conn, ALL).rows();
    expect([rows[0]?.up, rows[0]?.down, rows[1]?.up]).toEqual([0.1 + 0.2, 1767225600123.25, 2 ** 60]);
  });

  it("reads absent columns of older files as 0", () => {
    const conn = db(1);
    expect(RowTable.read(conn, new Set()).rows()[0]).toMatchObject({ reset: 0, all_time: 0, last_online: 0 });
  });

  it("finds a row by exact email first, then by any case (the first of case-only duplicates)", () => {
    const conn = db(3);
    conn.exec("UPDATE client_traffics SET email = 'Bob' WHERE email = 'u1'; UPDATE client_traffics SET email = 'BOB' WHERE email = 'u2'");
    const table = RowTable.read(conn, ALL);
    expect([table.indexOf("u0"), table.indexOf("BOB"), table.indexOf("bob"), table.indexOf("nobody")]).toEqual([0, 2, 1, -1]);
  });

  it("indexes rows by ID", () => {
    const conn = db(5);
    const table = RowTable.readIds(conn, ALL, [4, 2]);
    expect([...table.byId()]).toEqual([[4, 0], [2, 1]]);
  });
});
