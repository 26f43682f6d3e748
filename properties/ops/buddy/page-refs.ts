// The getPage and putPage ops: extra references on a live allocation's head (get_page/put_page), including the non-compound tail case.
import * as fc from 'fast-check';
import { z } from 'zod';
import { okOutcome, skipOutcome, type OpContext, type OpOutcome, type OpSpec } from '../op.ts';
import { cpuArbitrary, cpuField, handleText, targetArbitrary, targetField } from '../targets.ts';
import { dropExtraRef, takeExtraRef } from './owner-pages.ts';

const getSchema = z.strictObject({ op: z.literal('getPage'), target: targetField });
const putSchema = z.strictObject({ op: z.literal('putPage'), target: targetField, cpu: cpuField.optional() });

/** `{ "op": "getPage", "target": 4 }`: get_page() on the head of a live allocation. */
export type GetPageOp = z.infer<typeof getSchema>;
/**
 * `{ "op": "putPage", "target": 4 }`: put_page() of an extra reference on the 4th (modulo their number)
 * live allocation holding one. Only those are targets: dropping the caller's own last reference of a non-compound block with put_page leaks its
 * tails (Linux behaviour, M17), which is a caller bug rather than an allocator one.
 */
export type PutPageOp = z.infer<typeof putSchema>;

function applyGet(ctx: OpContext, op: GetPageOp): OpOutcome {
  const handle = ctx.model.pick(ctx.model.live, op.target);
  if (handle === undefined) return skipOutcome('no live allocation');
  const failure = takeExtraRef(ctx, handle);
  return okOutcome(`${handleText(handle)} refcount ${handle.extraRefs + (handle.ownerRef ? 1 : 0)}`, failure);
}

function applyPut(ctx: OpContext, op: PutPageOp): OpOutcome {
  const handle = ctx.model.pick(ctx.model.extraRefHolders, op.target);
  if (handle === undefined) return skipOutcome('no extra reference to drop');
  const cpu = op.cpu === undefined ? handle.cpu : op.cpu % ctx.machine.buddy.cpuCount;
  const before = handleText(handle);
  const failure = dropExtraRef(ctx, handle, cpu);
  const refs = handle.extraRefs + (handle.ownerRef ? 1 : 0);
  return okOutcome(`${before} ${refs === 0 ? 'freed' : `refcount ${refs}`}`, failure);
}

/** The getPage op kind. */
export const getPageSpec: OpSpec<GetPageOp> = {
  kind: 'getPage',
  summary: 'get_page(): an extra reference on a live allocation',
  schema: getSchema,
  arbitrary: () => fc.record({ op: fc.constant('getPage' as const), target: targetArbitrary() }),
  apply: applyGet,
  describe: (op) => `getPage target ${op.target}`,
};

/** The putPage op kind. */
export const putPageSpec: OpSpec<PutPageOp> = {
  kind: 'putPage',
  summary: 'put_page(): drops an extra reference (the last one frees the block)',
  schema: putSchema,
  arbitrary: () => fc.record(
    { op: fc.constant('putPage' as const), target: targetArbitrary(), cpu: cpuArbitrary() },
    { requiredKeys: ['op', 'target'] },
  ),
  apply: applyPut,
  describe: (op) => `putPage target ${op.target}${op.cpu === undefined ? '' : ` cpu ${op.cpu}`}`,
};
