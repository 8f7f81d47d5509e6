// The panel's whole state as its two list routes send it (v3.6.0), checked with zod, for the
// local mirror of a panel without a local x-ui.db (mirror.ts): GET clients/list (every
// `clients` row with its inbound ids and usage row, ClientService.List in
// service/client_lookup.go) and GET inbounds/list (every inbound with its settings JSON and
// the usage rows of its clients, InboundService.GetInbounds).
import { z } from "zod";
import { recordShape, text, whole } from "./wire.js";

/** xray.ClientTraffic's JSON (xray/client_traffic.go): a client_traffics row. */
const trafficRowSchema = z.looseObject({
  id: whole,
  inboundId: whole.default(0),
  enable: z.boolean(),
  email: text,
  up: whole,
  down: whole,
  expiryTime: whole,
  total: whole,
  reset: whole.default(0),
  lastOnline: whole.default(0),
});

/** ClientWithAttachments: the record, its inbounds (null when none), its usage row when it has one. */
export const stateClientsSchema = z.array(
  z.looseObject({ ...recordShape, inboundIds: z.array(whole).nullable().optional(), traffic: trafficRowSchema.nullable().optional() }),
);

/** model.Inbound's JSON: settings, streamSettings and sniffing nested as objects. */
export const stateInboundsSchema = z.array(
  z.looseObject({
    id: whole,
    up: whole.default(0),
    down: whole.default(0),
    total: whole.default(0),
    remark: text.default(""),
    enable: z.boolean(),
    expiryTime: whole.default(0),
    listen: text.default(""),
    port: whole,
    protocol: text,
    tag: text.default(""),
    settings: z.unknown(),
    streamSettings: z.unknown(),
    sniffing: z.unknown(),
    clientStats: z.array(trafficRowSchema).nullable().optional(),
  }),
);

export type StateTraffic = z.infer<typeof trafficRowSchema>;
export type StateClient = z.infer<typeof stateClientsSchema>[number];
export type StateInbound = z.infer<typeof stateInboundsSchema>[number];

/** Everything the mirror holds, as two list calls read it. */
export interface PanelState {
  clients: StateClient[];
  inbounds: StateInbound[];
}
