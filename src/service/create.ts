// A new client with the full 3x-ui 2.8.5 structure for its protocol, in both places.
import type { JsonObject } from "../xui/panel-json.js";
import { str, type InboundSnapshot } from "../xui/snapshot.js";
import { flowProblem, readStreamSettings } from "../xui/transport.js";
import type { EngineContext } from "./engine.js";
import { XuiError } from "../core/errors.js";
import { DAY_MS } from "../core/units.js";
import { assertFlowAllowed, commonFlow } from "./client-edit.js";
import { assertEmailFree, insertClients, retryConflicts, writableInbound } from "./insert.js";
import { validateCreate } from "./validate.js";
import { DiffTable, newOpResult } from "../core/diff-table.js";
import type { ClientDiff, CreateClientInput, OpResult } from "../core/types.js";

// Randomness from the Web Crypto global: loaded on first use, so the CLI's other verbs do not
// pay for importing node:crypto at start-up.
const randomBytes = (n: number): Buffer => Buffer.from(crypto.getRandomValues(new Uint8Array(n)));
const randomUUID = (): string => crypto.randomUUID();

const SUB_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

export function randomSubId(): string {
  const bytes = randomBytes(16);
  let out = "";
  for (const b of bytes) out += SUB_ID_ALPHABET[b % SUB_ID_ALPHABET.length];
  return out;
}

/** Shadowsocks 2022 ciphers take a key of the cipher's size; the classic ones any password. */
function shadowsocksPassword(method: string): string {
  return randomBytes(method === "2022-blake3-aes-128-gcm" ? 16 : 32).toString("base64");
}

function protocolFields(inbound: InboundSnapshot, key: string | undefined, flow: string): JsonObject {
  const settings = inbound.settings as JsonObject;
  switch (inbound.protocol) {
    case "vmess":
      return { id: key ?? randomUUID(), security: "auto" };
    case "vless":
      return { id: key ?? randomUUID(), flow };
    case "trojan":
      return { password: key ?? randomBytes(12).toString("hex") };
    default: {
      // shadowsocks: as the panel's UI, a new client copies the method of the inbound's first
      // client; 2022 ciphers keep the method at inbound level (client method "").
      const inboundMethod = str(settings.method) || "chacha20-ietf-poly1305";
      const first = Array.isArray(settings.clients) ? (settings.clients[0] as JsonObject | undefined) : undefined;
      const method = first && typeof first.method === "string" ? first.method : inboundMethod.startsWith("2022-") ? "" : inboundMethod;
      return { method, password: key ?? shadowsocksPassword(inboundMethod) };
    }
  }
}

/** Expiry as given: N days from now, N days from first use (negative), or never. */
export function expiryOf(input: CreateClientInput, now: number): number {
  if (input.delayedStartDays) return -input.delayedStartDays * DAY_MS;
  return input.days ? now + input.days * DAY_MS : 0;
}

export function newClientJson(inbound: InboundSnapshot, input: CreateClientInput, now: number, flow = ""): JsonObject {
  return {
    ...protocolFields(inbound, input.key, flow),
    email: input.email,
    limitIp: input.limitIp ?? 0,
    totalGB: input.totalBytes ?? 0,
    expiryTime: expiryOf(input, now),
    enable: true,
    tgId: input.tgId ?? 0,
    subId: input.subId ?? randomSubId(),
    comment: input.comment ?? "",
    reset: 0,
    created_at: now,
    updated_at: now,
  };
}

/**
 * The flow of a new VLESS client: as asked (where the inbound allows one), else what the
 * inbound's clients mostly use: a client without the flow its inbound expects cannot connect.
 */
function flowFor(ctx: EngineContext, inbound: InboundSnapshot, asked: string | undefined): string {
  if (inbound.protocol !== "vless" && asked === undefined) return "";
  const stream = ctx.db.read((conn) => readStreamSettings(conn, [inbound.id])).get(inbound.id) ?? "";
  if (asked !== undefined) {
    assertFlowAllowed(inbound, stream, asked);
    return asked;
  }
  return flowProblem(inbound.protocol, stream) === null ? commonFlow(inbound.clients) : "";
}

export async function createClient(ctx: EngineContext, input: CreateClientInput): Promise<OpResult> {
  validateCreate(input);
  if ((input.moreInboundIds?.length ?? 0) > 0) {
    // 3x-ui 2.x keeps emails unique across inbounds: one client lives in one inbound.
    throw new XuiError("bad-input", "on 3x-ui 2.x a client sits in one inbound (emails are unique across inbounds): create one client per inbound, each with its own email; nothing was changed", ["inbound"], undefined, { kind: "one-inbound-v2" });
  }
  if (!ctx.db.writable) throw ctx.db.writeRefusal();
  return retryConflicts(() => createOnce(ctx, input));
}

async function createOnce(ctx: EngineContext, input: CreateClientInput): Promise<OpResult> {
  const snapshot = ctx.reader.read();
  const inbound = writableInbound(snapshot, input.inboundId);
  // Emails are unique case-insensitively across every inbound and every row, as in the panel:
  // JSON clients are checked here, rows again under the lock.
  assertEmailFree(snapshot, input.email);
  const now = ctx.now();
  const json = newClientJson(inbound, input, now, flowFor(ctx, inbound, input.flow));
  const row: Record<string, number | string> = {
    inbound_id: inbound.id,
    enable: 1,
    email: input.email,
    up: 0,
    down: 0,
    expiry_time: json.expiryTime as number,
    total: json.totalGB as number,
    reset: 0,
    all_time: 0, // no default in the schema: NULL would break the panel's sums
    last_online: 0,
  };
  const lockMs = await insertClients(ctx, [{ inbound, json, row }]);
  const after = { enabled: true, active: true, expiryTime: row.expiry_time as number, totalBytes: row.total as number, reset: 0, up: 0, down: 0 };
  const diff: ClientDiff = { email: input.email, inboundId: inbound.id, before: null, after, notes: [], updatedAt: { before: null, after: now } };
  const result = newOpResult("create", DiffTable.of([diff], true), false);
  result.transactions = 1;
  result.longestLockMs = lockMs;
  result.needsApply = true;
  return result;
}
