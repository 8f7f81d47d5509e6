// `server:nl` in a filter or a query (/list server:nl expired, /find server:nl alice): the
// servers to look on, and the rest of the text as it was.
import type { Scope } from "../service/client-service.js";

export function serverScope(text: string): { scope: Scope; rest: string } {
  const words = text.trim().split(/\s+/).filter((w) => w.length > 0);
  const servers = words.filter((w) => /^server:/i.test(w)).map((w) => w.slice("server:".length).toLowerCase());
  const rest = words.filter((w) => !/^server:/i.test(w)).join(" ");
  return { scope: servers.length > 0 ? { servers } : {}, rest };
}
