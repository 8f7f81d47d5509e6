// Telegram HTML needs only three escapes; every value from the database goes through here
// (real emails contain & and <).
export const esc = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Telegram's limit is 4096 characters; stay under it with room for the markup. */
export const MESSAGE_LIMIT = 4000;

/** Splits text at line boundaries into messages under the limit (long lines are cut). */
export function splitMessage(text: string, limit = MESSAGE_LIMIT): string[] {
  const parts: string[] = [];
  let current = "";
  for (const line of text.split("\n")) {
    for (let rest = line; ; ) {
      const piece = rest.slice(0, limit);
      rest = rest.slice(limit);
      if (current.length + piece.length + 1 > limit && current.length > 0) {
        parts.push(current);
        current = "";
      }
      current = current.length > 0 ? `${current}\n${piece}` : piece;
      if (rest.length === 0) break;
    }
  }
  if (current.length > 0) parts.push(current);
  return parts;
}
