// The machine's page state as structure-of-arrays typed arrays (one slot per PFN in [lowest bank, highest bank)) plus per-pageblock migratetypes.
import { assert } from '../base/assert.ts';
import type { StateHasher } from '../base/hash.ts';
import { PAGEBLOCK_ORDER, type PageCount, type Pfn } from '../base/units.ts';
import { isMigratetype, type Migratetype } from './migratetype.ts';
import type { OwnerId } from './owners.ts';
import { CONTENT_ZERO, PAGE_ALLOCATED, PAGE_FREE, PAGE_PCP, PG_CACHE_MASK, type PageState } from './page-state.ts';

/** A link value meaning "no page" in PageTable.next / PageTable.prev. */
export const NO_PAGE = -1;

/**
 * Per-page state for the whole machine. Index `i` describes PFN `pfnBase + i`; holes between banks
 * stay PAGE_ABSENT. The arrays are public for the buddy layer and the read-only checkers; every
 * other layer changes pages only through the named verbs below.
 *
 * - `state`: PageState. `flags`: PG_* bits plus two cache-attribute bits.
 * - `order`: block order, valid on a PG_BUDDY head, a PG_HEAD head and a per-CPU-list head.
 * - `owner`: OwnerId (0 = none). `refcount`: page->_refcount on allocation heads (tails 0).
 * - `pinCount`: FOLL_LONGTERM pins. `content`: DESIGN §3 content tag (0 = zero page).
 * - `next`/`prev`: free-list and per-CPU-list links as page indices (NO_PAGE = none).
 * - `mapIndex`: like page->index: a user page's slot in its owner's mapping; on a free-block head the
 *   migratetype of the free list it is on; on a per-CPU-list head the pcp migratetype.
 * - `pageblockMt`: one migratetype per pageblock, indexed by (pfn >> PAGEBLOCK_ORDER) - pageblockBase.
 */
export class PageTable {
  readonly pageCount: PageCount;
  readonly state: Uint8Array;
  readonly flags: Uint8Array;
  readonly order: Uint8Array;
  readonly owner: Uint32Array;
  readonly refcount: Uint16Array;
  readonly pinCount: Uint16Array;
  readonly content: Uint32Array;
  readonly next: Int32Array;
  readonly prev: Int32Array;
  readonly mapIndex: Uint32Array;
  readonly pageblockBase: number;
  readonly pageblockMt: Uint8Array;

  /** An all-absent table over [pfnBase, pfnEnd); boot code marks the banks present. */
  constructor(readonly pfnBase: Pfn, readonly pfnEnd: Pfn) {
    assert(Number.isSafeInteger(pfnBase) && pfnBase >= 0 && pfnEnd > pfnBase, () => `bad page table range [${pfnBase}, ${pfnEnd})`);
    // Why: buddy arithmetic uses 32-bit bit operations (pfn ^ 2^order), so every PFN must stay below 2^31.
    assert(pfnEnd <= 2 ** 31, () => `pfn ${pfnEnd} beyond 2^31 (8 TiB of 4 KiB pages)`);
    const pageCount = pfnEnd - pfnBase;
    this.pageCount = pageCount;
    this.state = new Uint8Array(pageCount);
    this.flags = new Uint8Array(pageCount);
    this.order = new Uint8Array(pageCount);
    this.owner = new Uint32Array(pageCount);
    this.refcount = new Uint16Array(pageCount);
    this.pinCount = new Uint16Array(pageCount);
    this.content = new Uint32Array(pageCount);
    this.next = new Int32Array(pageCount).fill(NO_PAGE);
    this.prev = new Int32Array(pageCount).fill(NO_PAGE);
    this.mapIndex = new Uint32Array(pageCount);
    this.pageblockBase = Math.floor(pfnBase / 2 ** PAGEBLOCK_ORDER);
    this.pageblockMt = new Uint8Array(Math.ceil(pfnEnd / 2 ** PAGEBLOCK_ORDER) - this.pageblockBase);
  }

  /** The array index of `pfn` (no range check: hot paths call this). */
  pageIndex(pfn: Pfn): number {
    return pfn - this.pfnBase;
  }

  /** The PFN of array index `index`. */
  pfnOf(index: number): Pfn {
    return index + this.pfnBase;
  }

  /** True when `pfn` has a slot in this table (it may still be a hole). */
  inRange(pfn: Pfn): boolean {
    return pfn >= this.pfnBase && pfn < this.pfnEnd;
  }

  /** The PageState of `pfn`; asserts the PFN is in range. */
  stateOf(pfn: Pfn): PageState {
    assert(this.inRange(pfn), () => `pfn ${pfn} outside the page table`);
    return this.state[pfn - this.pfnBase] as PageState;
  }

  /** The pageblock migratetype of the block holding `pfn` (get_pageblock_migratetype). */
  pageblockMigratetype(pfn: Pfn): Migratetype {
    return this.pageblockMt[Math.floor(pfn / 2 ** PAGEBLOCK_ORDER) - this.pageblockBase] as Migratetype;
  }

  /** Sets the migratetype of the pageblock holding `pfn` (the raw set_pageblock_migratetype). */
  setPageblockMigratetype(pfn: Pfn, migratetype: Migratetype): void {
    assert(this.inRange(pfn) && isMigratetype(migratetype), () => `bad pageblock update pfn ${pfn} mt ${migratetype}`);
    this.pageblockMt[Math.floor(pfn / 2 ** PAGEBLOCK_ORDER) - this.pageblockBase] = migratetype;
  }

  /** Sets `state` on every page of [pfnStart, pfnEnd) (boot: present banks, reserved ranges). */
  markState(pfnStart: Pfn, pfnEnd: Pfn, state: PageState): void {
    assert(this.inRange(pfnStart) && pfnEnd <= this.pfnEnd && pfnStart <= pfnEnd, () => `bad range [${pfnStart}, ${pfnEnd})`);
    this.state.fill(state, pfnStart - this.pfnBase, pfnEnd - this.pfnBase);
  }

  /**
   * Hands [pfnStart, pfnStart + pageCount) to `owner`: every page PAGE_ALLOCATED, refcount 0, order 0,
   * PG_* bits cleared (the cache attribute stays), mapIndex 0. The caller then marks the head.
   */
  markAllocated(pfnStart: Pfn, pageCount: PageCount, owner: OwnerId): void {
    const start = pfnStart - this.pfnBase;
    for (let i = start; i < start + pageCount; i++) {
      this.state[i] = PAGE_ALLOCATED;
      this.flags[i] = (this.flags[i] as number) & PG_CACHE_MASK;
      this.owner[i] = owner;
      this.refcount[i] = 0;
      this.order[i] = 0;
      this.mapIndex[i] = 0;
    }
  }

  /** Makes `pfn` the head of an allocation: `order`, `refcount`, and extra PG_* `flagBits`. */
  markHead(pfn: Pfn, order: number, refcount: number, flagBits: number): void {
    const i = pfn - this.pfnBase;
    this.order[i] = order;
    this.refcount[i] = refcount;
    this.flags[i] = (this.flags[i] as number) | flagBits;
  }

  /** Sets PG_* `flagBits` on every page of the range (e.g. PG_MOVABLE on an LRU allocation). */
  setFlags(pfnStart: Pfn, pageCount: PageCount, flagBits: number): void {
    const start = pfnStart - this.pfnBase;
    for (let i = start; i < start + pageCount; i++) this.flags[i] = (this.flags[i] as number) | flagBits;
  }

  /** Returns pages to the allocator: PAGE_FREE, no owner, refcount 0, PG_* cleared (cache attribute and content stay). */
  markFree(pfnStart: Pfn, pageCount: PageCount): void {
    this.markUnowned(pfnStart, pageCount, PAGE_FREE);
  }

  /** Marks pages as cached on a per-CPU list: PAGE_PCP, no owner, refcount 0, PG_* cleared. */
  markPcp(pfnStart: Pfn, pageCount: PageCount): void {
    this.markUnowned(pfnStart, pageCount, PAGE_PCP);
  }

  /** Clears the content tag of every page in the range (what __GFP_ZERO / clear_page do). */
  zeroContent(pfnStart: Pfn, pageCount: PageCount): void {
    const start = pfnStart - this.pfnBase;
    this.content.fill(CONTENT_ZERO, start, start + pageCount);
  }

  /** Bytes of typed-array storage, pageblock arrays included. */
  byteLength(): number {
    const arrays = [this.state, this.flags, this.order, this.owner, this.refcount, this.pinCount, this.content, this.next, this.prev, this.mapIndex, this.pageblockMt];
    return arrays.reduce((sum, array) => sum + array.byteLength, 0);
  }

  /** Feeds every array, in a fixed order, to `hasher`. */
  hashInto(hasher: StateHasher): void {
    hasher.updateNumber(this.pfnBase);
    hasher.updateNumber(this.pfnEnd);
    for (const array of [this.state, this.flags, this.order, this.owner, this.refcount, this.pinCount, this.content, this.next, this.prev, this.mapIndex, this.pageblockMt]) {
      hasher.updateArray(array);
    }
  }

  private markUnowned(pfnStart: Pfn, pageCount: PageCount, state: PageState): void {
    const start = pfnStart - this.pfnBase;
    for (let i = start; i < start + pageCount; i++) {
      this.state[i] = state;
      this.flags[i] = (this.flags[i] as number) & PG_CACHE_MASK;
      this.owner[i] = 0;
      this.refcount[i] = 0;
      this.order[i] = 0;
    }
  }
}
