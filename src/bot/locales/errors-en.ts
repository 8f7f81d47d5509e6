// Why the service refused, in English, from the error's data (core/error-detail.ts), for
// error-text.ts. Every argument comes in HTML-escaped; what the panel or the system said is
// quoted as it is. The bot's "Nothing changed:" goes in front, so no text repeats it.
import { FLOW_TEXTS, type AuthWhy, type InvalidAnswerWhy, type ReadOnlyWhy, type RefusalDetail, type UnreachableWhy } from "../../core/error-detail.js";
import { count } from "../../core/plural.js";

/** A refusal's text from its detail (strings escaped, counts as they are). */
type RefusalTexts = { [K in RefusalDetail["kind"]]: (d: Extract<RefusalDetail, { kind: K }>) => string };

const ONE_SERVER_CALLS = { create: "Creating a client", inbound: "An inbound", sync: "Sync", backup: "A backup" } as const;

const refusal: RefusalTexts = {
  "unknown-servers": (d) => `unknown server${d.names.length > 1 ? "s" : ""} ${d.names.map((n) => `"${n}"`).join(", ")} (servers: ${d.configured.join(", ")})`,
  "one-server": (d) => `${ONE_SERVER_CALLS[d.what]} needs one server: name it (servers: ${d.configured.join(", ")})`,
  "no-client": () => "no client given: name at least one email or key",
  "nothing-to-edit": () => "nothing to edit: give at least one field",
  "days-or-first-use": () => "days and start on first use: give one of them, not both",
  "one-inbound-v2": () => "on 3x-ui 2.x a client sits in one inbound: create one client per inbound, each with its own email",
  "no-client-accounting": (d) => `inbound ${d.inbound} is ${d.protocol}: it has no per-client accounting, clients cannot be added`,
  "unreadable-settings": (d) => `inbound ${d.inbound} has unreadable settings (${d.said})`,
  "keep-traffic-v2": () => "a 3x-ui 2.x panel drops a deleted client's usage with it: keeping the traffic is not possible through its API",
  "flow-refused": (d) => `flow: ${d.flow || "none"} cannot be set on inbound ${d.inbound}: ${FLOW_TEXTS[d.why](d.found)}`,
  "email-one-client": (d) => `a new email names one client, not ${d.clients}`,
  "unknown-filter": (d) => `unknown filter "${d.text}": use all, expiring [DAYS], expired, depleted, disabled or inbound ID`,
};

export const errorsEn = {
  /** An unexpected failure (the log has it). */
  internal: "internal error",
  /** A server's error when several are configured. */
  onServer: (server: string, text: string) => `server ${server}: ${text}`,
  /** Several servers' errors, each already onServer. */
  servers: (texts: string[]) => texts.join("; "),
  ambiguous: (parts: string[]) => `ambiguous reference: ${parts.join("; ")}; use the email`,
  ambiguousPart: (ref: string, emails: string) => `${ref} matches ${emails}`,
  noTrafficRow: (emails: string) => `no usage row (client_traffics) for ${emails}: run <code>xui-admin sync</code> on the server first`,
  readOnly: (path: string, why: string) => `${path} cannot be changed: ${why}`,
  readOnlyWhy: {
    layout: (said: string) => `its layout is not one this bot edits (${said})`,
    "v3-no-api": () => "3x-ui 3.x clients change only through the panel's HTTP API, which is not configured (XUI_PANEL_URL, XUI_API_TOKEN)",
    "not-writable": () => "the file is not writable for the bot's user",
    "opened-read-only": () => "the bot opened it read-only (XUI_READONLY)",
    "no-file": () => "there is no such file",
    "not-sqlite": (said: string) => `it is not a readable SQLite database (${said})`,
    "remote-mirror": () => "it mirrors a remote panel: sync repairs a local file only",
    "newer-bot-file": () => "a newer version of the bot wrote it: run that version again",
  } satisfies Record<ReadOnlyWhy, (said: string) => string>,
  backupFailed: (clients: number, said: string) => `could not back up x-ui.db before changing ${count(clients, "client")} (${said})`,
  wrongDatabase: (id: number, path: string) => `change #${id} was made on another database (${path})`,
  wrongServer: (id: number, server: string) => `change #${id} was made on server ${server}, which is not configured`,
  unreachable: (where: string, why: string) => `the panel at ${where} ${why}`,
  unreachableWhy: {
    timeout: (ms: string) => `did not answer within ${ms} ms`,
    tls: (said: string) => `has a TLS certificate the bot does not trust (${said}): give its certificate, or its CA, as the panel's CA`,
    refused: () => "refused the connection: is it running, on this port?",
    "no-host": () => "has a host name that does not resolve",
    failed: (said: string) => `did not answer (${said})`,
  } satisfies Record<UnreachableWhy, (extra: string) => string>,
  maybeApplied: "; it may have applied the change: look before trying again",
  statusTimeout: (ms: number) => `no answer within ${ms} ms`,
  auth: {
    token: (where: string, status: string) => `the panel at ${where} refused the API token (HTTP ${status}): give the plaintext of an enabled token`,
    relogin: (where: string, status: string) => `the panel at ${where} refused the bot right after a new login (HTTP ${status})`,
    login: (where: string, said: string) => `the panel at ${where} refused the login (${said || "no reason given"}): check the panel username and password`,
    csrf: (where: string) => `the panel at ${where} refused the login's CSRF token`,
    "two-factor": () => "the panel asks for a 2FA code: use an API token (XUI_API_TOKEN) instead",
  } satisfies Record<AuthWhy, (where: string, extra: string) => string>,
  panelRefused: (said: string) => `the panel refused: ${said || "no reason given"}`,
  notKept: (email: string) => `the panel did not keep ${email}`,
  invalidAnswer: (where: string, why: string) => `the panel at ${where} does not answer as 3x-ui does: ${why}`,
  invalidAnswerWhy: {
    "not-found": () => "a page is missing (HTTP 404): check the base path in its URL",
    redirect: (status: string) => `it redirects (HTTP ${status}): give the address it redirects to`,
    "server-error": (status: string) => `it failed (HTTP ${status})`,
    status: (status: string) => `HTTP ${status}`,
    "not-json": () => "its answer is not JSON: is this a 3x-ui panel?",
    "no-envelope": () => "its answer lacks 3x-ui's {success, msg, obj}",
    "bad-body": () => "its answer is not what its version sends",
    "too-big": () => "its answer is far too big",
    "no-csrf": () => "no session and CSRF token: is it 3x-ui 3.x?",
    "no-cookie": () => "the login set no session cookie: is it 3x-ui 2.x?",
    "no-version": () => "its login page shows no 3x-ui version: check the base path in its URL",
    "no-status-yet": () => "it has no status yet (it just started): try again in a few seconds",
    "too-old": (version: string) => `it runs 3x-ui ${version}: without a local x-ui.db the bot needs 3.1 or later`,
  } satisfies Record<InvalidAnswerWhy, (extra: string) => string>,
  refusal,
};

export type ErrorTexts = typeof errorsEn;
