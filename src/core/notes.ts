// What each note on a client's change means, in English: the CLI prints these and the bot's
// English texts use them (plain text, no HTML to escape).
import type { NoteCode } from "./types.js";

export const NOTE_TEXTS: Record<NoteCode, string> = {
  "never-expires": "never expires: nothing to extend",
  "delayed-start": "delayed start: the days count from first use",
  reactivated: "re-activated",
  "still-expired": "still expired",
  "still-exhausted": "still over its traffic limit",
  blocked: "stays blocked",
  "no-change": "unchanged",
  deleted: "deleted",
  "panel-changed": "the panel stored something else (changed meanwhile?)",
  "now-expired": "now expired",
  "already-blocked": "already blocked",
  "not-blocked": "not blocked",
  "usage-not-restored": "back, but its usage starts from zero (the panel cannot restore it)",
};
