// npm run bench: the service layer against the seed's per-client way, and the CLI as a whole
// process against the least a correct single-pass program must do. Prints markdown tables
// for the README. Speed goals live here, never in the test suite.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { XuiService } from "../src/service/xui-service.js";
import type { Operation, Selector } from "../src/core/types.js";
import { buildSyntheticDb } from "../test/support/xui-fixture.js";
import { naiveApply } from "./naive.js";
import { apiFigures, baselineMb, type ApiFigures } from "./api.js";
import { singleWrite } from "./single-write.js";

const SIZES = (process.env.BENCH_SIZES ?? "1000,10000,50000").split(",").map(Number);
/** The naive way is extrapolated from as many clients as it gets through in this time. */
const NAIVE_BUDGET_MS = Number(process.env.BENCH_NAIVE_MS ?? 3000);
const CLI_CLIENTS = 20_000;
const CLI_RUNS = 11;

const work = mkdtempSync(join(tmpdir(), "xui-bench-"));
let copies = 0;
const fresh = (template: string) => {
  const path = join(work, `copy-${copies++}.db`);
  copyFileSync(template, path);
  return path;
};
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

function time<T>(fn: () => T): [T, number] {
  const start = performance.now();
  const value = fn();
  return [value, performance.now() - start];
}

async function timeAsync<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

async function serviceRun(template: string, op: Operation, selector: Selector) {
  const service = XuiService.open(fresh(template));
  const [result, elapsed] = await timeAsync(() => service.apply(op, selector));
  const drift = service.check().findings.length;
  service.close();
  if (drift > 0) throw new Error(`benchmark run left drift: ${drift} findings`);
  return { elapsed, lock: result.longestLockMs, changed: result.changed.length, transactions: result.transactions };
}

/** Per-client cost of the naive way, measured until the budget runs out, times the count. */
function naiveRun(template: string, op: Operation, emails: string[]): { elapsed: number; measured: number } {
  const path = fresh(template);
  const now = Date.now();
  let done = 0;
  const start = performance.now();
  while (done < emails.length && performance.now() - start < NAIVE_BUDGET_MS) {
    done += naiveApply(path, op, emails.slice(done, done + Math.max(1, Math.min(50, done))), now);
  }
  const spent = performance.now() - start;
  return { elapsed: (spent / done) * emails.length, measured: done };
}

function emailsOf(template: string): { all: string[]; big: string } {
  const db = new Database(template, { readonly: true });
  const all = db.prepare("SELECT email FROM client_traffics ORDER BY id").pluck().all() as string[];
  const bigInbound = db.prepare("SELECT inbound_id FROM client_traffics GROUP BY inbound_id ORDER BY count(*) DESC LIMIT 1").pluck().get() as number;
  // A client that expires, so that extending it really writes.
  const big = db.prepare("SELECT email FROM client_traffics WHERE inbound_id = ? AND expiry_time > 0 LIMIT 1").pluck().get(bigInbound) as string;
  db.close();
  return { all, big };
}

/** Figures measured before the work on single-client speed (issue "Fast where people wait"). */
const BEFORE: Record<number, { user: string; write: string; memory: string }> = {
  10000: { user: "22-27 (32x)", write: "46-55", memory: "+122 MB (25x)" },
  50000: { user: "127-340 (130x)", write: "410-760", memory: "+345 MB (14x)" },
};

/** The long-running process at the sizes people wait at: one client read, one client written, memory. */
async function waitingFigures(): Promise<void> {
  const sizes = SIZES.filter((n) => n >= 10_000);
  if (sizes.length === 0) return;
  const empty = join(work, "template-empty.db");
  buildSyntheticDb(empty, { clients: 0 });
  const baseline = await baselineMb(fresh(empty), work);
  const rows: { api: ApiFigures; write: { service: number; minimal: number } }[] = [];
  for (const size of sizes) {
    const template = join(work, `template-${size}.db`);
    if (!existsSync(template)) buildSyntheticDb(template, { clients: size });
    const { big } = emailsOf(template);
    const write = await singleWrite(() => fresh(template), work, big);
    const api = await apiFigures(fresh(template), work, size, { throughput: size === 10_000 });
    rows.push({ api, write });
  }
  console.log("| clients | file MB | GET /api/health ms | GET /api/users/:ref ms | ratio (goal <= 3) | before | the first read after a panel tick ms |");
  console.log("|---:|---:|---:|---:|---:|---|---:|");
  for (const { api } of rows) {
    console.log(`| ${api.clients} | ${api.fileMb.toFixed(1)} | ${api.healthMs.toFixed(2)} | ${api.userMs.toFixed(2)} | ${(api.userMs / api.healthMs).toFixed(2)} | ${BEFORE[api.clients]?.user ?? "-"} ms | ${api.afterTickMs?.toFixed(2) ?? "-"} |`);
  }
  console.log("");
  console.log("| clients | extend one in the big inbound, warm, ms | minimal warm script ms | ratio (goal <= 1.5) | before ms |");
  console.log("|---:|---:|---:|---:|---|");
  for (const { api, write } of rows) {
    console.log(`| ${api.clients} | ${ms(write.service)} | ${ms(write.minimal)} | ${(write.service / write.minimal).toFixed(2)} | ${BEFORE[api.clients]?.write ?? "-"} |`);
  }
  console.log("");
  console.log(`| clients | resident MB above the empty-file baseline (${baseline.toFixed(0)} MB) | file MB | ratio (goal < 5) | before |`);
  console.log("|---:|---:|---:|---:|---|");
  for (const { api } of rows) {
    const above = api.memoryMb - baseline;
    console.log(`| ${api.clients} | ${above.toFixed(0)} | ${api.fileMb.toFixed(1)} | ${(above / api.fileMb).toFixed(1)} | ${BEFORE[api.clients]?.memory ?? "-"} |`);
  }
  for (const { api } of rows) {
    if (api.readsPerSecond !== undefined) {
      console.log("");
      console.log(`Throughput at ${api.clients} clients: ${api.readsPerSecond.toFixed(0)} reads/s (goal >= 500) from 8 callers, while the panel stand-in wrote every second and ${api.writes ?? 0} single-client extends (one every 100 ms) went through the API, each checked afterwards.`);
      if (api.memoryAfterLoadMb !== undefined) console.log(`Resident after that run: ${(api.memoryAfterLoadMb - baseline).toFixed(0)} MB above the baseline.`);
    }
  }
}

interface Line {
  size: number;
  task: string;
  service: number;
  naive?: { elapsed: number; measured: number };
  lock?: number;
}

async function benchSize(size: number): Promise<Line[]> {
  const template = join(work, `template-${size}.db`);
  buildSyntheticDb(template, { clients: size });
  const { all, big } = emailsOf(template);
  const tenth = all.filter((_, i) => i % 10 === 0);
  const lines: Line[] = [];
  const extend: Operation = { kind: "extend", days: 30 };

  const bulk = await serviceRun(template, extend, { all: true });
  lines.push({ size, task: "extend all", service: bulk.elapsed, lock: bulk.lock, naive: naiveRun(template, extend, all) });
  const block = await serviceRun(template, { kind: "block" }, { refs: tenth });
  lines.push({ size, task: "block 10%", service: block.elapsed, lock: block.lock, naive: naiveRun(template, { kind: "block" }, tenth) });
  const single = await serviceRun(template, extend, { refs: [big] });
  lines.push({ size, task: "extend one (big inbound)", service: single.elapsed, lock: single.lock, naive: naiveRun(template, extend, [big]) });

  const checkService = XuiService.open(fresh(template));
  const [, checkMs] = time(() => checkService.check());
  checkService.close();
  lines.push({ size, task: "check", service: checkMs });

  // Sync on a file where a tenth of the rows drifted from their JSON.
  const drifted = fresh(template);
  const raw = new Database(drifted);
  raw.exec("UPDATE client_traffics SET expiry_time = expiry_time + 3600000 WHERE id % 10 = 0");
  raw.close();
  const syncService = XuiService.open(drifted, { backupDir: join(work, "backups") });
  const [report, syncMs] = await timeAsync(() => syncService.sync());
  const left = syncService.check().findings.filter((f) => f.kind === "mismatch").length;
  syncService.close();
  if (left > 0) throw new Error(`sync left ${left} mismatches`);
  lines.push({ size, task: `sync (${report.actions.length} fixes, backup incl.)`, service: syncMs, lock: report.longestLockMs });
  return lines;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/**
 * Median wall time of each command as a whole process, run in alternation so that a slow
 * spell of the machine hits both alike. The CLI writes its audit log and backups into the
 * bench's own folder, never into ./data.
 */
function processRuns(template: string, commands: ((path: string) => string[])[], extraEnv: Record<string, string>[] = []): number[] {
  const env = { ...process.env, BOT_DATA_PATH: join(work, "bot.db"), BACKUP_DIR: join(work, "backups") };
  const times = commands.map((): number[] => []);
  for (let i = 0; i < CLI_RUNS; i++) {
    commands.forEach((args, k) => {
      const path = fresh(template);
      const start = performance.now();
      const run = spawnSync(process.execPath, args(path), { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30, env: { ...env, ...extraEnv[k] } });
      times[k]?.push(performance.now() - start);
      if (run.status !== 0) throw new Error(`${args(path).join(" ")} failed: ${String(run.stderr)}`);
    });
  }
  return times.map(median);
}

async function main(): Promise<void> {
  console.log(`# xui-admin-bot benchmark (node ${process.version}, ${new Date().toISOString().slice(0, 10)})\n`);
  // BENCH_PARTS=waiting: only the long-running process's figures (the last tables); =process:
  // only the whole-process table (the first).
  if (process.env.BENCH_PARTS === "waiting") {
    await waitingFigures();
    rmSync(work, { recursive: true, force: true });
    return;
  }
  // Whole processes first, while the disk has no writes of the other runs still to flush
  // (the CLI syncs more files than the script: its backup and its audit log).
  const template = join(work, `template-cli.db`);
  buildSyntheticDb(template, { clients: CLI_CLIENTS });
  const extendAll = (p: string) => ["bin/xui-admin.js", "extend", "--all", "--days", "30", "--db", p];
  const [cli, minimal, withRows, noBackup] = processRuns(
    template,
    [extendAll, (p) => ["bench/minimal-extend.mjs", p, "30"], (p) => ["bench/minimal-extend.mjs", p, "30", "rows"], extendAll],
    [{}, {}, {}, { BACKUP_THRESHOLD: String(CLI_CLIENTS) }],
  ) as [number, number, number, number];
  console.log(`| whole process, ${CLI_CLIENTS} clients, median of ${CLI_RUNS} | ms |`);
  console.log("|---|---:|");
  console.log(`| xui-admin extend --all --days 30 | ${ms(cli)} |`);
  console.log(`| minimal single-pass script | ${ms(minimal)} |`);
  console.log(`| ratio (goal <= 1.5) | ${(cli / minimal).toFixed(2)} |`);
  console.log(`| minimal script that also reads every row (the expiry the panel goes by) | ${ms(withRows)} |`);
  console.log(`| ratio to it | ${(cli / withRows).toFixed(2)} |`);
  console.log(`| xui-admin extend --all --days 30 with BACKUP_THRESHOLD=${CLI_CLIENTS} (no backup first) | ${ms(noBackup)} |`);
  console.log(`| its ratio to the minimal script | ${(noBackup / minimal).toFixed(2)} |`);
  console.log("");
  // BENCH_PARTS=process: only this table.
  if (process.env.BENCH_PARTS === "process") {
    rmSync(work, { recursive: true, force: true });
    return;
  }
  console.log("| clients | task | service ms | naive ms | speed-up | longest lock ms |");
  console.log("|---:|---|---:|---:|---:|---:|");
  for (const size of SIZES) {
    for (const l of await benchSize(size)) {
      const naive = l.naive
        ? `${ms(l.naive.elapsed)}${l.naive.measured < (l.task.startsWith("extend all") ? size : l.task.startsWith("block") ? size / 10 : 1) ? ` (est. from ${l.naive.measured})` : ""}`
        : "-";
      const ratio = l.naive ? `${(l.naive.elapsed / l.service).toFixed(0)}x` : "-";
      console.log(`| ${size} | ${l.task} | ${ms(l.service)} | ${naive} | ${ratio} | ${l.lock === undefined ? "-" : ms(l.lock)} |`);
    }
  }
  console.log("");
  await waitingFigures();
  rmSync(work, { recursive: true, force: true });
}

await main();
