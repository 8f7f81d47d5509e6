// The rows the panel keeps per client besides its JSON object, by email: its client_traffics
// row and its inbound_client_ips row (the IPs seen, for the IP limit). Deleting, renaming and
// putting back a client touches both, inside the caller's write transaction.
import type Database from "better-sqlite3";
import { XuiError } from "../core/errors.js";
import { str } from "./values.js";

type Row = Record<string, unknown>;

export class ClientRows {
  /** Files older than the IP limit lack inbound_client_ips. */
  private readonly hasIps: boolean;
  /** Statements prepared once per transaction (by SQL, or by column list for an insert): a bulk
   *  delete or its undo runs them for every client. */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly conn: Database.Database,
    /** The client_traffics columns this file has. */
    private readonly columns: ReadonlySet<string>,
  ) {
    this.hasIps = conn.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'inbound_client_ips'").get() !== undefined;
  }

  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) this.statements.set(sql, (statement = this.conn.prepare(sql)));
    return statement;
  }

  /** The client's rows as stored, every column: what an undo of its deletion puts back. */
  read(rowId: number, email: string): { row: Row | null; ips: Row | null } {
    const row = this.stmt("SELECT * FROM client_traffics WHERE id = ?").get(rowId) as Row | undefined;
    const ips = this.hasIps ? (this.stmt("SELECT * FROM inbound_client_ips WHERE client_email = ?").get(email) as Row | undefined) : undefined;
    return { row: row ?? null, ips: ips ?? null };
  }

  /** Deletes the client's IP record and, unless `keepTraffic`, its client_traffics row. */
  remove(rowId: number, email: string, keepTraffic = false): void {
    if (!keepTraffic) {
      this.stmt("DELETE FROM client_traffics WHERE id = ?").run(rowId);
      this.emails?.delete(email.toLowerCase());
    }
    if (this.hasIps) this.stmt("DELETE FROM inbound_client_ips WHERE client_email = ?").run(email);
  }

  /** Row IDs by lower-cased email, read once per transaction and kept up to date by our writes. */
  private emails: Map<string, number> | undefined;

  private taken(): Map<string, number> {
    if (!this.emails) {
      const rows = this.stmt("SELECT id, email FROM client_traffics").raw().all() as [number, unknown][];
      this.emails = new Map(rows.map(([id, email]) => [str(email).toLowerCase(), id]));
    }
    return this.emails;
  }

  /** Refuses an email another row holds in any case (the client's own row `rowId` aside). */
  assertFree(email: string, rowId?: number): void {
    const holder = this.taken().get(email.toLowerCase());
    if (holder !== undefined && holder !== rowId) throw new XuiError("duplicate-email", `email already in use: ${email}`, [email]);
  }

  /** Renames the client everywhere the panel keys rows by email. */
  rename(rowId: number, from: string, to: string): void {
    this.assertFree(to, rowId);
    this.stmt("UPDATE client_traffics SET email = ? WHERE id = ?").run(to, rowId);
    if (this.hasIps) this.stmt("UPDATE inbound_client_ips SET client_email = ? WHERE client_email = ?").run(to, from);
    this.emails?.delete(from.toLowerCase());
    this.emails?.set(to.toLowerCase(), rowId);
  }

  /**
   * Inserts a client_traffics row: the columns this file has, its own `id` kept when still free
   * (so a row put back is the row that was deleted).
   */
  insert(row: Row): void {
    const idTaken = row.id !== undefined && this.stmt("SELECT 1 FROM client_traffics WHERE id = ?").get(row.id) !== undefined;
    const names = Object.keys(row).filter((c) => this.columns.has(c) && !(c === "id" && idTaken));
    const columns = names.map((n) => `\`${n}\``).join(", ");
    let insert = this.statements.get(columns);
    if (!insert) this.statements.set(columns, (insert = this.conn.prepare(`INSERT INTO client_traffics (${columns}) VALUES (${names.map(() => "?").join(", ")})`)));
    const { lastInsertRowid } = insert.run(...names.map((n) => row[n]));
    this.emails?.set(str(row.email).toLowerCase(), Number(lastInsertRowid));
  }

  /** Puts back an IP record, under its own `id` when still free (where the email has none now). */
  insertIps(ips: Row): void {
    if (!this.hasIps) return;
    if (this.stmt("SELECT 1 FROM inbound_client_ips WHERE client_email = ?").get(ips.client_email) !== undefined) return;
    const idFree = ips.id !== undefined && this.stmt("SELECT 1 FROM inbound_client_ips WHERE id = ?").get(ips.id) === undefined;
    if (idFree) this.stmt("INSERT INTO inbound_client_ips (id, client_email, ips) VALUES (?, ?, ?)").run(ips.id, ips.client_email, ips.ips);
    else this.stmt("INSERT INTO inbound_client_ips (client_email, ips) VALUES (?, ?)").run(ips.client_email, ips.ips);
  }
}
