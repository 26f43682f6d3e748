// Page pools for the system heap: one pool per (order, caching type) holding pre-zeroed pages, in a static variant (net/core page_pool: fixed ring, no shrinker) and a shrinker-controlled one in two styles (Android's dmabuf page pool / ION, and TTM's).
//
// Not mainline. Follows seed 003 (John Stultz, "[RFC,2/3] dma-buf: system_heap: Add pagepool support
// to system heap", 20201217230612.32397-2-john.stultz@linaro.org, and the thread: Daniel Vetter on
// the missing shrinker, pools per caching type that must set_pages_wb() on the way out) and the code
// it points at:
// - static: net/core/page_pool.c page_pool_init()/page_pool_recycle_in_ring(): a ring of at most
//   `staticEntries` pages per pool (more than 32768 is E2BIG, checked by the config); a free into a full
//   ring goes to the page allocator; nothing ever shrinks it.
// - 'ion': aosp-mirror/kernel_common drivers/dma-buf/heaps/page_pool.c (bd4db96bfc24, from ION's
//   ion_page_pool.c): pages are added at the tail and taken from the head; count = pooled pages;
//   scan walks the pools newest-created first and frees pages from each until that pool freed at
//   least what is still wanted. There is no highmem here, so only the low list exists.
// - 'ttm': drivers/gpu/drm/ttm/ttm_pool.c (v5.11): pages are given and taken at the head (LIFO);
//   count = pooled pages or SHRINK_EMPTY; scan frees one entry at a time round-robin over the pool
//   types until at least one page went; after a buffer's pages are given back the pools are trimmed
//   to `limitPages` (page_pool_size). Unlike TTM on x86, cached pages are pooled too (as the v9
//   drm_page_pool of 20210630013421.735092-1-john.stultz@linaro.org does).
// Caching: a page carries its pool's (and its buffer's) caching attribute and gets write-back again
// (set_pages_wb) whenever it goes back to the page allocator. PageTable has no verb for the cache
// bits, so setCacheAttr below is the one writer of them.
import { assert } from '../base/assert.ts';
import type { StateHasher } from '../base/hash.ts';
import type { Order, PageCount, Pfn } from '../base/units.ts';
import type { PageAllocator } from '../buddy/page-allocator.ts';
import type { Gfp } from '../mem/gfp.ts';
import type { OwnerId, Owners } from '../mem/owners.ts';
import type { PageTable } from '../mem/page-table.ts';
import { CACHE_ATTR_NAMES, CACHE_WB, CONTENT_ZERO, PG_CACHE_MASK, PG_CACHE_SHIFT, PG_COMPOUND, PG_HEAD, type CacheAttr } from '../mem/page-state.ts';
import type { VmEvents } from '../mem/vm-events.ts';

/** SHRINK_EMPTY as reclaim/shrinker.ts defines it (heaps sit below reclaim and cannot import it). */
export const SHRINK_EMPTY = -2;

/** The shrink_control fields the heap shrinkers read (structurally reclaim's ShrinkControl). */
export interface PoolShrinkControl {
  readonly gfp: Gfp;
  readonly nrToScan: number;
  readonly isKswapd: boolean;
}

/** How a system heap pools pages: not at all, a static ring per pool, or shrinker-controlled pools. */
export type PoolVariant = 'none' | 'static' | 'shrinker';
/** Which shrinker-controlled pool is modelled. */
export type PoolShrinkerStyle = 'ion' | 'ttm';

/** Options of a pool set. */
export interface PagePoolOptions {
  readonly variant: 'static' | 'shrinker';
  readonly style: PoolShrinkerStyle;
  /** static: ring size (entries, i.e. blocks) per pool. */
  readonly staticEntries: number;
  /** ttm: page_pool_size, the most pages all pools may hold after a free. */
  readonly limitPages: PageCount;
}

/** Sets the caching attribute of [pfn, pfn + pageCount) (set_pages_array_wc/uc, set_pages_wb). */
export function setCacheAttr(table: PageTable, pfn: Pfn, pageCount: PageCount, attr: CacheAttr): void {
  const start = table.pageIndex(pfn);
  for (let i = start; i < start + pageCount; i++) {
    table.flags[i] = ((table.flags[i] as number) & ~PG_CACHE_MASK) | (attr << PG_CACHE_SHIFT);
  }
}

/** The caching attribute of `pfn`. */
export function cacheAttrOf(table: PageTable, pfn: Pfn): CacheAttr {
  return (((table.flags[table.pageIndex(pfn)] as number) & PG_CACHE_MASK) >> PG_CACHE_SHIFT) as CacheAttr;
}

/** True when every page of the block reads as zero. */
export function blockIsZero(table: PageTable, pfn: Pfn, order: Order): boolean {
  const start = table.pageIndex(pfn);
  for (let i = start; i < start + 2 ** order; i++) if (table.content[i] !== CONTENT_ZERO) return false;
  return true;
}

/** Hands the allocated block (pfn, order) to `owner`, keeping its head's order, reference and compound flag. */
export function reassignOwner(table: PageTable, pfn: Pfn, order: Order, owner: OwnerId): void {
  const head = table.pageIndex(pfn);
  const headFlags = (table.flags[head] as number) & (PG_HEAD | PG_COMPOUND);
  const refcount = table.refcount[head] as number;
  table.markAllocated(pfn, 2 ** order, owner);
  table.markHead(pfn, order, refcount, headFlags);
}

/** Gives a block back to the page allocator with write-back caching (set_pages_wb + __free_pages). */
export function freeBlockToSystem(buddy: PageAllocator, pfn: Pfn, order: Order): void {
  setCacheAttr(buddy.table, pfn, 2 ** order, CACHE_WB);
  buddy.freePages(pfn, order);
}

/** One pool: blocks of one order and one caching attribute. */
class PagePool {
  readonly blocks: Pfn[] = [];
  /** Index of the first live block in `blocks` (FIFO pools take from here). */
  head = 0;

  constructor(readonly order: Order, readonly caching: CacheAttr) {}

  get entryCount(): number {
    return this.blocks.length - this.head;
  }

  get pageCount(): PageCount {
    return this.entryCount * 2 ** this.order;
  }

  /** Live blocks in take order for FIFO pools (head first). */
  live(): Pfn[] {
    return this.blocks.slice(this.head);
  }

  pushBack(pfn: Pfn): void {
    this.blocks.push(pfn);
  }

  pushFront(pfn: Pfn): void {
    if (this.head > 0) this.blocks[--this.head] = pfn;
    else this.blocks.unshift(pfn);
  }

  popFront(): Pfn | undefined {
    if (this.entryCount === 0) return undefined;
    const pfn = this.blocks[this.head++] as Pfn;
    // Why: keep the array from growing forever under FIFO traffic; compaction is amortised O(1).
    if (this.head > 64 && this.head * 2 > this.blocks.length) {
      this.blocks.splice(0, this.head);
      this.head = 0;
    }
    return pfn;
  }

  popBack(): Pfn | undefined {
    return this.entryCount === 0 ? undefined : this.blocks.pop();
  }
}

/**
 * The pools of the system heaps of one machine: one per (caching, order), created caching-major in
 * `cachings` order and `orders` order. Pages in a pool belong to the pool's owner, are zero and carry
 * the pool's caching attribute.
 */
export class PagePoolSet {
  /** The owner of every pooled page. */
  readonly owner: OwnerId;
  private readonly pools: PagePool[] = [];
  /** ttm: the round-robin shrinker list (indices into `pools`). */
  private readonly rotation: number[];
  /** Pages per order the pools gave back to the page allocator (shrinking, full rings, drains). */
  private readonly returned = new Map<Order, PageCount>();

  constructor(
    private readonly buddy: PageAllocator,
    owners: Owners,
    private readonly events: VmEvents,
    readonly options: PagePoolOptions,
    cachings: readonly CacheAttr[],
    orders: readonly Order[],
    /** The shrinker name (when registered as one) and the pool owner's label. */
    readonly name = 'dmabuf-page-pool',
  ) {
    assert(options.staticEntries >= 1 && options.limitPages >= 0, () => `bad pool options ${JSON.stringify(options)}`);
    this.owner = owners.register('pool', name);
    for (const caching of cachings) for (const order of orders) this.pools.push(new PagePool(order, caching));
    this.rotation = this.pools.map((_, index) => index);
  }

  /** True for the shrinker-controlled variant (the one to register with the shrinker registry). */
  get isShrinkerControlled(): boolean {
    return this.options.variant === 'shrinker';
  }

  /** Pages pooled for one (order, caching), or in every pool. */
  pooledPages(order?: Order, caching?: CacheAttr): PageCount {
    let total = 0;
    for (const pool of this.pools) {
      if ((order === undefined || pool.order === order) && (caching === undefined || pool.caching === caching)) total += pool.pageCount;
    }
    return total;
  }

  /** Pages of `order` the pools gave back to the page allocator since boot. */
  returnedPages(order: Order): PageCount {
    return this.returned.get(order) ?? 0;
  }

  /** The pooled blocks of one pool in the order they will be taken. */
  pooledBlocks(order: Order, caching: CacheAttr): Pfn[] {
    const pool = this.pool(order, caching);
    return this.options.style === 'ttm' && this.options.variant === 'shrinker' ? pool.live().reverse() : pool.live();
  }

  /**
   * Takes a pooled block of `order` and `caching` for `newOwner` (a pool hit), or returns null (a
   * miss: the caller allocates from the page allocator). The block is zero (asserted).
   */
  take(order: Order, caching: CacheAttr, newOwner: OwnerId): Pfn | null {
    const pool = this.pool(order, caching);
    const pfn = this.isLifo() ? pool.popBack() : pool.popFront();
    if (pfn === undefined) {
      this.events.count('pool_miss');
      return null;
    }
    this.events.count('pool_hit');
    // Why: a dirty pooled page would hand a previous owner's data to a new one (M23).
    assert(blockIsZero(this.buddy.table, pfn, order), () => `pool ${this.describe(pool)} holds non-zero block ${pfn}`);
    reassignOwner(this.buddy.table, pfn, order, newOwner);
    return pfn;
  }

  /** Undoes take() for a failed allocation: the block goes back exactly where it was. */
  untake(pfn: Pfn, order: Order, caching: CacheAttr): void {
    const pool = this.pool(order, caching);
    reassignOwner(this.buddy.table, pfn, order, this.owner);
    if (this.isLifo()) pool.pushBack(pfn);
    else pool.pushFront(pfn);
  }

  /**
   * Gives the zeroed blocks of a released buffer to their pools (pools of `caching`); a static ring
   * that is full sends the block to the page allocator instead. ttm: trims to `limitPages` afterwards.
   */
  giveAll(blocks: readonly { readonly pfn: Pfn; readonly order: Order }[], caching: CacheAttr): void {
    for (const block of blocks) this.give(block.pfn, block.order, caching);
    if (this.options.variant === 'shrinker' && this.options.style === 'ttm') {
      while (this.pooledPages() > this.options.limitPages) this.ttmShrinkOne();
    }
  }

  /** count_objects: pooled pages (ttm: SHRINK_EMPTY when none). */
  countObjects(_sc: PoolShrinkControl): number {
    const pages = this.pooledPages();
    return pages === 0 && this.options.style === 'ttm' ? SHRINK_EMPTY : pages;
  }

  /** scan_objects: frees pooled pages to the page allocator (style rules in the header). */
  scanObjects(sc: PoolShrinkControl): number {
    if (sc.nrToScan === 0) return 0;
    const freed = this.options.style === 'ttm' ? this.ttmScan() : this.ionScan(sc.nrToScan);
    this.events.count('pool_shrink', freed);
    return freed;
  }

  /** Frees every pooled page (pool destruction, or an end-of-run drain). Returns the pages freed. */
  drain(): PageCount {
    let freed = 0;
    for (const pool of this.pools) {
      for (let pfn = pool.popFront(); pfn !== undefined; pfn = pool.popFront()) freed += this.freeFromPool(pool, pfn);
    }
    return freed;
  }

  /** One line per non-empty pool: `CACHING/oORDER=ENTRIES`. */
  describePools(): string[] {
    return this.pools.filter((pool) => pool.entryCount > 0).map((pool) => `${this.describe(pool)}=${pool.entryCount}`);
  }

  /** Feeds every pool's blocks (and the ttm rotation) to `hasher`. */
  hashInto(hasher: StateHasher): void {
    for (const pool of this.pools) {
      hasher.updateNumber(pool.order);
      hasher.updateNumber(pool.caching);
      hasher.updateArray(Float64Array.from(pool.live()));
    }
    hasher.updateArray(Float64Array.from(this.rotation));
  }

  private give(pfn: Pfn, order: Order, caching: CacheAttr): void {
    const pool = this.pool(order, caching);
    const table = this.buddy.table;
    assert(blockIsZero(table, pfn, order), () => `giving non-zero block ${pfn} to pool ${this.describe(pool)}`);
    assert(cacheAttrOf(table, pfn) === caching, () => `block ${pfn} is ${CACHE_ATTR_NAMES[cacheAttrOf(table, pfn)]}, pool ${this.describe(pool)}`);
    if (this.options.variant === 'static' && pool.entryCount >= this.options.staticEntries) {
      this.freeFromPool(pool, pfn);
      return;
    }
    reassignOwner(table, pfn, order, this.owner);
    pool.pushBack(pfn);
  }

  private isLifo(): boolean {
    return this.options.variant === 'shrinker' && this.options.style === 'ttm';
  }

  private pool(order: Order, caching: CacheAttr): PagePool {
    const pool = this.pools.find((p) => p.order === order && p.caching === caching);
    assert(pool !== undefined, () => `no ${CACHE_ATTR_NAMES[caching]} pool of order ${order} (M25)`);
    return pool;
  }

  private describe(pool: PagePool): string {
    return `${CACHE_ATTR_NAMES[pool.caching]}/o${pool.order}`;
  }

  /** Gives a block of `pool` (pooled, or refused by a full ring) to the page allocator. */
  private freeFromPool(pool: PagePool, pfn: Pfn): PageCount {
    freeBlockToSystem(this.buddy, pfn, pool.order);
    this.returned.set(pool.order, this.returnedPages(pool.order) + 2 ** pool.order);
    return 2 ** pool.order;
  }

  /** dmabuf_page_pool_shrink(): newest pool first; each frees until it alone covered what is still wanted. */
  private ionScan(nrToScan: number): PageCount {
    let wanted = nrToScan;
    let total = 0;
    for (let index = this.pools.length - 1; index >= 0 && wanted > 0; index--) {
      const pool = this.pools[index] as PagePool;
      let freed = 0;
      while (freed < wanted) {
        const pfn = pool.popFront();
        if (pfn === undefined) break;
        freed += this.freeFromPool(pool, pfn);
      }
      wanted -= freed;
      total += freed;
    }
    return total;
  }

  /** ttm_pool_shrinker_scan(): release at least one entry while any page is pooled. */
  private ttmScan(): PageCount {
    let freed = 0;
    do freed += this.ttmShrinkOne();
    while (freed === 0 && this.pooledPages() > 0);
    return freed;
  }

  /** ttm_pool_shrink(): one entry from the first pool type of the rotation, which then moves to the tail. */
  private ttmShrinkOne(): PageCount {
    const index = this.rotation.shift() as number;
    this.rotation.push(index);
    const pool = this.pools[index] as PagePool;
    const pfn = pool.popBack();
    return pfn === undefined ? 0 : this.freeFromPool(pool, pfn);
  }
}
