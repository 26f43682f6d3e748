// Deferred freeing of released dma-bufs: a LIFO list with list_nr_pages, a background worker (run by Machine.tick) and a shrinker; mirrors the not-mainline drivers/dma-buf/heaps/deferred-free-helper.c (stored in the index under torvalds/linux @8973ea2d).
//
// Source: John Stultz, "dma-buf: heaps: Add deferred-free-helper library code" (v4 1/3,
// 20210202074151.3146795-1-john.stultz@linaro.org; v9 4/5, 20210630013421.735092-5) and the seed 003
// thread ("the main benefit ... is being able to defer the free and zero the pages in a background
// thread, so the pool is effectively filled with pre-zeroed pages").
// - deferred_free(): the item goes to the head of the list and list_nr_pages grows by its pages.
// - free_one_item(): takes the head (so the newest item first: LIFO), subtracts its pages, then calls
//   its free callback with the reason.
// - The worker frees items with DF_NORMAL. Divergence: the kthread runs whenever the list is non-empty;
//   here it runs once per tick and frees whole items until it has handled `budgetPages` pages (at
//   least one item per tick), so the cost of zeroing is spread over virtual time.
// - The shrinker: count = list_nr_pages; scan(0) = 0; otherwise free items with DF_UNDER_PRESSURE
//   until at least nr_to_scan pages went or the list is empty.
import { assert } from '../base/assert.ts';
import type { StateHasher } from '../base/hash.ts';
import type { PageCount } from '../base/units.ts';
import type { BackgroundWorker } from '../env/workers.ts';
import type { VmEvents } from '../mem/vm-events.ts';
import type { PoolShrinkControl } from './page-pool.ts';

/** enum df_reason: why an item is being freed. */
export type DfReason = 'normal' | 'under-pressure';

/** struct deferred_freelist_item: pages waiting to be freed, with the callback that frees them. */
export interface DeferredItem {
  /** Pages the item holds (counted in list_nr_pages). */
  readonly nrPages: PageCount;
  /** Frees the item: DF_NORMAL may zero pages into a pool, DF_UNDER_PRESSURE gives them to the page allocator. */
  free(reason: DfReason): void;
  /** Feeds the item's identity (its blocks) to the state hash. */
  hashInto(hasher: StateHasher): void;
}

/** The deferred-free list of one machine, its worker and its shrinker. */
export class DeferredFreeList implements BackgroundWorker {
  /** Head first: items[0] is the next to be freed. */
  private readonly items: DeferredItem[] = [];
  private nrPages = 0;

  /**
   * `budgetPages`: pages the worker handles per tick before it yields (at least one whole item);
   * `name`: the worker and shrinker name ("dmabuf-deferred-free-worker" is the kthread in Linux).
   */
  constructor(private readonly events: VmEvents, readonly budgetPages: PageCount, readonly name = 'dmabuf-deferred-free') {
    assert(Number.isSafeInteger(budgetPages) && budgetPages >= 1, () => `deferred free: bad budget ${budgetPages}`);
  }

  /** list_nr_pages: pages on the list. */
  get listNrPages(): PageCount {
    return this.nrPages;
  }

  /** Items on the list. */
  get itemCount(): number {
    return this.items.length;
  }

  /** deferred_free(): queues `item` at the head of the list. */
  queue(item: DeferredItem): void {
    assert(Number.isSafeInteger(item.nrPages) && item.nrPages > 0, () => `deferred item of ${item.nrPages} pages`);
    this.items.unshift(item);
    this.nrPages += item.nrPages;
    this.events.count('deferred_free_queued');
  }

  /** free_one_item(): frees the head item with `reason`; returns its pages (0 when the list is empty). */
  freeOneItem(reason: DfReason): PageCount {
    const item = this.items.shift();
    if (item === undefined) return 0;
    this.nrPages -= item.nrPages;
    item.free(reason);
    this.events.count(reason === 'normal' ? 'deferred_free_zeroed' : 'deferred_free_pressure', item.nrPages);
    return item.nrPages;
  }

  /** The worker's share of one tick: DF_NORMAL frees up to the page budget. */
  run(): void {
    let done = 0;
    while (done < this.budgetPages && this.nrPages > 0) done += this.freeOneItem('normal');
  }

  /** Frees everything with DF_NORMAL (what an idle worker ends up doing). Returns the pages handled. */
  drain(): PageCount {
    let done = 0;
    while (this.nrPages > 0) done += this.freeOneItem('normal');
    return done;
  }

  /** freelist_shrink_count(): list_nr_pages. */
  countObjects(_sc: PoolShrinkControl): number {
    return this.nrPages;
  }

  /** freelist_shrink_scan(): DF_UNDER_PRESSURE frees until nr_to_scan pages went or the list is empty. */
  scanObjects(sc: PoolShrinkControl): number {
    if (sc.nrToScan === 0) return 0;
    let freed = 0;
    while (freed < sc.nrToScan) {
      const pages = this.freeOneItem('under-pressure');
      if (pages === 0) break;
      freed += pages;
    }
    return freed;
  }

  /** Feeds the list, head first, to `hasher`. */
  hashInto(hasher: StateHasher): void {
    hasher.updateNumber(this.nrPages);
    hasher.updateNumber(this.items.length);
    for (const item of this.items) item.hashInto(hasher);
  }
}
