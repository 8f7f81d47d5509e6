// Plain-text output of xui-admin (English; the bot has its own localised texts).
import { LOCAL_SERVER } from "../core/servers.js";
import type { ServerStatus } from "../service/server-status.js";
import type { AuditSummary } from "../core/types.js";
import type { CheckReport, Finding, FindingKind } from "../service/check.js";
import { count } from "../core/plural.js";
import type { SyncReport } from "../service/sync.js";
import type { DiffTable } from "../core/diff-table.js";
import { EDIT_FIELDS, NOTE, notesOf, type FieldChange } from "../core/types.js";
import { clientStatus, type ClientStatus } from "../service/status.js";
import type { Client, ClientDiff, ClientState, InboundInfo, NoteCode, OpResult } from "../core/types.js";
import { daysLeft, delayedDays, gbString, lastValidDay, timeString } from "../core/units.js";
import { NOTE_TEXTS } from "../core/notes.js";

function expiry(ms: number, now: number): string {
  if (ms === 0) return "never";
  if (ms < 0) return `${count(delayedDays(ms), "day")} from first use`;
  const left = daysLeft(ms, now);
  // A date typed as a date reads back as typed: "through 2027-01-31", not the midnight after it.
  const day = lastValidDay(ms);
  return `${day ? `through ${day}` : timeString(ms)} (${left >= 0 ? `${count(left, "day")} left` : `expired ${count(-left, "day")} ago`})`;
}

const limit = (bytes: number) => (bytes === 0 ? "unlimited" : `${gbString(bytes)} GB`);

const FIELDS: [keyof ClientState, string, (s: ClientState, now: number) => string][] = [
  ["enabled", "enabled", (s) => (s.enabled ? "yes" : "no (blocked)")],
  ["active", "active", (s) => (s.active ? "yes" : "no")],
  ["expiryTime", "expiry", (s, now) => expiry(s.expiryTime, now)],
  ["totalBytes", "limit", (s) => limit(s.totalBytes)],
  ["reset", "auto-renew", (s) => renew(s.reset)],
  ["up", "used", (s) => `${gbString(s.up + s.down)} GB`],
];

const renew = (days: number) => (days === 0 ? "off" : days === 1 ? "every day" : `every ${count(days, "day")}`);

/** A JSON field's value as stored: text quoted (an empty comment shows), a missing key as "-". */
const stored = (change: FieldChange, side: "before" | "after"): string => {
  if (!(side in change)) return "-";
  const v = change[side];
  return typeof v === "string" ? JSON.stringify(v) : String(v);
};

const NOTES = NOTE_TEXTS;

/** `nl/alice` when several servers are configured (the fleet then sets the server), else `alice`. */
const named = (c: { email: string; server?: string }): string => (c.server === undefined ? c.email : `${c.server}/${c.email}`);

export function renderDiff(d: ClientDiff, now: number): string {
  const lines = [`${named(d)} (inbound ${d.inboundId})${d.before ? "" : ": created"}`];
  for (const [key, label, show] of FIELDS) {
    const before = d.before;
    if (before && before[key] === d.after[key] && !(key === "up" && before.down !== d.after.down)) continue;
    if (!before && key === "reset" && d.after.reset === 0) continue;
    lines.push(`  ${label}: ${before ? `${show(before, now)} -> ` : ""}${show(d.after, now)}`);
  }
  for (const f of EDIT_FIELDS) {
    const change = d.fields?.[f];
    if (change) lines.push(`  ${f}: ${stored(change, "before")} -> ${stored(change, "after")}`);
  }
  if (d.notes.length > 0) lines.push(`  note: ${d.notes.map((n) => NOTES[n]).join("; ")}`);
  return lines.join("\n");
}

/** Above this many changed clients, text output shows the first few and counts the rest. */
const LISTED = 50;
const SHOWN = 20;

/** How many of the diffs carry each note; "no-change" counts only where it is the only one
 *  (every unchanged diff has it; the other note says why). */
function countNotes(diffs: DiffTable, indices: number[]): Map<NoteCode, number> {
  const byMask = new Map<number, number>();
  for (const i of indices) byMask.set(diffs.notesMask(i), (byMask.get(diffs.notesMask(i)) ?? 0) + 1);
  const counts = new Map<NoteCode, number>();
  for (const [mask, n] of byMask) {
    for (const code of notesOf(mask)) if (code !== "no-change" || mask === NOTE[code]) counts.set(code, (counts.get(code) ?? 0) + n);
  }
  return counts;
}

/**
 * An operation's result for a person: every diff when there are few (or with --full), else
 * the first SHOWN and the rest counted; a terminal full of 20 000 diffs helps nobody (--json
 * and --full still give every one). Reads the result's columns: no object per client.
 */
export function renderOp(r: OpResult, now: number, full = false): string {
  const diffs = r.diffs;
  const changed = diffs.indices(true);
  const unchanged = diffs.indices(false);
  const out = [`${r.operation}: ${r.dryRun ? "would change" : "changed"} ${count(changed.length, "client")}, ${unchanged.length} unchanged`];
  const listed = full || changed.length <= LISTED ? changed : changed.slice(0, SHOWN);
  for (const i of listed) out.push(renderDiff(diffs.diff(i), now));
  if (listed.length < changed.length) {
    const notes = [...countNotes(diffs, changed.slice(SHOWN))].map(([code, n]) => `${NOTES[code]} ${n}`).join(", ");
    out.push(`… and ${changed.length - SHOWN} more${notes ? `; notes: ${notes}` : ""} (--full lists every client)`);
  }
  if (full || unchanged.length <= SHOWN) {
    for (const i of unchanged) out.push(renderDiff(diffs.diff(i), now));
  } else {
    for (const [code, n] of countNotes(diffs, unchanged)) out.push(`unchanged, ${NOTES[code]}: ${n}`);
  }
  if (r.backup) out.push(`backup taken first: ${r.backup}`);
  if (r.needsApply && !r.dryRun) out.push("Xray picks this change up at its next restart (x-ui restart-xray).");
  return out.join("\n");
}

const STATUS: Record<ClientStatus, string> = {
  active: "active",
  expired: "expired",
  depleted: "depleted (traffic used up)",
  blocked: "blocked",
  disabled: "disabled by the panel",
};

export function renderClient(c: Client, now: number): string {
  return [
    named(c),
    `  inbound:  ${c.inboundId} ${c.inboundRemark} (${c.protocol})${c.inboundIds.length > 1 ? `; also ${c.inboundIds.slice(1).join(", ")}` : ""}`,
    `  status:   ${STATUS[clientStatus(c, now)]}`,
    `  used:     ${gbString(c.up + c.down)} GB of ${limit(c.totalBytes)} (up ${gbString(c.up)}, down ${gbString(c.down)})`,
    `  expiry:   ${expiry(c.expiryTime, now)}`,
    `  key:      ${c.key}`,
    `  subId:    ${c.subId || "-"}`,
    `  tgId:     ${c.tgId || "-"}`,
    `  limitIp:  ${c.limitIp || "-"}`,
    ...(c.flow ? [`  flow:     ${c.flow}`] : []),
    ...(c.reset ? [`  renew:    ${renew(c.reset)}`] : []),
    ...(c.comment ? [`  comment:  ${c.comment}`] : []),
    ...(c.hasTrafficRow ? [] : ["  warning:  no client_traffics row (run xui-admin sync)"]),
  ].join("\n");
}

/** A panel text in one tab-separated line: its newlines and tabs escaped as \n and \t. */
const oneLine = (text: string) => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t");

/** The columns of renderClientLine, for the top of a list. */
export const CLIENT_LINE_HEADER = "EMAIL\tINBOUNDS\tSTATUS\tUSED / LIMIT\tEXPIRY";

export function renderClientLine(c: Client, now: number): string {
  return `${oneLine(named(c))}\t#${c.inboundIds.join(",#")}\t${clientStatus(c, now)}\t${gbString(c.up + c.down)} GB / ${limit(c.totalBytes)}\t${expiry(c.expiryTime, now)}`;
}

export const INBOUND_HEADER = "ID\tPROTOCOL\tPORT\tSTATE\tREMARK\tCLIENTS";

export function renderInbound(i: InboundInfo): string {
  const state = i.settingsError ? `settings unreadable: ${oneLine(i.settingsError)}` : i.supportsClients ? count(i.clientCount, "client") : "no per-client accounting";
  return `${i.server === undefined ? "" : `${i.server}\t`}#${i.id}\t${i.protocol}\t:${i.port}\t${i.enable ? "on" : "off"}\t${oneLine(i.remark)}\t${state}`;
}

/** Findings shown per kind before "… and N more" (--full: all). */
const PER_KIND = 5;

/** What repairs each kind of finding on a 2.x file. */
const REPAIR: Record<FindingKind, string> = {
  "bad-type": "`xui-admin sync` rewrites each value as the panel writes it",
  "missing-row": "`xui-admin sync` adds the missing rows",
  "wrong-inbound": "`xui-admin sync` moves the rows to the client's inbound",
  mismatch: "`xui-admin sync` copies client_traffics into the settings (`--from json`: the other way)",
  "orphan-row": "`xui-admin sync --prune` deletes the rows",
  "duplicate-email": "sync leaves these to you: rename or delete one of each pair in the panel",
  "bad-settings": "sync leaves these to you: repair the inbound's settings in the panel",
  "flag-note": "nothing to repair",
  // 3x-ui 3.x kinds: the panel's own migration repairs them (xui-admin sync says how).
  "missing-client": "",
  "missing-link": "",
  "stale-link": "",
  "orphan-client": "",
  "client-mismatch": "",
  "traffic-mismatch": "",
};

/** Findings grouped by kind: a count, what repairs them, the first few (all with `full`). */
function groupedFindings(findings: Finding[], full: boolean, v3: boolean): string[] {
  const byKind = new Map<FindingKind, Finding[]>();
  for (const f of findings) byKind.set(f.kind, [...(byKind.get(f.kind) ?? []), f]);
  const out: string[] = [];
  for (const [kind, list] of byKind) {
    const repair = v3 ? "the panel's `x-ui migrate` repairs these (see `xui-admin sync`)" : REPAIR[kind];
    out.push(`  ${kind}: ${list.length}${repair ? ` (${repair})` : ""}`);
    const shown = full ? list : list.slice(0, PER_KIND);
    for (const f of shown) out.push(`    ${f.message}`);
    if (shown.length < list.length) out.push(`    … and ${list.length - shown.length} more (--full lists all)`);
  }
  return out;
}

export function renderCheck(r: CheckReport, full = false): string {
  const head = `${r.family}: ${count(r.inbounds, "inbound")}, ${count(r.clients, "client")}, ${count(r.rows, "client_traffics row")}`;
  const out = [head];
  if (r.readOnlyReason) out.push(`read-only: ${r.readOnlyReason}`);
  for (const u of r.unchecked ?? []) out.push(`not checked: server ${u.server}: ${u.error}`);
  out.push(r.findings.length === 0 ? "no drift" : `${count(r.findings.length, "finding")}:`);
  out.push(...groupedFindings(r.findings, full, r.family === "3x-ui-3"));
  if (r.notes.length > 0) out.push(`${count(r.notes.length, "note")}:`, ...groupedFindings(r.notes, full, false));
  return out.join("\n");
}

export function renderSync(r: SyncReport & { backup?: string }): string {
  if (r.reportOnly) {
    const found = r.unresolved.map((f) => `  [${f.kind}] ${f.message}`);
    return [`sync: ${r.reportOnly}`, r.unresolved.length === 0 ? "no drift" : `${count(r.unresolved.length, "finding")}:`, ...found].join("\n");
  }
  const out = [`sync: ${r.dryRun ? "would apply" : "applied"} ${count(r.actions.length, "change")}`];
  if (r.backup) out.push(`backup: ${r.backup}`);
  for (const a of r.actions) {
    const fields = Object.entries(a.fields)
      .map(([k, [b, c]]) => `${k} ${JSON.stringify(b)} -> ${JSON.stringify(c)}`)
      .join(", ");
    out.push(`  ${a.kind} ${a.email} (inbound ${a.inboundId})${fields ? `: ${fields}` : ""}`);
  }
  if (r.unresolved.length > 0) {
    out.push(`${count(r.unresolved.length, "finding")} sync leaves to you:`, ...r.unresolved.map((f) => `  [${f.kind}] ${f.message}`));
  }
  return out.join("\n");
}

export function renderServer(s: ServerStatus): string {
  const facts = [s.state, s.version === undefined ? s.panel : `${s.panel} ${s.version}`, `writes: ${s.writer}`];
  if (s.clients !== undefined) facts.push(`${s.clients} clients`);
  if (s.online !== undefined) facts.push(`${s.online} online`);
  return `${s.name}\t${facts.join("\t")}${s.lastError === undefined ? "" : `\n  last error: ${s.lastError}`}`;
}

export function renderAuditLine(e: AuditSummary): string {
  const shown = e.clients > e.names.length ? `${e.names.join(", ")} and ${e.clients - e.names.length} more` : e.names.join(", ");
  // The server where several are configured (the one local server goes unnamed, as before).
  const server = e.server === undefined || e.server === LOCAL_SERVER ? "" : `\t@${e.server}`;
  return `#${e.id}\t${timeString(e.at)}\t${e.actor}\t${e.operation}${server}\t${shown}${e.undoneBy !== null ? `\t(undone by #${e.undoneBy})` : ""}`;
}

export function renderUndo(u: { result: OpResult | null; skipped: string[] }, now: number, full = false): string {
  const out = [u.result ? renderOp(u.result, now, full) : "nothing to undo: every client has changed since"];
  if (u.skipped.length > 0) out.push(`left as they are (changed since, or created by that change): ${u.skipped.join(", ")}`);
  return out.join("\n");
}
