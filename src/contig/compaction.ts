// Memory compaction of one zone, deterministic and bounded: in the spirit of Linux 6.1 mm/compaction.c compact_zone
// (a migrate scanner walking pageblocks up from the zone start, a free scanner walking down from the zone end,
// isolate_migratepages_block / isolate_freepages_block / suitable_migration_target / compact_finished), used as
// the buddy slow path's direct-compaction hook.
//
// Simplifications: one mode (synchronous); both scanners keep their position per zone between calls
// (compact_cached_migrate_pfn / compact_cached_free_pfn) and restart from the zone ends once they meet, as
// __reset_isolation_suitable does; a call scans at most COMPACT_BLOCKS_PER_CALL pageblocks with the migrate
// scanner, so the slow path's retries cost a bounded amount each; only user pages (PG_MOVABLE, mapped, not
// pinned) move; free pages are taken whole from suitable pageblocks (MOVABLE or CMA, not a free block of
// pageblock order or more) and split into order-0 targets; unused targets are freed at the end.
import type { StateHasher } from '../base/hash.ts';
import { PAGEBLOCK_NR_PAGES, PAGEBLOCK_ORDER, MAX_PAGE_ORDER, type Order, type Pfn } from '../base/units.ts';
import type { Zone } from '../buddy/zone.ts';
import { __GFP_MOVABLE, type Gfp } from '../mem/gfp.ts';
import { MIGRATE_CMA, MIGRATE_ISOLATE, MIGRATE_MOVABLE, MIGRATE_PCPTYPES } from '../mem/migratetype.ts';
import type { OwnerId, Owners } from '../mem/owners.ts';
import { NO_PAGE } from '../mem/page-table.ts';
import { PG_BUDDY, PG_HEAD } from '../mem/page-state.ts';
import { migratePages, type MigrateDeps } from './migrate.ts';
import { pageblockStartPfn } from './isolate.ts';

/** Pageblocks the migrate scanner may visit per call. */
export const COMPACT_BLOCKS_PER_CALL = 32;

/** What one compaction call did. */
export interface CompactResult {
  /** Pages moved. */
  readonly migratedPages: number;
  /** A free block of at least the requested order exists on a list the request may use (COMPACT_SUCCESS). */
  readonly success: boolean;
  /** The scanners met: the zone was scanned to the end (COMPACT_COMPLETE). */
  readonly complete: boolean;
}

interface ScannerState {
  migratePfn: Pfn;
  freePfn: Pfn;
}

/** Compaction for the zones of one machine. */
export class Compactor {
  private readonly scanners = new Map<number, ScannerState>();
  private readonly owner: OwnerId;

  constructor(private readonly deps: MigrateDeps, owners: Owners) {
    this.owner = owners.register('kernel', 'compaction');
  }

  /**
   * compact_zone() for an `order` allocation with `gfp`: migrates user pages from the bottom of the zone into
   * free pages taken from the top until a free block of `order` exists, the scanners meet, or the per-call
   * budget runs out. Per-CPU lists are drained at the end so freed sources can merge.
   */
  compactZone(zone: Zone, order: Order, gfp: Gfp = __GFP_MOVABLE): CompactResult {
    const useCma = (gfp & __GFP_MOVABLE) !== 0;
    if (this.hasFreeBlock(zone, order, useCma)) return { migratedPages: 0, success: true, complete: false };
    const state = this.scannerState(zone);
    const targets: Pfn[] = [];
    let migratedPages = 0;
    let success = false;
    for (let blocks = 0; blocks < COMPACT_BLOCKS_PER_CALL && state.migratePfn < state.freePfn; blocks++) {
      const blockEnd = Math.min(pageblockStartPfn(state.migratePfn) + PAGEBLOCK_NR_PAGES, zone.pfnEnd);
      const sources = this.isolateMigratepages(state.migratePfn, blockEnd);
      migratedPages += this.migrateBlock(zone, state, sources, targets);
      state.migratePfn = blockEnd;
      this.deps.buddy.drainAllPages(zone);
      success = this.hasFreeBlock(zone, order, useCma);
      if (success) break;
    }
    for (const pfn of targets) this.deps.buddy.freePages(pfn, 0);
    this.deps.buddy.drainAllPages(zone);
    success = this.hasFreeBlock(zone, order, useCma);
    const complete = state.migratePfn >= state.freePfn;
    if (complete) this.scanners.delete(zone.index);
    if (success) this.deps.events.count('compact_success');
    if (success && migratedPages > 0 && order >= PAGEBLOCK_ORDER) this.deps.events.count('compact_rebuilt_high_order');
    return { migratedPages, success, complete };
  }

  /**
   * Compaction of every zone for free blocks of `order` (what a memory-pressure event asks for): each zone
   * is compacted until a block exists or its scanners meet. `blocksRebuilt` counts free blocks of at least
   * `order`, on lists `gfp` may use, that exist now and did not before.
   */
  compact(order: Order, gfp: Gfp): { migratedPages: number; blocksRebuilt: number } {
    const useCma = (gfp & __GFP_MOVABLE) !== 0;
    let migratedPages = 0;
    let blocksRebuilt = 0;
    for (const zone of this.deps.buddy.zones) {
      const before = this.freeBlocksOfOrder(zone, order, useCma);
      for (;;) {
        const result = this.compactZone(zone, order, gfp);
        migratedPages += result.migratedPages;
        if (result.success || result.complete) break;
      }
      blocksRebuilt += Math.max(0, this.freeBlocksOfOrder(zone, order, useCma) - before);
    }
    return { migratedPages, blocksRebuilt };
  }

  /** The direct-compaction hook of the slow path: true when compaction made progress. */
  compactHook(zone: Zone, order: Order, gfp: Gfp): boolean {
    const result = this.compactZone(zone, order, gfp);
    return result.migratedPages > 0 || result.success;
  }

  /** Feeds the cached scanner positions, in zone order, to `hasher`. */
  hashInto(hasher: StateHasher): void {
    const zones = [...this.scanners.entries()].sort((a, b) => a[0] - b[0]);
    hasher.updateNumber(zones.length);
    for (const [index, state] of zones) {
      hasher.updateNumber(index);
      hasher.updateNumber(state.migratePfn);
      hasher.updateNumber(state.freePfn);
    }
  }

  private scannerState(zone: Zone): ScannerState {
    let state = this.scanners.get(zone.index);
    if (state === undefined) {
      state = { migratePfn: zone.pfnStart, freePfn: pageblockStartPfn(zone.pfnEnd - 1) };
      this.scanners.set(zone.index, state);
    }
    return state;
  }

  /** Migrates `sources` into targets from the free scanner; returns how many moved. */
  private migrateBlock(zone: Zone, state: ScannerState, sources: readonly Pfn[], targets: Pfn[]): number {
    if (sources.length === 0) return 0;
    const table = this.deps.buddy.table;
    const allocTarget = (_sourcePfn: Pfn, owner: OwnerId): Pfn => {
      if (targets.length === 0) this.isolateFreepages(zone, state, targets);
      const pfn = targets.pop();
      if (pfn === undefined) return NO_PAGE;
      // Why: a free-scanner page is held by compaction until a migration claims it for the source's owner.
      table.markAllocated(pfn, 1, owner);
      table.markHead(pfn, 0, 1, PG_HEAD);
      return pfn;
    };
    const outcome = migratePages(this.deps, sources, allocTarget, 0);
    return outcome.migrated;
  }

  /** isolate_migratepages_block(): the migratable user pages of [pfnStart, pfnEnd). */
  private isolateMigratepages(pfnStart: Pfn, pfnEnd: Pfn): Pfn[] {
    const { buddy, user } = this.deps;
    const table = buddy.table;
    const sources: Pfn[] = [];
    if (buddy.pageblockMigratetype(pfnStart) === MIGRATE_ISOLATE) return sources;
    for (let pfn = pfnStart; pfn < pfnEnd; pfn++) {
      const index = table.pageIndex(pfn);
      if (((table.flags[index] as number) & PG_BUDDY) !== 0) {
        pfn += 2 ** (table.order[index] as number) - 1;
        continue;
      }
      if (user.isIsolatable(pfn)) sources.push(pfn);
    }
    return sources;
  }

  /**
   * isolate_freepages(): walks pageblocks down from the free scanner until it finds free pages in a
   * suitable block above the migrate scanner; takes them all as compaction-owned order-0 pages, in
   * ascending order (the caller pops the highest first).
   */
  private isolateFreepages(zone: Zone, state: ScannerState, targets: Pfn[]): void {
    const { buddy } = this.deps;
    const table = buddy.table;
    while (targets.length === 0 && state.freePfn > state.migratePfn) {
      const blockStart = Math.max(state.freePfn, zone.pfnStart);
      const blockEnd = Math.min(state.freePfn + PAGEBLOCK_NR_PAGES, zone.pfnEnd);
      state.freePfn -= PAGEBLOCK_NR_PAGES;
      if (!this.suitableTarget(blockStart)) continue;
      for (let pfn = blockStart; pfn < blockEnd;) {
        const index = table.pageIndex(pfn);
        if (((table.flags[index] as number) & PG_BUDDY) === 0) {
          pfn++;
          continue;
        }
        const end = pfn + 2 ** (table.order[index] as number);
        buddy.takeFreeRange(pfn, end, this.owner);
        for (let page = pfn; page < end; page++) targets.push(page);
        pfn = end;
      }
    }
  }

  /** suitable_migration_target(): a MOVABLE or CMA pageblock that is not one free block of pageblock order or more. */
  private suitableTarget(blockPfn: Pfn): boolean {
    const table = this.deps.buddy.table;
    const index = table.pageIndex(blockPfn);
    if (((table.flags[index] as number) & PG_BUDDY) !== 0 && (table.order[index] as number) >= PAGEBLOCK_ORDER) return false;
    const mt = table.pageblockMigratetype(blockPfn);
    return mt === MIGRATE_MOVABLE || mt === MIGRATE_CMA;
  }

  /** Free blocks of at least `order` on the lists a request (with or without ALLOC_CMA) may use. */
  private freeBlocksOfOrder(zone: Zone, order: Order, useCma: boolean): number {
    let blocks = 0;
    for (let o = order; o <= MAX_PAGE_ORDER; o++) {
      for (let mt = 0; mt < MIGRATE_PCPTYPES; mt++) blocks += zone.freeArea.blockCount(o, mt);
      if (useCma) blocks += zone.freeArea.blockCount(o, MIGRATE_CMA);
    }
    return blocks;
  }

  /** compact_finished()'s free-list test: a block of at least `order` on a list the request may use. */
  private hasFreeBlock(zone: Zone, order: Order, useCma: boolean): boolean {
    for (let o = order; o <= MAX_PAGE_ORDER; o++) {
      for (let mt = 0; mt < MIGRATE_PCPTYPES; mt++) if (!zone.freeArea.isEmpty(o, mt)) return true;
      if (useCma && !zone.freeArea.isEmpty(o, MIGRATE_CMA)) return true;
    }
    return false;
  }
}
