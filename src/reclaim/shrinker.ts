// The shrinker registry of one machine (count/scan callbacks, deferred scan work) and shrink_slab(); mirrors Linux 6.1 mm/vmscan.c (register_shrinker, shrink_slab, do_shrink_slab) and include/linux/shrinker.h.
//
// Shrinkers run in registration order (register_shrinker does list_add_tail). do_shrink_slab is
// followed line by line: count_objects first (0 or SHRINK_EMPTY ends the visit), the scan target
// `delta = (freeable >> priority) * 4 / seeks` (freeable / 2 when seeks is 0) plus the carried-over
// work `nr_deferred >> priority`, capped at 2 * freeable; scan_objects in batches of `batch`
// (SHRINK_BATCH = 128 when 0) while at least one batch, or everything that is left, remains to be
// scanned; SHRINK_STOP ends the visit; the unscanned remainder carries over, capped at 2 * freeable.
// Divergences: no memcg and no NUMA awareness (every shrinker keeps one nr_deferred, as Linux does for
// a shrinker without SHRINKER_NUMA_AWARE); shrinker_rwsem contention never happens.
import { assert } from '../base/assert.ts';
import { err, ok, type Result } from '../base/errno.ts';
import type { StateHasher } from '../base/hash.ts';
import type { PageCount } from '../base/units.ts';
import type { Gfp } from '../mem/gfp.ts';
import type { VmEvents } from '../mem/vm-events.ts';

/** SHRINK_STOP (~0UL read as a signed long): scan_objects cannot make progress now. */
export const SHRINK_STOP = -1;
/** SHRINK_EMPTY (~0UL - 1 read as a signed long): count_objects has nothing at all to free. */
export const SHRINK_EMPTY = -2;
/** SHRINK_BATCH: the default number of objects per scan_objects call. */
export const SHRINK_BATCH = 128;
/** DEFAULT_SEEKS: the cost of recreating an object (the divisor of the scan target). */
export const DEFAULT_SEEKS = 2;
/** DEF_PRIORITY: reclaim starts scanning 1/2^12 of everything and doubles down to priority 0. */
export const DEF_PRIORITY = 12;

/** struct shrink_control: what count_objects/scan_objects are told. Objects are pages throughout pagelab. */
export interface ShrinkControl {
  /** The gfp mask of the reclaim that runs the shrinker. */
  readonly gfp: Gfp;
  /** How many objects scan_objects should try to free (unused by count_objects). */
  readonly nrToScan: number;
  /** True when kswapd (rather than an allocating task) runs the shrinker (current_is_kswapd()). */
  readonly isKswapd: boolean;
}

/**
 * struct shrinker: a cache that gives memory back under pressure. `countObjects` returns how many
 * objects could be freed (or SHRINK_EMPTY); `scanObjects` frees up to about `nrToScan` of them and
 * returns how many it freed (or SHRINK_STOP). Counts are in pages.
 */
export interface Shrinker {
  /** Unique name (the shrinker debugfs directory name of 6.0+). */
  readonly name: string;
  /** Objects per scan_objects call; 0 or absent means SHRINK_BATCH. */
  readonly batch?: number;
  /** Relative cost of recreating an object; absent means DEFAULT_SEEKS. */
  readonly seeks?: number;
  countObjects(sc: ShrinkControl): number;
  scanObjects(sc: ShrinkControl): number;
}

/** What one shrinker debugfs-style scan did. */
export interface ShrinkOneReport {
  readonly countBefore: number;
  readonly freedPages: PageCount;
  readonly countAfter: number;
}

interface Registered {
  readonly shrinker: Shrinker;
  /** nr_deferred: scan work carried over from earlier visits. */
  nrDeferred: number;
}

/** The shrinkers of one machine, visited in registration order. */
export class ShrinkerRegistry {
  private readonly entries: Registered[] = [];

  constructor(private readonly events: VmEvents) {}

  /** register_shrinker(): appends `shrinker`; EEXIST when its name is taken, EINVAL for a bad batch or seeks. */
  register(shrinker: Shrinker): Result<void> {
    if (this.entries.some((entry) => entry.shrinker.name === shrinker.name)) return err('EEXIST', `a shrinker named "${shrinker.name}" is already registered`);
    const batch = shrinker.batch ?? 0;
    const seeks = shrinker.seeks ?? DEFAULT_SEEKS;
    if (!Number.isSafeInteger(batch) || batch < 0 || !Number.isSafeInteger(seeks) || seeks < 0) {
      return err('EINVAL', `shrinker "${shrinker.name}": batch and seeks must be whole numbers >= 0`);
    }
    this.entries.push({ shrinker, nrDeferred: 0 });
    return ok(undefined);
  }

  /** unregister_shrinker(): forgets the shrinker named `name` (and its deferred work); ENOENT when unknown. */
  unregister(name: string): Result<void> {
    const index = this.entries.findIndex((entry) => entry.shrinker.name === name);
    if (index < 0) return err('ENOENT', `no shrinker named "${name}"`);
    this.entries.splice(index, 1);
    return ok(undefined);
  }

  /** Shrinker names in visiting order. */
  names(): string[] {
    return this.entries.map((entry) => entry.shrinker.name);
  }

  /** count_objects of one shrinker with `gfp` (SHRINK_EMPTY passes through); ENOENT when unknown. */
  count(name: string, gfp: Gfp): Result<number> {
    const entry = this.find(name);
    if (entry === undefined) return err('ENOENT', `no shrinker named "${name}"`);
    return ok(entry.shrinker.countObjects({ gfp, nrToScan: 0, isKswapd: false }));
  }

  /** Objects every shrinker could free right now (SHRINK_EMPTY counts as 0). */
  totalFreeable(gfp: Gfp): PageCount {
    let total = 0;
    for (const entry of this.entries) total += Math.max(0, entry.shrinker.countObjects({ gfp, nrToScan: 0, isKswapd: false }));
    return total;
  }

  /**
   * shrink_slab(): visits every shrinker once at `priority` (DEF_PRIORITY..0, lower scans more) and
   * returns the pages they freed.
   */
  shrinkSlab(gfp: Gfp, priority: number, isKswapd = false): PageCount {
    assert(Number.isInteger(priority) && priority >= 0 && priority <= DEF_PRIORITY, () => `shrinkSlab: bad priority ${priority}`);
    let freed = 0;
    // Why: a shrinker may unregister another while running; visit a snapshot like the rwsem-held list.
    for (const entry of [...this.entries]) freed += Math.max(0, this.doShrinkSlab(entry, gfp, priority, isKswapd));
    return freed;
  }

  /**
   * The shrinker debugfs `scan` file (6.0+): one scan_objects call with `nrToScan` on the shrinker
   * named `name`, outside any reclaim. ENOENT when unknown.
   */
  scanOne(name: string, nrToScan: number, gfp: Gfp): Result<ShrinkOneReport> {
    const entry = this.find(name);
    if (entry === undefined) return err('ENOENT', `no shrinker named "${name}"`);
    assert(Number.isSafeInteger(nrToScan) && nrToScan >= 0, () => `scanOne: bad nrToScan ${nrToScan}`);
    const sc = { gfp, nrToScan, isKswapd: false };
    const countBefore = entry.shrinker.countObjects(sc);
    const freed = nrToScan === 0 ? 0 : this.scan(entry.shrinker, sc);
    return ok({ countBefore, freedPages: Math.max(0, freed), countAfter: entry.shrinker.countObjects(sc) });
  }

  /** nr_deferred of the shrinker named `name` (0 when unknown). */
  deferredWork(name: string): number {
    return this.find(name)?.nrDeferred ?? 0;
  }

  /** Feeds every shrinker name and its carried-over work, in order, to `hasher`. */
  hashInto(hasher: StateHasher): void {
    hasher.updateNumber(this.entries.length);
    for (const entry of this.entries) {
      hasher.updateString(entry.shrinker.name);
      hasher.updateNumber(entry.nrDeferred);
    }
  }

  private find(name: string): Registered | undefined {
    return this.entries.find((entry) => entry.shrinker.name === name);
  }

  private scan(shrinker: Shrinker, sc: ShrinkControl): number {
    this.events.count('shrinker_scan');
    const freed = shrinker.scanObjects(sc);
    assert(Number.isSafeInteger(freed) && (freed >= 0 || freed === SHRINK_STOP), () => `shrinker ${shrinker.name}: scan returned ${freed}`);
    return freed;
  }

  /** do_shrink_slab(): returns pages freed, or SHRINK_EMPTY. */
  private doShrinkSlab(entry: Registered, gfp: Gfp, priority: number, isKswapd: boolean): number {
    const { shrinker } = entry;
    const freeable = shrinker.countObjects({ gfp, nrToScan: 0, isKswapd });
    if (freeable === 0 || freeable === SHRINK_EMPTY) return freeable;
    assert(Number.isSafeInteger(freeable) && freeable > 0, () => `shrinker ${shrinker.name}: count returned ${freeable}`);
    const batchSize = shrinker.batch === undefined || shrinker.batch === 0 ? SHRINK_BATCH : shrinker.batch;
    const nr = entry.nrDeferred;
    entry.nrDeferred = 0;
    const seeks = shrinker.seeks ?? DEFAULT_SEEKS;
    const delta = seeks === 0 ? Math.floor(freeable / 2) : Math.floor((Math.floor(freeable / 2 ** priority) * 4) / seeks);
    let totalScan = Math.min(Math.floor(nr / 2 ** priority) + delta, 2 * freeable);
    let freed = 0;
    let scanned = 0;
    // Why: below one batch only a "tight on memory" target (>= everything freeable) still scans.
    while (totalScan >= batchSize || totalScan >= freeable) {
      const nrToScan = Math.min(batchSize, totalScan);
      const ret = this.scan(shrinker, { gfp, nrToScan, isKswapd });
      if (ret === SHRINK_STOP) break;
      freed += ret;
      totalScan -= nrToScan;
      scanned += nrToScan;
    }
    entry.nrDeferred = Math.min(Math.max(nr + delta - scanned, 0), 2 * freeable);
    return freed;
  }
}
