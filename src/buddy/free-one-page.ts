// Freeing into the buddy lists: __free_one_page (merging), buddy_merge_likely, free_one_page and __free_pages_ok of Linux 6.1 mm/page_alloc.c.
import { MAX_PAGE_ORDER, PAGEBLOCK_ORDER, type Order, type Pfn } from '../base/units.ts';
import { isMigratetypeMergeable, MIGRATE_ISOLATE, type Migratetype } from '../mem/migratetype.ts';
import { NO_PAGE } from '../mem/page-table.ts';
import { PG_BUDDY } from '../mem/page-state.ts';
import type { Zone } from './zone.ts';

/**
 * find_buddy_page_pfn(): the buddy of the block (pfn, order), i.e. pfn ^ 2^order, if it heads a free
 * block of exactly that order in the same zone (page_is_buddy), else NO_PAGE.
 */
export function findFreeBuddy(zone: Zone, pfn: Pfn, order: Order): Pfn {
  const buddyPfn = pfn ^ (1 << order);
  if (!zone.spans(buddyPfn)) return NO_PAGE;
  const index = zone.table.pageIndex(buddyPfn);
  const isBuddy = ((zone.table.flags[index] as number) & PG_BUDDY) !== 0 && zone.table.order[index] === order;
  return isBuddy ? buddyPfn : NO_PAGE;
}

/**
 * buddy_merge_likely(): after merging stopped at `order`, is the next-higher block's buddy free? If so
 * the block goes to the tail of its list so it is less likely to be allocated before it can merge.
 */
export function buddyMergeLikely(zone: Zone, pfn: Pfn, buddyPfn: Pfn, order: Order): boolean {
  // MAX_ORDER - 2 in 6.1's exclusive MAX_ORDER is MAX_PAGE_ORDER - 1 here.
  if (order >= MAX_PAGE_ORDER - 1) return false;
  const higherPfn = buddyPfn & pfn;
  return findFreeBuddy(zone, higherPfn, order + 1) !== NO_PAGE;
}

/**
 * __free_one_page(): puts the block (pfn, order) on the `migratetype` free list, first merging it with
 * free buddies as far up as it can. At pageblock_order and above, merging stops when the two
 * pageblocks' migratetypes differ and either is not mergeable (CMA, ISOLATE, HIGHATOMIC), so
 * those pageblocks never leak into a neighbour's free block. Every page of the block becomes PAGE_FREE.
 */
export function freeOnePage(zone: Zone, pfn: Pfn, order: Order, migratetype: Migratetype, toTail: boolean): void {
  zone.table.markFree(pfn, 2 ** order);
  let buddyPfn = NO_PAGE;
  while (order < MAX_PAGE_ORDER) {
    buddyPfn = pfn ^ (1 << order);
    if (findFreeBuddy(zone, pfn, order) === NO_PAGE) break;
    if (order >= PAGEBLOCK_ORDER) {
      const buddyMt = zone.table.pageblockMigratetype(buddyPfn);
      // Why: merging across a CMA/ISOLATE/HIGHATOMIC pageblock boundary would corrupt its accounting.
      if (migratetype !== buddyMt && (!isMigratetypeMergeable(migratetype) || !isMigratetypeMergeable(buddyMt))) break;
    }
    zone.freeArea.delFromFreeList(buddyPfn);
    pfn = buddyPfn & pfn;
    order++;
  }
  if (toTail || buddyMergeLikely(zone, pfn, buddyPfn, order)) zone.freeArea.addToFreeListTail(pfn, order, migratetype);
  else zone.freeArea.addToFreeList(pfn, order, migratetype);
}

/** free_one_page(): __free_one_page with the migratetype re-read from the pageblock when isolation may have changed it. */
export function freeOnePageLocked(zone: Zone, pfn: Pfn, order: Order, migratetype: Migratetype): void {
  if (zone.nrIsolatePageblock !== 0 || migratetype === MIGRATE_ISOLATE) migratetype = zone.table.pageblockMigratetype(pfn);
  freeOnePage(zone, pfn, order, migratetype, false);
}

/** __free_pages_ok(): frees a block straight to the buddy lists (orders above the per-CPU lists, and boot). */
export function freePagesOk(zone: Zone, pfn: Pfn, order: Order, toTail: boolean): void {
  freeOnePage(zone, pfn, order, zone.table.pageblockMigratetype(pfn), toTail);
}
