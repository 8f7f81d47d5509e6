// The long-running API as people meet it: started as `npm run api` starts it, on a synthetic x-ui.db.
// - latency: GET /api/users/:ref against GET /api/health (the HTTP round trip alone),
//   alternating, one caller, keep-alive;
// - throughput: 8 callers reading random clients for a few seconds while the panel stand-in
//   writes the file (its traffic tick every PANEL_TICK_MS) and one caller extends a client
//   every WRITE_EVERY_MS; afterwards each extended client must hold exactly what was asked;
// - memory: the process's resident size after the reads (and again after the throughput run),
//   above the same process on an empty file after the same warm-up.
import { spawn, type ChildProcess } from "node:child_process";
import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { startPanel } from "../test/reliability/panel.js";
import { apiCommand } from "./api-command.js";
import { XuiService } from "../src/service/xui-service.js";

const TOKEN = "bench-token-0123456789abcdef";
const CALLERS = 8;
const THROUGHPUT_MS = Number(process.env.BENCH_THROUGHPUT_MS ?? 4000);
/** The panel's traffic job runs every 10 s by default; the stand-in ticks ten times as often. */
const PANEL_TICK_MS = 1000;
const LATENCY_ROUNDS = 300;
/** One single-client change every this often during the throughput run: an admin's pace, and then some. */
const WRITE_EVERY_MS = 100;

interface Api {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function startApiProcess(dbPath: string, work: string): Promise<Api> {
  const child = spawn(process.execPath, apiCommand(), {
    env: { ...process.env, XUI_DB_PATH: dbPath, API_TOKEN: TOKEN, API_PORT: "0", DATA_DIR: work, BOT_DATA_PATH: join(work, `api-${Date.now()}.db`), LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const port = /"port":(\d+)/.exec(out)?.[1];
    if (port) {
      return {
        url: `http://127.0.0.1:${port}`,
        child,
        stop: async () => {
          const exited = new Promise((r) => child.once("exit", r));
          child.kill("SIGTERM");
          await exited;
        },
      };
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the API did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const auth = { authorization: `Bearer ${TOKEN}` };

async function get(url: string): Promise<number> {
  const start = performance.now();
  const res = await fetch(url, { headers: auth });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return performance.now() - start;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function rssMb(child: ChildProcess): Promise<number> {
  const status = await readFile(`/proc/${child.pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

export interface ApiFigures {
  clients: number;
  fileMb: number;
  healthMs: number;
  userMs: number;
  /** The first read of a client after a panel tick (see readsAfterTicks). */
  afterTickMs?: number;
  readsPerSecond?: number;
  writes?: number;
  memoryMb: number;
  /** After the throughput run, when there was one. */
  memoryAfterLoadMb?: number;
}

async function warm(api: Api, refs: string[]): Promise<void> {
  for (let i = 0; i < 30; i++) {
    await get(`${api.url}/api/health`);
    await get(`${api.url}/api/users/${refs[i % refs.length]}`);
  }
}

/** The API's resident size on a file with no clients, after the same warm-up. */
export async function baselineMb(emptyDb: string, work: string): Promise<number> {
  const api = await startApiProcess(emptyDb, work);
  try {
    for (let i = 0; i < 30; i++) await get(`${api.url}/api/health`);
    return await rssMb(api.child);
  } finally {
    await api.stop();
  }
}

export async function apiFigures(dbPath: string, work: string, clients: number, options: { throughput: boolean }): Promise<ApiFigures> {
  const db = new Database(dbPath, { readonly: true });
  const refs = db.prepare("SELECT email FROM client_traffics WHERE expiry_time > 0 ORDER BY random() LIMIT 2000").pluck().all() as string[];
  db.close();
  const api = await startApiProcess(dbPath, work);
  try {
    await warm(api, refs);
    const health: number[] = [];
    const user: number[] = [];
    for (let i = 0; i < LATENCY_ROUNDS; i++) {
      health.push(await get(`${api.url}/api/health`));
      user.push(await get(`${api.url}/api/users/${refs[i % refs.length]}`));
    }
    const figures: ApiFigures = { clients, fileMb: statSync(dbPath).size / 2 ** 20, healthMs: median(health), userMs: median(user), memoryMb: await rssMb(api.child) };
    figures.afterTickMs = await readsAfterTicks(api, dbPath, refs);
    if (options.throughput) {
      Object.assign(figures, await throughput(api, dbPath, refs));
      figures.memoryAfterLoadMb = await rssMb(api.child);
    }
    return figures;
  } finally {
    await api.stop();
  }
}

/**
 * The first read of a client after each of 21 traffic ticks as the panel writes them (usage
 * added to a slice of the rows, nothing else): median ms.
 */
async function readsAfterTicks(api: Api, dbPath: string, refs: string[]): Promise<number> {
  const panel = new Database(dbPath);
  const tick = panel.prepare("UPDATE client_traffics SET up = up + 1000, down = down + 2000 WHERE id % 50 = ?");
  const times: number[] = [];
  try {
    for (let i = 0; i < 21; i++) {
      tick.run(i % 50);
      times.push(await get(`${api.url}/api/users/${refs[i % refs.length]}`));
    }
  } finally {
    panel.close();
  }
  return median(times);
}

/** Reads by 8 callers while the panel writes and one caller extends clients one by one. */
async function throughput(api: Api, dbPath: string, refs: string[]): Promise<{ readsPerSecond: number; writes: number }> {
  const before = XuiService.open(dbPath, { readonly: true });
  const written = refs.slice(0, 200);
  const expiry = new Map(written.map((e) => [e, (before.get(e) as { expiryTime: number }).expiryTime]));
  before.close();
  const panel = await startPanel(dbPath, PANEL_TICK_MS, 7);
  const end = performance.now() + THROUGHPUT_MS;
  let reads = 0;
  let writes = 0;
  const reader = async (k: number) => {
    for (let i = k; performance.now() < end; i += CALLERS) {
      await get(`${api.url}/api/users/${refs[i % refs.length]}`);
      reads++;
    }
  };
  const writer = async () => {
    while (performance.now() < end && writes < written.length) {
      const res = await fetch(`${api.url}/api/users/extend-expiry`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ user_ids: [written[writes]], days: 1 }),
      });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`extend: ${res.status}`);
      writes++;
      await new Promise((r) => setTimeout(r, WRITE_EVERY_MS));
    }
  };
  const started = performance.now();
  await Promise.all([...Array.from({ length: CALLERS }, (_, k) => reader(k)), writer()]);
  const elapsed = performance.now() - started;
  const stats = await panel.stop();
  if (stats.failed > 0) throw new Error(`the panel stand-in failed ${stats.failed} ticks: ${stats.errors.join("; ")}`);
  // Every extend applied exactly once, in both places, beside the panel's writes.
  const after = XuiService.open(dbPath, { readonly: true });
  try {
    const now = Date.now();
    for (const email of written.slice(0, writes)) {
      const was = expiry.get(email) as number;
      const got = (after.get(email) as { expiryTime: number }).expiryTime;
      // An expired client restarts from the moment of the extend: at least now + 1 day - the run.
      const low = Math.max(was, now - THROUGHPUT_MS - 60_000) + 86_400_000;
      if (got < low || (was > now && got !== was + 86_400_000)) throw new Error(`${email}: expiry ${got}, was ${was}`);
    }
    const drift = after.check().findings.filter((f) => f.kind === "mismatch").length;
    if (drift > 0) throw new Error(`the API's writes left ${drift} mismatches`);
  } finally {
    after.close();
  }
  return { readsPerSecond: (reads / elapsed) * 1000, writes };
}
