// The freePages op: __free_pages() by the caller of a live allocation (symbolic target), optionally on another CPU.
import * as fc from 'fast-check';
import { z } from 'zod';
import type { Handle } from '../../model/handle.ts';
import { okOutcome, skipOutcome, type OpContext, type OpOutcome, type OpSpec } from '../op.ts';
import { cpuArbitrary, cpuField, handleText, targetArbitrary, targetField } from '../targets.ts';
import { releaseOwnerRef } from './owner-pages.ts';

const schema = z.strictObject({ op: z.literal('freePages'), target: targetField, cpu: cpuField.optional() });

/** `{ "op": "freePages", "target": 17 }`: the 17th live allocation (modulo the number live) whose caller still holds it; `cpu` defaults to the allocating CPU. */
export type FreePagesOp = z.infer<typeof schema>;

/** The caller has not freed it yet (handles kept alive only by extra references are putPage's). */
function ownsRef(handle: Handle): boolean {
  return handle.ownerRef;
}

function apply(ctx: OpContext, op: FreePagesOp): OpOutcome {
  const handle = ctx.model.pick(ctx.model.live, op.target, ownsRef);
  if (handle === undefined) return skipOutcome('no live allocation to free');
  const cpu = op.cpu === undefined ? handle.cpu : op.cpu % ctx.machine.buddy.cpuCount;
  const before = handleText(handle);
  const failure = releaseOwnerRef(ctx, handle, cpu);
  const left = handle.extraRefs === 0 ? '' : ` (${handle.extraRefs} extra ref${handle.extraRefs === 1 ? '' : 's'} keep ${handle.pageCount === 1 ? 'the head' : 'it'})`;
  return okOutcome(`${before}${left}`, failure);
}

/** The freePages op kind. */
export const freePagesSpec: OpSpec<FreePagesOp> = {
  kind: 'freePages',
  summary: '__free_pages() of a live allocation (its caller\'s reference)',
  schema,
  arbitrary: () => fc.record(
    { op: fc.constant('freePages' as const), target: targetArbitrary(), cpu: cpuArbitrary() },
    { requiredKeys: ['op', 'target'] },
  ),
  apply,
  describe: (op) => `freePages target ${op.target}${op.cpu === undefined ? '' : ` cpu ${op.cpu}`}`,
};
