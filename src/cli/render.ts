// Plain-text output of xui-admin (English; the bot has its own localised texts).
import type { AuditEntry } from "../service/audit.js";
import type { CheckReport } from "../service/check.js";
import type { SyncReport } from "../service/sync.js";
import type { Client, ClientDiff, ClientState, InboundInfo, OpResult } from "../service/types.js";
import { dateString, daysLeft, delayedDays, gbString } from "../shared/units.js";

function expiry(ms: number, now: number): string {
  if (ms === 0) return "never";
  if (ms < 0) return `${delayedDays(ms)} days from first use`;
  const left = daysLeft(ms, now);
  return `${dateString(ms)} (${left >= 0 ? `${left} days left` : `expired ${-left} days ago`})`;
}

const limit = (bytes: number) => (bytes === 0 ? "unlimited" : `${gbString(bytes)} GB`);

const FIELDS: [keyof ClientState, string, (s: ClientState, now: number) => string][] = [
  ["enabled", "enabled", (s) => (s.enabled ? "yes" : "no (blocked)")],
  ["active", "active", (s) => (s.active ? "yes" : "no")],
  ["expiryTime", "expiry", (s, now) => expiry(s.expiryTime, now)],
  ["totalBytes", "limit", (s) => limit(s.totalBytes)],
  ["up", "used", (s) => `${gbString(s.up + s.down)} GB`],
];

const NOTES: Record<string, string> = {
  "never-expires": "never expires: nothing to extend",
  "delayed-start": "delayed start: the days count from first use",
  reactivated: "re-activated",
  "still-expired": "still expired",
  "still-exhausted": "still over its traffic limit",
  blocked: "stays blocked",
  "no-change": "unchanged",
};

export function renderDiff(d: ClientDiff, now: number): string {
  const lines = [`${d.email} (inbound ${d.inboundId})${d.before ? "" : ": created"}`];
  for (const [key, label, show] of FIELDS) {
    const before = d.before;
    if (before && before[key] === d.after[key] && !(key === "up" && before.down !== d.after.down)) continue;
    lines.push(`  ${label}: ${before ? `${show(before, now)} -> ` : ""}${show(d.after, now)}`);
  }
  if (d.notes.length > 0) lines.push(`  note: ${d.notes.map((n) => NOTES[n] ?? n).join("; ")}`);
  return lines.join("\n");
}

/** Above this many changed clients, text output shows the first few and counts the rest. */
const LISTED = 50;
const SHOWN = 20;

/** How many of the diffs changed each field, and carry each note ("no-change" counted only alone). */
function tally(diffs: ClientDiff[]): { fields: Map<string, number>; notes: Map<string, number> } {
  const fields = new Map<string, number>();
  const notes = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const d of diffs) {
    for (const [key, label] of FIELDS) if (d.before && d.before[key] !== d.after[key]) bump(fields, label);
    for (const n of d.notes) if (n !== "no-change" || d.notes.length === 1) bump(notes, NOTES[n] ?? n);
  }
  return { fields, notes };
}

const counts = (m: Map<string, number>) => [...m].map(([k, n]) => `${k} ${n}`).join(", ");

/**
 * An operation's result for a person: every diff when there are few (or with --full), else
 * the first SHOWN and what the rest changed, counted; a terminal full of 20 000 diffs helps
 * nobody (--json and --full still give every one).
 */
export function renderOp(r: OpResult, now: number, full = false): string {
  const verb = r.dryRun ? "would change" : "changed";
  const out = [`${r.operation}: ${verb} ${r.changed.length} client(s), ${r.unchanged.length} unchanged`];
  const listed = full || r.changed.length <= LISTED ? r.changed : r.changed.slice(0, SHOWN);
  for (const d of listed) out.push(renderDiff(d, now));
  if (listed.length < r.changed.length) {
    const rest = tally(r.changed.slice(SHOWN));
    out.push(`… and ${r.changed.length - SHOWN} more: ${counts(rest.fields)}${rest.notes.size > 0 ? `; notes: ${counts(rest.notes)}` : ""} (--full lists every client)`);
  }
  if (full || r.unchanged.length <= SHOWN) {
    for (const d of r.unchanged) out.push(renderDiff(d, now));
  } else {
    // "no-change" is what every one of them shares; the other note says why.
    for (const [note, count] of tally(r.unchanged).notes) out.push(`unchanged, ${note}: ${count}`);
  }
  if (r.needsApply && !r.dryRun) out.push("Xray picks this change up at its next restart (x-ui restart-xray).");
  return out.join("\n");
}

export function renderClient(c: Client, now: number): string {
  return [
    `${c.email}`,
    `  inbound:  ${c.inboundId} ${c.inboundRemark} (${c.protocol})`,
    `  status:   ${!c.enabled ? "blocked" : c.active ? "active" : "disabled by the panel (expired or over limit)"}`,
    `  used:     ${gbString(c.up + c.down)} GB of ${limit(c.totalBytes)} (up ${gbString(c.up)}, down ${gbString(c.down)})`,
    `  expiry:   ${expiry(c.expiryTime, now)}`,
    `  key:      ${c.key}`,
    `  subId:    ${c.subId || "-"}`,
    `  tgId:     ${c.tgId || "-"}`,
    `  limitIp:  ${c.limitIp || "-"}`,
    ...(c.comment ? [`  comment:  ${c.comment}`] : []),
    ...(c.hasTrafficRow ? [] : ["  warning:  no client_traffics row (run xui-admin sync)"]),
  ].join("\n");
}

export function renderClientLine(c: Client, now: number): string {
  const status = !c.enabled ? "blocked" : c.active ? "active" : "off";
  return `${c.email}\t#${c.inboundId}\t${status}\t${gbString(c.up + c.down)}/${limit(c.totalBytes)}\t${expiry(c.expiryTime, now)}`;
}

export function renderInbound(i: InboundInfo): string {
  const state = i.settingsError ? `settings unreadable: ${i.settingsError}` : i.supportsClients ? `${i.clientCount} clients` : "no per-client accounting";
  return `#${i.id}\t${i.protocol}\t:${i.port}\t${i.enable ? "on" : "off"}\t${i.remark}\t${state}`;
}

export function renderCheck(r: CheckReport): string {
  const head = `${r.family}: ${r.inbounds} inbounds, ${r.clients} clients, ${r.rows} client_traffics rows`;
  const out = [head];
  if (r.readOnlyReason) out.push(`read-only: ${r.readOnlyReason}`);
  out.push(r.findings.length === 0 ? "no drift" : `${r.findings.length} finding(s):`);
  for (const f of r.findings) out.push(`  [${f.kind}] ${f.message}`);
  if (r.notes.length > 0) out.push(`${r.notes.length} note(s):`, ...r.notes.map((n) => `  ${n.message}`));
  return out.join("\n");
}

export function renderSync(r: SyncReport & { backup?: string }): string {
  const out = [`sync: ${r.dryRun ? "would apply" : "applied"} ${r.actions.length} change(s)`];
  if (r.backup) out.push(`backup: ${r.backup}`);
  for (const a of r.actions) {
    const fields = Object.entries(a.fields)
      .map(([k, [b, c]]) => `${k} ${JSON.stringify(b)} -> ${JSON.stringify(c)}`)
      .join(", ");
    out.push(`  ${a.kind} ${a.email} (inbound ${a.inboundId})${fields ? `: ${fields}` : ""}`);
  }
  if (r.unresolved.length > 0) {
    out.push(`${r.unresolved.length} finding(s) sync leaves to you:`, ...r.unresolved.map((f) => `  [${f.kind}] ${f.message}`));
  }
  return out.join("\n");
}

export function renderAuditLine(e: AuditEntry): string {
  const emails = e.diffs.map((d) => d.email);
  const shown = emails.length > 5 ? `${emails.slice(0, 5).join(", ")} and ${emails.length - 5} more` : emails.join(", ");
  return `#${e.id}\t${dateString(e.at)}\t${e.actor}\t${e.operation}\t${shown}${e.undoneBy !== null ? `\t(undone by #${e.undoneBy})` : ""}`;
}

export function renderUndo(u: { result: OpResult | null; skipped: string[] }, now: number, full = false): string {
  const out = [u.result ? renderOp(u.result, now, full) : "nothing to undo: every client has changed since"];
  if (u.skipped.length > 0) out.push(`left as they are (changed since, or created by that change): ${u.skipped.join(", ")}`);
  return out.join("\n");
}
