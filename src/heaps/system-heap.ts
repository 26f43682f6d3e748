// The dma-buf system heap and its variants (system-uncached, ...): greedy {8, 4, 0} allocation from the page allocator or the page pools, release straight back, through zero-and-pool, or through the deferred-free list; mirrors Linux 6.1 drivers/dma-buf/heaps/system_heap.c (alloc_largest_available, system_heap_allocate, system_heap_dma_buf_release).
//
// Mainline behaviour: orders {8, 4, 0}, largest first and never above the previous chunk's order
// (max_order = compound_order(page)); fatal_signal_pending() checked before every chunk (EINTR);
// any failure frees everything already obtained. GFP flags are those of 6.4+ (Jaewon Kim, "dma-buf:
// system_heap: avoid reclaim for order 4", 20230303050332.10138-1-jaewon31.kim@samsung.com):
// order_flags = {HIGH, HIGH, LOW} with LOW = GFP_HIGHUSER | __GFP_ZERO, so only order 0 may reclaim.
// 6.1 itself has {HIGH, MID, LOW} (order 4 may reclaim, LOW has __GFP_COMP); the 6.4 flags are used
// because they are what current kernels run and the issue asks for them. None of the flags has
// __GFP_MOVABLE, so no page comes from a CMA pageblock.
// Deliberate divergence: with `sizeCap` (the default) a request above totalram_pages() / 2 fails with
// ENOMEM before any page is taken, as ION's system heap did (Colin Cross, "ion: fix overflow and list
// bugs in system heap"); mainline 6.1 has no cap and lets such a request reach the OOM killer.
// Not mainline (seed 003; see page-pool.ts and deferred-free.ts): pools of pre-zeroed pages per
// (order, caching), and a deferred-free list whose worker zeroes released pages into the pools. When
// pools are on, release zeroes synchronously before pooling (Stultz RFC v4) unless deferred freeing
// is on; under pressure (DF_UNDER_PRESSURE) deferred pages go straight to the page allocator. On a
// failed allocation, pages taken from a pool go back to that pool (Android's heap frees them to the
// page allocator), so a failure leaves pools as they were.
import { err, ok, type Result } from '../base/errno.ts';
import type { StateHasher } from '../base/hash.ts';
import { PAGE_SIZE, type Order, type PageCount, type Pfn } from '../base/units.ts';
import { __GFP_COMP, __GFP_NORETRY, __GFP_NOWARN, __GFP_RECLAIM, __GFP_ZERO, GFP_HIGHUSER, type Gfp } from '../mem/gfp.ts';
import type { OwnerId } from '../mem/owners.ts';
import { CACHE_UC, CACHE_WB, CACHE_WC, type CacheAttr } from '../mem/page-state.ts';
import { DeferredFreeList, type DfReason } from './deferred-free.ts';
import type { BufferChunk, HeapBuffer } from './dma-buf.ts';
import type { DmaHeap, HeapAllocRequest, HeapEnv } from './dma-heap.ts';
import { freeBlockToSystem, PagePoolSet, setCacheAttr, type PoolShrinkerStyle, type PoolVariant } from './page-pool.ts';

/** orders[]: 1 MiB, 64 KiB, 4 KiB, chosen to match IOMMU page sizes. */
export const SYSTEM_HEAP_ORDERS: readonly Order[] = [8, 4, 0];
/** HIGH_ORDER_GFP: no reclaim, no retry, no warning; compound. */
export const HIGH_ORDER_GFP: Gfp = ((GFP_HIGHUSER | __GFP_ZERO | __GFP_NOWARN | __GFP_NORETRY) & ~__GFP_RECLAIM) | __GFP_COMP;
/** LOW_ORDER_GFP (6.4+): may reclaim. */
export const LOW_ORDER_GFP: Gfp = GFP_HIGHUSER | __GFP_ZERO;
/** order_flags[] (6.4+): only order 0 may enter direct reclaim. */
export const SYSTEM_HEAP_ORDER_FLAGS: readonly Gfp[] = [HIGH_ORDER_GFP, HIGH_ORDER_GFP, LOW_ORDER_GFP];

/** Caching types a system heap variant can hand out (TTM's ttm_caching). */
export type CachingName = 'cached' | 'write-combined' | 'uncached';
const CACHE_ATTR_OF: Readonly<Record<CachingName, CacheAttr>> = { cached: CACHE_WB, 'write-combined': CACHE_WC, uncached: CACHE_UC };

/** A system heap besides `system` itself (Android's "system-uncached", ...). */
export interface SystemHeapVariant {
  readonly name: string;
  readonly caching: CachingName;
}

/** How the system heaps of a machine are set up (the config's heaps.system section). */
export interface SystemHeapsOptions {
  /** Page pools: none (mainline), static rings (net page_pool) or shrinker-controlled. */
  readonly pool: PoolVariant;
  /** Shrinker-controlled pools: Android/ION-style or TTM-style. */
  readonly shrinkerStyle: PoolShrinkerStyle;
  /** Static pools: ring entries per (order, caching) pool. */
  readonly staticPoolEntries: number;
  /** TTM-style pools: page_pool_size in bytes; absent means half of RAM, as ttm_global_init sets it. */
  readonly poolLimitBytes?: number;
  /** Release through the deferred-free list and its worker. */
  readonly deferredFree: boolean;
  /** Bytes the deferred-free worker handles per tick. */
  readonly zeroBudgetBytesPerTick: number;
  /** Reject requests above half of RAM with ENOMEM (the documented divergence). */
  readonly sizeCap: boolean;
  /** Extra system heaps with other caching types. */
  readonly variants: readonly SystemHeapVariant[];
}

/** Mainline 6.1 (plus the cap): no pools, no deferred freeing, only `system`. */
export const DEFAULT_SYSTEM_HEAPS_OPTIONS: SystemHeapsOptions = {
  pool: 'none',
  shrinkerStyle: 'ion',
  staticPoolEntries: 1024,
  deferredFree: false,
  zeroBudgetBytesPerTick: 8 * 2 ** 20,
  sizeCap: true,
  variants: [],
};

/** Where page zeroing and page traffic happened, summed over every system heap of a machine. */
export class SystemHeapStats {
  /** Pages zeroed on the allocation path (__GFP_ZERO on fresh pages). */
  zeroedInAllocPages = 0;
  /** Pages zeroed synchronously on release before pooling. */
  zeroedInReleasePages = 0;
  /** Pages zeroed by the deferred-free worker. */
  zeroedInWorkerPages = 0;
  /** Pages handed out from pools. */
  poolHitPages = 0;
  private readonly obtained = new Map<Order, PageCount>();
  private readonly returned = new Map<Order, PageCount>();

  /** Pages of `order` obtained from the page allocator. */
  obtainedPages(order: Order): PageCount {
    return this.obtained.get(order) ?? 0;
  }

  /** Pages of `order` the heaps themselves gave back to the page allocator (pools count their own). */
  returnedPages(order: Order): PageCount {
    return this.returned.get(order) ?? 0;
  }

  noteObtained(order: Order): void {
    this.obtained.set(order, this.obtainedPages(order) + 2 ** order);
  }

  noteReturned(order: Order): void {
    this.returned.set(order, this.returnedPages(order) + 2 ** order);
  }
}

/** What every system heap of a machine shares. */
interface SystemHeapShared {
  readonly env: HeapEnv;
  readonly options: SystemHeapsOptions;
  readonly pools: PagePoolSet | undefined;
  readonly deferred: DeferredFreeList | undefined;
  readonly stats: SystemHeapStats;
}

/** A chunk plus where it came from, for rollback. */
interface TakenChunk extends BufferChunk {
  readonly fromPool: boolean;
}

/** One system heap (`system`, or a variant with another caching type). */
export class SystemHeap implements DmaHeap {
  /** The caching attribute of every page this heap hands out. */
  readonly cacheAttr: CacheAttr;
  private readonly owner: OwnerId;

  /** `isFamilyHead`: the cached heap of its family, which hashes (and reports) the shared pools and list. */
  constructor(readonly name: string, readonly caching: CachingName, private readonly shared: SystemHeapShared, readonly isFamilyHead: boolean) {
    this.cacheAttr = CACHE_ATTR_OF[caching];
    this.owner = shared.env.owners.register('heap', name);
  }

  /** The pools this heap takes from and gives to (undefined without pools). */
  get pools(): PagePoolSet | undefined {
    return this.shared.pools;
  }

  /** The deferred-free list releases go through (undefined without deferred freeing). */
  get deferred(): DeferredFreeList | undefined {
    return this.shared.deferred;
  }

  /** The zeroing and page-traffic counters shared by every system heap. */
  get stats(): SystemHeapStats {
    return this.shared.stats;
  }

  /** system_heap_allocate(): see the header for the rules. */
  allocate(request: HeapAllocRequest): Result<HeapBuffer> {
    const { buddy } = this.shared.env;
    const ramHalfPages = Math.floor(buddy.managedPages() / 2);
    if (this.shared.options.sizeCap && request.pageCount > ramHalfPages) {
      return err('ENOMEM', `${request.pageCount} pages is more than half of RAM (${ramHalfPages} pages; the ION cap)`);
    }
    const taken = this.takeChunks(request.pageCount);
    if (!taken.ok) return taken;
    const chunks = taken.value.map(({ pfn, order }) => ({ pfn, order }));
    return ok({ chunks, sizeBytes: request.pageCount * PAGE_SIZE, release: () => this.release(chunks) });
  }

  /** The shared pools and deferred list (hashed once, by the `system` heap). */
  hashInto(hasher: StateHasher): void {
    if (!this.isFamilyHead) return;
    this.shared.pools?.hashInto(hasher);
    this.shared.deferred?.hashInto(hasher);
  }

  /** The loop of system_heap_allocate(); rolls everything back on failure. */
  private takeChunks(pageCount: PageCount): Result<TakenChunk[]> {
    const taken: TakenChunk[] = [];
    let remaining = pageCount;
    let maxOrder = SYSTEM_HEAP_ORDERS[0] as Order;
    while (remaining > 0) {
      if (this.shared.env.faults.shouldFail('fatal_signal')) return this.rollback(taken, 'EINTR', 'fatal signal pending');
      const chunk = this.allocLargestAvailable(remaining, maxOrder);
      if (chunk === null) return this.rollback(taken, 'ENOMEM', `no block of order <= ${maxOrder} for ${remaining} remaining pages`);
      taken.push(chunk);
      remaining -= 2 ** chunk.order;
      maxOrder = chunk.order;
    }
    return ok(taken);
  }

  /** alloc_largest_available(): the first order in {8, 4, 0} that fits and is not above maxOrder. */
  private allocLargestAvailable(remaining: PageCount, maxOrder: Order): TakenChunk | null {
    for (const [i, order] of SYSTEM_HEAP_ORDERS.entries()) {
      if (remaining < 2 ** order || order > maxOrder) continue;
      const pooled = this.shared.pools?.take(order, this.cacheAttr, this.owner) ?? null;
      if (pooled !== null) {
        this.shared.stats.poolHitPages += 2 ** order;
        return { pfn: pooled, order, fromPool: true };
      }
      const fresh = this.allocFresh(order, SYSTEM_HEAP_ORDER_FLAGS[i] as Gfp);
      if (fresh !== null) return { pfn: fresh, order, fromPool: false };
    }
    return null;
  }

  private allocFresh(order: Order, gfp: Gfp): Pfn | null {
    const { buddy } = this.shared.env;
    const pfn = buddy.allocPages(gfp, order, { owner: this.owner });
    if (!pfn.ok) return null;
    this.shared.stats.noteObtained(order);
    this.shared.stats.zeroedInAllocPages += 2 ** order;
    // Why: a non-cached heap's pages leave the allocator with their new attribute (ttm_pool_apply_caching).
    if (this.cacheAttr !== CACHE_WB) setCacheAttr(buddy.table, pfn.value, 2 ** order, this.cacheAttr);
    return pfn.value;
  }

  private rollback(taken: readonly TakenChunk[], errno: 'EINTR' | 'ENOMEM', detail: string): Result<never> {
    // Why: reverse order puts pool blocks back exactly where they were taken from.
    for (const chunk of [...taken].reverse()) {
      if (chunk.fromPool) this.shared.pools?.untake(chunk.pfn, chunk.order, this.cacheAttr);
      else this.freeToSystem(chunk);
    }
    return err(errno, `${this.name}: ${detail}`);
  }

  /** dma_buf_ops.release: straight back, zero-and-pool, or onto the deferred-free list. */
  private release(chunks: readonly BufferChunk[]): void {
    const deferred = this.shared.deferred;
    if (deferred === undefined) {
      this.freeChunks(chunks, 'normal', false);
      return;
    }
    const nrPages = chunks.reduce((sum, chunk) => sum + 2 ** chunk.order, 0);
    deferred.queue({
      nrPages,
      free: (reason) => this.freeChunks(chunks, reason, true),
      hashInto: (hasher) => {
        hasher.updateString(this.name);
        for (const chunk of chunks) hasher.updateNumber(chunk.pfn);
      },
    });
  }

  /** system_heap_buf_free(): DF_NORMAL zeroes into the pools (if any), DF_UNDER_PRESSURE frees to the page allocator. */
  private freeChunks(chunks: readonly BufferChunk[], reason: DfReason, inWorker: boolean): void {
    const pools = this.shared.pools;
    if (reason === 'under-pressure' || pools === undefined) {
      for (const chunk of chunks) this.freeToSystem(chunk);
      return;
    }
    const { table } = this.shared.env.buddy;
    let zeroed = 0;
    for (const chunk of chunks) {
      table.zeroContent(chunk.pfn, 2 ** chunk.order);
      zeroed += 2 ** chunk.order;
    }
    if (inWorker) this.shared.stats.zeroedInWorkerPages += zeroed;
    else this.shared.stats.zeroedInReleasePages += zeroed;
    pools.giveAll(chunks, this.cacheAttr);
  }

  private freeToSystem(chunk: BufferChunk): void {
    freeBlockToSystem(this.shared.env.buddy, chunk.pfn, chunk.order);
    this.shared.stats.noteReturned(chunk.order);
  }
}

/** Every system heap of a machine plus what they share; the machine registers the parts. */
export interface SystemHeapSet {
  /** `system` first, then the variants in config order. */
  readonly heaps: readonly SystemHeap[];
  readonly pools: PagePoolSet | undefined;
  readonly deferred: DeferredFreeList | undefined;
  readonly stats: SystemHeapStats;
}

/** The caching types in use (cached always), in pool-creation order. */
function cachingsInUse(variants: readonly SystemHeapVariant[]): CacheAttr[] {
  const used = new Set<CacheAttr>([CACHE_WB, ...variants.map((variant) => CACHE_ATTR_OF[variant.caching])]);
  const order: readonly CacheAttr[] = [CACHE_WB, CACHE_WC, CACHE_UC];
  return order.filter((attr) => used.has(attr));
}

function createPools(env: HeapEnv, options: SystemHeapsOptions, prefix: string): PagePoolSet | undefined {
  if (options.pool === 'none') return undefined;
  const limitPages = options.poolLimitBytes === undefined ? Math.floor(env.buddy.managedPages() / 2) : Math.floor(options.poolLimitBytes / PAGE_SIZE);
  const poolOptions = { variant: options.pool, style: options.shrinkerStyle, staticEntries: options.staticPoolEntries, limitPages };
  return new PagePoolSet(env.buddy, env.owners, env.events, poolOptions, cachingsInUse(options.variants), SYSTEM_HEAP_ORDERS, `${prefix}dmabuf-page-pool`);
}

/**
 * Builds the heap `name` (cached; the machine's is `system`) and its variants with their shared pools
 * and deferred-free list. Another `name` builds a second, independent family (its own pools, list and
 * counters; shrinker and worker names prefixed "NAME:"), e.g. to compare a pool policy with mainline.
 * The caller registers the heaps, the deferred worker, and the shrinkers (deferred list first, then
 * the pools when they are shrinker-controlled).
 */
export function createSystemHeaps(env: HeapEnv, options: SystemHeapsOptions = DEFAULT_SYSTEM_HEAPS_OPTIONS, name = 'system'): SystemHeapSet {
  const budgetPages = Math.max(1, Math.floor(options.zeroBudgetBytesPerTick / PAGE_SIZE));
  const prefix = name === 'system' ? '' : `${name}:`;
  const shared: SystemHeapShared = {
    env,
    options,
    pools: createPools(env, options, prefix),
    deferred: options.deferredFree ? new DeferredFreeList(env.events, budgetPages, `${prefix}dmabuf-deferred-free`) : undefined,
    stats: new SystemHeapStats(),
  };
  const heaps = [
    new SystemHeap(name, 'cached', shared, true),
    ...options.variants.map((variant) => new SystemHeap(variant.name, variant.caching, shared, false)),
  ];
  return { heaps, pools: shared.pools, deferred: shared.deferred, stats: shared.stats };
}
