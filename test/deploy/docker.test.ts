// The Docker files, without a Docker engine (these machines have none, and hadolint is in
// neither Debian's packages nor npm): the build context .dockerignore leaves, the Dockerfile's
// steps replayed in order on plain folders (its COPYs from that context, the build its
// `npm ci` triggers, the runtime stage's COPYs), then the image's CMD and HEALTHCHECK run in
// the resulting layout; and the rules hadolint would hold it to.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { BotStore } from "../../src/store/bot-store.js";
import { repoRoot } from "../support/paths.js";
import { tempDir } from "../support/temp-dir.js";
import { buildXuiDb } from "../support/xui-fixture.js";

interface Instruction {
  keyword: string;
  args: string;
  /** 0 for the build stage, 1 for the runtime stage. */
  stage: number;
}

/** The Dockerfile's instructions, continuation lines joined, comments left out. */
function instructions(text: string): Instruction[] {
  let stage = -1;
  return text
    .replace(/\\\n/g, " ")
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.trim().startsWith("#"))
    .map((line) => {
      const [, keyword = "", args = ""] = /^\s*(\w+)\s+(.*)$/.exec(line) ?? [];
      if (keyword.toUpperCase() === "FROM") stage++;
      return { keyword: keyword.toUpperCase(), args: args.trim(), stage };
    });
}

/** A .dockerignore pattern as Docker reads it: `*` within a name, `**` across folders, a match on a folder covers what is in it. */
function patternRegex(pattern: string): RegExp {
  const clean = pattern.replace(/^\.?\//, "").replace(/\/$/, "");
  const body = clean
    .split(/(\*\*\/|\*\*|\*|\?)/)
    .map((part) => ({ "**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]" })[part] ?? part.replace(/[.+^${}()|[\]\\]/g, "\\$&"))
    .join("");
  return new RegExp(`^${body}(?:/.*)?$`);
}

/** Whether .dockerignore keeps `path` out of the build context: the last rule that matches decides. */
function makeIgnore(text: string): (path: string) => boolean {
  const rules = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => ({ include: l.startsWith("!"), regex: patternRegex(l.replace(/^!/, "")) }));
  return (path) => rules.reduce((excluded, rule) => (rule.regex.test(path) ? !rule.include : excluded), false);
}

const ignored = makeIgnore(readFileSync(join(repoRoot, ".dockerignore"), "utf8"));
const steps = instructions(readFileSync(join(repoRoot, "Dockerfile"), "utf8"));
const lastOf = (keyword: string) => steps.filter((s) => s.keyword === keyword).at(-1)?.args ?? "";

/** The files of this checkout a `docker build .` would send (what is ignored is never walked into when it is a whole folder). */
function contextFiles(dir = "", out: string[] = []): string[] {
  for (const entry of readdirSync(join(repoRoot, dir), { withFileTypes: true })) {
    const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!["node_modules", ".git"].includes(entry.name)) contextFiles(path, out);
    } else if (!ignored(path)) {
      out.push(path);
    }
  }
  return out;
}

/** Replays `COPY SRC... DEST` from the context (only what it holds) into `root`, as Docker does. */
function copyFromContext(args: string, context: string[], root: string): void {
  const parts = args.split(/\s+/);
  const dest = parts.pop() as string;
  for (const source of parts) {
    const files = context.filter((f) => f === source || f.startsWith(`${source}/`));
    expect(files, `COPY ${source}: not in the build context`).not.toEqual([]);
    for (const file of files) {
      const target = file === source ? (dest.endsWith("/") || parts.length > 1 ? join(root, dest, basename(file)) : join(root, dest)) : join(root, dest, file.slice(source.length + 1));
      cpSync(join(repoRoot, file), target);
    }
  }
}

describe(".dockerignore", () => {
  it("keeps secrets, data, dependencies, build output and test artifacts out of the build context", () => {
    for (const path of [".env", ".env.production", "src/.env", ".git/config", "node_modules/grammy/package.json", "data/bot.db", "dist/main.js", "coverage/index.html", "x-ui.db", "bot.db-wal", "test/fixtures/real/om0504_x-ui.db", "scratch/notes.txt", "bench/run.ts"]) {
      expect(ignored(path), path).toBe(true);
    }
    expect(contextFiles().filter((f) => !/^(src\/|bin\/|assets\/|scripts\/build\.mjs$|package(-lock)?\.json$|tsconfig(\.build)?\.json$)/.test(f))).toEqual([]);
  });
});

describe("the Dockerfile", () => {
  it("holds to the rules hadolint checks that matter here", () => {
    for (const from of steps.filter((s) => s.keyword === "FROM")) expect(from.args).toMatch(/^node:\d+-bookworm-slim( AS \w+)?$/); // pinned, never :latest
    expect(steps.filter((s) => s.keyword === "ADD")).toEqual([]);
    for (const workdir of steps.filter((s) => s.keyword === "WORKDIR")) expect(workdir.args).toMatch(/^\//);
    for (const run of steps.filter((s) => s.keyword === "RUN" && s.args.includes("apt-get install"))) {
      expect(run.args).toContain("--no-install-recommends");
      expect(run.args).toMatch(/-y\b/);
      expect(run.args).toMatch(/apt-get update && .*rm -rf \/var\/lib\/apt\/lists\/\*$/);
    }
    // Exec form, so signals reach Node (the bot stops gracefully on SIGTERM).
    expect(lastOf("CMD")).toMatch(/^\[.*\]$/);
    expect(lastOf("HEALTHCHECK")).toMatch(/CMD \[.*\]$/);
    // No curl in the image, no token in the check.
    expect(lastOf("HEALTHCHECK")).not.toMatch(/curl|wget|API_TOKEN/);
  });

  it.runIf(spawnSync("hadolint", ["--version"]).status === 0)("passes hadolint", () => {
    const lint = spawnSync("hadolint", [join(repoRoot, "Dockerfile")], { encoding: "utf8" });
    expect(lint.stdout).toBe("");
  });

  it("builds when its steps are replayed in order, and the image's CMD and HEALTHCHECK work in the layout it leaves", () => {
    const context = contextFiles();
    const build = tempDir("xui-docker-build");
    const app = tempDir("xui-docker-app");
    const env: Record<string, string> = {};
    for (const step of steps) {
      const root = step.stage === 0 ? build : app;
      if (step.keyword === "COPY" && !step.args.startsWith("--from=")) copyFromContext(step.args, context, root);
      if (step.keyword === "COPY" && step.args.startsWith("--from=build")) {
        const [, from = "", to = ""] = /^--from=build \/app\/(\S+) \.\/(\S+)$/.exec(step.args) ?? [];
        expect(existsSync(join(build, from)), `${step.args}: nothing there after the build`).toBe(true);
        // node_modules is linked, not copied: the build's `npm ci` cannot run here (no registry, no compiler step).
        if (from === "node_modules") symlinkSync(join(build, from), join(app, to));
        else cpSync(join(build, from), join(app, to), { recursive: true });
      }
      if (step.keyword === "ENV" && step.stage === 1) for (const [, k, v] of step.args.matchAll(/(\w+)=(\S+)/g)) env[k as string] = v as string;
      if (step.keyword === "RUN" && step.args.startsWith("npm ci")) {
        // What `npm ci` does beyond installing the lockfile: the `prepare` script, which builds.
        symlinkSync(join(repoRoot, "node_modules"), join(build, "node_modules"));
        const pkg = JSON.parse(readFileSync(join(build, "package.json"), "utf8")) as { scripts: Record<string, string> };
        expect(pkg.scripts.prepare).toBe("npm run build");
        execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: build, stdio: "pipe" });
      }
    }
    expect(env).toMatchObject({ NODE_ENV: "production", XUI_DB_PATH: "/etc/x-ui/x-ui.db", DATA_DIR: "/data" });

    // The container's /etc/x-ui and /data, as the compose file mounts them.
    const mounts = tempDir("xui-docker-mounts");
    const db = join(mounts, "x-ui.db");
    buildXuiDb(db, { inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "alice" }] }] });
    const runEnv = { PATH: process.env.PATH, ...env, XUI_DB_PATH: db, DATA_DIR: join(mounts, "data") };
    const exec = (form: string, extra: Record<string, string> = {}) => {
      const [command, ...args] = JSON.parse(/\[.*\]$/.exec(form)?.[0] ?? "[]") as string[];
      expect(command).toBe("node");
      // Node's own flags first, then the script, which must be in the image's layout.
      expect(statSync(join(app, args.find((a) => !a.startsWith("--")) as string)).isFile()).toBe(true);
      return spawnSync(process.execPath, args, { cwd: app, env: { ...runEnv, ...extra }, encoding: "utf8", timeout: 30_000 });
    };
    // CMD: the bot loads all of its modules from the image's layout, then stops at the configuration.
    const started = exec(lastOf("CMD"), { BOT_TOKEN: "nope" });
    expect(started.stderr).toMatch(/^invalid configuration:\n {2}- BOT_TOKEN does not look like a bot token/);
    expect(started.status).toBe(1);
    // HEALTHCHECK: no bot yet, then a bot that has just polled.
    const before = exec(lastOf("HEALTHCHECK"));
    expect(before.stdout).toMatch(/^ok {3}database: .*\nFAIL bot: not running: it has never polled Telegram/);
    expect(before.status).toBe(1);
    mkdirSync(join(mounts, "data"), { mode: 0o700 });
    const store = new BotStore(join(mounts, "data", "bot.db"));
    store.beat();
    store.close();
    const after = exec(lastOf("HEALTHCHECK"));
    expect(after.stdout).toMatch(/^ok {3}database: .*\nok {3}bot: polling: .*\nok {3}api: off/);
    expect(after.status).toBe(0);
  });
});

describe("docker-compose.yml", () => {
  const compose = readFileSync(join(repoRoot, "docker-compose.yml"), "utf8");
  const active = compose.split("\n").filter((l) => !l.trim().startsWith("#")).join("\n");

  it("runs on the host's network, mounts the panel's folder, sets TZ and DATA_DIR", () => {
    expect(active).toMatch(/^ {4}network_mode: host$/m);
    expect(active).toMatch(/^ {6}- \/etc\/x-ui:\/etc\/x-ui$/m);
    expect(active).toMatch(/^ {6}TZ: \$\{TZ:-UTC\}$/m);
    expect(active).toMatch(/^ {6}DATA_DIR: \/data$/m);
    expect(active).toMatch(/^ {4}env_file: \.env$/m);
  });
});
