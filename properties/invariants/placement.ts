// Where a new block may lie: aligned to its order, in managed memory, on no page a live allocation owns, outside CMA for non-movable requests, outside ZONE_MOVABLE unless movable|highmem.
import type { Order, PageCount, Pfn } from '../../src/base/units.ts';
import { __GFP_HIGHMEM, __GFP_MOVABLE, formatGfp, type Gfp } from '../../src/mem/gfp.ts';
import { FACT_CMA, FACT_MANAGED, FACT_MOVABLE_ZONE } from '../model/layout-facts.ts';
import type { OpContext } from '../ops/op.ts';
import { fail, type InvariantFailure } from './failure.ts';

/** An order-k block starts at a multiple of 2^k pages. */
export function checkAlignment(ctx: OpContext, pfn: Pfn, order: Order): InvariantFailure | undefined {
  ctx.checks++;
  if (pfn % 2 ** order === 0) return undefined;
  return fail('alignment', `order-${order} block at pfn ${pfn} is not aligned to ${2 ** order} pages`, { expected: `pfn % ${2 ** order} == 0`, actual: pfn % 2 ** order });
}

/**
 * Every page of the new block [pfn, pfn + pageCount): managed memory (invariant 24's "within a
 * zone"), owned by no live allocation, not in a CMA area unless the gfp is movable (invariant 29),
 * not in ZONE_MOVABLE unless the gfp is movable and highmem (gfp_zone()).
 */
export function checkPlacement(ctx: OpContext, pfn: Pfn, pageCount: PageCount, gfp: Gfp): InvariantFailure | undefined {
  ctx.checks += 4;
  const { facts, model } = ctx;
  const forbidden = ((gfp & __GFP_MOVABLE) === 0 ? FACT_CMA : 0) | ((gfp & (__GFP_MOVABLE | __GFP_HIGHMEM)) === (__GFP_MOVABLE | __GFP_HIGHMEM) ? 0 : FACT_MOVABLE_ZONE);
  for (let page = pfn; page < pfn + pageCount; page++) {
    const bits = facts.factsOf(page);
    if ((bits & FACT_MANAGED) === 0) return fail('managed-memory', `pfn ${page} of the block at ${pfn} is not managed memory (a hole or boot-reserved)`, { pfn: page });
    const owner = model.ownerOf(page);
    if (owner !== undefined) {
      return fail('no-double-ownership', `pfn ${page} handed out again while #${owner.id} (pfn ${owner.pfn} order ${owner.order}) owns it`, { pfn: page, expected: 'unowned', actual: `#${owner.id}` });
    }
    const claim = model.layers.length === 0 ? undefined : model.layerClaimOf(page);
    if (claim !== undefined) return fail('no-double-ownership', `pfn ${page} handed out again while ${claim} holds it`, { pfn: page, expected: 'unowned', actual: claim });
    if ((bits & forbidden) === 0) continue;
    if ((bits & forbidden & FACT_CMA) !== 0) {
      return fail('cma-migratetype', `${formatGfp(gfp)} received pfn ${page} in CMA area ${facts.cmaAreaOf(page) ?? '?'}`, { pfn: page, gfp: formatGfp(gfp), expected: 'a non-CMA page', actual: `CMA area ${facts.cmaAreaOf(page) ?? '?'}` });
    }
    return fail('zone-placement', `${formatGfp(gfp)} received pfn ${page} in ZONE_MOVABLE`, { pfn: page, gfp: formatGfp(gfp), expected: 'a page below ZONE_MOVABLE', actual: 'ZONE_MOVABLE' });
  }
  return undefined;
}
