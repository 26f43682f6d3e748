// The allocPagesBulk op: __alloc_pages_bulk() in array mode with some slots pre-filled, checked against the array contract; every new page becomes its own handle.
import * as fc from 'fast-check';
import { z } from 'zod';
import type { Pfn } from '../../../src/base/units.ts';
import { __GFP_NOFAIL } from '../../../src/mem/gfp.ts';
import { checkBulkContract } from '../../invariants/bulk-contract.ts';
import { fail, type InvariantFailure } from '../../invariants/failure.ts';
import { gfpArbitrary, gfpField, gfpOf } from '../gfp-choices.ts';
import { errnoOutcome, okOutcome, takeOwner, type OpContext, type OpOutcome, type OpSpec } from '../op.ts';
import { cpuArbitrary, cpuField } from '../targets.ts';
import { acceptBlock } from './owner-pages.ts';

/** Largest array a generated bulk call uses. */
export const BULK_PAGES_MAX = 64;

const schema = z.strictObject({
  op: z.literal('allocPagesBulk'),
  gfp: gfpField,
  nrPages: z.number().int().min(1).max(4096),
  prefilled: z.array(z.number().int().min(0)).max(4096),
  cpu: cpuField,
});

/**
 * `{ "op": "allocPagesBulk", "gfp": "GFP_KERNEL", "nrPages": 16, "prefilled": [0, 5], "cpu": 0 }`:
 * slot indices in `prefilled` (taken modulo nrPages) already hold a page the caller owns.
 */
export type AllocPagesBulkOp = z.infer<typeof schema>;

/** The slot array: a distinct negative sentinel (never a real PFN) in each pre-filled slot, null elsewhere. */
function slotsOf(op: AllocPagesBulkOp): (Pfn | null)[] {
  const slots: (Pfn | null)[] = new Array<Pfn | null>(op.nrPages).fill(null);
  for (const index of op.prefilled) slots[index % op.nrPages] = -1 - (index % op.nrPages);
  return slots;
}

function leadingFilled(slots: readonly (Pfn | null)[]): number {
  let count = 0;
  while (count < slots.length && slots[count] !== null) count++;
  return count;
}

/** An armed page_alloc fault makes a call that needs pages return the leading count and consume the fault. */
function checkFaultPrediction(ctx: OpContext, armedBefore: number, returned: number, leading: number, fresh: number): InvariantFailure | undefined {
  ctx.checks++;
  const armedAfter = ctx.machine.env.faults.armedCount('page_alloc');
  if (fresh === 0 && returned === leading && armedAfter === armedBefore - 1) return undefined;
  return fail('predicted-outcome', `bulk call with an armed page_alloc fault returned ${returned} with ${fresh} new pages, ${armedAfter} faults left of ${armedBefore}`, {
    expected: { returned: leading, fresh: 0, armed: armedBefore - 1 }, actual: { returned, fresh, armed: armedAfter },
  });
}

function acceptFreshPages(ctx: OpContext, op: AllocPagesBulkOp, before: readonly (Pfn | null)[], after: readonly (Pfn | null)[], owner: number, cpu: number): { ids: number[]; failure?: InvariantFailure } {
  const gfp = gfpOf(op.gfp);
  const ids: number[] = [];
  for (let i = 0; i < op.nrPages; i++) {
    const pfn = after[i] ?? null;
    if (before[i] !== null || pfn === null) continue;
    const accepted = acceptBlock(ctx, { pfn, order: 0, gfp, owner, cpu });
    if (accepted.handle !== undefined) ids.push(accepted.handle.id);
    if (accepted.failure !== undefined) return { ids, failure: accepted.failure };
  }
  return { ids };
}

function apply(ctx: OpContext, op: AllocPagesBulkOp): OpOutcome {
  const buddy = ctx.machine.buddy;
  const cpu = op.cpu % buddy.cpuCount;
  const slots = slotsOf(op);
  const before = slots.slice();
  const leading = leadingFilled(slots);
  const armedBefore = ctx.machine.env.faults.armedCount('page_alloc');
  const faultExpected = leading < op.nrPages && armedBefore > 0 && (gfpOf(op.gfp) & __GFP_NOFAIL) === 0;
  const owner = takeOwner(ctx);
  const returned = buddy.allocPagesBulk(gfpOf(op.gfp), op.nrPages, slots, { owner, cpu });
  const contract = ctx.checking ? checkBulkContract(ctx, { nrPages: op.nrPages, before, after: slots, returned }) : undefined;
  if (contract !== undefined) return okOutcome(`returned ${returned}`, contract);
  const { ids, failure } = acceptFreshPages(ctx, op, before, slots, owner, cpu);
  const prediction = ctx.checking && faultExpected ? checkFaultPrediction(ctx, armedBefore, returned, leading, ids.length) : undefined;
  const detail = `returned ${returned}, ${ids.length} new${ids.length === 0 ? '' : ` (#${ids[0]}..#${ids[ids.length - 1]})`}`;
  if (ids.length > 0) return okOutcome(detail, failure ?? prediction);
  ctx.spareOwner = owner;
  // A call that needed pages and got none failed as a whole: the failed-op check applies to it.
  if (leading < op.nrPages && returned < op.nrPages) return errnoOutcome('ENOMEM', detail, failure ?? prediction);
  return okOutcome(detail, failure ?? prediction);
}

/** The allocPagesBulk op kind. */
export const allocPagesBulkSpec: OpSpec<AllocPagesBulkOp> = {
  kind: 'allocPagesBulk',
  summary: '__alloc_pages_bulk() array mode with pre-filled slots; each new page becomes a live handle',
  schema,
  arbitrary: () => fc.record({
    op: fc.constant('allocPagesBulk' as const),
    gfp: gfpArbitrary(),
    nrPages: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 8 }), weight: 3 }, { arbitrary: fc.integer({ min: 9, max: BULK_PAGES_MAX }), weight: 1 }),
    prefilled: fc.uniqueArray(fc.nat({ max: BULK_PAGES_MAX - 1 }), { maxLength: 4 }),
    cpu: cpuArbitrary(),
  }),
  apply,
  describe: (op) => `allocPagesBulk ${op.gfp} nrPages ${op.nrPages}${op.prefilled.length === 0 ? '' : ` prefilled [${op.prefilled.join(',')}]`} cpu ${op.cpu}`,
};
