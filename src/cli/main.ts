// xui-admin: the command-line face of the service layer. Loads nothing it does not use
// (no bot, no logger): start-up time is part of every scripted call.
import { existsSync, statSync } from "node:fs";
import { isatty } from "node:tty";
import { loadEnvFile } from "../env-file.js";
import { PartialError, XuiError } from "../core/errors.js";
import { createPanelToken } from "../service/panel-token.js";
import { clientView } from "../service/status.js";
import { connectionJson, connectionOf } from "../service/links/connection.js";
import type { ClientService } from "../service/client-service.js";
import { openServers } from "./servers.js";
import { parseCommandLine, USAGE, type Invocation } from "./args.js";
import { health, HEALTH_MAX_AGE_MS, HEALTH_MIN_AGE_MS, renderHealth } from "./health.js";
import { createInvite } from "./invite.js";
import { version } from "../core/version.js";
import { AUDIT_KEEP_DAYS, AuditLog } from "../store/audit-log.js";
import { dataFiles, mirrorDir, SYSTEM_DATA_DIR } from "../store/data-dir.js";
import { INVITE_TTL_HOURS } from "../store/invitations.js";
import { reminderSettings } from "../reminder-env.js";
import { planEveryServer } from "../service/reminder-fleet.js";
import { ReminderStore } from "../store/reminders.js";
import { reminderPlanJson, renderReminderPlan } from "./remind.js";
import { fleetStats } from "../service/fleet-stats.js";
import { UsageHistory } from "../store/usage-history.js";
import { renderStats } from "./render-stats.js";
import { renderConnection } from "./render-connection.js";
import { count } from "../core/plural.js";
import {
  CLIENT_LINE_HEADER,
  INBOUND_HEADER,
  renderAuditLine,
  renderCheck,
  renderClient,
  renderClientLine,
  renderInbound,
  renderOp,
  renderServer,
  renderSync,
  renderUndo,
} from "./render.js";

/** 3: a change in several transactions failed part-way; what was applied is printed and audited. */
export const EXIT = { ok: 0, drift: 1, unhealthy: 1, refused: 2, partial: 3 } as const;

/** A whole number from the environment, read as the bot's configuration reads it (no zod here: start-up time). */
function envInt(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const value = env[name];
  if (value === undefined || value.trim() === "") return fallback;
  if (!/^\d+$/.test(value.trim())) throw new XuiError("bad-input", `${name}: ${JSON.stringify(value)} is not a whole number`, [name]);
  if (Number(value) < min) throw new XuiError("bad-input", `${name}: ${JSON.stringify(value)} must be at least ${min}`, [name]);
  return Number(value);
}

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Asks a yes/no question on the terminal; absent when there is none to ask (a script, a pipe). */
  confirm?: (question: string) => Promise<boolean>;
}

async function execute(inv: Invocation, io: Io, env: NodeJS.ProcessEnv, systemDataDir: string): Promise<number> {
  const { command } = inv;
  if (command.verb === "help") {
    io.out(USAGE);
    return EXIT.ok;
  }
  if (command.verb === "panel-token") {
    // Only the panel's file: no audit log, no backup (one row added to api_tokens).
    const created = await createPanelToken(inv.db, command.name);
    // The plaintext alone on stdout (TOKEN=$(xui-admin panel-token)), once: the file may keep only its hash.
    io.out(inv.json ? JSON.stringify({ name: created.name, token: created.token }, null, 2) : created.token);
    io.err(
      `xui-admin: API token ${JSON.stringify(created.name)} added to ${inv.db}${created.hashed ? " (stored as its SHA-256: it cannot be shown again)" : ""}; ` +
        "set XUI_API_TOKEN to it and XUI_PANEL_URL to the panel's address with its base path",
    );
    return EXIT.ok;
  }
  // invite writes only the bot's file, never x-ui.db.
  const readOnly = ["check", "show", "sub", "find", "list", "inbounds", "stats", "backup", "history", "invite", "remind"].includes(command.verb);
  // The same files as the bot's (see store/data-dir), wherever the command is run from.
  const files = dataFiles(env, systemDataDir);
  const dataPath = inv.data ?? files.botData;
  const backups = { backupDir: files.backups, backupThreshold: envInt(env, "BACKUP_THRESHOLD", 20), backupKeep: envInt(env, "BACKUP_KEEP", 20, 1) };
  // The audit log is opened only by the verbs that write or read it (a dry run writes nothing).
  const dryRun = command.verb === "op" || command.verb === "edit" ? command.dryRun : command.verb === "sync" && command.options.dryRun === true;
  const audit =
    ["op", "edit", "create", "undo", "history", "sync"].includes(command.verb) && !dryRun
      ? new AuditLog(dataPath, { keepDays: envInt(env, "AUDIT_KEEP_DAYS", AUDIT_KEEP_DAYS, 1) })
      : undefined;
  const print = (json: unknown, text: () => string) => io.out(inv.json ? JSON.stringify(json, null, 2) : text());
  if (command.verb === "version") {
    print({ version: version() }, () => `xui-admin-bot ${version()}`);
    return EXIT.ok;
  }
  if (command.verb === "health") {
    const maxAgeMs = envInt(env, "HEALTH_MAX_AGE_MS", HEALTH_MAX_AGE_MS, HEALTH_MIN_AGE_MS);
    const report = await health({ db: inv.db, botData: dataPath, env, maxAgeMs, now: Date.now() });
    print(report, () => renderHealth(report));
    return report.ok ? EXIT.ok : EXIT.unhealthy;
  }
  if (command.verb === "history") {
    // The audit log alone: history works where the panel's database is not (or not yet) there.
    try {
      const entries = (audit as AuditLog).summaries(command.limit);
      print(entries, () => (entries.length === 0 ? "no changes recorded" : entries.map(renderAuditLine).join("\n")));
      return EXIT.ok;
    } finally {
      audit?.close();
    }
  }
  let service: ClientService;
  try {
    service = await openServers(inv.db, env, { readonly: readOnly, ...backups, ...(audit ? { audit } : {}), mirrorDir: mirrorDir(env, systemDataDir) }, audit);
  } catch (error) {
    audit?.close();
    throw error;
  }
  // --server NAME...: every verb acts on those servers only.
  const scope = inv.servers ? { servers: inv.servers } : {};
  try {
    const now = service.now();
    switch (command.verb) {
      case "check": {
        const report = service.check(scope);
        print(report, () => renderCheck(report, inv.full));
        if (service.schema.family === "unknown") {
          io.err(`cannot check ${inv.db}: ${service.schema.readOnlyReason}`);
          return EXIT.refused;
        }
        // Drift found says "sync" whatever the rest; no drift where a server went unread is partial.
        return report.findings.length > 0 ? EXIT.drift : report.unchecked ? EXIT.partial : EXIT.ok;
      }
      case "sync": {
        const report = await service.sync({ ...command.options, actor: "cli", ...scope });
        print(report, () => renderSync(report));
        // Report-only (3x-ui 3.x): exits as check does.
        return report.reportOnly && report.unresolved.length > 0 ? EXIT.drift : EXIT.ok;
      }
      case "op": {
        let selector = command.selector;
        if ("filter" in selector) {
          // The clients the filter matches now, by name: the preview shows exactly these.
          selector = { refs: service.list(selector.filter, scope).map((c) => service.refOf(c)) };
          if (selector.refs.length === 0) {
            print({ operation: command.op.kind, changed: [], unchanged: [] }, () => "no client matches the filter: nothing to do");
            return EXIT.ok;
          }
          if (!command.dryRun && !command.yes) {
            if (!io.confirm) throw new XuiError("bad-input", "--filter: no terminal to ask for confirmation: look with --dry-run, then run it again with --yes", ["--yes"]);
            const preview = await service.apply(command.op, selector, { dryRun: true, ...scope });
            io.out(renderOp(preview, now, inv.full));
            if (!(await io.confirm(`Apply ${command.op.kind} to ${selector.refs.length === 1 ? "this client" : `these ${selector.refs.length} clients`}? [y/N] `))) {
              io.err("xui-admin: not confirmed: nothing was changed");
              return EXIT.refused;
            }
          }
        }
        const result = await service.apply(command.op, selector, { dryRun: command.dryRun, actor: "cli", ...scope });
        print(result, () => renderOp(result, now, inv.full));
        return EXIT.ok;
      }
      case "edit": {
        const result = await service.edit({ refs: [command.ref] }, command.changes, { dryRun: command.dryRun, actor: "cli", ...scope });
        print(result, () => renderOp(result, now, inv.full));
        return EXIT.ok;
      }
      case "create": {
        const result = await service.create(command.input, { actor: "cli", ...scope });
        const client = service.find(command.input.email, scope).find((c) => c.email === command.input.email);
        print({ ...result, client: client && clientView(client, now) }, () => `${renderOp(result, now)}\n${client ? renderClient(client, now) : ""}`);
        return EXIT.ok;
      }
      case "show": {
        const client = service.get(inv.servers?.length === 1 ? `${inv.servers[0]}/${command.ref}` : command.ref);
        if (!client) throw new XuiError("unknown-ref", `unknown client: ${command.ref}`, [command.ref]);
        print(clientView(client, now), () => renderClient(client, now));
        return EXIT.ok;
      }
      case "sub": {
        const client = service.get(command.ref);
        if (!client) throw new XuiError("unknown-ref", `unknown client: ${command.ref}`, [command.ref]);
        const connection = connectionOf(service.serviceOf(client), client, { publicHost: env.PUBLIC_HOST?.trim() || undefined });
        print(connectionJson(connection), () => renderConnection(connection));
        return EXIT.ok;
      }
      case "find": {
        const found = service.find(command.query, scope);
        print(found.map((c) => clientView(c, now)), () => (found.length === 0 ? `no client matches ${JSON.stringify(command.query)}` : found.map((c) => renderClientLine(c, now)).join("\n")));
        return EXIT.ok;
      }
      case "list": {
        const list = service.list(command.filter, scope);
        print(list.map((c) => clientView(c, now)), () => [CLIENT_LINE_HEADER, ...list.map((c) => renderClientLine(c, now)), count(list.length, "client")].join("\n"));
        return EXIT.ok;
      }
      case "inbounds": {
        const list = service.inbounds(scope);
        print(list, () => (list.length === 0 ? `no inbounds in ${inv.db}` : [INBOUND_HEADER, ...list.map(renderInbound)].join("\n")));
        return EXIT.ok;
      }
      case "stats": {
        // The history the bot records; none where the bot never ran with this data file.
        const usage = existsSync(dataPath) ? new UsageHistory(dataPath) : undefined;
        try {
          const { stats } = fleetStats(service, usage, scope);
          print(stats, () => renderStats(stats));
        } finally {
          usage?.close();
        }
        return EXIT.ok;
      }
      case "undo": {
        const entry = (audit as AuditLog).get(command.id);
        if (!entry) throw new XuiError("bad-input", `no change #${command.id} in ${dataPath}`, [String(command.id)]);
        // Any entry of a change across servers names all of it, a part still left included.
        const pending = service.stillToUndo(entry);
        if (!pending) throw new XuiError("bad-input", `change #${command.id} was already undone by #${entry.undoneBy}`, [String(command.id)]);
        const undone = await service.undo(pending, { actor: "cli" });
        print(undone, () => renderUndo(undone, now, inv.full));
        return EXIT.ok;
      }
      case "invite": {
        const invite = await createInvite(service, command.ref, dataPath, env, envInt(env, "INVITE_TTL_HOURS", INVITE_TTL_HOURS, 1));
        print(invite, () => invite.link);
        io.err(`xui-admin: invitation for ${invite.email}: single use, valid until ${invite.expiresAt}`);
        return EXIT.ok;
      }
      case "remind": {
        const problems: string[] = [];
        const settings = reminderSettings(env, problems);
        if (problems.length > 0) throw new XuiError("bad-input", problems.join("; "), problems);
        const store = new ReminderStore(dataPath);
        try {
          const plan = planEveryServer({ service, thresholds: settings, now, memory: (s) => store.memory(s) });
          print(reminderPlanJson(plan, settings), () => renderReminderPlan(plan, settings));
        } finally {
          store.close();
        }
        return EXIT.ok;
      }
      case "backup": {
        // --out names a file, or a folder (existing, or ending in a slash) for a stamped name.
        const out = command.out;
        const toFolder = out === undefined || out.endsWith("/") || (existsSync(out) && statSync(out).isDirectory());
        const path = toFolder ? await service.backup(out, scope) : await service.backupTo(out, scope);
        print({ backup: path }, () => `backup: ${path}`);
        return EXIT.ok;
      }
      case "servers": {
        const list = await service.servers();
        print(list, () => list.map(renderServer).join("\n"));
        return list.every((s) => s.state === "reachable") ? EXIT.ok : EXIT.unhealthy;
      }
      default: {
        const unhandled: never = command;
        throw new Error(`unhandled command ${JSON.stringify(unhandled)}`);
      }
    }
  } catch (error) {
    if (!(error instanceof PartialError)) throw error;
    // What was applied goes to stdout like any result, so scripts can read it.
    const partial = { error: error.message, code: error.code, applied: error.applied, not_applied: error.notApplied };
    print(partial, () => renderOp(error.applied, service.now(), inv.full));
    io.err(`xui-admin: ${error.message}; not changed: ${error.notApplied.join(", ")}`);
    return EXIT.partial;
  } finally {
    service.close();
    audit?.close();
  }
}

/** A yes/no question on the terminal (stderr, so that stdout stays the result); yes only for y or yes. */
async function askOnTerminal(question: string): Promise<boolean> {
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** `systemDataDir`: the data folder tried first when DATA_DIR is not set (tests point it elsewhere). */
export async function runCli(argv: string[], io: Io, env = process.env, systemDataDir = SYSTEM_DATA_DIR): Promise<number> {
  try {
    return await execute(parseCommandLine(argv, env), io, env, systemDataDir);
  } catch (error) {
    if (error instanceof XuiError) {
      io.err(`xui-admin: ${error.message}`);
      return EXIT.refused;
    }
    throw error;
  }
}

const isMain = process.argv[1] !== undefined && /xui-admin(\.m?js)?$|cli[/\\]main\.[jt]s$/.test(process.argv[1]);
if (isMain) {
  loadEnvFile();
  // `xui-admin list | head`: a reader that has seen enough closes the pipe. That is no failure
  // of the command: the rest of its output goes nowhere, and the exit code stays the command's
  // own (1 would read as "drift").
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
  const io: Io = {
    out: (t) => {
      if (process.stdout.writable) process.stdout.write(t + "\n");
    },
    err: (t) => process.stderr.write(t + "\n"),
    // isatty, not process.stdin.isTTY: asking for process.stdin makes the stream, and a file or
    // pipe's loads Node's fs streams, fs/promises and readline (~3 ms of every call).
    ...(isatty(0) && isatty(2) ? { confirm: askOnTerminal } : {}),
  };
  runCli(process.argv.slice(2), io).then(exitWhenWritten, (error: unknown) => {
    io.err(`xui-admin: unexpected error: ${(error as Error).stack ?? String(error)}`);
    exitWhenWritten(EXIT.refused);
  });
}

/**
 * Ends the process with `code` once its output has left, rather than when the event loop runs
 * dry: everything the call started has been awaited by then, and Node's own end would still
 * tear V8's heap down (~20 ms after a change to 20 000 clients; bench: the whole-process
 * ratio). An empty write calls back once what was written before it has left: a pipe whose
 * reader is behind queues the writes (an exit without waiting cut a 6.1 MB list to 219 KB);
 * a stream already closed has nothing to wait for.
 */
function exitWhenWritten(code: number): void {
  process.exitCode = code;
  const streams = [process.stdout, process.stderr].filter((s) => s.writable);
  let pending = streams.length;
  const done = () => {
    if (--pending <= 0) process.exit(code);
  };
  if (pending === 0) process.exit(code);
  for (const s of streams) s.write("", done);
}
