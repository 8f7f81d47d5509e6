// Request bodies as gin's ShouldBindJSON decodes them into the controllers' Go types
// (controller/client.go): a value of the wrong JSON type fails the whole request, a missing
// key or null leaves the zero value, unknown keys are ignored.
import { GoError, decodeClient, type GoClient } from "./wire.js";

type Kind = "int" | "bool" | "string" | "strings" | "ints";
type Spec = Record<string, Kind>;
type Decoded<S extends Spec> = { [K in keyof S]: S[K] extends "int" ? number : S[K] extends "bool" ? boolean : S[K] extends "string" ? string : S[K] extends "strings" ? string[] : number[] };

const ZERO: Record<Kind, () => unknown> = { int: () => 0, bool: () => false, string: () => "", strings: () => [], ints: () => [] };

function typeName(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  return typeof v === "object" ? "object" : typeof v === "boolean" ? "bool" : typeof v;
}

function ok(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case "int":
      return typeof v === "number" && Number.isInteger(v);
    case "bool":
      return typeof v === "boolean";
    case "string":
      return typeof v === "string";
    case "strings":
      return Array.isArray(v) && v.every((s) => typeof s === "string");
    case "ints":
      return Array.isArray(v) && v.every((n) => typeof n === "number" && Number.isInteger(n));
  }
}

/** JSON text into the Go struct `name` described by `spec`. */
export function decodeStruct<S extends Spec>(value: unknown, spec: S, name: string): Decoded<S> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    if (value === null) return Object.fromEntries(Object.entries(spec).map(([k, kind]) => [k, ZERO[kind]()])) as Decoded<S>;
    throw new GoError(`json: cannot unmarshal ${typeName(value)} into Go value of type ${name}`);
  }
  const source = value as Record<string, unknown>;
  const keys = Object.keys(source);
  const out: Record<string, unknown> = {};
  for (const [field, kind] of Object.entries(spec)) {
    const key = field in source ? field : keys.findLast((k) => k.toLowerCase() === field.toLowerCase());
    const v = key === undefined ? undefined : source[key];
    if (v === undefined || v === null) out[field] = ZERO[kind]();
    else if (ok(kind, v)) out[field] = v;
    else throw new GoError(`json: cannot unmarshal ${typeName(v)} into Go struct field ${name.split(".").pop()}.${field} of type ${kind === "int" ? "int" : kind === "strings" ? "[]string" : kind === "ints" ? "[]int" : kind}`);
  }
  return out as Decoded<S>;
}

/** service.ClientCreatePayload: {client, inboundIds}. */
export function decodeCreatePayload(value: unknown): { client: GoClient; inboundIds: number[] } {
  const { inboundIds } = decodeStruct(value, { inboundIds: "ints" }, "service.ClientCreatePayload");
  const client = value !== null && typeof value === "object" ? (value as { client?: unknown }).client : undefined;
  return { client: decodeClient(client ?? null), inboundIds };
}

export function decodeCreatePayloads(value: unknown): { client: GoClient; inboundIds: number[] }[] {
  if (value === null) return [];
  if (!Array.isArray(value)) throw new GoError(`json: cannot unmarshal ${typeName(value)} into Go value of type []service.ClientCreatePayload`);
  return value.map(decodeCreatePayload);
}

/** gin's ShouldBindJSON on a raw body: io.EOF for an empty one, the parser's error for bad JSON. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === "") throw new GoError("EOF");
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new GoError((error as Error).message);
  }
}
