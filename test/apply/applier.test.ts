// Making the running panel pick changes up, against a local stand-in of the panel's login and
// restart endpoints, and against real commands.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
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
    expect(await wrong.request(needs).outcome).toEqual({ ok: false, error: expect.stringMatching(/login to the panel failed: wrong username or password/) });
    expect(fake.restarts).toBe(0);
    await fake.stop();
    panels.splice(0);
    const down = createApplier({ mode: "panel", url, username: "admin", password: "s3cret", ...timing });
    expect(await down.request(needs).outcome).toEqual({ ok: false, error: expect.stringMatching(/does not answer \(ECONNREFUSED\)/) });
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
    const failing = createApplier({ mode: "command", command: `${process.execPath} -e "process.stderr.write('no such service'); process.exit(3)"`, ...timing });
    expect(await failing.request(needs).outcome).toEqual({ ok: false, error: expect.stringMatching(/no such service/) });
    const slow = createApplier({ mode: "command", command: `${process.execPath} -e "setTimeout(() => {}, 5000)"`, debounceMs: 10, maxWaitMs: 1000, timeoutMs: 200 });
    expect(await slow.request(needs).outcome).toEqual({ ok: false, error: expect.stringMatching(/timed out after 200 ms/) });
  });
});

describe("XUI_APPLY=none", () => {
  it("says a restart is needed, and when it is not", () => {
    const applier = createApplier({ mode: "none" });
    expect(applier.request(needs)).toEqual({ status: { status: "manual", message: expect.stringMatching(/next restart/) } });
    expect(applier.request(noNeed).status.status).toBe("not-needed");
  });
});
