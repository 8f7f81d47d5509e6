// One client changed in the big inbound of a warm, long-running process: the service (with
// its audit log, as the bot and the API run it) against the least a correct program must do
// when it already holds the parsed inbound: change the client, serialise the inbound in the
// panel's format, write the row and the settings in one transaction.
import { join } from "node:path";
import Database from "better-sqlite3";
import { formatSettings, parseSettings, type JsonObject } from "../src/xui/panel-json.js";
import { XuiService } from "../src/service/xui-service.js";
import { AuditLog } from "../src/store/audit-log.js";

const DAY = 86_400_000;

/** The minimal program, warm: the parsed inbound held between calls. */
function minimalWriter(path: string, email: string): () => void {
  const db = new Database(path);
  const row = db.prepare("SELECT inbound_id FROM client_traffics WHERE email = ?").get(email) as { inbound_id: number };
  const settings = parseSettings(db.prepare("SELECT settings FROM inbounds WHERE id = ?").pluck().get(row.inbound_id) as string);
  const client = (settings.clients as JsonObject[]).find((c) => c.email === email) as JsonObject;
  const updateRow = db.prepare("UPDATE client_traffics SET expiry_time = ? WHERE email = ?");
  const updateSettings = db.prepare("UPDATE inbounds SET settings = ? WHERE id = ?");
  return () => {
    const now = Date.now();
    client.expiryTime = Math.max(client.expiryTime as number, now) + DAY;
    client.updated_at = now;
    const text = formatSettings(settings);
    db.transaction(() => {
      updateRow.run(client.expiryTime, email);
      updateSettings.run(text, row.inbound_id);
    }).immediate();
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Medians of `runs` warm single-client extends each way, run in alternation. */
export async function singleWrite(copy: () => string, work: string, email: string, runs = 21): Promise<{ service: number; minimal: number }> {
  const audit = new AuditLog(join(work, `single-${Date.now()}.db`));
  const service = XuiService.open(copy(), { audit, compact: true });
  const minimal = minimalWriter(copy(), email);
  // Warm both: the first change of each parses and checks what later ones reuse.
  await service.apply({ kind: "extend", days: 1 }, { refs: [email] }, { actor: "bench" });
  minimal();
  const times = { service: [] as number[], minimal: [] as number[] };
  for (let i = 0; i < runs; i++) {
    let start = performance.now();
    await service.apply({ kind: "extend", days: 1 }, { refs: [email] }, { actor: "bench" });
    times.service.push(performance.now() - start);
    start = performance.now();
    minimal();
    times.minimal.push(performance.now() - start);
  }
  const drift = service.check().findings.length;
  service.close();
  audit.close();
  if (drift > 0) throw new Error(`single writes left drift: ${drift} findings`);
  return { service: median(times.service), minimal: median(times.minimal) };
}
