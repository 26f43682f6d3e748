// Migratetype fallback and the highatomic reserve: __rmqueue_fallback and helpers of Linux 6.1 mm/page_alloc.c.
//
// Mirrors find_suitable_fallback, can_steal_fallback, steal_suitable_fallback, move_freepages,
// move_freepages_block, change_pageblock_range, __rmqueue_fallback, reserve_highatomic_pageblock
// and unreserve_highatomic_pageblock. Simplifications: no watermark boost (boost_watermark never
// fires) and page_group_by_mobility_disabled is never set.
import { MAX_PAGE_ORDER, PAGEBLOCK_NR_PAGES, PAGEBLOCK_ORDER, type Order, type PageCount, type Pfn } from '../base/units.ts';
import {
  FALLBACKS, isMigratetypeMergeable, MIGRATE_HIGHATOMIC, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE, type Migratetype,
} from '../mem/migratetype.ts';
import { NO_PAGE } from '../mem/page-table.ts';
import { PG_BUDDY, PG_MOVABLE } from '../mem/page-state.ts';
import { ALLOC_NOFRAGMENT } from './alloc-flags.ts';
import type { Zone } from './zone.ts';

/** can_steal_fallback(): may an allocation of `startMt` claim the rest of the pageblock it falls back into? */
export function canStealFallback(order: Order, startMt: Migratetype): boolean {
  if (order >= PAGEBLOCK_ORDER) return true;
  return order >= Math.floor(PAGEBLOCK_ORDER / 2) || startMt === MIGRATE_RECLAIMABLE || startMt === MIGRATE_UNMOVABLE;
}

/**
 * find_suitable_fallback(): the first migratetype in fallbacks[startMt] with a free block of `order`,
 * or -1. Sets zone.scratchCanSteal like the *can_steal out-parameter.
 */
export function findSuitableFallback(zone: Zone, order: Order, startMt: Migratetype, onlyStealable: boolean): number {
  if (zone.freeArea.nrFree(order) === 0) return -1;
  zone.scratchCanSteal = false;
  for (const fallbackMt of FALLBACKS[startMt] as readonly Migratetype[]) {
    if (zone.freeArea.isEmpty(order, fallbackMt)) continue;
    if (canStealFallback(order, startMt)) zone.scratchCanSteal = true;
    if (!onlyStealable || zone.scratchCanSteal) return fallbackMt;
  }
  return -1;
}

/**
 * move_freepages(): moves every free block headed in [pfnStart, pfnLast] (inclusive, like Linux) to the
 * tail of the `migratetype` list. Returns the pages moved; zone.scratchMovablePages counts the
 * non-free PG_MOVABLE pages seen (PageLRU || __PageMovable).
 */
export function moveFreepages(zone: Zone, pfnStart: Pfn, pfnLast: Pfn, migratetype: Migratetype): PageCount {
  const table = zone.table;
  let movedPages = 0;
  zone.scratchMovablePages = 0;
  for (let pfn = pfnStart; pfn <= pfnLast;) {
    const index = table.pageIndex(pfn);
    if (((table.flags[index] as number) & PG_BUDDY) === 0) {
      if (((table.flags[index] as number) & PG_MOVABLE) !== 0) zone.scratchMovablePages++;
      pfn++;
      continue;
    }
    const order = table.order[index] as number;
    zone.freeArea.moveToFreeList(pfn, migratetype);
    pfn += 2 ** order;
    movedPages += 2 ** order;
  }
  return movedPages;
}

/** move_freepages_block(): moveFreepages over the pageblock holding `pfn`, clipped at the zone start, 0 if it crosses the zone end. */
export function moveFreepagesBlock(zone: Zone, pfn: Pfn, migratetype: Migratetype): PageCount {
  let pfnStart = pfn - (pfn % PAGEBLOCK_NR_PAGES);
  const pfnLast = pfnStart + PAGEBLOCK_NR_PAGES - 1;
  zone.scratchMovablePages = 0;
  // Why: never move pages that belong to a neighbouring zone.
  if (!zone.spans(pfnStart)) pfnStart = pfn;
  if (!zone.spans(pfnLast)) return 0;
  return moveFreepages(zone, pfnStart, pfnLast, migratetype);
}

/** change_pageblock_range(): sets every pageblock of a free block of `startOrder` (>= pageblock_order) to `migratetype`. */
export function changePageblockRange(zone: Zone, pfn: Pfn, startOrder: Order, migratetype: Migratetype): void {
  const pageblockCount = 2 ** (startOrder - PAGEBLOCK_ORDER);
  for (let i = 0; i < pageblockCount; i++) zone.table.setPageblockMigratetype(pfn + i * PAGEBLOCK_NR_PAGES, migratetype);
}

/**
 * steal_suitable_fallback(): the free block at `pfn` (on a fallback list) moves to the `startMt` list.
 * A block of pageblock order or more takes its pageblocks along; otherwise, when allowed, the
 * pageblock's other free pages move too and the pageblock is claimed if at least half of it is free
 * or compatible. Returns true when a pageblock changed type.
 */
export function stealSuitableFallback(zone: Zone, pfn: Pfn, startMt: Migratetype, wholeBlock: boolean): boolean {
  const table = zone.table;
  const currentOrder = table.order[table.pageIndex(pfn)] as number;
  const oldBlockType = table.pageblockMigratetype(pfn);
  // Why: a race in Linux can leave a highatomic block here; its accounting must not break.
  if (oldBlockType === MIGRATE_HIGHATOMIC) return stealSinglePage(zone, pfn, startMt, false);
  if (currentOrder >= PAGEBLOCK_ORDER) {
    changePageblockRange(zone, pfn, currentOrder, startMt);
    return stealSinglePage(zone, pfn, startMt, true);
  }
  if (!wholeBlock) return stealSinglePage(zone, pfn, startMt, false);
  const freePages = moveFreepagesBlock(zone, pfn, startMt);
  const movablePages = zone.scratchMovablePages;
  const alikePages = startMt === MIGRATE_MOVABLE ? movablePages
    : oldBlockType === MIGRATE_MOVABLE ? PAGEBLOCK_NR_PAGES - (freePages + movablePages) : 0;
  // Why: a zone-boundary block moves nothing and must still hand over the page we found.
  if (freePages === 0) return stealSinglePage(zone, pfn, startMt, false);
  if (freePages + alikePages < 2 ** (PAGEBLOCK_ORDER - 1)) return false;
  table.setPageblockMigratetype(pfn, startMt);
  return true;
}

function stealSinglePage(zone: Zone, pfn: Pfn, startMt: Migratetype, claimed: boolean): boolean {
  zone.freeArea.moveToFreeList(pfn, startMt);
  return claimed;
}

/**
 * __rmqueue_fallback(): finds the largest free block on a fallback list (or, for a movable request
 * that cannot steal the block, the smallest one) and steals it onto the `startMt` list, so the caller's
 * retry of __rmqueue_smallest finds it. With ALLOC_NOFRAGMENT only whole pageblocks are considered.
 */
export function rmqueueFallback(zone: Zone, order: Order, startMt: Migratetype, allocFlags: number): boolean {
  const minOrder = (allocFlags & ALLOC_NOFRAGMENT) !== 0 ? PAGEBLOCK_ORDER : order;
  let currentOrder = MAX_PAGE_ORDER;
  let fallbackMt = -1;
  for (; currentOrder >= minOrder; currentOrder--) {
    fallbackMt = findSuitableFallback(zone, currentOrder, startMt, false);
    if (fallbackMt !== -1) break;
  }
  if (fallbackMt === -1) return false;
  // Why: a movable request that cannot claim the block splits the smallest one, limiting pollution.
  if (!zone.scratchCanSteal && startMt === MIGRATE_MOVABLE && currentOrder > order) {
    for (currentOrder = order; currentOrder <= MAX_PAGE_ORDER; currentOrder++) {
      fallbackMt = findSuitableFallback(zone, currentOrder, startMt, false);
      if (fallbackMt !== -1) break;
    }
  }
  const pfn = zone.freeArea.firstPfn(currentOrder, fallbackMt);
  const claimed = stealSuitableFallback(zone, pfn, startMt, zone.scratchCanSteal);
  zone.events.count('alloc_fallback');
  if (claimed) zone.events.count('alloc_steal_block');
  return true;
}

/**
 * reserve_highatomic_pageblock(): after a high-order ALLOC_HARDER allocation, turns its pageblock into
 * MIGRATE_HIGHATOMIC (at most ~1 % of the zone plus one pageblock), moving its free pages along.
 */
export function reserveHighatomicPageblock(zone: Zone, pfn: Pfn): void {
  const maxManaged = Math.floor(zone.managedPages / 100) + PAGEBLOCK_NR_PAGES;
  if (zone.nrReservedHighatomic >= maxManaged) return;
  const migratetype = zone.table.pageblockMigratetype(pfn);
  if (!isMigratetypeMergeable(migratetype)) return;
  zone.nrReservedHighatomic += PAGEBLOCK_NR_PAGES;
  zone.table.setPageblockMigratetype(pfn, MIGRATE_HIGHATOMIC);
  moveFreepagesBlock(zone, pfn, MIGRATE_HIGHATOMIC);
  zone.events.count('highatomic_reserve');
}

/**
 * unreserve_highatomic_pageblock(): before failing, hands one highatomic pageblock (from the first zone
 * of `zones` that has one) back to `migratetype`. Unless `force`, each zone keeps one reserved pageblock.
 */
export function unreserveHighatomicPageblock(zones: readonly Zone[], migratetype: Migratetype, force: boolean): boolean {
  for (const zone of zones) {
    if (!force && zone.nrReservedHighatomic <= PAGEBLOCK_NR_PAGES) continue;
    for (let order = 0; order <= MAX_PAGE_ORDER; order++) {
      const pfn = zone.freeArea.firstPfn(order, MIGRATE_HIGHATOMIC);
      if (pfn === NO_PAGE) continue;
      if (zone.table.pageblockMigratetype(pfn) === MIGRATE_HIGHATOMIC) {
        zone.nrReservedHighatomic -= Math.min(PAGEBLOCK_NR_PAGES, zone.nrReservedHighatomic);
      }
      zone.table.setPageblockMigratetype(pfn, migratetype);
      if (moveFreepagesBlock(zone, pfn, migratetype) > 0) {
        zone.events.count('highatomic_unreserve');
        return true;
      }
    }
  }
  return false;
}
