// What the service needs from a panel that writes its own data (3x-ui 3.1+ through its HTTP
// API): read one client fresh, replace it, add, delete, zero its usage. The panel driver
// (src/panel) implements it; the service plans and calls it, and never speaks HTTP itself.

/** A client record as the panel's API carries it (model.Client): every field, unknown ones too. */
export interface PanelClientRecord {
  email: string;
  enable: boolean;
  /** Unix ms; 0 = never; negative = delayed start. */
  expiryTime: number;
  /** Bytes, despite the name; 0 = unlimited. */
  totalGB: number;
  /** Auto-renew period in days. */
  reset: number;
  [key: string]: unknown;
}

/** The panel's usage row of a client (client_traffics), as its API reports it. */
export interface PanelTraffic {
  up: number;
  down: number;
  /** The panel's own switch: off when time or traffic ran out. */
  enable: boolean;
  expiryTime: number;
  total: number;
  lastOnline: number;
}

export interface PanelClientEntry {
  client: PanelClientRecord;
  inboundIds: number[];
  traffic: PanelTraffic | null;
}

export interface PanelPort {
  /** The client as the panel has it now; null when it has none by that email. */
  getClient(email: string): Promise<PanelClientEntry | null>;
  addClient(client: Partial<PanelClientRecord> & { email: string }, inboundIds: number[]): Promise<void>;
  /** Replaces the whole record: omitted fields are cleared by the panel, so send them all. */
  updateClient(email: string, client: PanelClientRecord): Promise<void>;
  deleteClient(email: string, options?: { keepTraffic?: boolean }): Promise<void>;
  /** Sets the usage counters, nothing else. */
  setTraffic(email: string, up: number, down: number): Promise<void>;
}
