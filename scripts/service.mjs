// npm run install-service / npm run uninstall-service: xui-admin-bot as a systemd service that
// runs this checkout (deploy/xui-admin-bot.service with the paths of this checkout and of the
// Node running this script filled in). Run as root, on the panel's server.
//
//   node scripts/service.mjs install   [--root DIR]
//   node scripts/service.mjs uninstall [--root DIR] [--purge]
//
// install: writes the unit, keeps the settings in /etc/xui-admin-bot/env (0600, in a 0700
// folder; an existing one is never overwritten; a new one starts from this checkout's .env,
// else .env.example) and the data in /var/lib/xui-admin-bot (0700), then enables the service
// and (re)starts it once BOT_TOKEN and ADMIN_IDS are set. Run again after an upgrade.
// uninstall: stops, disables and removes the unit; the settings and the data stay unless
// --purge. --root DIR: write under DIR instead of / and run no systemctl, only print what it
// would run (for tests and packaging).
/* global process */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs, parseEnv } from "node:util";

export const NAME = "xui-admin-bot";
const APP = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** What the unit in deploy/ names, replaced by the real paths. */
const UNIT_APP = "/opt/xui-admin-bot";
const UNIT_NODE = "ExecStart=/usr/bin/node ";
/** Hidden from the service by ProtectHome. */
const HOMES = ["/root", "/home", "/run/user"];

/**
 * Where each piece goes under `root` ("/" for real).
 * @param {string} root
 */
export function paths(root) {
  const config = join(root, "etc", NAME);
  return {
    unit: join(root, "etc/systemd/system", `${NAME}.service`),
    config,
    env: join(config, "env"),
    data: join(root, "var/lib", NAME),
    panel: join(root, "etc/x-ui"),
  };
}

class Refusal extends Error {}

/** @param {string} path */
const underHome = (path) => HOMES.some((home) => path === home || path.startsWith(`${home}/`));

/**
 * The unit for this checkout (`app`) and this Node (`node`). A checkout or a Node under a home
 * folder (a clone in /root, Node from nvm) would be hidden by ProtectHome=true: then homes are
 * replaced by an empty tmpfs in which only those two are bound, read-only.
 * @param {string} template
 * @param {{ app: string, node: string }} paths
 */
export function renderUnit(template, { app, node }) {
  for (const path of [app, node]) {
    // systemd splits ExecStart at spaces and expands % and $: such a path would be misread.
    if (!/^\/[\w./@+-]*$/.test(path)) throw new Refusal(`${path}: systemd would misread this path (spaces, %, $ or quotes); use a plain one such as ${UNIT_APP}`);
  }
  let unit = template.replaceAll(UNIT_APP, app).replace(UNIT_NODE, `ExecStart=${node} `);
  const hidden = [...new Set([app, dirname(node)].filter(underHome))];
  if (hidden.length > 0) {
    unit = unit.replace("ProtectHome=true\n", `ProtectHome=tmpfs\n# This checkout or Node lives in a home folder: only they are seen there, read-only.\nBindReadOnlyPaths=${hidden.join(" ")}\n`);
  }
  return unit;
}

/**
 * A folder only root may enter: created 0700, or tightened to it.
 * @param {string} dir
 */
function privateDir(dir) {
  mkdirSync(dirname(dir), { recursive: true }); // /etc, /var/lib: theirs as they are
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** @typedef {(line: string) => void} Say */
/** @typedef {(...args: string[]) => void} Systemctl */

/**
 * The settings file: kept when there, else started from .env or .env.example, never wider than 0600.
 * @param {string} env
 * @param {Say} say
 */
function writeSettings(env, say) {
  if (existsSync(env)) {
    say(`kept ${env} (your settings)`);
  } else {
    const from = existsSync(join(APP, ".env")) ? ".env" : ".env.example";
    // Created 0600 from the start: .env holds the bot's token.
    writeFileSync(env, readFileSync(join(APP, from)), { mode: 0o600, flag: "wx" });
    say(`wrote ${env} from ${from}`);
  }
  chmodSync(env, 0o600);
}

/**
 * @param {string} root
 * @param {Systemctl} systemctl
 * @param {Say} say
 */
function install(root, systemctl, say) {
  const p = paths(root);
  if (!existsSync(join(APP, "dist/main.js"))) throw new Refusal(`${APP}/dist/main.js is missing: run \`npm ci\` (it builds) first`);
  const unit = renderUnit(readFileSync(join(APP, "deploy", `${NAME}.service`), "utf8"), { app: APP, node: process.execPath });
  mkdirSync(dirname(p.unit), { recursive: true });
  writeFileSync(p.unit, unit, { mode: 0o644 });
  chmodSync(p.unit, 0o644);
  say(`wrote ${p.unit} (runs ${APP}/dist/main.js with ${process.execPath})`);
  privateDir(p.config);
  writeSettings(p.env, say);
  privateDir(p.data);
  say(`data in ${p.data}`);
  if (!existsSync(p.panel)) say(`warning: ${p.panel} does not exist (is 3x-ui installed?): the service cannot start without it`);
  systemctl("daemon-reload");
  systemctl("enable", NAME);
  const settings = parseEnv(readFileSync(p.env, "utf8"));
  if (settings.BOT_TOKEN && settings.ADMIN_IDS) {
    systemctl("restart", NAME);
    say(`${NAME} is enabled and (re)started`);
  } else {
    say(`${NAME} is enabled; set BOT_TOKEN and ADMIN_IDS in ${p.env}, then: systemctl start ${NAME}`);
  }
  say(`logs:   journalctl -u ${NAME} -f`);
  say(`status: systemctl status ${NAME}`);
  say(`health: sudo ${process.execPath} --env-file=/etc/${NAME}/env ${APP}/bin/xui-admin.js health`);
}

/**
 * @param {string} root
 * @param {Systemctl} systemctl
 * @param {Say} say
 * @param {boolean} purge
 */
function uninstall(root, systemctl, say, purge) {
  const p = paths(root);
  try {
    systemctl("disable", "--now", NAME);
  } catch {
    say(`${NAME} was not running or not enabled`);
  }
  rmSync(p.unit, { force: true });
  say(`removed ${p.unit}`);
  systemctl("daemon-reload");
  if (purge) {
    rmSync(p.config, { recursive: true, force: true });
    rmSync(p.data, { recursive: true, force: true });
    say(`removed ${p.config} and ${p.data}`);
  } else {
    say(`kept ${p.config} (settings) and ${p.data} (data, audit log, backups); --purge removes them`);
  }
}

/** @param {string[]} argv */
function main(argv) {
  const { values, positionals } = parseArgs({ args: argv, options: { root: { type: "string" }, purge: { type: "boolean" } }, allowPositionals: true });
  const [action] = positionals;
  if ((action !== "install" && action !== "uninstall") || positionals.length !== 1) throw new Refusal("usage: service.mjs install|uninstall [--root DIR] [--purge]");
  const root = resolve(values.root ?? "/");
  /** @type {Say} */
  const say = (line) => process.stdout.write(`${line}\n`);
  /** @type {Systemctl} */
  let systemctl = (...args) => say(`would run: systemctl ${args.join(" ")}`);
  if (root === "/") {
    if (process.getuid?.() !== 0) throw new Refusal(`run it as root: sudo npm run ${action}-service`);
    if (!existsSync("/run/systemd/system")) throw new Refusal("systemd is not running here (a container?): see the README for Docker");
    systemctl = (...args) => execFileSync("systemctl", args, { stdio: "inherit" });
  }
  if (action === "install") install(root, systemctl, say);
  else uninstall(root, systemctl, say, values.purge === true);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    // parseArgs reports an unknown option as a TypeError with a code: a usage error too.
    if (!(error instanceof Refusal) && !(error instanceof TypeError && "code" in error)) throw error;
    process.stderr.write(`service: ${error.message}\n`);
    process.exitCode = 1;
  }
}
