// Why Xray was not restarted, in the admin's language, from the failure's data; the English
// message only for a failure without it (an unexpected error). HTML, escaped.
import type { ApplyOutcome } from "../apply/scheduler.js";
import { escaped } from "./error-text.js";
import { esc } from "./html.js";
import type { Texts } from "./locales/en.js";

export function applyFailureText(t: Texts, outcome: Extract<ApplyOutcome, { ok: false }>): string {
  const r = outcome.reason;
  if (!r) return esc(outcome.error);
  return (t.applyWhy[r.kind] as (d: typeof r) => string)(escaped(r));
}
