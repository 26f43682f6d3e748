// Page contents (DESIGN §3 content tags): __GFP_ZERO pages read as zero, and a live allocation keeps the owner and data its owner wrote.
import type { PageCount, Pfn } from '../../src/base/units.ts';
import { CONTENT_ZERO } from '../../src/mem/page-state.ts';
import type { Handle } from '../model/handle.ts';
import type { OpContext } from '../ops/op.ts';
import { fail, type InvariantFailure } from './failure.ts';

/** Every page of [pfn, pfn + pageCount) reads as zero (a __GFP_ZERO allocation). */
export function checkZeroed(ctx: OpContext, pfn: Pfn, pageCount: PageCount): InvariantFailure | undefined {
  ctx.checks++;
  const table = ctx.machine.buddy.table;
  for (let i = table.pageIndex(pfn), end = i + pageCount; i < end; i++) {
    const tag = table.content[i] as number;
    if (tag === CONTENT_ZERO) continue;
    const page = table.pfnOf(i);
    return fail('zeroed-pages', `__GFP_ZERO page ${page} still holds data written by #${tag}`, { pfn: page, expected: 0, actual: tag });
  }
  return undefined;
}

/**
 * Every page of the live `handle` still carries its owner and the tag its owner wrote (the handle
 * id). Checked just before the handle's pages go back: an overlapping allocation, or a page the
 * allocator zeroed or reassigned behind the owner's back, shows up here.
 */
export function checkIntact(ctx: OpContext, handle: Handle): InvariantFailure | undefined {
  ctx.checks++;
  const table = ctx.machine.buddy.table;
  for (let i = table.pageIndex(handle.pfn), end = i + handle.pageCount; i < end; i++) {
    if (table.content[i] === handle.id && table.owner[i] === handle.owner) continue;
    const page = table.pfnOf(i);
    return fail('content-integrity', `pfn ${page} of #${handle.id} holds tag ${table.content[i]} owner ${table.owner[i]}, expected tag ${handle.id} owner ${handle.owner}`, {
      pfn: page, expected: { tag: handle.id, owner: handle.owner }, actual: { tag: table.content[i], owner: table.owner[i] },
    });
  }
  return undefined;
}
