// Opens one of our own SQLite files (never x-ui.db) readable by its owner only: the file is
// made 0600 before SQLite opens it, so the -wal, -shm and -journal files SQLite creates beside
// it take the same mode (see core/private-files).
import Database from "better-sqlite3";
import { preparePrivateDatabase } from "../core/private-files.js";

export function openPrivateDatabase(path: string): Database.Database {
  if (path !== ":memory:") preparePrivateDatabase(path);
  return new Database(path);
}
