// The answers of 3x-ui 2.x's API (written against v2.9.4), checked with zod before use:
// model.Inbound as the inbounds routes send it (settings, streamSettings and sniffing are JSON
// *text*, exactly the database's columns) and xray.ClientTraffic (its clientStats rows).
import { z } from "zod";

/** Go's int64 may exceed 2^53: whole, not "safe integer". */
const whole = z.number().refine(Number.isInteger, "not a whole number");
const text = z.string();

export const trafficSchema = z.looseObject({
  id: whole,
  inboundId: whole,
  enable: z.boolean(),
  email: text,
  up: whole,
  down: whole,
  allTime: whole.default(0),
  expiryTime: whole,
  total: whole,
  reset: whole.default(0),
  lastOnline: whole.default(0),
});

export const inboundSchema = z.looseObject({
  id: whole,
  up: whole,
  down: whole,
  total: whole,
  allTime: whole.default(0),
  remark: text.default(""),
  enable: z.boolean(),
  expiryTime: whole.default(0),
  trafficReset: text.default("never"),
  lastTrafficResetTime: whole.default(0),
  clientStats: z.array(trafficSchema).nullable().default([]),
  listen: text.default(""),
  port: whole,
  protocol: text,
  settings: text,
  streamSettings: text.default(""),
  tag: text,
  sniffing: text.default(""),
});

export const inboundsSchema = z.array(inboundSchema).nullable();
/** getClientTraffics/:email answers obj null for an email it has no row for. */
export const trafficAnswerSchema = trafficSchema.nullable();

export type Panel2Traffic = z.infer<typeof trafficSchema>;
export type Panel2Inbound = z.infer<typeof inboundSchema>;

/** The version in the login page's asset links (`custom.min.css?2.9.4`, web/html/common/page.html). */
export function versionInPage(html: string): string | null {
  const m = /assets\/css\/custom\.min\.css\?v?(\d+\.\d+\.\d+[\w.-]*)/.exec(html);
  return m ? (m[1] as string) : null;
}
