// Logs through pino. Secrets never reach a log line: known fields are redacted, and every
// string is scrubbed of the configured secrets (grammY puts the bot token in request URLs,
// and error messages can quote it).
import pino, { type Logger } from "pino";

export type { Logger };

export function createLogger(level: string, secrets: (string | undefined)[], destination?: pino.DestinationStream): Logger {
  const hidden = secrets.filter((s): s is string => typeof s === "string" && s.length >= 8);
  const scrub = (text: string) => hidden.reduce((t, s) => t.split(s).join("[redacted]"), text);
  const options: pino.LoggerOptions = {
    level,
    redact: { paths: ["token", "*.token", "password", "*.password", "headers.authorization", "*.headers.authorization"], censor: "[redacted]" },
    hooks: {
      logMethod(args, method) {
        const clean = args.map((a) => scrubValue(a, scrub));
        method.apply(this, clean as Parameters<typeof method>);
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

function scrubValue(value: unknown, scrub: (t: string) => string): unknown {
  if (typeof value === "string") return scrub(value);
  if (value instanceof Error) return scrubError(value, scrub).err;
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, v instanceof Error ? scrubError(v, scrub).err : JSON.parse(scrub(JSON.stringify(v) ?? "null")) as unknown]));
}

function scrubError(error: Error, scrub: (t: string) => string): { err: { type: string; message: string; stack?: string } } {
  return { err: { type: error.name, message: scrub(error.message), ...(error.stack ? { stack: scrub(error.stack) } : {}) } };
}
