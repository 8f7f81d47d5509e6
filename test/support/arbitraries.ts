// fast-check generators for the service's vocabulary, shared by the property tests.
import fc from "fast-check";
import { NOTE_CODES, type ClientDiff, type ClientState } from "../../src/service/types.js";

export const clientState: fc.Arbitrary<ClientState> = fc.record({
  enabled: fc.boolean(),
  active: fc.boolean(),
  expiryTime: fc.integer({ min: -90 * 86_400_000, max: 2 ** 45 }),
  totalBytes: fc.integer({ min: 0, max: 2 ** 52 }),
  reset: fc.integer({ min: 0, max: 365 }),
  up: fc.integer({ min: 0, max: 2 ** 52 }),
  down: fc.integer({ min: 0, max: 2 ** 52 }),
});

/** Any diff, created (no before) or not, with any notes. */
export const clientDiff: fc.Arbitrary<ClientDiff> = fc.record({
  email: fc.string(),
  inboundId: fc.nat(),
  before: fc.option(clientState, { nil: null }),
  after: clientState,
  notes: fc.subarray([...NOTE_CODES]),
});
