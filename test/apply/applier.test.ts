// Making the running panel pick changes up, against a local stand-in of the panel's login and
// restart endpoints, and against real commands.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createApplier } from "../../src/apply/applier.js";
import type { OpResult } from "../../src/core/types.js";
import { tempDbPath } from "../support/xui-fixture.js";

const needs = { needsApply: true, dryRun: false } as OpResult;
const noNeed = { needsApply: false, dryRun: false } as OpResult;

/** The panel's /login and /panel/api/server/restartXrayService under a base path. */
class FakePanel {
  logins = 0;
  restarts = 0;
  /** When set, the restart answers this status and envelope instead of restarting. */
  refuseRestart: { status: number; answer: unknown } | undefined;
  private sessions = new Set<string>();
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, { "content-type": "application/json", ...headers });
          res.end(JSON.stringify(value));
        };
        if (req.method === "POST" && req.url === "/secret/login") {
          this.logins++;
          const form = new URLSearchParams(body);
          if (form.get("username") !== "admin" || form.get("password") !== "s3cret") return json(200, { success: false, msg: "wrong username or password" });
          const session = `s${this.logins}`;
          this.sessions.add(session);
          return json(200, { success: true, msg: "" }, { "set-cookie": `3x-ui=${session}; Path=/; HttpOnly` });
        }
        const cookie = /3x-ui=([^;]+)/.exec(req.headers.cookie ?? "")?.[1];
        if (req.method === "POST" && req.url === "/secret/panel/api/server/restartXrayService" && cookie && this.sessions.has(cookie)) {
          if (this.refuseRestart) return json(this.refuseRestart.status, this.refuseRestart.answer);
          this.restarts++;
          return json(200, { success: true, msg: "", obj: null });
        }
        json(404, {}); // the panel hides its API from strangers
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}/secret/`;
  }

  expireSessions(): void {
    this.sessions.clear();
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server?.close(() => r()));
  }
}

const panels: FakePanel[] = [];
async function panel(): Promise<{ fake: FakePanel; url: string }> {
  const fake = new FakePanel();
  panels.push(fake);
  return { fake, url: await fake.start() };
}
afterEach(async () => {
  for (const p of panels.splice(0)) await p.stop();
});

const timing = { debounceMs: 50, maxWaitMs: 1000, timeoutMs: 2000 };

describe("XUI_APPLY=panel", () => {
  it("coalesces a burst into one restart and logs in once", async () => {
    const { fake, url } = await panel();
    const applier = createApplier({ mode: "panel", url, username: "admin", password: "s3cret", ...timing });
    const a = applier.request(needs);
    const b = applier.request(needs);
    expect(a.status.status).toBe("pending");
    expect(applier.request(noNeed)).toMatchObject({ status: { status: "not-needed" } });
    expect(await a.outcome).toMatchObject({ ok: true });
    expect(await b.outcome).toMatchObject({ ok: true });
    expect(fake.restarts).toBe(1);
    // A later change reuses the session: no new login.
    await applier.request(needs).outcome;
    expect([fake.logins, fake.restarts]).toEqual([1, 2]);
  });

  it("logs in again only when the panel says the session ended", async () => {
    const { fake, url } = await panel();
    const applier = createApplier({ mode: "panel", url, username: "admin", password: "s3cret", ...timing });
    await applier.request(needs).outcome;
    fake.expireSessions();
    expect(await applier.request(needs).outcome).toMatchObject({ ok: true });
    expect([fake.logins, fake.restarts]).toEqual([2, 2]);
  });

  it("reports a wrong password and a panel that is down", async () => {
    const { fake, url } = await panel();
    const wrong = createApplier({ mode: "panel", url, username: "admin", password: "nope", ...timing });
    expect(await wrong.request(needs).outcome).toEqual({
      ok: false,
      error: expect.stringMatching(/login to the panel failed: wrong username or password/),
      reason: { kind: "panel-login", url, said: "wrong username or password", status: 200 },
    });
    expect(fake.restarts).toBe(0);
    await fake.stop();
    panels.splice(0);
    const down = createApplier({ mode: "panel", url, username: "admin", password: "s3cret", ...timing });
    expect(await down.request(needs).outcome).toEqual({
      ok: false,
      error: expect.stringMatching(/does not answer \(ECONNREFUSED\)/),
      reason: { kind: "panel-unreachable", url, why: "refused", said: "ECONNREFUSED" },
    });
  });

  it("reports a refused restart with the panel's msg, or its HTTP status when it gives none", async () => {
    const { fake, url } = await panel();
    const applier = createApplier({ mode: "panel", url, username: "admin", password: "s3cret", ...timing });
    fake.refuseRestart = { status: 200, answer: { success: false, msg: "xray <binary> not found" } };
    expect(await applier.request(needs).outcome).toEqual({
      ok: false,
      error: "the panel refused to restart Xray: xray <binary> not found",
      reason: { kind: "panel-restart", url, said: "xray <binary> not found", status: 200 },
    });
    fake.refuseRestart = { status: 500, answer: {} };
    expect(await applier.request(needs).outcome).toMatchObject({ ok: false, error: "the panel refused to restart Xray: HTTP 500", reason: { kind: "panel-restart", said: "", status: 500 } });
    expect(fake.restarts).toBe(0);
  });

  it("reports a panel that accepts the connection but does not answer in time", async () => {
    const sockets: Socket[] = [];
    const silent = createServer().on("connection", (s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/secret/`;
      const applier = createApplier({ mode: "panel", url, username: "admin", password: "s3cret", debounceMs: 10, maxWaitMs: 1000, timeoutMs: 200 });
      expect(await applier.request(needs).outcome).toMatchObject({ ok: false, reason: { kind: "panel-unreachable", url, why: "timeout", ms: 200 } });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});

describe("XUI_APPLY=command", () => {
  it("runs the command without a shell, once per burst", async () => {
    const marker = tempDbPath("marker");
    const command = `${process.execPath} -e "require('fs').appendFileSync(process.argv[1], 'x')" ${marker}`;
    const applier = createApplier({ mode: "command", command, ...timing });
    const outcomes = await Promise.all([applier.request(needs).outcome, applier.request(needs).outcome]);
    expect(outcomes.every((o) => o?.ok)).toBe(true);
    expect(readFileSync(marker, "utf8")).toBe("x");
  });

  it("reports a failing command and one that times out", async () => {
    const command = `${process.execPath} -e "process.stderr.write('\\n  no such service\\nsee the log'); process.exit(3)"`;
    const failing = createApplier({ mode: "command", command, ...timing });
    // The English message keeps all of stderr; the reason its first line.
    expect(await failing.request(needs).outcome).toEqual({
      ok: false,
      error: expect.stringMatching(/no such service\nsee the log/),
      reason: { kind: "command-failed", command, exitCode: 3, said: "no such service" },
    });
    const sleeper = `${process.execPath} -e "setTimeout(() => {}, 5000)"`;
    const slow = createApplier({ mode: "command", command: sleeper, debounceMs: 10, maxWaitMs: 1000, timeoutMs: 200 });
    expect(await slow.request(needs).outcome).toEqual({ ok: false, error: expect.stringMatching(/timed out after 200 ms/), reason: { kind: "command-timeout", command: sleeper, ms: 200 } });
  });

  it("reports a command stopped by a signal, and one that cannot be started", async () => {
    const killed = `${process.execPath} -e "process.kill(process.pid, 'SIGKILL')"`;
    expect(await createApplier({ mode: "command", command: killed, ...timing }).request(needs).outcome).toEqual({
      ok: false,
      error: expect.any(String),
      reason: { kind: "command-failed", command: killed, signal: "SIGKILL", said: "" },
    });
    const missing = `${tempDbPath("no-such-dir")}/x-ui restart-xray`;
    expect(await createApplier({ mode: "command", command: missing, ...timing }).request(needs).outcome).toEqual({
      ok: false,
      error: expect.stringMatching(/ENOENT/),
      reason: { kind: "command-not-started", command: missing, said: "ENOENT" },
    });
  });
});

describe("XUI_APPLY=none", () => {
  it("says a restart is needed, and when it is not", () => {
    const applier = createApplier({ mode: "none" });
    expect(applier.request(needs)).toEqual({ status: { status: "manual", message: expect.stringMatching(/next restart/) } });
    expect(applier.request(noNeed).status.status).toBe("not-needed");
  });
});
