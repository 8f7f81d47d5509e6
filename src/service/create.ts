// A new client with the full 3x-ui 2.8.5 structure for its protocol, in both places.
import type { JsonObject } from "../xui/panel-json.js";
import { formatSettings } from "../xui/panel-json.js";
import { str, supportsClients, type InboundSnapshot, type Snapshot } from "../xui/snapshot.js";
import type { EngineContext } from "./engine.js";
import { XuiError } from "../shared/errors.js";
import { DAY_MS } from "../shared/units.js";
import { validateCreate } from "./validate.js";
import { DiffTable, newOpResult } from "../shared/diff-table.js";
import type { ClientDiff, CreateClientInput, OpResult } from "../shared/types.js";

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

function protocolFields(inbound: InboundSnapshot, key: string | undefined): JsonObject {
  const settings = inbound.settings as JsonObject;
  switch (inbound.protocol) {
    case "vmess":
      return { id: key ?? randomUUID(), security: "auto" };
    case "vless":
      return { id: key ?? randomUUID(), flow: "" };
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

export function newClientJson(inbound: InboundSnapshot, input: CreateClientInput, now: number): JsonObject {
  const expiryTime = input.days ? now + input.days * DAY_MS : 0;
  return {
    ...protocolFields(inbound, input.key),
    email: input.email,
    limitIp: input.limitIp ?? 0,
    totalGB: input.totalBytes ?? 0,
    expiryTime,
    enable: true,
    tgId: input.tgId ?? 0,
    subId: input.subId ?? randomSubId(),
    comment: input.comment ?? "",
    reset: 0,
    created_at: now,
    updated_at: now,
  };
}

/** Attempts while the panel keeps rewriting the inbound between our read and our lock. */
const MAX_ATTEMPTS = 5;

class Conflict extends Error {}

export async function createClient(ctx: EngineContext, input: CreateClientInput): Promise<OpResult> {
  validateCreate(input);
  if (!ctx.db.writable) throw new XuiError("read-only", `refusing to write ${ctx.db.path}: ${ctx.db.refusal}`);
  for (let attempt = 1; ; attempt++) {
    try {
      return await createOnce(ctx, input);
    } catch (error) {
      if (!(error instanceof Conflict) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

function writableInbound(snapshot: Snapshot, inboundId: number): InboundSnapshot & { settings: JsonObject } {
  const inbound = snapshot.inbounds.get(inboundId);
  if (!inbound) throw new XuiError("unknown-inbound", `unknown inbound: ${inboundId}`, [String(inboundId)]);
  if (!supportsClients(inbound.protocol)) {
    throw new XuiError(
      "bad-input",
      `inbound ${inbound.id} is ${inbound.protocol}: it has no per-client accounting, clients cannot be added`,
      ["inbound"],
    );
  }
  if (!inbound.settings || !Array.isArray(inbound.settings.clients)) {
    const why = inbound.settingsError ?? "no clients array";
    throw new XuiError("bad-input", `inbound ${inbound.id} has unreadable settings: ${why}`, ["inbound"]);
  }
  return inbound as InboundSnapshot & { settings: JsonObject };
}

async function createOnce(ctx: EngineContext, input: CreateClientInput): Promise<OpResult> {
  const snapshot = ctx.reader.read();
  const inbound = writableInbound(snapshot, input.inboundId);
  // Emails are unique case-insensitively across every inbound and every row, as in the panel:
  // JSON clients are checked here, rows again under the lock.
  const lower = input.email.toLowerCase();
  const duplicate = () => new XuiError("duplicate-email", `email already in use: ${input.email}`, [input.email]);
  if (snapshot.clients.some((c) => c.email.toLowerCase() === lower)) throw duplicate();
  const now = ctx.now();
  const json = newClientJson(inbound, input, now);
  const settingsAfter: JsonObject = { ...inbound.settings, clients: [...(inbound.settings.clients as JsonObject[]), json] };
  const text = formatSettings(settingsAfter);
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
  const names = Object.keys(row).filter((c) => ctx.db.schema.trafficColumns.has(c));
  const { lockMs } = await ctx.db.write((conn) => {
    if (conn.prepare("SELECT settings FROM inbounds WHERE id = ?").pluck().get(inbound.id) !== inbound.text) {
      throw new Conflict();
    }
    const emails = conn.prepare("SELECT email FROM client_traffics").pluck().all();
    if (emails.some((e) => str(e).toLowerCase() === lower)) throw duplicate();
    const columns = names.map((n) => `\`${n}\``).join(", ");
    conn
      .prepare(`INSERT INTO client_traffics (${columns}) VALUES (${names.map(() => "?").join(", ")})`)
      .run(...names.map((n) => row[n]));
    conn.prepare("UPDATE inbounds SET settings = ? WHERE id = ?").run(text, inbound.id);
  });
  ctx.reader.remember(inbound.id, text, settingsAfter);
  const after = { enabled: true, active: true, expiryTime: row.expiry_time as number, totalBytes: row.total as number, reset: 0, up: 0, down: 0 };
  const diff: ClientDiff = { email: input.email, inboundId: inbound.id, before: null, after, notes: [], updatedAt: { before: null, after: now } };
  const result = newOpResult("create", DiffTable.of([diff], true), false);
  result.transactions = 1;
  result.longestLockMs = lockMs;
  result.needsApply = true;
  return result;
}
