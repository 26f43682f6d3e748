// The allocPages op: alloc_pages(gfp, order) on one CPU, with the model's predictions (order > MAX_PAGE_ORDER and armed faults fail) and every check on the new block.
import * as fc from 'fast-check';
import { z } from 'zod';
import type { Errno } from '../../../src/base/errno.ts';
import { MAX_PAGE_ORDER } from '../../../src/base/units.ts';
import { __GFP_NOFAIL, type Gfp } from '../../../src/mem/gfp.ts';
import { fail, type InvariantFailure } from '../../invariants/failure.ts';
import { gfpArbitrary, gfpField, gfpOf } from '../gfp-choices.ts';
import { errnoOutcome, okOutcome, takeOwner, type OpContext, type OpOutcome, type OpSpec } from '../op.ts';
import { cpuArbitrary, cpuField } from '../targets.ts';
import { acceptBlock } from './owner-pages.ts';

const schema = z.strictObject({ op: z.literal('allocPages'), gfp: gfpField, order: z.number().int().min(0).max(31), cpu: cpuField });

/** `{ "op": "allocPages", "gfp": "GFP_KERNEL", "order": 3, "cpu": 1 }`. */
export type AllocPagesOp = z.infer<typeof schema>;

/** Orders 0..3 (the per-CPU orders) most often, 4..10 less, and now and then 11, which must fail (invariant 27). */
export function orderArbitrary(): fc.Arbitrary<number> {
  return fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 3 }), weight: 12 },
    { arbitrary: fc.integer({ min: 4, max: MAX_PAGE_ORDER }), weight: 4 },
    { arbitrary: fc.constant(MAX_PAGE_ORDER + 1), weight: 1 },
  );
}

/** Why the model knows a request must fail. */
interface Prediction {
  /** 'order': above MAX_PAGE_ORDER (checked before any fault site); 'fault': an armed page_alloc fault fires. */
  readonly reason: 'order' | 'fault';
  readonly text: string;
}

/** The model's prediction for this request, or undefined when it may succeed. */
function predictedFailure(ctx: OpContext, gfp: Gfp, order: number): Prediction | undefined {
  if (order > MAX_PAGE_ORDER) return { reason: 'order', text: `order ${order} > MAX_PAGE_ORDER` };
  if ((gfp & __GFP_NOFAIL) === 0 && ctx.machine.env.faults.armedCount('page_alloc') > 0) return { reason: 'fault', text: 'an armed page_alloc fault' };
  return undefined;
}

/** A failed allocation: ENOMEM only, and a fault the model expected to fire was consumed exactly once. */
function checkFailedAlloc(ctx: OpContext, errno: Errno, armedBefore: number, predicted: Prediction | undefined): InvariantFailure | undefined {
  ctx.checks++;
  if (errno !== 'ENOMEM') return fail('predicted-outcome', `allocPages failed with ${errno}, expected ENOMEM`, { expected: 'ENOMEM', actual: errno });
  const armedAfter = ctx.machine.env.faults.armedCount('page_alloc');
  if (predicted?.reason === 'fault' && armedAfter !== armedBefore - 1) {
    return fail('predicted-outcome', `the failing allocation left ${armedAfter} armed page_alloc faults of ${armedBefore}`, { expected: armedBefore - 1, actual: armedAfter });
  }
  return undefined;
}

function apply(ctx: OpContext, op: AllocPagesOp): OpOutcome {
  const buddy = ctx.machine.buddy;
  const gfp = gfpOf(op.gfp);
  const cpu = op.cpu % buddy.cpuCount;
  const armedBefore = ctx.machine.env.faults.armedCount('page_alloc');
  const predicted = ctx.checking ? predictedFailure(ctx, gfp, op.order) : undefined;
  const owner = takeOwner(ctx);
  const result = buddy.allocPages(gfp, op.order, { owner, cpu });
  if (!result.ok) {
    ctx.spareOwner = owner;
    return errnoOutcome(result.errno, result.errno, ctx.checking ? checkFailedAlloc(ctx, result.errno, armedBefore, predicted) : undefined);
  }
  if (predicted !== undefined) {
    return okOutcome(`pfn ${result.value}`, fail('predicted-outcome', `allocPages succeeded (pfn ${result.value}) despite ${predicted.text}`, { expected: 'ENOMEM', actual: `pfn ${result.value}` }));
  }
  const accepted = acceptBlock(ctx, { pfn: result.value, order: op.order, gfp, owner, cpu });
  const id = accepted.handle === undefined ? '' : `#${accepted.handle.id} `;
  return okOutcome(`${id}pfn ${result.value}`, accepted.failure);
}

/** The allocPages op kind. */
export const allocPagesSpec: OpSpec<AllocPagesOp> = {
  kind: 'allocPages',
  summary: 'alloc_pages(gfp, order) on a CPU; the block becomes a live handle',
  schema,
  arbitrary: () => fc.record({ op: fc.constant('allocPages' as const), gfp: gfpArbitrary(), order: orderArbitrary(), cpu: cpuArbitrary() }),
  apply,
  describe: (op) => `allocPages ${op.gfp} order ${op.order} cpu ${op.cpu}`,
};
