// Ops on the machine rather than an allocation: drain per-CPU lists (all CPUs or one), advance virtual time, arm the page_alloc fault site.
import * as fc from 'fast-check';
import { z } from 'zod';
import { fail } from '../../invariants/failure.ts';
import { okOutcome, type OpContext, type OpOutcome, type OpSpec } from '../op.ts';
import { cpuArbitrary, cpuField } from '../targets.ts';

const drainSchema = z.strictObject({ op: z.literal('drain'), cpu: cpuField.optional() });
const tickSchema = z.strictObject({ op: z.literal('tick'), deltaMs: z.number().int().min(0).max(3_600_000) });
const armFaultSchema = z.strictObject({ op: z.literal('armFault'), site: z.enum(['page_alloc']), count: z.number().int().min(1).max(1000) });

/** `{ "op": "drain" }` (drain_all_pages) or `{ "op": "drain", "cpu": 1 }` (drain_local_pages). */
export type DrainOp = z.infer<typeof drainSchema>;
/** `{ "op": "tick", "deltaMs": 5 }`: advances virtual time and runs the background workers once. */
export type TickOp = z.infer<typeof tickSchema>;
/** `{ "op": "armFault", "site": "page_alloc", "count": 1 }`: the next `count` allocations fail (fail_page_alloc). */
export type ArmFaultOp = z.infer<typeof armFaultSchema>;

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
  summary: 'arms the page_alloc fault site: the next allocations fail with ENOMEM',
  weightMax: 10,
  schema: armFaultSchema,
  arbitrary: () => fc.record({ op: fc.constant('armFault' as const), site: fc.constant('page_alloc' as const), count: fc.integer({ min: 1, max: 3 }) }),
  apply: applyArmFault,
  describe: (op) => `armFault ${op.site} ×${op.count}`,
};
