// Why the service refused, in the admin's language: a refused value (the parsers' codes and
// fields), an unknown inbound or client, a duplicate email, a busy database. Anything else
// keeps the service's English message. HTML, escaped.
import type { XuiError } from "../core/errors.js";
import { esc } from "./html.js";
import type { Texts } from "./locales/en.js";

export function errorText(t: Texts, error: XuiError): string {
  if (error.invalid) {
    const { field, value, code, limit } = error.invalid;
    return t.invalid(esc(t.fieldName(field)), esc(JSON.stringify(value)), t.invalidWhy[code](esc(limit)));
  }
  const subjects = esc(error.subjects.join(", "));
  switch (error.code) {
    case "busy":
      return t.busy;
    case "unknown-inbound":
      return t.unknownInbound(subjects);
    case "duplicate-email":
      return t.duplicateEmail(subjects);
    case "unknown-ref":
      if (subjects) return t.unknownClients(subjects);
  }
  return esc(error.message);
}
