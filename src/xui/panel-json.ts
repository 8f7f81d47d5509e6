// Reads and writes `inbounds.settings` exactly as 3x-ui does: the panel decodes the column
// into a Go map[string]any and writes it back with json.MarshalIndent(m, "", "  "), so the
// bytes we write must be what that call produces: keys in byte order at every level,
// 2-space indent, HTML-unsafe characters escaped, numbers as float64 would print them.

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Parses a settings column; the caller decides what a parse failure means. */
export function parseSettings(text: string): JsonObject {
  const value = JSON.parse(text) as unknown;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new SyntaxError("settings is not a JSON object");
  }
  return value as JsonObject;
}

const HTML_UNSAFE = /[<>&\u2028\u2029]/g;
const HTML_ESCAPES: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

function escapeHtmlUnsafe(json: string): string {
  return json.replace(HTML_UNSAFE, (c) => HTML_ESCAPES[c] ?? c);
}

/** Go sorts map keys by their UTF-8 bytes, which is code point order (not UTF-16 order). */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Only surrogates (astral code points) break the equivalence of the two orders.
    if ((x >= 0xd800 && x <= 0xdfff) || (y >= 0xd800 && y <= 0xdfff)) {
      return (a.codePointAt(i) ?? 0) - (b.codePointAt(i) ?? 0);
    }
    return x - y;
  }
  return a.length - b.length;
}

/** Keys that a JS object would reorder ahead of the others, whatever the insertion order. */
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

class NeedsReference extends Error {}

/**
 * Returns a copy in which every object has its keys inserted in Go's order and every string
 * is well-formed, so that native JSON.stringify yields Go's layout. Throws NeedsReference
 * for the rare shapes native stringify cannot reproduce (index-like keys, -0).
 */
function canonicalise(value: JsonValue): JsonValue {
  if (typeof value === "string") return value.isWellFormed() ? value : value.toWellFormed();
  if (typeof value === "number") {
    if (Object.is(value, -0)) throw new NeedsReference();
    return value;
  }
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    let copy: JsonValue[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i] as JsonValue;
      const next = canonicalise(item);
      if (next !== item) {
        copy ??= value.slice();
        copy[i] = next;
      }
    }
    return copy ?? value;
  }
  const keys = Object.keys(value);
  let sorted = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const first = key.charCodeAt(0);
    // (A digit first is rare; only then is the regex worth running.)
    if (first >= 48 && first <= 57 && ARRAY_INDEX.test(key)) throw new NeedsReference();
    if (sorted && i > 0 && compareKeys(keys[i - 1] as string, key) > 0) sorted = false;
  }
  if (sorted) {
    let copy: JsonObject | undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const item = value[key] as JsonValue;
      // Numbers, booleans and null are always canonical: skip the call.
      if (item === null || (typeof item !== "object" && typeof item !== "string")) {
        if (item === 0 && Object.is(item, -0)) throw new NeedsReference();
        continue;
      }
      const next = canonicalise(item);
      if (next !== item) {
        copy ??= { ...value };
        copy[key] = next;
      }
    }
    return copy ?? value;
  }
  keys.sort(compareKeys);
  // No prototype: on a plain object, `out["__proto__"] = v` would set the prototype and drop
  // the key (JSON.parse makes it an own key, so a settings column can hold one).
  const out = Object.create(null) as JsonObject;
  for (const key of keys) out[key] = canonicalise(value[key] as JsonValue);
  return out;
}

/** The panel's byte format, via native JSON.stringify (fast path). */
export function formatSettings(value: JsonObject): string {
  let canonical: JsonValue;
  try {
    canonical = canonicalise(value);
  } catch (error) {
    if (error instanceof NeedsReference) return marshalIndent(value);
    throw error;
  }
  return escapeHtmlUnsafe(JSON.stringify(canonical, null, 2));
}

// ---------------------------------------------------------------------------------------
// Reference implementation: a literal port of Go's encoder, used for the shapes the fast
// path cannot express and, in tests, as the oracle the fast path is checked against.

function goString(s: string): string {
  let out = '"';
  for (const ch of s.toWellFormed()) {
    const c = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case '"': out += '\\"'; continue;
      case "\\": out += "\\\\"; continue;
      case "\n": out += "\\n"; continue;
      case "\r": out += "\\r"; continue;
      case "\t": out += "\\t"; continue;
      case "\b": out += "\\b"; continue;
      case "\f": out += "\\f"; continue;
      case "<": case ">": case "&": case "\u2028": case "\u2029":
        out += "\\u" + c.toString(16).padStart(4, "0");
        continue;
    }
    out += c < 0x20 ? "\\u" + c.toString(16).padStart(4, "0") : ch;
  }
  return out + '"';
}

/**
 * strconv.FormatFloat(f, 'f' or 'e', -1, 64) as encoding/json uses it. JS switches to the
 * exponent form at the same bounds (1e-6, 1e21) and prints it the same shortest way, so
 * String() agrees for every finite value but -0.
 */
function goNumber(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`unsupported number ${n}`);
  return Object.is(n, -0) ? "-0" : String(n);
}

export function marshalIndent(value: JsonValue, indent = ""): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return goNumber(value);
  if (typeof value === "string") return goString(value);
  const inner = indent + "  ";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return "[\n" + value.map((v) => inner + marshalIndent(v, inner)).join(",\n") + "\n" + indent + "]";
  }
  const keys = Object.keys(value).sort(compareKeys);
  if (keys.length === 0) return "{}";
  return (
    "{\n" +
    keys.map((k) => inner + goString(k) + ": " + marshalIndent(value[k] as JsonValue, inner)).join(",\n") +
    "\n" +
    indent +
    "}"
  );
}
