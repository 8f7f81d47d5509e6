// What a client needs to connect: the subscription URL of its subId and its share links, one
// per inbound (or per external proxy of an inbound), as the panel would hand them out.
import type { Client } from "../../core/types.js";
import { readShareSource } from "../../xui/share-source.js";
import type { XuiService } from "../xui-service.js";
import { PanelSettings, type Dialect } from "./panel-settings.js";
import { inboundAddress, shareLinks, type LinkContext } from "./share-links.js";
import { cryptoRandom, type Randomness } from "./stream-params.js";
import { subscriptionOf, type Subscription } from "./subscription-url.js";

export interface ConnectionLink {
  /** The inbound's ID. */
  inbound: number;
  inboundRemark: string;
  protocol: string;
  url: string;
  /** The connection's name in a client app. */
  remark: string;
}

export interface Connection {
  email: string;
  subscription: Subscription;
  links: ConnectionLink[];
  /** Inbounds without a link: disabled in the panel, or no host known for them (set PUBLIC_HOST). */
  skipped: { inbound: number; reason: "disabled" | "no-host" }[];
}

export interface ConnectionOptions {
  /** PUBLIC_HOST: the server's public name or IP, where the panel would use the request's host. */
  publicHost?: string | undefined;
  random?: Randomness;
}

/** Which panel's builders to follow: a 3.x file (clients tables) gets 3.6.0's, any other 2.9.4's. */
const dialectOf = (service: XuiService): Dialect => (service.schema.family === "3x-ui-3" ? 3 : 2);

export function connectionOf(service: XuiService, client: Client, options: ConnectionOptions = {}): Connection {
  const source = readShareSource(service.db, client.email, client.inboundIds);
  const settings = new PanelSettings(source.settings);
  const dialect = dialectOf(service);
  const ctx: LinkContext = { dialect, settings, requestHost: options.publicHost ?? "", random: options.random ?? cryptoRandom };
  const links: ConnectionLink[] = [];
  const skipped: Connection["skipped"] = [];
  for (const inbound of source.inbounds) {
    // The subscription server leaves disabled inbounds out; so do we.
    if (!inbound.enable) {
      skipped.push({ inbound: inbound.id, reason: "disabled" });
      continue;
    }
    if (inboundAddress(inbound, ctx) === "" && !(Array.isArray(inbound.stream.externalProxy) && inbound.stream.externalProxy.length > 0)) {
      skipped.push({ inbound: inbound.id, reason: "no-host" });
      continue;
    }
    for (const link of shareLinks(inbound, client.email, ctx)) {
      links.push({ inbound: inbound.id, inboundRemark: inbound.remark, protocol: inbound.protocol, ...link });
    }
  }
  return { email: client.email, subscription: subscriptionOf(settings, client.subId, dialect, options.publicHost), links, skipped };
}

/** The JSON form the CLI and the API print: {subscription, links: [{inbound, protocol, url}]}. */
export function connectionJson(c: Connection) {
  return {
    email: c.email,
    subscription: c.subscription.url,
    ...(c.subscription.jsonUrl ? { jsonSubscription: c.subscription.jsonUrl } : {}),
    ...(c.subscription.missing ? { subscriptionMissing: c.subscription.missing } : {}),
    links: c.links.map((l) => ({ inbound: l.inbound, protocol: l.protocol, url: l.url })),
    ...(c.skipped.length > 0 ? { skipped: c.skipped } : {}),
  };
}
