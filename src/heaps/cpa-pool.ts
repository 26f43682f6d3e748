// The CPA-style pool of high-order blocks (low, fill and high watermarks, a refill worker run by Machine.tick, a shrinker) and the heap that serves dma-bufs from it; models ARM's Compound Page Allocator ION heap, which never reached mainline.
//
// Source: seed 000 (Brian Starkey on "[PATCH 0/3] Chunk Heap Support on DMA-HEAP": "a pool of
// high-order pages with a worker thread to attempt compaction and allocation to keep the pool filled,
// with high and low watermarks ... a shrinker to allow the system to reclaim the pool") and
// ARM-software/CPA README.rst: struct ion_cpa_platform_data { lowmark, highmark, fillmark,
// align_order, order }; when the pool hits its low-mark the asynchronous thread fills it to the
// fill-mark; frees while the pool is at its high-mark go back to the system; the shrinker releases
// pooled blocks under memory pressure. ion_compound_page.c itself is not in the index, so:
// - a buffer is PAGE_ALIGN(len) rounded up to 2^align_order pages, backed by whole blocks of 2^order
//   pages (the last block may be used only in part, as the CPA test accepts a shorter last sg entry);
// - a request for more blocks than the zone manages is ENOMEM before any block is taken (pagelab's choice);
// - a block comes from the pool, else straight from the page allocator with CPA_GFP (compound, zeroed,
//   no retry: compaction may run, as the slow path does for costly orders);
// - the refill is woken when an allocation leaves fewer than `lowmark` blocks (and at boot), and
//   allocates until `fillmark`, the first failure, or `fillmark` attempts (it goes on next tick);
// - released blocks are zeroed before they re-enter the pool; the shrinker takes the most recently
//   pooled blocks first and frees until it covered what was asked.
import { assert } from '../base/assert.ts';
import { err, ok, type Result } from '../base/errno.ts';
import type { StateHasher } from '../base/hash.ts';
import { PAGE_SIZE, type Order, type PageCount, type Pfn } from '../base/units.ts';
import type { BackgroundWorker } from '../env/workers.ts';
import { __GFP_COMP, __GFP_NORETRY, __GFP_NOWARN, __GFP_ZERO, GFP_HIGHUSER, type Gfp } from '../mem/gfp.ts';
import type { OwnerId } from '../mem/owners.ts';
import type { BufferChunk, HeapBuffer } from './dma-buf.ts';
import type { DmaHeap, HeapAllocRequest, HeapEnv } from './dma-heap.ts';
import { blockIsZero, freeBlockToSystem, reassignOwner, type PoolShrinkControl } from './page-pool.ts';

/** The gfp of every CPA block allocation (refill and pool misses). */
export const CPA_GFP: Gfp = GFP_HIGHUSER | __GFP_ZERO | __GFP_COMP | __GFP_NOWARN | __GFP_NORETRY;

/** ion_cpa_platform_data plus the heap name. Watermarks count blocks. */
export interface CpaPoolOptions {
  /** Heap (and pool) name. */
  readonly name: string;
  /** Order of the blocks (9 = 2 MiB on the Juno example). */
  readonly order: Order;
  /** Below this many pooled blocks the refill is woken. */
  readonly lowmark: number;
  /** The refill stops at this many pooled blocks. */
  readonly fillmark: number;
  /** A free while this many blocks are pooled goes to the system instead. */
  readonly highmark: number;
  /** Buffer sizes are rounded up to 2^alignOrder pages. */
  readonly alignOrder: Order;
}

/** A pool of zeroed 2^order blocks. Pooled blocks belong to the pool's owner. */
export class CpaPool {
  /** Shrinker name. */
  readonly name: string;
  readonly owner: OwnerId;
  /** The refill worker ("cpa-refill:NAME"), to register with the machine's workers. */
  readonly worker: BackgroundWorker;
  private readonly blocks: Pfn[] = [];
  private refillPending = true;
  private obtained = 0;
  private returned = 0;

  constructor(private readonly env: HeapEnv, readonly options: CpaPoolOptions) {
    const { order, lowmark, fillmark, highmark, alignOrder } = options;
    assert(order >= 1 && alignOrder >= 0 && lowmark >= 0 && lowmark <= fillmark && fillmark <= highmark,
      () => `bad CPA pool options ${JSON.stringify(options)}`);
    this.name = `cpa-pool:${options.name}`;
    this.owner = env.owners.register('pool', this.name);
    this.worker = { name: `cpa-refill:${options.name}`, run: () => this.refill() };
  }

  /** Blocks in the pool. */
  get blockCount(): number {
    return this.blocks.length;
  }

  /** Pages in the pool. */
  get pooledPages(): PageCount {
    return this.blocks.length * 2 ** this.options.order;
  }

  /** The pooled blocks' first PFNs, the next to be handed out last (a read-only copy for checkers). */
  pooledBlocks(): readonly Pfn[] {
    return [...this.blocks];
  }

  /** True while the refill worker has work to do. */
  get isRefillPending(): boolean {
    return this.refillPending;
  }

  /** Blocks obtained from the page allocator, and given back to it, since boot. */
  get traffic(): { readonly obtainedBlocks: number; readonly returnedBlocks: number } {
    return { obtainedBlocks: this.obtained, returnedBlocks: this.returned };
  }

  /** A zeroed block for `owner`: from the pool, else from the page allocator; null when neither has one. */
  takeBlock(owner: OwnerId): { pfn: Pfn; fromPool: boolean } | null {
    const pooled = this.blocks.pop();
    if (pooled !== undefined) {
      assert(blockIsZero(this.env.buddy.table, pooled, this.options.order), () => `${this.name} holds non-zero block ${pooled}`);
      reassignOwner(this.env.buddy.table, pooled, this.options.order, owner);
      this.env.events.count('pool_hit');
      return { pfn: pooled, fromPool: true };
    }
    this.env.events.count('pool_miss');
    const fresh = this.allocBlock(owner);
    return fresh === null ? null : { pfn: fresh, fromPool: false };
  }

  /** Undoes takeBlock() for a failed allocation. */
  untakeBlock(pfn: Pfn, fromPool: boolean): void {
    if (!fromPool) {
      this.freeToSystem(pfn);
      return;
    }
    reassignOwner(this.env.buddy.table, pfn, this.options.order, this.owner);
    this.blocks.push(pfn);
  }

  /** Wakes the refill when an allocation left the pool below its low-mark. */
  noteAllocation(): void {
    if (this.blocks.length < this.options.lowmark) this.refillPending = true;
  }

  /** A released block: to the system when the pool is at its high-mark, else zeroed into the pool. */
  putBlock(pfn: Pfn): void {
    if (this.blocks.length >= this.options.highmark) {
      this.env.events.count('cpa_overflow_free');
      this.freeToSystem(pfn);
      return;
    }
    this.env.buddy.table.zeroContent(pfn, 2 ** this.options.order);
    reassignOwner(this.env.buddy.table, pfn, this.options.order, this.owner);
    this.blocks.push(pfn);
  }

  /** The refill worker: allocate blocks until the fill-mark or the first failure. */
  refill(): void {
    if (!this.refillPending) return;
    // Why: the refill's own direct reclaim may shrink this pool; a bounded loop cannot chase it forever.
    for (let tries = 0; tries < this.options.fillmark && this.blocks.length < this.options.fillmark; tries++) {
      const pfn = this.allocBlock(this.owner);
      if (pfn === null) return;
      this.env.events.count('cpa_refill');
      this.blocks.push(pfn);
    }
    this.refillPending = this.blocks.length < this.options.fillmark;
  }

  /** count_objects: pooled pages. */
  countObjects(_sc: PoolShrinkControl): number {
    return this.pooledPages;
  }

  /** scan_objects: frees the most recently pooled blocks until at least nr_to_scan pages went. */
  scanObjects(sc: PoolShrinkControl): number {
    let freed = 0;
    while (freed < sc.nrToScan) {
      const pfn = this.blocks.pop();
      if (pfn === undefined) break;
      this.freeToSystem(pfn);
      freed += 2 ** this.options.order;
    }
    this.env.events.count('pool_shrink', freed);
    return freed;
  }

  /** Feeds the pooled blocks and the refill state to `hasher`. */
  hashInto(hasher: StateHasher): void {
    hasher.updateNumber(this.refillPending ? 1 : 0);
    hasher.updateArray(Float64Array.from(this.blocks));
  }

  private allocBlock(owner: OwnerId): Pfn | null {
    const pfn = this.env.buddy.allocPages(CPA_GFP, this.options.order, { owner });
    if (!pfn.ok) return null;
    this.obtained++;
    return pfn.value;
  }

  private freeToSystem(pfn: Pfn): void {
    freeBlockToSystem(this.env.buddy, pfn, this.options.order);
    this.returned++;
  }
}

/** The dma-buf heap that serves buffers from one CPA pool. */
export class CpaHeap implements DmaHeap {
  readonly name: string;
  private readonly owner: OwnerId;

  constructor(private readonly env: HeapEnv, readonly pool: CpaPool) {
    this.name = pool.options.name;
    this.owner = env.owners.register('heap', this.name);
  }

  /** Whole blocks for ALIGN(len, PAGE_SIZE << align_order); ENOMEM (nothing kept) when a block cannot be had. */
  allocate(request: HeapAllocRequest): Result<HeapBuffer> {
    const { order, alignOrder } = this.pool.options;
    const sizePages = Math.ceil(request.pageCount / 2 ** alignOrder) * 2 ** alignOrder;
    const blockCount = Math.ceil(sizePages / 2 ** order);
    // Why: more blocks than RAM holds can never be had; taking (and compacting for) every free block first only to give them back would cost time in proportion to memory.
    if (blockCount * 2 ** order > this.env.buddy.managedPages()) return err('ENOMEM', `${this.name}: ${blockCount} order-${order} blocks exceed the ${this.env.buddy.managedPages()} managed pages`);
    const taken: { pfn: Pfn; fromPool: boolean }[] = [];
    while (taken.length < blockCount) {
      const block = this.pool.takeBlock(this.owner);
      if (block === null) return this.rollback(taken, blockCount);
      taken.push(block);
    }
    this.pool.noteAllocation();
    const chunks: BufferChunk[] = taken.map(({ pfn }) => ({ pfn, order }));
    return ok({ chunks, sizeBytes: sizePages * PAGE_SIZE, release: () => this.release(chunks) });
  }

  /** The pool's blocks and refill state. */
  hashInto(hasher: StateHasher): void {
    this.pool.hashInto(hasher);
  }

  private rollback(taken: readonly { pfn: Pfn; fromPool: boolean }[], blockCount: number): Result<never> {
    for (const block of [...taken].reverse()) this.pool.untakeBlock(block.pfn, block.fromPool);
    return err('ENOMEM', `${this.name}: only ${taken.length} of ${blockCount} order-${this.pool.options.order} blocks available`);
  }

  private release(chunks: readonly BufferChunk[]): void {
    for (const chunk of chunks) this.pool.putBlock(chunk.pfn);
  }
}

/** Builds one pool and heap per config entry; the caller registers heaps, workers and shrinkers in this order. */
export function createCpaHeaps(env: HeapEnv, options: readonly CpaPoolOptions[]): CpaHeap[] {
  return options.map((entry) => new CpaHeap(env, new CpaPool(env, entry)));
}
