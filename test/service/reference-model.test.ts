// Random sequences of operations run through XuiService on a real file and through the
// reference model; after every step the file, read through a fresh connection, must hold
// exactly what the model says: each client's row and JSON fields, usage moved only by reset.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DAY_MS, GB } from "../../src/core/units.js";
import type { CreateClientInput, Selector } from "../../src/core/types.js";
import { XuiService } from "../../src/service/xui-service.js";
import { operationAt } from "../support/arbitraries.js";
import { storedClients, type Stored } from "../support/db-inspect.js";
import { buildXuiDb, copyRealFixture, tempDbPath, type FixtureClient, type SchemaVariant } from "../support/xui-fixture.js";
import { ReferenceModel, ROW_FIELDS, type ExpectedClient, type Refusal } from "./reference-model.js";

// Which clients a step acts on, as indexes resolved against the model's clients when it runs.
const selection = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("refs" as const),
      picks: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
      upperCase: fc.boolean(), // references are case-insensitive
      ghost: fc.nat(5).map((n) => n === 0), // now and then a reference to no one: the whole step is refused
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("inbound" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: "all" as const }) },
);
type Selection = typeof selection extends fc.Arbitrary<infer T> ? T : never;

const createStep = fc.record({
  kind: fc.constant("create" as const),
  inboundPick: fc.nat(),
  // A new name (the second "neu" differs only by case: a duplicate), or an existing client's.
  email: fc.oneof(fc.constantFrom("neu", "NEU", "zed-1"), fc.nat().map((pick) => ({ pick }))),
  days: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
  totalBytes: fc.option(fc.integer({ min: 0, max: 100 }).map((gb) => gb * GB), { nil: undefined }),
});

const steps = (now: number) =>
  fc.array(
    fc.oneof(
      { weight: 8, arbitrary: fc.record({ kind: fc.constant("apply" as const), op: operationAt(now), select: selection }) },
      { weight: 2, arbitrary: createStep },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 1, max: 60 * DAY_MS }) }) },
    ),
    { minLength: 1, maxLength: 12 },
  );
type Step = typeof steps extends (now: number) => fc.Arbitrary<(infer T)[]> ? T : never;

function selectorFor(s: Selection, model: ReferenceModel): Selector {
  const { clients, inboundIds } = model;
  if (s.kind === "all") return { all: true };
  if (s.kind === "inbound") return { inboundId: inboundIds[s.pick % inboundIds.length] as number };
  const refs = s.picks.map((p) => clients[p % clients.length]?.email ?? "");
  return { refs: [...(s.upperCase ? refs.map((r) => r.toUpperCase()) : refs), ...(s.ghost ? ["ghost"] : [])] };
}

function createInput(s: Extract<Step, { kind: "create" }>, model: ReferenceModel): CreateClientInput {
  const { clients, inboundIds } = model;
  const email = typeof s.email === "string" ? s.email : (clients[s.email.pick % clients.length]?.email.toUpperCase() ?? "");
  return { inboundId: inboundIds[s.inboundPick % inboundIds.length] as number, email, days: s.days, totalBytes: s.totalBytes };
}

/** The stored file in the model's terms: each client's JSON fields and its row's columns. */
function asStored(stored: Stored): Map<string, ExpectedClient> {
  return new Map(
    [...stored.clients].map(([email, { inboundId, json, row = {} }]) => [
      email,
      { inboundId, json, row: Object.fromEntries(ROW_FIELDS.filter((f) => stored.columns.has(f)).map((f) => [f, row[f]])) as Record<string, number> },
    ]),
  );
}

async function outcome(run: Promise<unknown>, refusal: Refusal | null): Promise<void> {
  if (refusal) await expect(run).rejects.toMatchObject({ code: refusal });
  else await run;
}

/** Runs `list` on the file at `path` from clock `start`, comparing it with the model after each step. */
async function runAgainstModel(path: string, start: number, list: Step[]): Promise<void> {
  let clock = start;
  const service = XuiService.open(path, { now: () => clock, backupDir: `${path}.backups` });
  try {
    await service.sync(); // both places agree before the model takes the file as its start
    const model = ReferenceModel.of(storedClients(path));
    for (const [n, step] of list.entries()) {
      if (step.kind === "wait") clock += step.ms;
      else if (step.kind === "create") {
        const input = createInput(step, model);
        await outcome(service.create(input), model.create(input, clock));
      } else {
        const selector = selectorFor(step.select, model);
        await outcome(service.apply(step.op, selector), model.apply(step.op, selector, clock));
      }
      expect(asStored(storedClients(path)), `after step ${n}: ${JSON.stringify(step)}`).toEqual(model.expected());
    }
    expect(service.check().findings).toEqual([]);
  } finally {
    service.close();
  }
}

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);

// Every state an operation must tell apart, each in a different inbound position.
const STATES: Omit<FixtureClient, "email">[] = [
  { expiryTime: 0 }, // never expires
  { expiryTime: NOW + 5 * DAY_MS, totalBytes: 50 * GB, up: GB, down: 2 * GB },
  { expiryTime: NOW - 3 * DAY_MS, active: false }, // expired, the panel cleared its flag
  { expiryTime: NOW - DAY_MS }, // expired, the panel has not ticked yet
  { expiryTime: -7 * DAY_MS }, // delayed start
  { expiryTime: NOW + 30 * DAY_MS, totalBytes: 10 * GB, up: 4 * GB, down: 7 * GB, active: false }, // out of traffic
  { expiryTime: NOW + 20 * DAY_MS, enable: false, active: false }, // blocked by the admin
  { expiryTime: NOW + 2 * DAY_MS, totalBytes: 20 * GB, up: 3 * GB, down: 5 * GB, reset: 30 }, // auto-renewing
];
const EMAILS = ["alice", "Bob", "карина", "سعید", "dave-phone", "erin", "Frank", "grace"];
const built = EMAILS.map((email, i) => ({ email, ...STATES[i % STATES.length] }));

const REAL_NOW: Record<string, number> = {
  // Inside each file's range of expiry dates: some clients expired, some running.
  "ivansalou288-tech_vpn_bot-2.db": Date.UTC(2026, 9, 1),
  "Takoyek_Tel_To_Pannel.db": Date.UTC(2025, 8, 1),
  "amirneo98_server86.db": Date.UTC(2023, 6, 6),
};

describe("every operation does what the reference model says", () => {
  it("on built files of each schema, from every state an admin meets", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<SchemaVariant>("2.8", "legacy", "extra-columns"), steps(NOW), async (variant, list) => {
        const path = tempDbPath();
        buildXuiDb(path, {
          variant,
          inbounds: [
            { id: 1, protocol: "vless", clients: built.slice(0, 4) },
            { id: 2, protocol: "shadowsocks", clients: built.slice(4) },
            { id: 3, protocol: "trojan", clients: [] },
          ],
        });
        await runAgainstModel(path, NOW, list);
      }),
      { numRuns: 60 },
    );
  });

  it.each(Object.entries(REAL_NOW))("on the published %s", async (name, now) => {
    await fc.assert(
      fc.asyncProperty(steps(now), async (list) => runAgainstModel(copyRealFixture(name), now, list)),
      { numRuns: 12 },
    );
  });
});
