// fast-check generators for the service's vocabulary, shared by the property tests.
import fc from "fast-check";
import { DAY_MS, GB } from "../../src/core/units.js";
import { EDIT_FIELDS, NOTE_CODES, type ClientDiff, type ClientState, type Operation } from "../../src/core/types.js";
import type { JsonValue } from "../../src/xui/panel-json.js";

export const clientState: fc.Arbitrary<ClientState> = fc.record({
  enabled: fc.boolean(),
  active: fc.boolean(),
  expiryTime: fc.integer({ min: -90 * 86_400_000, max: 2 ** 45 }),
  totalBytes: fc.integer({ min: 0, max: 2 ** 52 }),
  reset: fc.integer({ min: 0, max: 365 }),
  up: fc.integer({ min: 0, max: 2 ** 52 }),
  down: fc.integer({ min: 0, max: 2 ** 52 }),
});

/** A value as a JSON client or a row holds it. */
const stored = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
const record = fc.dictionary(fc.string(), stored);

/** Any diff, created (no before) or not, with any notes, and some with an edit's fields or a deleted client. */
export const clientDiff: fc.Arbitrary<ClientDiff> = fc.record(
  {
    email: fc.string(),
    inboundId: fc.nat(),
    before: fc.option(clientState, { nil: null }),
    after: clientState,
    notes: fc.subarray([...NOTE_CODES]),
    fields: fc.dictionary(fc.constantFrom(...EDIT_FIELDS), fc.record({ before: stored, after: stored }, { requiredKeys: [] })),
    removed: fc.record({ index: fc.nat(), json: record, row: fc.option(record, { nil: null }), ips: fc.option(record, { nil: null }) }),
  },
  { requiredKeys: ["email", "inboundId", "before", "after", "notes"] },
);

/**
 * Any operation but restore, at clock `now`: expiry dates from two months back (expired) to a
 * year ahead or never, limits small enough that real usage exhausts them.
 */
export const operationAt = (now: number): fc.Arbitrary<Operation> =>
  fc.oneof(
    fc.integer({ min: 1, max: 400 }).map((days) => ({ kind: "extend" as const, days })),
    fc.oneof(fc.constant(0), fc.integer({ min: -60, max: 400 }).map((d) => now + d * DAY_MS)).map((expiryTime) => ({ kind: "expiry" as const, expiryTime })),
    fc.integer({ min: 0, max: 100 }).map((gb) => ({ kind: "limit" as const, totalBytes: gb * GB })),
    fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }).map((gb) =>
      gb === undefined ? { kind: "reset" as const } : { kind: "reset" as const, totalBytes: gb * GB },
    ),
    fc.constant({ kind: "block" as const }),
    fc.constant({ kind: "unblock" as const }),
  );

/**
 * JSON values as odd as the panel's files hold and its decoder can produce: float64 numbers,
 * any text (HTML-unsafe and control characters, lone surrogates, a client's closing line),
 * index-like and prototype keys: the shapes formatSettings must write as Go does.
 */
export const jsonValue = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 3 },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -(2 ** 53), max: 2 ** 53 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ unit: "binary" }),
    fc.constantFrom("<script>", "a&b", "\u2028\u2029", "\b\f\n\r\t\u0001\u007f", "\n    }", "\ud800", "😀", "ﬀ"),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ unit: "binary", maxLength: 6 }), fc.constantFrom("0", "12", "__proto__", "email")), tie("value"), { maxKeys: 5 }),
  ),
})).value;
