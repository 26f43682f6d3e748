// The zonelist walk of an allocation: get_page_from_freelist, rmqueue (per-CPU or buddy) and prep_new_page of Linux 6.1 mm/page_alloc.c.
import { PAGE_ALLOC_COSTLY_ORDER, type Order, type Pfn } from '../base/units.ts';
import { __GFP_COMP, __GFP_ZERO, type Gfp } from '../mem/gfp.ts';
import { MIGRATE_MOVABLE, type Migratetype } from '../mem/migratetype.ts';
import type { OwnerId } from '../mem/owners.ts';
import { NO_PAGE, type PageTable } from '../mem/page-table.ts';
import { PG_COMPOUND, PG_HEAD, PG_MOVABLE } from '../mem/page-state.ts';
import { zoneAllowed, type AllocatorCore, type AllocContext } from './alloc-context.ts';
import { ALLOC_CMA, ALLOC_HARDER, ALLOC_NO_WATERMARKS, ALLOC_NOFRAGMENT, ALLOC_WMARK_MASK } from './alloc-flags.ts';
import { reserveHighatomicPageblock } from './fallback.ts';
import { rmqueuePcplist } from './pcp.ts';
import { rmqueueBuddy } from './rmqueue.ts';
import { zoneWatermarkFast } from './watermarks.ts';
import type { Zone } from './zone.ts';

/**
 * rmqueue(): orders up to PAGE_ALLOC_COSTLY_ORDER come from `cpu`'s lists, except movable requests
 * without ALLOC_CMA (the MOVABLE list may hold CMA pages); everything else from the buddy lists.
 */
export function rmqueue(zone: Zone, order: Order, allocFlags: number, migratetype: Migratetype, cpu: number): Pfn {
  if (order <= PAGE_ALLOC_COSTLY_ORDER && ((allocFlags & ALLOC_CMA) !== 0 || migratetype !== MIGRATE_MOVABLE)) {
    const pfn = rmqueuePcplist(zone, cpu, order, migratetype, allocFlags);
    if (pfn !== NO_PAGE) return pfn;
  }
  return rmqueueBuddy(zone, order, allocFlags, migratetype);
}

/**
 * prep_new_page(): every page goes to `owner`; the head gets refcount 1 and PG_HEAD (+ PG_COMPOUND for
 * a __GFP_COMP block of order > 0); __GFP_ZERO clears the content tags (and nothing else does);
 * `movable` marks every page PG_MOVABLE (LRU pages the migration code may move).
 */
export function prepNewPage(table: PageTable, pfn: Pfn, order: Order, gfp: Gfp, owner: OwnerId, movable: boolean): void {
  const pageCount = 2 ** order;
  table.markAllocated(pfn, pageCount, owner);
  const compound = order > 0 && (gfp & __GFP_COMP) !== 0;
  table.markHead(pfn, order, 1, compound ? PG_HEAD | PG_COMPOUND : PG_HEAD);
  if ((gfp & __GFP_ZERO) !== 0) table.zeroContent(pfn, pageCount);
  if (movable) table.setFlags(pfn, pageCount, PG_MOVABLE);
}

/**
 * get_page_from_freelist(): walks the zonelist for the first allowed zone that passes its watermark
 * (ALLOC_NO_WATERMARKS skips the check) and yields a block. High-order ALLOC_HARDER successes reserve
 * their pageblock for high-order atomics. ALLOC_NOFRAGMENT is dropped, and the walk restarted, on
 * reaching a remote node or the end of the list.
 */
export function getPageFromFreelist(core: AllocatorCore, ac: AllocContext, allocFlags: number): Pfn {
  for (;;) {
    const noFallback = (allocFlags & ALLOC_NOFRAGMENT) !== 0;
    for (const zone of ac.zonelist) {
      if (!zoneAllowed(ac, zone)) continue;
      // Why: locality beats fragmentation avoidance; retry with fallbacks before leaving the node.
      if (noFallback && core.nodeCount > 1 && zone !== ac.preferredZone && zone.node !== ac.preferredZone?.node) break;
      const mark = zone.watermarks[allocFlags & ALLOC_WMARK_MASK] as number;
      if (!zoneWatermarkFast(zone, ac.order, mark, ac.highestZoneIdx, allocFlags)) {
        core.events.count('watermark_fail');
        if ((allocFlags & ALLOC_NO_WATERMARKS) === 0) continue;
      }
      const pfn = rmqueue(zone, ac.order, allocFlags, ac.migratetype, ac.cpu);
      if (pfn === NO_PAGE) continue;
      prepNewPage(core.table, pfn, ac.order, ac.gfp, ac.owner, ac.movable);
      if (ac.order > 0 && (allocFlags & ALLOC_HARDER) !== 0) reserveHighatomicPageblock(zone, pfn);
      return pfn;
    }
    if (!noFallback) return NO_PAGE;
    allocFlags &= ~ALLOC_NOFRAGMENT;
  }
}
