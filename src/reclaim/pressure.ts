// Memory pressure: events that ask for N pages back, and the buddy slow path's direct-reclaim hook; both run the shrinkers the way Linux 6.1 do_try_to_free_pages() does (priority DEF_PRIORITY down to 0, stop once the target is met).
//
// A pressure event stands in for kswapd followed by kcompactd: the shrinkers run first; then, when the
// event names an order (kswapd wakes kcompactd only for order > 0), compaction migrates movable pages
// until a free block of that order exists or the zone was scanned (the machine installs
// contig/compaction.ts as the compactor; it counts compact_success and compact_rebuilt_high_order).
// Divergences: there is no LRU reclaim (no swap, no page cache writeback), so reclaim is shrink_slab
// only and user memory only moves, through compaction; pages a shrinker gives back count as reclaim
// progress (Linux 6.1 credits only slab pages, via reclaim_state, and finds the rest on the free lists
// at its next retry). Reclaim and migration that ran stay done even when the allocation that triggered
// them fails, as in Linux.
import { assert } from '../base/assert.ts';
import type { Order, PageCount } from '../base/units.ts';
import type { PageAllocator } from '../buddy/page-allocator.ts';
import type { Zone } from '../buddy/zone.ts';
import { GFP_KERNEL, type Gfp } from '../mem/gfp.ts';
import type { VmEvents } from '../mem/vm-events.ts';
import { DEF_PRIORITY, type ShrinkerRegistry } from './shrinker.ts';

/** SWAP_CLUSTER_MAX: what one direct reclaim tries to free (try_to_free_pages' nr_to_reclaim). */
export const SWAP_CLUSTER_MAX = 32;

/** What compaction reports to a pressure event (implemented by the contig layer). */
export interface CompactionOutcome {
  readonly migratedPages: PageCount;
  /** Free blocks of at least the requested order that exist after compaction and did not before. */
  readonly blocksRebuilt: number;
}

/** Compaction as pressure uses it: migrate movable pages to rebuild free blocks of `order`. */
export interface PressureCompactor {
  compact(order: Order, gfp: Gfp): CompactionOutcome;
}

/** Options of one pressure event. */
export interface PressureOptions {
  /** Reclaim context (default GFP_KERNEL). */
  readonly gfp?: Gfp;
  /** Run as kswapd (current_is_kswapd() true for the shrinkers); default false. */
  readonly isKswapd?: boolean;
  /** After the shrinkers, compact for free blocks of this order (needs a compactor). */
  readonly compactOrder?: Order;
}

/** What a pressure event did. */
export interface PressureReport {
  readonly askedPages: PageCount;
  readonly freedPages: PageCount;
  /** The lowest priority reached (DEF_PRIORITY when the first pass met the target). */
  readonly lastPriority: number;
  /** Present when compaction ran. */
  readonly compaction?: CompactionOutcome;
}

/** Pressure events and direct reclaim for one machine. */
export class MemoryPressure {
  private compactor: PressureCompactor | undefined;

  constructor(private readonly buddy: PageAllocator, private readonly shrinkers: ShrinkerRegistry, private readonly events: VmEvents) {}

  /**
   * Installs direct reclaim as the buddy slow path's `reclaim` hook, keeping the other hooks (kswapd,
   * compaction) that are installed already.
   */
  installReclaimHook(): void {
    const hooks = this.buddy.hooks;
    this.buddy.setSlowPathHooks({ ...hooks, reclaim: (zone, order, gfp) => this.directReclaim(zone, order, gfp) });
  }

  /** Sets (or clears) the compaction a pressure event runs after the shrinkers. */
  setCompactor(compactor: PressureCompactor | undefined): void {
    this.compactor = compactor;
  }

  /**
   * A memory-pressure event asking for `nrPages` back: shrink_slab at priority 12, 11, ..., 0 until
   * the shrinkers freed at least `nrPages` (or every priority ran), then compaction when asked for.
   */
  apply(nrPages: PageCount, options: PressureOptions = {}): PressureReport {
    assert(Number.isSafeInteger(nrPages) && nrPages >= 0, () => `pressure: bad page count ${nrPages}`);
    this.events.count('pressure_event');
    const { freedPages, lastPriority } = this.shrinkUntil(nrPages, options.gfp ?? GFP_KERNEL, options.isKswapd ?? false);
    const report = { askedPages: nrPages, freedPages, lastPriority };
    if (options.compactOrder === undefined || this.compactor === undefined) return report;
    return { ...report, compaction: this.compactor.compact(options.compactOrder, options.gfp ?? GFP_KERNEL) };
  }

  /**
   * try_to_free_pages() for one zone of a failing allocation: the priority loop with a target of
   * SWAP_CLUSTER_MAX pages. Returns the pages freed (the slow path's progress).
   */
  directReclaim(_zone: Zone, _order: Order, gfp: Gfp): PageCount {
    return this.shrinkUntil(SWAP_CLUSTER_MAX, gfp, false).freedPages;
  }

  private shrinkUntil(targetPages: PageCount, gfp: Gfp, isKswapd: boolean): { freedPages: PageCount; lastPriority: number } {
    let freedPages = 0;
    let priority = DEF_PRIORITY;
    if (targetPages === 0) return { freedPages, lastPriority: priority };
    for (; priority >= 0; priority--) {
      freedPages += this.shrinkers.shrinkSlab(gfp, priority, isKswapd);
      if (freedPages >= targetPages) break;
    }
    return { freedPages, lastPriority: Math.max(priority, 0) };
  }
}
