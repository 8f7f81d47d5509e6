// The client service of 3x-ui v3.6.0, ported from internal/web/service/client_*.go for the
// routes the stand-in serves. Each method names its Go original. What the panel does after a
// commit (gRPC to Xray, node pushes, websocket notices) has no effect on the file and is left
// out; everything that reaches the file is kept, including the order of its transactions:
// the JSON is edited first, then, in one transaction per inbound, client_traffics, the
// settings and SyncInbound (clients + client_inbounds).
import { randomUUID } from "node:crypto";
import { formatSettings, type JsonObject, type JsonValue } from "../../../src/xui/panel-json.js";
import { applyShadowsocksMethod, canEnableTlsFlow, clientIdFor, fillProtocolDefaults, goError, numLower, requireCredential, validateEmail, validateSubId, withInboundFlow } from "./protocol.js";
import { PanelStore, RECORD_NOT_FOUND, emailOfEntry, isEntry, mergeRecord, parseClients, settingsMap, unique } from "./store.js";
import { GoError, decodeClient, encodeClient, rowToClient, rowToWire, toRow, trafficToWire, type ClientRow, type GoClient } from "./wire.js";

/** ErrClientNotInInbound: deletion passes over it (client.go L66). */
class NotInInbound extends GoError {}

/** A nil dereference in the Go code: gin's recovery answers HTTP 500 with no body. */
export class GoPanic extends Error {}

export interface SkipReport {
  email: string;
  reason: string;
}

const DAY_MS = 86_400_000;
const FLOW_CLEAR = "none";
const FLOWS = new Set(["", FLOW_CLEAR, "xtls-rprx-vision", "xtls-rprx-vision-udp443"]);

const equalFold = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function cleanEmails(emails: string[]): string[] {
  return unique(emails.map((e) => e.trim()).filter(Boolean));
}

function entriesOf(settings: JsonObject): JsonValue[] {
  return Array.isArray(settings.clients) ? settings.clients : [];
}

function withoutUpdatedAt(entry: JsonObject): string {
  const { updated_at: _, ...rest } = entry;
  return formatSettings(rest);
}

function skippedList(reasons: Map<string, string>): SkipReport[] | undefined {
  // `json:"skipped,omitempty"`: no key at all when nothing was skipped.
  return reasons.size === 0 ? undefined : [...reasons].map(([email, reason]) => ({ email, reason }));
}

export class ClientService {
  constructor(private readonly store: PanelStore) {}

  /** time.Now().Unix() * 1000: the second-resolution stamp the JSON paths write. */
  private nowTs(): number {
    return Math.floor(this.store.now() / 1000) * 1000;
  }

  private record(email: string): ClientRow {
    const rec = this.store.recordByEmail(email);
    if (!rec) throw new GoError(RECORD_NOT_FOUND);
    return rec;
  }

  // --- reads ----------------------------------------------------------------------------

  /** List (client_lookup.go L148). */
  list(): JsonObject[] {
    const rows = this.store.allRecords();
    const links = new Map<number, number[]>();
    for (const l of this.store.linksOf(rows.map((r) => r.id))) links.set(l.client_id, [...(links.get(l.client_id) ?? []), l.inbound_id]);
    const traffic = new Map(this.store.trafficsByEmails(rows.map((r) => r.email).filter(Boolean)).map((t) => [t.email, t]));
    return rows.map((r) => {
      const t = traffic.get(r.email);
      return { ...rowToWire(r), inboundIds: links.get(r.id) ?? null, ...(t ? { traffic: trafficToWire(t) } : {}) };
    });
  }

  /** The controller's buildClientPayload (controller/client.go L112). */
  get(email: string): JsonObject {
    const rec = this.record(email);
    const t = this.store.trafficByEmail(rec.email);
    return {
      client: rowToWire({ ...rec, flow: this.store.effectiveFlow(rec.id) }),
      inboundIds: this.store.inboundIdsOf(rec.id),
      externalLinks: [],
      usedTraffic: t ? t.up + t.down : 0,
    };
  }

  /** GetClientTrafficByEmail (inbound_traffic.go L1052): the row with the client's uuid and subId. */
  traffic(email: string): JsonObject | null {
    const t = this.store.trafficByEmail(email);
    if (!t) return null;
    const rec = this.store.recordByEmail(email);
    return trafficToWire(t, { uuid: rec?.uuid ?? "", subId: rec?.sub_id ?? "" });
  }

  // --- create -----------------------------------------------------------------------------

  /** Create (client_crud.go L45). */
  create(input: GoClient, inboundIds: number[]): void {
    const client = { ...input };
    if (client.email.trim() === "") throw goError("client email is required");
    validateEmail(client.email);
    validateSubId(client.subId);
    if (inboundIds.length === 0) throw goError("at least one inbound is required");
    if (client.subId === "") client.subId = randomUUID();
    client.enable = true;
    const now = this.store.now();
    if (client.created_at === 0) client.created_at = now;
    client.updated_at = now;
    const existing = this.store.recordByEmail(client.email);
    if (existing) {
      if (existing.sub_id === "" || existing.sub_id !== client.subId) throw goError("email already in use:", client.email);
      client.id ||= existing.uuid;
      client.password ||= existing.password;
      client.auth ||= existing.auth;
      client.secret ||= existing.secret;
    }
    if (this.store.countWhere("sub_id = ? AND email <> ?", client.subId, client.email) > 0) throw goError("subId already in use:", client.subId);
    const emailSubIds = this.store.allEmailSubIds();
    for (const id of inboundIds) {
      const inbound = this.store.inbound(id);
      fillProtocolDefaults(client, inbound);
      this.addInboundClient(id, [encodeClient(withInboundFlow(client, inbound))], emailSubIds);
    }
  }

  /** checkEmailsExistForClients (client_inbound_apply.go L239): the first email another identity holds. */
  private emailTaken(clients: GoClient[], emailSubIds = this.store.allEmailSubIds()): string {
    const seen = new Map<string, string>();
    for (const c of clients) {
      if (c.email === "") continue;
      const key = c.email.toLowerCase();
      const prev = seen.get(key);
      if (prev !== undefined) {
        if (prev !== c.subId || c.subId === "") return c.email;
        continue;
      }
      seen.set(key, c.subId);
      const existing = emailSubIds.get(key);
      if (existing !== undefined && (c.subId === "" || existing === "" || existing !== c.subId)) return c.email;
    }
    return "";
  }

  /** addInboundClient (client_inbound_apply.go L280). */
  private addInboundClient(inboundId: number, payload: JsonObject[], emailSubIds?: Map<string, string>): void {
    let clients = payload.map(decodeClient);
    let entries: JsonObject[] = payload.map((e) => ({ ...e }));
    const nowTs = this.nowTs();
    for (const e of entries) {
      if (!("created_at" in e)) e.created_at = nowTs;
      e.updated_at = nowTs;
      if (typeof e.subId !== "string" || e.subId.trim() === "") e.subId = numLower(16);
    }
    const taken = this.emailTaken(clients, emailSubIds);
    if (taken !== "") throw goError("Duplicate email:", taken);
    const old = this.store.inbound(inboundId);
    const present = new Set(parseClients(old.settings).map((c) => c.email.toLowerCase()).filter(Boolean));
    if (present.size > 0) {
      // A client already on this inbound is skipped, not appended twice (#5770).
      const keep = clients.map((c) => c.email === "" || !present.has(c.email.toLowerCase()));
      clients = clients.filter((_, i) => keep[i]);
      entries = entries.filter((_, i) => keep[i]);
      if (clients.length === 0) return;
    }
    for (const c of clients) requireCredential(old.protocol, c);
    const settings = settingsMap(old.settings);
    if (old.protocol === "shadowsocks") applyShadowsocksMethod(entries, settings);
    settings.clients = [...this.store.compactOrphans(entriesOf(settings)), ...entries];
    this.store.tx(() => {
      for (const c of clients) if (c.email !== "") this.store.addClientStat(inboundId, c);
      const text = this.store.saveSettings(inboundId, settings);
      this.store.syncInbound(inboundId, parseClients(text));
    });
  }

  /** BulkCreate (client_bulk.go L1150): one addInboundClient per inbound for the whole batch. */
  bulkCreate(payloads: { client: GoClient; inboundIds: number[] }[]): { created: number; skipped?: SkipReport[] } {
    const skipped: SkipReport[] = [];
    const skip = (email: string, reason: string) => skipped.push({ email: email.trim() === "" ? "(missing email)" : email, reason });
    const emailSubIds = this.store.allEmailSubIds();
    const prep: { client: GoClient; inboundIds: number[]; failed?: string }[] = [];
    const seenEmail = new Set<string>();
    const seenSub = new Map<string, string>();
    for (const p of payloads) {
      const client = { ...p.client };
      const email = client.email.trim();
      if (email === "") {
        skip("", "client email is required");
        continue;
      }
      try {
        validateEmail(email);
        validateSubId(client.subId);
      } catch (error) {
        skip(email, (error as Error).message);
        continue;
      }
      if (p.inboundIds.length === 0) {
        skip(email, "at least one inbound is required");
        continue;
      }
      client.email = email;
      client.subId ||= randomUUID();
      client.enable = true;
      const now = this.store.now();
      client.created_at ||= now;
      client.updated_at = now;
      const lower = email.toLowerCase();
      if (seenEmail.has(lower)) {
        skip(email, `email already in use: ${email}`);
        continue;
      }
      const owner = seenSub.get(client.subId);
      if (owner !== undefined && owner !== lower) {
        skip(email, `subId already in use: ${client.subId}`);
        continue;
      }
      seenEmail.add(lower);
      seenSub.set(client.subId, lower);
      prep.push({ client, inboundIds: p.inboundIds });
    }
    if (prep.length === 0) return { created: 0, ...(skipped.length ? { skipped } : {}) };
    const byEmail = new Map(this.store.recordsByEmails(prep.map((p) => p.client.email)).map((r) => [r.email.toLowerCase(), r]));
    const subOwner = new Map(this.store.recordsBySubIds(prep.map((p) => p.client.subId)).map((r) => [r.sub_id, r.email.toLowerCase()]));
    const byInbound = new Map<number, { entries: JsonObject[]; members: number[] }>();
    prep.forEach((p, idx) => {
      const lower = p.client.email.toLowerCase();
      const rec = byEmail.get(lower);
      if (rec) {
        if (rec.sub_id !== p.client.subId) {
          p.failed = `email already in use: ${p.client.email}`;
          return;
        }
        p.client.id ||= rec.uuid;
        p.client.password ||= rec.password;
        p.client.auth ||= rec.auth;
        p.client.secret ||= rec.secret;
      }
      const owner = subOwner.get(p.client.subId);
      if (owner !== undefined && owner !== lower) {
        p.failed = `subId already in use: ${p.client.subId}`;
        return;
      }
      try {
        for (const id of p.inboundIds) fillProtocolDefaults(p.client, this.store.inbound(id));
      } catch (error) {
        p.failed = (error as Error).message;
        return;
      }
      for (const id of p.inboundIds) {
        const group = byInbound.get(id) ?? { entries: [], members: [] };
        group.entries.push(encodeClient(withInboundFlow(p.client, this.store.inbound(id))));
        group.members.push(idx);
        byInbound.set(id, group);
      }
    });
    for (const [id, group] of byInbound) {
      try {
        this.addInboundClient(id, group.entries, emailSubIds);
      } catch (error) {
        for (const idx of group.members) (prep[idx] as (typeof prep)[number]).failed ??= (error as Error).message;
      }
    }
    let created = 0;
    for (const p of prep) {
      if (p.failed === undefined) created++;
      else skip(p.client.email, p.failed);
    }
    return { created, ...(skipped.length ? { skipped } : {}) };
  }

  // --- update -----------------------------------------------------------------------------

  /** UpdateByEmail (client_crud.go L628). */
  updateByEmail(email: string, updated: GoClient, inboundFilter: number[]): void {
    if (email === "") throw goError("client email is required");
    this.update(this.record(email), updated, inboundFilter);
  }

  /** Update (client_crud.go L311): replaces the client, keeping only credentials and subId when omitted. */
  private update(existing: ClientRow, input: GoClient, inboundFilter: number[] = []): void {
    const updated = { ...input };
    let inboundIds = this.store.inboundIdsOf(existing.id);
    if (inboundFilter.length > 0) inboundIds = inboundIds.filter((id) => inboundFilter.includes(id));
    if (updated.email.trim() === "") throw goError("client email is required");
    validateEmail(updated.email);
    validateSubId(updated.subId);
    updated.subId ||= existing.sub_id || randomUUID();
    updated.updated_at = this.store.now();
    updated.created_at ||= existing.created_at;
    // Omitted credentials keep the stored ones rather than being minted anew.
    updated.id ||= existing.uuid;
    updated.password ||= existing.password;
    updated.auth ||= existing.auth;
    updated.secret ||= existing.secret;
    if (updated.email !== existing.email && this.store.countWhere("email = ? AND id <> ?", updated.email, existing.id) > 0) throw goError("Duplicate email:", updated.email);
    if (updated.subId !== existing.sub_id && this.store.countWhere("sub_id = ? AND id <> ?", updated.subId, existing.id) > 0) throw goError("Duplicate subId:", updated.subId);
    for (const id of inboundIds) {
      let inbound;
      try {
        inbound = this.store.inbound(id);
      } catch {
        this.store.unlink(existing.id, id);
        continue;
      }
      if (existing.email === "") continue;
      fillProtocolDefaults(updated, inbound);
      this.updateInboundClient(id, encodeClient(withInboundFlow(updated, inbound)), existing.email);
    }
    if (updated.email !== existing.email) this.store.renameRecord(existing.email, updated.email, existing.id);
    if (inboundIds.length === 0) {
      const m = { ...existing };
      mergeRecord(m, toRow(updated));
      this.store.updateRecordColumns(existing.id, {
        sub_id: m.sub_id, uuid: m.uuid, password: m.password, auth: m.auth, secret: m.secret, flow: m.flow, security: m.security,
        wg_private_key: m.wg_private_key, wg_public_key: m.wg_public_key, wg_allowed_ips: m.wg_allowed_ips, wg_pre_shared_key: m.wg_pre_shared_key,
        wg_keep_alive: m.wg_keep_alive, limit_ip: m.limit_ip, total_gb: m.total_gb, expiry_time: m.expiry_time, tg_id: m.tg_id, comment: m.comment, reset: m.reset,
      });
    }
    // Outside any transaction, as the Go code: the fields SyncInbound keeps when the JSON has none.
    const reverse = updated.reverse && updated.reverse.tag.trim() !== "" ? JSON.stringify({ tag: updated.reverse.tag }) : "";
    this.store.updateRecordColumns(existing.id, { reverse, updated_at: this.store.now() });
    this.store.updateRecordColumns(existing.id, { group_name: updated.group });
    this.store.updateRecordColumns(existing.id, { ad_tag: updated.adTag });
    this.store.updateRecordColumns(existing.id, { enable: updated.enable });
    this.store.updateRecordColumns(existing.id, { updated_at: this.store.now() });
  }

  /** UpdateInboundClient (client_inbound_apply.go L525): replaces one entry, matched by email. */
  private updateInboundClient(inboundId: number, payload: JsonObject, wantedEmail: string): void {
    const client = decodeClient(payload);
    const entry: JsonObject = { ...payload };
    const old = this.store.inbound(inboundId);
    const oldClients = parseClients(old.settings);
    const index = oldClients.findIndex((c) => equalFold(c.email, wantedEmail));
    const oldEmail = index >= 0 ? (oldClients[index] as GoClient).email : wantedEmail;
    if (clientIdFor(old.protocol, client) === "" || index === -1) throw goError("empty client ID");
    if (client.email.trim() === "") throw goError("client email is required");
    if (client.email !== oldEmail) {
      const taken = this.emailTaken([client]);
      if (taken !== "") throw goError("Duplicate email:", taken);
    }
    const settings = settingsMap(old.settings);
    const entries = entriesOf(settings);
    const oldEntry = entries[index];
    const previous = oldEntry !== undefined && isEntry(oldEntry) ? oldEntry : undefined;
    if (old.protocol === "shadowsocks") applyShadowsocksMethod([entry], settings);
    entry.created_at = previous?.created_at ?? this.nowTs();
    const keptSubId = typeof previous?.subId === "string" ? previous.subId : "";
    if (typeof entry.subId !== "string" || entry.subId.trim() === "") entry.subId = keptSubId.trim() !== "" ? keptSubId : numLower(16);
    client.subId = entry.subId;
    if (previous && withoutUpdatedAt(previous) === withoutUpdatedAt(entry)) {
      if ("updated_at" in previous) entry.updated_at = previous.updated_at;
      else delete entry.updated_at;
    } else {
      entry.updated_at = this.nowTs();
    }
    entries[index] = entry;
    settings.clients = entries;
    if (old.protocol === "vless" && !entries.some((e) => isEntry(e) && e.flow === "xtls-rprx-vision")) delete settings.testseed;
    if (formatSettings(settings) === old.settings) return;
    this.store.tx(() => {
      if (client.email !== "") {
        const unchanged = equalFold(oldEmail, client.email);
        if (unchanged || !this.store.trafficByEmail(client.email)) {
          this.store.updateClientStat(oldEmail, client);
          this.store.renameClientIps(oldEmail, client.email);
        } else {
          if (!this.store.emailUsedElsewhere(oldEmail, inboundId)) {
            this.store.delClientStats([oldEmail]);
            this.store.delClientIps([oldEmail]);
          }
          this.store.updateClientStat(client.email, client);
        }
      }
      const text = this.store.saveSettings(inboundId, settings);
      if (oldEmail !== client.email && this.store.countWhere("email = ?", client.email) === 0) this.store.renameRecord(oldEmail, client.email);
      this.store.syncInbound(inboundId, parseClients(text));
    });
  }

  // --- delete -----------------------------------------------------------------------------

  /** DeleteByEmail (client_crud.go L586). */
  deleteByEmail(email: string, keepTraffic: boolean): void {
    if (email === "") throw goError("client email is required");
    const rec = this.store.recordByEmail(email);
    if (rec) return this.delete(rec, keepTraffic);
    const ids = this.store.inboundIdsHoldingEmail(email);
    if (ids.length === 0) throw new GoError(`client ${JSON.stringify(email)} not found in any inbound or client record`);
    this.deleteFromInbounds(ids, email, keepTraffic);
    if (!keepTraffic) this.purgeUsage([email]);
  }

  /** Everything counted for the emails: their rows, reported usage and IPs. */
  private purgeUsage(emails: string[]): void {
    this.store.deleteTraffic(emails);
    this.store.clearSatellites(emails);
    this.store.delClientIps(emails);
  }

  /** Delete (client_crud.go L517). */
  private delete(rec: ClientRow, keepTraffic: boolean): void {
    const ids = this.store.inboundIdsOf(rec.id).filter((id) => this.store.hasInbound(id));
    if (rec.email !== "") this.deleteFromInbounds(ids, rec.email, keepTraffic);
    this.store.tx(() => {
      if (rec.email !== "") this.store.adjustGroupBaselines([rec.email]);
      this.store.deleteRecords([rec.id]);
      if (!keepTraffic && rec.email !== "") this.purgeUsage([rec.email]);
    });
  }

  /** A failed inbound keeps the client (and its row) so that a retry removes exactly the rest. */
  private deleteFromInbounds(ids: number[], email: string, keepTraffic: boolean): void {
    const errors: string[] = [];
    for (const id of ids) {
      try {
        this.delInboundClientByEmail(id, email, keepTraffic);
      } catch (error) {
        if (!(error instanceof NotInInbound)) errors.push(`inbound ${id}: ${(error as Error).message}`);
      }
    }
    if (errors.length > 0) throw new GoError(errors.join("\n"));
  }

  /** DelInboundClientByEmail (client_inbound_apply.go L899). */
  private delInboundClientByEmail(inboundId: number, email: string, keepTraffic: boolean): void {
    const old = this.store.inbound(inboundId);
    const settings = settingsMap(old.settings);
    if (!Array.isArray(settings.clients)) throw goError("invalid clients format in inbound settings");
    const kept = settings.clients.filter((c) => isEntry(c) && c.email !== email);
    if (kept.length === settings.clients.filter(isEntry).length) throw new NotInInbound(`client not found in inbound for email: ${email}`);
    settings.clients = this.store.compactOrphans(kept);
    const shared = this.store.emailUsedElsewhere(email, inboundId);
    const delStat = email !== "" && !shared && !keepTraffic && this.store.trafficByEmail(email) !== undefined;
    this.store.tx(() => {
      if (!shared && !keepTraffic) this.store.delClientIps([email]);
      if (delStat) this.store.delClientStats([email]);
      const text = this.store.saveSettings(inboundId, settings);
      this.store.syncInbound(inboundId, parseClients(text));
    });
  }

  /**
   * The bulk routes' common walk: the named records, "client not found" for the others, then
   * `perInbound` for each inbound's emails; the first reason given for an email is kept.
   */
  private byInbound(
    clean: string[],
    perInbound: (inboundId: number, emails: string[], records: Map<string, ClientRow>) => Map<string, string>,
  ): { records: Map<string, ClientRow>; skipped: Map<string, string> } {
    const records = new Map(this.store.recordsByEmails(clean).map((r) => [r.email, r]));
    const skipped = new Map<string, string>();
    for (const e of clean) if (!records.has(e)) skipped.set(e, "client not found");
    for (const [id, ibEmails] of this.emailsByInbound(records)) {
      for (const [email, reason] of perInbound(id, ibEmails, records)) if (!skipped.has(email)) skipped.set(email, reason);
    }
    return { records, skipped };
  }

  /** BulkDelete (client_bulk.go L760). */
  bulkDelete(emails: string[], keepTraffic: boolean): { deleted: number; skipped?: SkipReport[] } {
    const clean = cleanEmails(emails);
    if (clean.length === 0) return { deleted: 0 };
    const { records, skipped } = this.byInbound(clean, (id, ibEmails, recs) => this.bulkDelInboundClients(id, ibEmails, recs, keepTraffic));
    const done = [...records.values()].filter((r) => !skipped.has(r.email));
    if (done.length > 0) {
      const doneEmails = done.map((r) => r.email);
      this.store.tx(() => {
        this.store.adjustGroupBaselines(doneEmails);
        if (!keepTraffic) {
          this.store.deleteTraffic(doneEmails);
          this.store.delClientIps(doneEmails);
        }
        this.store.deleteRecords(done.map((r) => r.id));
      });
    }
    return { deleted: done.length, skipped: skippedList(skipped) };
  }

  /** bulkDelInboundClients (client_bulk.go L916): one rewrite of the inbound for the whole batch. */
  private bulkDelInboundClients(inboundId: number, emails: string[], records: Map<string, ClientRow>, keepTraffic: boolean): Map<string, string> {
    const skipped = new Map<string, string>();
    let settings: JsonObject;
    try {
      settings = settingsMap(this.store.inbound(inboundId).settings);
    } catch (error) {
      for (const e of emails) skipped.set(e, (error as Error).message);
      return skipped;
    }
    const wanted = new Set(emails.filter((e) => records.has(e)));
    for (const e of emails) if (!records.has(e)) skipped.set(e, "client not found");
    const found = new Set<string>();
    const kept = entriesOf(settings).filter((c) => {
      const email = emailOfEntry(c);
      if (isEntry(c) && email !== "" && wanted.has(email)) {
        found.add(email);
        return false;
      }
      return true;
    });
    for (const e of wanted) if (!found.has(e)) skipped.set(e, "Client Not Found In Inbound");
    settings.clients = this.store.compactOrphans(kept);
    if (!keepTraffic) {
      const shared = this.store.emailsUsedElsewhere([...found], inboundId);
      const purge = [...found].filter((e) => !shared.has(e.trim().toLowerCase()));
      if (purge.length > 0) {
        this.store.tx(() => {
          this.store.delClientIps(purge);
          this.store.delClientStats(purge);
        });
      }
    }
    try {
      this.store.tx(() => {
        const text = this.store.saveSettings(inboundId, settings);
        this.store.syncInbound(inboundId, parseClients(text));
      });
    } catch (error) {
      for (const e of found) if (!skipped.has(e)) skipped.set(e, (error as Error).message);
    }
    return skipped;
  }

  // --- enable / disable ---------------------------------------------------------------------

  /** BulkSetEnable (client_bulk.go L1424). */
  bulkSetEnable(emails: string[], enable: boolean): { changed: number; skipped?: SkipReport[] } {
    const clean = cleanEmails(emails);
    if (clean.length === 0) return { changed: 0 };
    const { records, skipped } = this.byInbound(clean, (id, ibEmails) => this.bulkSetEnableInbound(id, ibEmails, enable));
    const done = [...records.keys()].filter((e) => !skipped.has(e));
    if (done.length > 0) this.store.tx(() => this.store.setEnable(done, enable, this.store.now()));
    return { changed: done.length, skipped: skippedList(skipped) };
  }

  /** bulkSetEnableInboundClients (client_bulk.go L1531). */
  private bulkSetEnableInbound(inboundId: number, emails: string[], enable: boolean): Map<string, string> {
    const skipped = new Map<string, string>();
    let settings: JsonObject;
    try {
      settings = settingsMap(this.store.inbound(inboundId).settings);
    } catch (error) {
      for (const e of emails) skipped.set(e, (error as Error).message);
      return skipped;
    }
    const wanted = new Set(emails);
    const found = new Set<string>();
    const changed: string[] = [];
    const nowMs = this.store.now();
    for (const entry of entriesOf(settings)) {
      const email = emailOfEntry(entry);
      if (!isEntry(entry) || email === "" || !wanted.has(email)) continue;
      found.add(email);
      if ((entry.enable === true) === enable) continue;
      entry.enable = enable;
      entry.updated_at = nowMs;
      changed.push(email);
    }
    for (const e of wanted) if (!found.has(e)) skipped.set(e, "Client Not Found In Inbound");
    if (changed.length === 0) return skipped;
    try {
      this.store.tx(() => {
        const text = this.store.saveSettings(inboundId, settings);
        this.store.syncInbound(inboundId, parseClients(text));
      });
    } catch (error) {
      for (const e of changed) skipped.set(e, (error as Error).message);
    }
    return skipped;
  }

  // --- traffic ------------------------------------------------------------------------------

  /** ResetTrafficByEmail (client_traffic.go L16): re-enables a disabled client first. */
  resetTraffic(email: string): void {
    if (email === "") throw goError("client email is required");
    const rec = this.record(email);
    const ids = this.store.inboundIdsOf(rec.id);
    this.reenable(rec);
    if (ids.length === 0) {
      this.store.tx(() => this.store.resetTraffics([email]));
      return;
    }
    for (const id of ids) this.resetClientTraffic(id, email);
  }

  /** Update(enable=true) of a disabled client; the Go code only logs its failure. */
  private reenable(rec: ClientRow): void {
    if (rec.enable) return;
    try {
      this.update(rec, { ...rowToClient(rec), enable: true });
    } catch {
      // logged by the panel, not reported
    }
  }

  /** InboundService.ResetClientTraffic (inbound_traffic.go L579). */
  private resetClientTraffic(inboundId: number, email: string): void {
    const traffic = this.store.trafficByEmail(email);
    if (!traffic) throw new GoPanic("nil pointer dereference: no client_traffics row");
    this.store.inbound(inboundId);
    this.store.tx(() => {
      this.store.adjustGroupBaselines([email]);
      this.store.saveTraffic({ ...traffic, up: 0, down: 0, enable: true });
      this.store.clearSatellites([email]);
      this.store.stampTrafficReset(inboundId, this.store.now());
    });
  }

  /** BulkResetTraffic (client_traffic.go L61). */
  bulkResetTraffic(emails: string[]): { affected: number } {
    const clean = cleanEmails(emails);
    if (clean.length === 0) return { affected: 0 };
    for (const e of clean) {
      const rec = this.store.recordByEmail(e);
      if (rec) this.reenable(rec);
    }
    return { affected: this.store.tx(() => this.store.resetTraffics(clean)) };
  }

  // --- adjust -------------------------------------------------------------------------------

  /** BulkAdjust (client_bulk.go L250): shifts expiry by days and the limit by bytes, or sets the flow. */
  bulkAdjust(emails: string[], addDays: number, addBytes: number, rawFlow: string): { adjusted: number; skipped?: SkipReport[] } {
    let flow = rawFlow.trim();
    if (!FLOWS.has(flow)) flow = "";
    if (addDays === 0 && addBytes === 0 && flow === "") throw goError("no adjustment specified");
    const clean = cleanEmails(emails);
    if (clean.length === 0) return { adjusted: 0 };
    const records = new Map(this.store.recordsByEmails(clean).map((r) => [r.email, r]));
    const skipped = new Map<string, string>();
    const skip = (email: string, reason: string) => {
      if (!skipped.has(email)) skipped.set(email, reason);
    };
    for (const e of clean) if (!records.has(e)) skip(e, "client not found");
    const plan = new Map<string, { expiry?: number; total?: number }>();
    for (const [email, rec] of records) {
      const entry: { expiry?: number; total?: number } = {};
      if (addDays !== 0) {
        const delta = addDays * DAY_MS;
        if (rec.expiry_time === 0) skip(email, "unlimited expiry");
        else if (rec.expiry_time > 0) {
          if (rec.expiry_time + delta <= 0) skip(email, "reduction exceeds remaining time");
          else entry.expiry = rec.expiry_time + delta;
        } else if (rec.expiry_time - delta >= 0) skip(email, "reduction exceeds delay window");
        else entry.expiry = rec.expiry_time - delta;
      }
      if (addBytes !== 0) {
        if (rec.total_gb === 0) skip(email, "unlimited traffic");
        else if (rec.total_gb + addBytes <= 0) skip(email, "reduction exceeds remaining quota");
        else entry.total = rec.total_gb + addBytes;
      }
      if (entry.expiry !== undefined || entry.total !== undefined || flow !== "") plan.set(email, entry);
    }
    if (plan.size === 0) return { adjusted: 0, skipped: skippedList(skipped) };
    const planned = new Map([...plan.keys()].map((e) => [e, records.get(e) as ClientRow]));
    const honored = new Set<string>();
    const ineligible = new Set<string>();
    const failed = new Set<string>();
    for (const [id, ibEmails] of this.emailsByInbound(planned)) {
      const r = this.bulkAdjustInbound(id, ibEmails, plan, flow);
      r.honored.forEach((e) => honored.add(e));
      r.ineligible.forEach((e) => ineligible.add(e));
      for (const [e, reason] of r.skipped) {
        failed.add(e);
        skip(e, reason);
      }
    }
    const nowMs = this.store.now();
    const candidates = [...plan].filter(([, p]) => p.expiry !== undefined || p.total !== undefined).map(([e]) => e);
    const wasDepleted = new Set(this.store.depletedEmails(candidates, nowMs, true));
    let adjusted = 0;
    for (const [email, p] of plan) {
      if (failed.has(email)) continue;
      const updates = { ...(p.expiry !== undefined ? { expiry_time: p.expiry } : {}), ...(p.total !== undefined ? { total: p.total } : {}) };
      if (Object.keys(updates).length > 0) this.store.updateTraffic(email, updates);
      if (Object.keys(updates).length > 0 || honored.has(email)) adjusted++;
    }
    for (const e of ineligible) if (!honored.has(e) && !skipped.has(e)) skipped.set(e, "flow not supported on inbound");
    if (wasDepleted.size > 0) {
      const still = new Set(this.store.depletedEmails([...wasDepleted], nowMs));
      const reEnable = [...wasDepleted].filter((e) => !still.has(e));
      if (reEnable.length > 0) this.bulkSetEnable(reEnable, true);
    }
    return { adjusted, skipped: skippedList(skipped) };
  }

  /** bulkAdjustInboundClients (client_bulk.go L541). */
  private bulkAdjustInbound(inboundId: number, emails: string[], plan: Map<string, { expiry?: number; total?: number }>, flow: string) {
    const out = { skipped: new Map<string, string>(), honored: new Set<string>(), ineligible: new Set<string>() };
    let inbound;
    let settings: JsonObject;
    try {
      inbound = this.store.inbound(inboundId);
      settings = settingsMap(inbound.settings);
    } catch (error) {
      for (const e of emails) out.skipped.set(e, (error as Error).message);
      return out;
    }
    const wanted = new Set(emails.filter((e) => plan.has(e)));
    const eligible = flow === FLOW_CLEAR || canEnableTlsFlow(inbound);
    const found = new Set<string>();
    const nowTs = this.nowTs();
    for (const entry of entriesOf(settings)) {
      const email = emailOfEntry(entry);
      if (!isEntry(entry) || email === "" || !wanted.has(email)) continue;
      const p = plan.get(email) as { expiry?: number; total?: number };
      if (p.expiry !== undefined) entry.expiryTime = p.expiry;
      if (p.total !== undefined) entry.totalGB = p.total;
      if (flow !== "") {
        if (eligible) {
          entry.flow = flow === FLOW_CLEAR ? "" : flow;
          out.honored.add(email);
        } else out.ineligible.add(email);
      }
      entry.updated_at = nowTs;
      found.add(email);
    }
    for (const e of wanted) if (!found.has(e)) out.skipped.set(e, "Client Not Found In Inbound");
    if (found.size === 0) return out;
    try {
      this.store.tx(() => {
        const text = this.store.saveSettings(inboundId, settings);
        this.store.syncInbound(inboundId, parseClients(text));
      });
    } catch (error) {
      for (const e of found) if (!out.skipped.has(e)) out.skipped.set(e, (error as Error).message);
    }
    return out;
  }

  /** inbound id -> the emails (of `records`) attached to it, from client_inbounds. */
  private emailsByInbound(records: Map<string, ClientRow>): Map<number, string[]> {
    const emailById = new Map([...records.values()].map((r) => [r.id, r.email]));
    const out = new Map<number, string[]>();
    for (const l of this.store.linksOf([...emailById.keys()])) {
      out.set(l.inbound_id, [...(out.get(l.inbound_id) ?? []), emailById.get(l.client_id) as string]);
    }
    return out;
  }
}
