// Why Xray was not restarted, in English, from the failure's data (apply/apply-failure.ts), for
// apply-text.ts. Every string comes in HTML-escaped; the command line, what it or the panel
// said, and the panel's address are quoted as they are. "Xray was not restarted:" goes in front.
import type { ApplyFailure } from "../../apply/apply-failure.js";
import { errorsEn } from "./errors-en.js";

/** One text per kind: a new kind without its text fails to compile. */
export type ApplyTexts = { [K in ApplyFailure["kind"]]: (d: Extract<ApplyFailure, { kind: K }>) => string };

/** What the panel said, else its HTTP status. */
export const panelSaid = (d: { said: string; status: number }): string => d.said || `HTTP ${d.status}`;

export const applyEn: ApplyTexts = {
  "command-not-started": (d) => `the command <code>${d.command}</code> could not be started (${d.said})`,
  "command-failed": (d) =>
    `the command <code>${d.command}</code> ${d.signal ? `was stopped by ${d.signal}` : `exited with code ${d.exitCode ?? "?"}`}${d.said ? `: <code>${d.said}</code>` : ""}`,
  "command-timeout": (d) => `the command <code>${d.command}</code> did not finish within ${d.ms} ms`,
  "panel-unreachable": (d) => errorsEn.unreachable(d.url, errorsEn.unreachableWhy[d.why](d.said ?? String(d.ms ?? ""))),
  "panel-login": (d) => errorsEn.auth.login(d.url, panelSaid(d)),
  "panel-restart": (d) => `the panel at ${d.url} refused to restart Xray (${panelSaid(d)})`,
};
