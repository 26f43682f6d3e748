// A zone's free area: free lists per (order, migratetype), block counts, and the free-page counters (the only code that changes them).
//
// Mirrors add_to_free_list, add_to_free_list_tail, move_to_free_list, del_page_from_free_list and
// set_buddy_order of Linux 6.1 mm/page_alloc.c. Counters follow the 6.10 account_freepages() model
// instead of 6.1's __mod_zone_freepage_state(): every list insertion/removal adjusts NR_FREE_PAGES
// (pages on all non-ISOLATE lists), NR_FREE_CMA_PAGES (pages on CMA lists) and the isolated-free
// count by exactly the pages it moves, so the counters never drift the way 6.1's could when a block
// sat on a list whose migratetype differed from the one the caller passed.
import type { StateHasher } from '../base/hash.ts';
import { NR_PAGE_ORDERS, type Order, type PageCount, type Pfn } from '../base/units.ts';
import { MIGRATE_CMA, MIGRATE_ISOLATE, MIGRATE_TYPES, type Migratetype } from '../mem/migratetype.ts';
import { NO_PAGE, type PageTable } from '../mem/page-table.ts';
import { PG_BUDDY } from '../mem/page-state.ts';
import { PageLists } from './page-list.ts';

/** The list slot of (order, migratetype). */
export function freeListSlot(order: Order, migratetype: number): number {
  return order * MIGRATE_TYPES + migratetype;
}

/** Free lists of one zone. Block heads carry PG_BUDDY, their order, and (in mapIndex) their list's migratetype. */
export class FreeArea {
  readonly lists: PageLists;
  /** Blocks per list slot (free_area[order].nr_free split by migratetype). */
  readonly blockCounts = new Int32Array(NR_PAGE_ORDERS * MIGRATE_TYPES);
  /** NR_FREE_PAGES: pages on every list except MIGRATE_ISOLATE. */
  nrFreePages: PageCount = 0;
  /** NR_FREE_CMA_PAGES: pages on the MIGRATE_CMA lists. */
  nrFreeCmaPages: PageCount = 0;
  /** Pages on the MIGRATE_ISOLATE lists (not counted in NR_FREE_PAGES). */
  nrIsolatedFreePages: PageCount = 0;

  constructor(private readonly table: PageTable) {
    this.lists = new PageLists(NR_PAGE_ORDERS * MIGRATE_TYPES, table.next, table.prev);
  }

  /** add_to_free_list + set_buddy_order: `pfn` heads a free block of `order` at the head of the `migratetype` list. */
  addToFreeList(pfn: Pfn, order: Order, migratetype: Migratetype): void {
    const index = this.markBuddy(pfn, order, migratetype);
    this.lists.addHead(freeListSlot(order, migratetype), index);
  }

  /** add_to_free_list_tail + set_buddy_order: as addToFreeList, at the tail (less likely to be allocated soon). */
  addToFreeListTail(pfn: Pfn, order: Order, migratetype: Migratetype): void {
    const index = this.markBuddy(pfn, order, migratetype);
    this.lists.addTail(freeListSlot(order, migratetype), index);
  }

  /** del_page_from_free_list: unlinks the free block headed by `pfn` and clears PG_BUDDY. */
  delFromFreeList(pfn: Pfn): void {
    const index = this.table.pageIndex(pfn);
    const order = this.table.order[index] as number;
    const migratetype = this.table.mapIndex[index] as number;
    this.lists.remove(freeListSlot(order, migratetype), index);
    this.table.flags[index] = (this.table.flags[index] as number) & ~PG_BUDDY;
    this.account(order, migratetype, -1);
  }

  /** move_to_free_list: moves the free block headed by `pfn` to the tail of the `migratetype` list. */
  moveToFreeList(pfn: Pfn, migratetype: Migratetype): void {
    const index = this.table.pageIndex(pfn);
    const order = this.table.order[index] as number;
    const from = this.table.mapIndex[index] as number;
    this.lists.remove(freeListSlot(order, from), index);
    this.account(order, from, -1);
    this.table.mapIndex[index] = migratetype;
    this.lists.addTail(freeListSlot(order, migratetype), index);
    this.account(order, migratetype, 1);
  }

  /** The PFN heading the (order, migratetype) list (get_page_from_free_area), or NO_PAGE. */
  firstPfn(order: Order, migratetype: number): Pfn {
    const index = this.lists.first(freeListSlot(order, migratetype));
    return index === NO_PAGE ? NO_PAGE : this.table.pfnOf(index);
  }

  /** The PFN after `pfn` on its free list, or NO_PAGE. */
  nextPfn(pfn: Pfn): Pfn {
    const index = this.lists.after(this.table.pageIndex(pfn));
    return index === NO_PAGE ? NO_PAGE : this.table.pfnOf(index);
  }

  /** free_area_empty(). */
  isEmpty(order: Order, migratetype: number): boolean {
    return this.blockCounts[freeListSlot(order, migratetype)] === 0;
  }

  /** Blocks on the (order, migratetype) list. */
  blockCount(order: Order, migratetype: number): number {
    return this.blockCounts[freeListSlot(order, migratetype)] as number;
  }

  /** free_area[order].nr_free: blocks of `order` on every list (ISOLATE included), as /proc/buddyinfo prints. */
  nrFree(order: Order): number {
    let blocks = 0;
    for (let mt = 0; mt < MIGRATE_TYPES; mt++) blocks += this.blockCounts[freeListSlot(order, mt)] as number;
    return blocks;
  }

  /** Feeds lists, counts and counters to `hasher`. */
  hashInto(hasher: StateHasher): void {
    hasher.updateArray(this.lists.heads);
    hasher.updateArray(this.lists.tails);
    hasher.updateArray(this.blockCounts);
    hasher.updateNumber(this.nrFreePages);
    hasher.updateNumber(this.nrFreeCmaPages);
    hasher.updateNumber(this.nrIsolatedFreePages);
  }

  private markBuddy(pfn: Pfn, order: Order, migratetype: Migratetype): number {
    const index = this.table.pageIndex(pfn);
    this.table.flags[index] = (this.table.flags[index] as number) | PG_BUDDY;
    this.table.order[index] = order;
    this.table.mapIndex[index] = migratetype;
    this.account(order, migratetype, 1);
    return index;
  }

  /** account_freepages() for one block of `order` entering (+1) or leaving (-1) the `migratetype` list. */
  private account(order: Order, migratetype: number, direction: 1 | -1): void {
    const slot = freeListSlot(order, migratetype);
    const pages = direction * 2 ** order;
    this.blockCounts[slot] = (this.blockCounts[slot] as number) + direction;
    if (migratetype === MIGRATE_ISOLATE) {
      this.nrIsolatedFreePages += pages;
      return;
    }
    this.nrFreePages += pages;
    if (migratetype === MIGRATE_CMA) this.nrFreeCmaPages += pages;
  }
}
