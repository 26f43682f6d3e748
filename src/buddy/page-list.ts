// Doubly linked page lists threaded through PageTable.next/prev (list_add, list_add_tail, list_del), one head/tail pair per slot.
import { NO_PAGE } from '../mem/page-table.ts';

/**
 * A set of `slotCount` intrusive lists of page indices. The links live in the page table, so a page
 * can be on at most one list of any PageLists at a time (free lists and per-CPU lists share the
 * links, as page->buddy_list and page->pcp_list share page->lru in Linux). All verbs are O(1).
 */
export class PageLists {
  readonly heads: Int32Array;
  readonly tails: Int32Array;

  constructor(slotCount: number, private readonly next: Int32Array, private readonly prev: Int32Array) {
    this.heads = new Int32Array(slotCount).fill(NO_PAGE);
    this.tails = new Int32Array(slotCount).fill(NO_PAGE);
  }

  /** list_add: puts `index` at the head of `slot`. */
  addHead(slot: number, index: number): void {
    const head = this.heads[slot] as number;
    this.prev[index] = NO_PAGE;
    this.next[index] = head;
    if (head === NO_PAGE) this.tails[slot] = index;
    else this.prev[head] = index;
    this.heads[slot] = index;
  }

  /** list_add_tail: puts `index` at the tail of `slot`. */
  addTail(slot: number, index: number): void {
    const tail = this.tails[slot] as number;
    this.next[index] = NO_PAGE;
    this.prev[index] = tail;
    if (tail === NO_PAGE) this.heads[slot] = index;
    else this.next[tail] = index;
    this.tails[slot] = index;
  }

  /** list_del: unlinks `index`, which must be on `slot`. */
  remove(slot: number, index: number): void {
    const before = this.prev[index] as number;
    const after = this.next[index] as number;
    if (before === NO_PAGE) this.heads[slot] = after;
    else this.next[before] = after;
    if (after === NO_PAGE) this.tails[slot] = before;
    else this.prev[after] = before;
    this.next[index] = NO_PAGE;
    this.prev[index] = NO_PAGE;
  }

  /** The first index on `slot`, or NO_PAGE. */
  first(slot: number): number {
    return this.heads[slot] as number;
  }

  /** The last index on `slot`, or NO_PAGE. */
  last(slot: number): number {
    return this.tails[slot] as number;
  }

  /** The index after `index` on its list, or NO_PAGE. */
  after(index: number): number {
    return this.next[index] as number;
  }
}
