// Ops on the machine rather than an allocation: drain per-CPU lists (all CPUs or one), advance virtual time, arm a fault site (which sites a run draws is up to its swarm).
import * as fc from 'fast-check';
import { z } from 'zod';
import { FAULT_SITES, type FaultSite } from '../../../src/env/faults.ts';
import { fail } from '../../invariants/failure.ts';
import { okOutcome, type OpContext, type OpOutcome, type OpSpec, type OpSwarm } from '../op.ts';
import { cpuArbitrary, cpuField } from '../targets.ts';

const drainSchema = z.strictObject({ op: z.literal('drain'), cpu: cpuField.optional() });
const tickSchema = z.strictObject({ op: z.literal('tick'), deltaMs: z.number().int().min(0).max(3_600_000) });
const armFaultSchema = z.strictObject({ op: z.literal('armFault'), site: z.enum(FAULT_SITES as [FaultSite, ...FaultSite[]]), count: z.number().int().min(1).max(1000) });

/** `{ "op": "drain" }` (drain_all_pages) or `{ "op": "drain", "cpu": 1 }` (drain_local_pages). */
export type DrainOp = z.infer<typeof drainSchema>;
/** `{ "op": "tick", "deltaMs": 5 }`: advances virtual time and runs the background workers once. */
export type TickOp = z.infer<typeof tickSchema>;
/** `{ "op": "armFault", "site": "page_alloc", "count": 1 }`: the next `count` consults of the site fail (fail_page_alloc and friends). */
export type ArmFaultOp = z.infer<typeof armFaultSchema>;

/** The swarm weight key of one fault site (`armFault:migrate`); 0 or absent = the site is off for the run. */
export function faultSiteWeightKey(site: FaultSite): string {
  return `armFault:${site}`;
}

/** The sites a run's armFault ops draw, by their swarm weights; a swarm that names none arms page_alloc only. */
function faultSiteArbitrary(swarm: OpSwarm): fc.Arbitrary<FaultSite> {
  const on = FAULT_SITES.filter((site) => (swarm.weights[faultSiteWeightKey(site)] ?? 0) > 0);
  if (on.length === 0) return fc.constant('page_alloc');
  return fc.oneof(...on.map((site) => ({ arbitrary: fc.constant(site), weight: swarm.weights[faultSiteWeightKey(site)] as number })));
}

function applyDrain(ctx: OpContext, op: DrainOp): OpOutcome {
  const buddy = ctx.machine.buddy;
  const cpu = op.cpu === undefined ? undefined : op.cpu % buddy.cpuCount;
  const pcpBefore = buddy.pcpPages(undefined, cpu);
  if (cpu === undefined) buddy.drainAllPages();
  else buddy.drainLocalPages(cpu);
  const detail = `${pcpBefore} per-CPU pages ${cpu === undefined ? '(all CPUs)' : `(cpu ${cpu})`} back to the buddy lists`;
  if (!ctx.checking) return okOutcome(detail);
  ctx.checks++;
  const left = buddy.pcpPages(undefined, cpu);
  return okOutcome(detail, left === 0 ? undefined : fail('drain', `${left} pages still on the per-CPU lists after the drain`, { expected: 0, actual: left }));
}

function applyTick(ctx: OpContext, op: TickOp): OpOutcome {
  ctx.machine.tick(op.deltaMs * 1_000_000);
  return okOutcome(`now ${ctx.machine.env.clock.nowNs() / 1_000_000} ms`);
}

function applyArmFault(ctx: OpContext, op: ArmFaultOp): OpOutcome {
  const faults = ctx.machine.env.faults;
  faults.arm(op.site, op.count);
  return okOutcome(`${faults.armedCount(op.site)} armed`);
}

/** The drain op kind. */
export const drainSpec: OpSpec<DrainOp> = {
  kind: 'drain',
  summary: 'drain_all_pages() or drain_local_pages(cpu)',
  schema: drainSchema,
  arbitrary: () => fc.record({ op: fc.constant('drain' as const), cpu: cpuArbitrary() }, { requiredKeys: ['op'] }),
  apply: applyDrain,
  describe: (op) => (op.cpu === undefined ? 'drain all CPUs' : `drain cpu ${op.cpu}`),
};

/** The tick op kind. */
export const tickSpec: OpSpec<TickOp> = {
  kind: 'tick',
  summary: 'advances virtual time; background workers run',
  schema: tickSchema,
  arbitrary: () => fc.record({ op: fc.constant('tick' as const), deltaMs: fc.integer({ min: 1, max: 100 }) }),
  apply: applyTick,
  describe: (op) => `tick ${op.deltaMs} ms`,
};

/** The armFault op kind. */
export const armFaultSpec: OpSpec<ArmFaultOp> = {
  kind: 'armFault',
  summary: 'arms a fault site (page_alloc, migrate, isolate, transient_pin, fatal_signal): its next consults fail',
  weightMax: 10,
  schema: armFaultSchema,
  arbitrary: (swarm) => fc.record({ op: fc.constant('armFault' as const), site: faultSiteArbitrary(swarm), count: fc.integer({ min: 1, max: 3 }) }),
  apply: applyArmFault,
  describe: (op) => `armFault ${op.site} ×${op.count}`,
};
