// Taking blocks off the buddy lists: expand, __rmqueue_smallest, __rmqueue (with the CMA balancing rule) and rmqueue_buddy of Linux 6.1 mm/page_alloc.c.
import { MAX_PAGE_ORDER, type Order, type Pfn } from '../base/units.ts';
import { MIGRATE_CMA, MIGRATE_HIGHATOMIC, type Migratetype } from '../mem/migratetype.ts';
import { NO_PAGE } from '../mem/page-table.ts';
import { ALLOC_CMA, ALLOC_HARDER } from './alloc-flags.ts';
import { rmqueueFallback } from './fallback.ts';
import type { Zone } from './zone.ts';

/**
 * expand(): splits the block (pfn, high) down to `low`, putting each upper half at the head of the
 * `migratetype` list of its order. The order of subdivision matters: small allocations then come
 * out in ascending PFN order, which Linux keeps for I/O merging.
 */
export function expand(zone: Zone, pfn: Pfn, low: Order, high: Order, migratetype: Migratetype): void {
  let size = 2 ** high;
  while (high > low) {
    high--;
    size /= 2;
    zone.freeArea.addToFreeList(pfn + size, high, migratetype);
  }
}

/**
 * __rmqueue_smallest(): the smallest free block of at least `order` on the `migratetype` lists, split
 * down to `order`. Returns its PFN (pages still PAGE_FREE, no longer on any list) or NO_PAGE. The head's
 * mapIndex keeps `migratetype` (set_pcppage_migratetype).
 */
export function rmqueueSmallest(zone: Zone, order: Order, migratetype: Migratetype): Pfn {
  for (let currentOrder = order; currentOrder <= MAX_PAGE_ORDER; currentOrder++) {
    const pfn = zone.freeArea.firstPfn(currentOrder, migratetype);
    if (pfn === NO_PAGE) continue;
    zone.freeArea.delFromFreeList(pfn);
    expand(zone, pfn, order, currentOrder, migratetype);
    zone.table.mapIndex[zone.table.pageIndex(pfn)] = migratetype;
    return pfn;
  }
  return NO_PAGE;
}

/** __rmqueue_cma_fallback(): __rmqueue_smallest on the CMA lists. */
export function rmqueueCmaFallback(zone: Zone, order: Order): Pfn {
  const pfn = rmqueueSmallest(zone, order, MIGRATE_CMA);
  if (pfn !== NO_PAGE) zone.events.count('alloc_cma_fallback');
  return pfn;
}

/**
 * __rmqueue(): one block for an allocation of `migratetype`. With ALLOC_CMA, CMA lists go first when
 * free CMA pages exceed half of the zone's free pages (Rik van Riel's balancing); then the requested
 * lists; then CMA; then fallback stealing, retried until a block appears or nothing can be stolen.
 */
export function rmqueueInner(zone: Zone, order: Order, migratetype: Migratetype, allocFlags: number): Pfn {
  const mayUseCma = (allocFlags & ALLOC_CMA) !== 0;
  if (mayUseCma && zone.freeArea.nrFreeCmaPages > Math.floor(zone.freeArea.nrFreePages / 2)) {
    const pfn = rmqueueCmaFallback(zone, order);
    if (pfn !== NO_PAGE) return pfn;
  }
  for (;;) {
    let pfn = rmqueueSmallest(zone, order, migratetype);
    if (pfn !== NO_PAGE) return pfn;
    if (mayUseCma) pfn = rmqueueCmaFallback(zone, order);
    if (pfn !== NO_PAGE) return pfn;
    if (!rmqueueFallback(zone, order, migratetype, allocFlags)) return NO_PAGE;
  }
}

/**
 * rmqueue_buddy(): the non-per-CPU path. High-order ALLOC_HARDER requests try the highatomic
 * reserve first (order 0 never does: it must not eat the reserve). Counts pgalloc by pages.
 */
export function rmqueueBuddy(zone: Zone, order: Order, allocFlags: number, migratetype: Migratetype): Pfn {
  let pfn = NO_PAGE;
  if (order > 0 && (allocFlags & ALLOC_HARDER) !== 0) pfn = rmqueueSmallest(zone, order, MIGRATE_HIGHATOMIC);
  if (pfn === NO_PAGE) pfn = rmqueueInner(zone, order, migratetype, allocFlags);
  if (pfn !== NO_PAGE) zone.events.count('pgalloc', 2 ** order);
  return pfn;
}
