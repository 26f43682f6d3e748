// The life of a harness allocation: accept a block the allocator handed out (checked, recorded, written by its owner), drop the caller's reference, drop extra references.
import type { Order, Pfn } from '../../../src/base/units.ts';
import { __GFP_COMP, __GFP_ZERO, type Gfp } from '../../../src/mem/gfp.ts';
import type { OwnerId } from '../../../src/mem/owners.ts';
import type { InvariantFailure } from '../../invariants/failure.ts';
import { checkIntact, checkZeroed } from '../../invariants/page-content.ts';
import { checkAllocatedTo, checkRefcount, checkReturned } from '../../invariants/page-state.ts';
import { checkAlignment, checkPlacement } from '../../invariants/placement.ts';
import type { Handle } from '../../model/handle.ts';
import type { OpContext } from '../op.ts';

/** What the allocator handed out, and to whom. */
export interface HandedOut {
  readonly pfn: Pfn;
  readonly order: Order;
  readonly gfp: Gfp;
  readonly owner: OwnerId;
  readonly cpu: number;
}

/** The checks every new block gets, in the order a report is most useful. */
function checkNewBlock(ctx: OpContext, block: HandedOut): InvariantFailure | undefined {
  const pageCount = 2 ** block.order;
  return checkAlignment(ctx, block.pfn, block.order) ??
    checkPlacement(ctx, block.pfn, pageCount, block.gfp) ??
    checkAllocatedTo(ctx, block.pfn, pageCount, block.owner) ??
    ((block.gfp & __GFP_ZERO) !== 0 ? checkZeroed(ctx, block.pfn, pageCount) : undefined);
}

/** The owner uses its memory: writes its tag (the handle id) into every page, as a write through a mapping would. */
function writeOwnerTag(ctx: OpContext, handle: Handle): void {
  const table = ctx.machine.buddy.table;
  const start = table.pageIndex(handle.pfn);
  table.content.fill(handle.id, start, start + handle.pageCount);
}

/**
 * Checks a block the allocator just returned (placement, page state, zeroing, refcount 1) and, when
 * sound, records it in the model as a new handle whose owner then writes its tag into every page.
 */
export function acceptBlock(ctx: OpContext, block: HandedOut): { readonly handle?: Handle; readonly failure?: InvariantFailure } {
  const failure = ctx.checking ? checkNewBlock(ctx, block) : undefined;
  if (failure !== undefined) return { failure };
  const compound = block.order > 0 && (block.gfp & __GFP_COMP) !== 0;
  const handle = ctx.model.add({ pfn: block.pfn, order: block.order, owner: block.owner, gfp: block.gfp, compound, cpu: block.cpu });
  writeOwnerTag(ctx, handle);
  if (!ctx.checking) return { handle };
  const refcount = checkRefcount(ctx, handle);
  return refcount === undefined ? { handle } : { handle, failure: refcount };
}

/**
 * The caller's __free_pages(): checks the pages are intact, frees them on `cpu`, then checks what
 * went back. With extra references left, a compound block stays whole; a non-compound block loses
 * its tails at once and lives on as an order-0 head (e320d3012d25).
 */
export function releaseOwnerRef(ctx: OpContext, handle: Handle, cpu: number): InvariantFailure | undefined {
  const intact = ctx.checking ? checkIntact(ctx, handle) : undefined;
  if (intact !== undefined) return intact;
  ctx.machine.buddy.freePages(handle.pfn, handle.order, cpu);
  handle.ownerRef = false;
  if (handle.extraRefs === 0) {
    ctx.model.remove(handle);
    return ctx.checking ? checkReturned(ctx, handle.pfn, handle.pageCount) : undefined;
  }
  if (!handle.compound && handle.pageCount > 1) {
    const tailCount = handle.pageCount - 1;
    ctx.model.dropTails(handle);
    if (ctx.checking) return checkReturned(ctx, handle.pfn + 1, tailCount) ?? checkAllocatedTo(ctx, handle.pfn, 1, handle.owner) ?? checkRefcount(ctx, handle);
    return undefined;
  }
  return ctx.checking ? checkRefcount(ctx, handle) : undefined;
}

/** put_page() of one extra reference on `cpu`; the last reference of all frees the block (at its compound order, else the order-0 head). */
export function dropExtraRef(ctx: OpContext, handle: Handle, cpu: number): InvariantFailure | undefined {
  const last = !handle.ownerRef && handle.extraRefs === 1;
  const intact = ctx.checking && last ? checkIntact(ctx, handle) : undefined;
  if (intact !== undefined) return intact;
  ctx.machine.buddy.putPage(handle.pfn, cpu);
  ctx.model.dropExtraRef(handle);
  if (!last) return ctx.checking ? checkRefcount(ctx, handle) : undefined;
  ctx.model.remove(handle);
  return ctx.checking ? checkReturned(ctx, handle.pfn, handle.pageCount) : undefined;
}

/** get_page(): one extra reference on the handle's head. */
export function takeExtraRef(ctx: OpContext, handle: Handle): InvariantFailure | undefined {
  ctx.machine.buddy.getPage(handle.pfn);
  ctx.model.addExtraRef(handle);
  return ctx.checking ? checkRefcount(ctx, handle) : undefined;
}

/** Releases every reference a live handle holds (the end-state oracle's first step); the first broken check wins. */
export function releaseHandle(ctx: OpContext, handle: Handle): InvariantFailure | undefined {
  if (handle.ownerRef) {
    const failure = releaseOwnerRef(ctx, handle, handle.cpu);
    if (failure !== undefined) return failure;
  }
  while (handle.extraRefs > 0) {
    const failure = dropExtraRef(ctx, handle, handle.cpu);
    if (failure !== undefined) return failure;
  }
  return undefined;
}
