// Pageblock isolation for alloc_contig_range: start_isolate_page_range, isolate_single_pageblock, set_migratetype_isolate,
// has_unmovable_pages, undo_isolate_page_range and test_pages_isolated of Linux 6.1 mm/page_isolation.c (checked against a
// 6.6 copy; 6.1 differs in names only), with the `isolate` fault site.
//
// Deliberate divergence: every pageblock gets back its ORIGINAL migratetype, saved when it was isolated.
// 6.1's undo_isolate_page_range(start, end, migratetype) and its error paths give every block the CALLER's
// migratetype instead, so an UNMOVABLE/RECLAIMABLE/HIGHATOMIC block that alloc_contig_pages() isolated
// (caller MIGRATE_MOVABLE) came back MOVABLE (and a HIGHATOMIC one left nr_reserved_highatomic stale).
// For CMA callers on CMA pageblocks the two agree. The one case restoring originals must handle: two isolated
// pageblocks whose free pages merged into one MAX_ORDER block (both were ISOLATE, so __free_one_page let them)
// but whose original types differ; that block is split back at the pageblock boundary before the types return,
// so no free list ever holds pages of another type's pageblock (6.1 avoids it by giving both the same type).
import { assert } from '../base/assert.ts';
import { err, ok, type Result } from '../base/errno.ts';
import { MAX_ORDER_NR_PAGES, MAX_PAGE_ORDER, PAGEBLOCK_NR_PAGES, type Pfn } from '../base/units.ts';
import type { PageAllocator } from '../buddy/page-allocator.ts';
import { ZONE_MOVABLE } from '../buddy/zone.ts';
import type { FaultInjector } from '../env/faults.ts';
import { MIGRATE_CMA, MIGRATE_ISOLATE, type Migratetype } from '../mem/migratetype.ts';
import { NO_PAGE, type PageTable } from '../mem/page-table.ts';
import { PAGE_ABSENT, PAGE_ALLOCATED, PAGE_RESERVED, PG_BUDDY, PG_COMPOUND, PG_HEAD, PG_MOVABLE } from '../mem/page-state.ts';
import type { VmEvents } from '../mem/vm-events.ts';

/** What isolation needs from the machine. */
export interface IsolateDeps {
  readonly buddy: PageAllocator;
  readonly faults: FaultInjector;
  readonly events: VmEvents;
}

/** An isolated range of whole pageblocks and the migratetype each block had before. */
export interface IsolatedRange {
  /** pageblock_start_pfn(start): the first isolated pageblock. */
  readonly pfnStart: Pfn;
  /** pageblock_align(end): the end of the last isolated pageblock. */
  readonly pfnEnd: Pfn;
  /** Original migratetype per pageblock, index (pfn - pfnStart) >> pageblock_order. */
  readonly savedMigratetypes: Migratetype[];
}

/** pageblock_start_pfn(). */
export function pageblockStartPfn(pfn: Pfn): Pfn {
  return pfn - (pfn % PAGEBLOCK_NR_PAGES);
}

/** pageblock_align(): rounds up to a pageblock boundary. */
export function pageblockAlign(pfn: Pfn): Pfn {
  return Math.ceil(pfn / PAGEBLOCK_NR_PAGES) * PAGEBLOCK_NR_PAGES;
}

/**
 * compound_head() for an allocated page: the head of the allocation block containing `pfn` (itself when it is
 * a head), found by walking the aligned candidates upward; NO_PAGE when no allocation head covers it.
 */
export function allocationHeadOf(table: PageTable, pfn: Pfn): Pfn {
  for (let order = 0; order <= MAX_PAGE_ORDER; order++) {
    const head = pfn - (pfn % 2 ** order);
    if (!table.inRange(head)) return NO_PAGE;
    const index = table.pageIndex(head);
    if (table.state[index] !== PAGE_ALLOCATED) return NO_PAGE;
    if (((table.flags[index] as number) & PG_HEAD) === 0) continue;
    return (table.order[index] as number) >= order ? head : NO_PAGE;
  }
  return NO_PAGE;
}

/** PageCompound(): part of an allocation made with __GFP_COMP of order > 0. */
function compoundHeadOf(table: PageTable, pfn: Pfn): Pfn {
  const head = allocationHeadOf(table, pfn);
  if (head === NO_PAGE) return NO_PAGE;
  return ((table.flags[table.pageIndex(head)] as number) & PG_COMPOUND) !== 0 ? head : NO_PAGE;
}

/**
 * has_unmovable_pages() on [pfnStart, pfnEnd), which lies in one pageblock: the first page that cannot be
 * migrated or freed, or NO_PAGE. A CMA pageblock is movable as a whole for a CMA caller and unmovable for
 * anyone else; holes and reserved pages are unmovable; ZONE_MOVABLE trusts the rest; free blocks are
 * skipped by order; LRU/movable pages (PG_MOVABLE) are fine; a compound page is movable only when it is
 * (never, here: user pages are order 0); anything else holding a reference is unmovable.
 */
export function hasUnmovablePages(buddy: PageAllocator, pfnStart: Pfn, pfnEnd: Pfn, migratetype: Migratetype): Pfn {
  const table = buddy.table;
  assert(pageblockStartPfn(pfnStart) === pageblockStartPfn(pfnEnd - 1), () => `hasUnmovablePages: [${pfnStart}, ${pfnEnd}) spans pageblocks`);
  if (table.pageblockMigratetype(pfnStart) === MIGRATE_CMA) return migratetype === MIGRATE_CMA ? NO_PAGE : pfnStart;
  const zone = buddy.zoneOf(pfnStart);
  for (let pfn = pfnStart; pfn < pfnEnd; pfn++) {
    const index = table.pageIndex(pfn);
    const state = table.state[index];
    if (state === PAGE_ABSENT || state === PAGE_RESERVED) return pfn;
    if (zone.kindIndex === ZONE_MOVABLE) continue;
    const flags = table.flags[index] as number;
    if (state === PAGE_ALLOCATED) {
      const compoundHead = compoundHeadOf(table, pfn);
      if (compoundHead !== NO_PAGE) {
        const headIndex = table.pageIndex(compoundHead);
        if (((table.flags[headIndex] as number) & PG_MOVABLE) === 0) return pfn;
        pfn = compoundHead + 2 ** (table.order[headIndex] as number) - 1;
        continue;
      }
    }
    if (table.refcount[index] === 0) {
      if ((flags & PG_BUDDY) !== 0) pfn += 2 ** (table.order[index] as number) - 1;
      continue;
    }
    if ((flags & PG_MOVABLE) !== 0) continue;
    return pfn;
  }
  return NO_PAGE;
}

/**
 * set_migratetype_isolate() on the pageblock holding `pfn`: EBUSY when it is already isolated (someone else
 * is working on it), when the `isolate` fault fires, or when has_unmovable_pages finds a page in
 * [max(block, checkStart), min(blockEnd, checkEnd)). Otherwise the block becomes MIGRATE_ISOLATE, its free
 * pages move to the isolate lists, and its previous migratetype is returned.
 */
export function setMigratetypeIsolate(deps: IsolateDeps, pfn: Pfn, migratetype: Migratetype, checkStart: Pfn, checkEnd: Pfn): Result<Migratetype> {
  const { buddy } = deps;
  const blockPfn = Math.max(pageblockStartPfn(pfn), buddy.zoneOf(pfn).pfnStart);
  const old = buddy.pageblockMigratetype(blockPfn);
  if (old === MIGRATE_ISOLATE) return isolateFailed(deps, `pageblock ${blockPfn} is already isolated`);
  if (deps.faults.shouldFail('isolate')) return isolateFailed(deps, `isolate fault on pageblock ${blockPfn}`);
  const unmovable = hasUnmovablePages(buddy, Math.max(blockPfn, checkStart), Math.min(pageblockStartPfn(blockPfn) + PAGEBLOCK_NR_PAGES, checkEnd), migratetype);
  if (unmovable !== NO_PAGE) return isolateFailed(deps, `unmovable page ${unmovable} in pageblock ${blockPfn}`);
  buddy.setPageblockMigratetype(blockPfn, MIGRATE_ISOLATE);
  buddy.moveFreePagesBlock(blockPfn, MIGRATE_ISOLATE);
  return ok(old);
}

function isolateFailed(deps: IsolateDeps, detail: string): Result<never> {
  deps.events.count('isolate_fail');
  return err('EBUSY', detail);
}

/** The first PFN at or after `pfn` (below `end`) that exists, or `end` (__first_valid_page). */
function firstValidPfn(table: PageTable, pfn: Pfn, end: Pfn): Pfn {
  while (pfn < end && (!table.inRange(pfn) || table.state[table.pageIndex(pfn)] === PAGE_ABSENT)) pfn++;
  return pfn;
}

/**
 * The scan of isolate_single_pageblock() after its block is isolated: from the MAX_ORDER-aligned start
 * below the block up to `boundary`, a free block crossing `boundary` is split there (split_free_page), so
 * each side lands on its own pageblock's list; an in-use compound page crossing it would have to be migrated,
 * which only hugetlb/THP/movable compound pages can be (none here): EBUSY.
 */
function splitAcrossBoundary(buddy: PageAllocator, scanStart: Pfn, boundary: Pfn): Result<void> {
  const table = buddy.table;
  for (let pfn = firstValidPfn(table, scanStart, boundary); pfn < boundary; pfn = firstValidPfn(table, pfn, boundary)) {
    const index = table.pageIndex(pfn);
    const flags = table.flags[index] as number;
    if ((flags & PG_BUDDY) !== 0) {
      const order = table.order[index] as number;
      // Why: a free block straddling the boundary would keep pages of an isolated block on a normal list.
      if (pfn + 2 ** order > boundary && buddy.splitFreePage(pfn, order, boundary - pfn)) continue;
      pfn += 2 ** order;
      continue;
    }
    const head = table.state[index] === PAGE_ALLOCATED ? compoundHeadOf(table, pfn) : NO_PAGE;
    if (head !== NO_PAGE) {
      const end = head + 2 ** (table.order[table.pageIndex(head)] as number);
      if (end > boundary) return err('EBUSY', `compound page ${head} crosses pageblock boundary ${boundary}`);
      pfn = end;
      continue;
    }
    pfn++;
  }
  return ok(undefined);
}

/**
 * isolate_single_pageblock(): isolates the pageblock after `boundary` (or before it with `isolateBefore`),
 * unless `skipIsolation` (it is already isolated), then handles pages that straddle `boundary`. On failure
 * the block it isolated gets its old migratetype back. Returns that old migratetype (undefined when skipped).
 */
function isolateSinglePageblock(deps: IsolateDeps, boundary: Pfn, isolateBefore: boolean, skipIsolation: boolean, migratetype: Migratetype): Result<Migratetype | undefined> {
  const { buddy } = deps;
  const table = buddy.table;
  const blockPfn = isolateBefore ? boundary - PAGEBLOCK_NR_PAGES : boundary;
  const zone = buddy.zoneOf(blockPfn);
  const scanStart = Math.max(blockPfn - (blockPfn % MAX_ORDER_NR_PAGES), zone.pfnStart);
  let old: Migratetype | undefined;
  if (skipIsolation) {
    assert(buddy.pageblockMigratetype(blockPfn) === MIGRATE_ISOLATE, () => `pageblock ${blockPfn} should already be isolated`);
  } else {
    const isolated = setMigratetypeIsolate(deps, blockPfn, migratetype, blockPfn, blockPfn + PAGEBLOCK_NR_PAGES);
    if (!isolated.ok) return isolated;
    old = isolated.value;
  }
  const neighbour = isolateBefore ? boundary : boundary - 1;
  if (!table.inRange(neighbour) || table.state[table.pageIndex(neighbour)] === PAGE_ABSENT) return ok(old);
  const split = splitAcrossBoundary(buddy, scanStart, boundary);
  if (split.ok) return ok(old);
  if (old !== undefined) buddy.unsetMigratetypeIsolate(blockPfn, old);
  deps.events.count('isolate_fail');
  return split;
}

/**
 * start_isolate_page_range(): isolates every pageblock of [pageblock_start_pfn(pfnStart), pageblock_align(pfnEnd)),
 * the first and last through isolate_single_pageblock (so free pages crossing the range edges are split),
 * the inner ones through set_migratetype_isolate. All or nothing: on EBUSY every block isolated so far gets
 * its original migratetype back. The range must lie in one zone.
 */
export function startIsolatePageRange(deps: IsolateDeps, pfnStart: Pfn, pfnEnd: Pfn, migratetype: Migratetype): Result<IsolatedRange> {
  const isolateStart = pageblockStartPfn(pfnStart);
  const isolateEnd = pageblockAlign(pfnEnd);
  const range: IsolatedRange = { pfnStart: isolateStart, pfnEnd: isolateEnd, savedMigratetypes: [] };
  const saved = range.savedMigratetypes;
  const first = isolateSinglePageblock(deps, isolateStart, false, false, migratetype);
  if (!first.ok) return first;
  saved[0] = first.value as Migratetype;
  const lastBlock = isolateEnd - PAGEBLOCK_NR_PAGES;
  const lastIndex = (lastBlock - isolateStart) / PAGEBLOCK_NR_PAGES;
  const last = isolateSinglePageblock(deps, isolateEnd, true, lastBlock === isolateStart, migratetype);
  if (!last.ok) {
    deps.buddy.unsetMigratetypeIsolate(isolateStart, saved[0]);
    return last;
  }
  if (last.value !== undefined) saved[lastIndex] = last.value;
  for (let pfn = isolateStart + PAGEBLOCK_NR_PAGES; pfn < lastBlock; pfn += PAGEBLOCK_NR_PAGES) {
    const isolated = setMigratetypeIsolate(deps, pfn, migratetype, pfnStart, pfnEnd);
    if (isolated.ok) {
      saved[(pfn - isolateStart) / PAGEBLOCK_NR_PAGES] = isolated.value;
      continue;
    }
    restoreBlocks(deps.buddy, range, isolateStart, pfn);
    deps.buddy.unsetMigratetypeIsolate(lastBlock, saved[lastIndex] as Migratetype);
    return isolated;
  }
  return ok(range);
}

/** Gives the isolated blocks of `range` inside [pfnStart, pfnEnd) their saved migratetypes back. */
function restoreBlocks(buddy: PageAllocator, range: IsolatedRange, pfnStart: Pfn, pfnEnd: Pfn): void {
  for (let pfn = pfnStart; pfn < pfnEnd; pfn += PAGEBLOCK_NR_PAGES) {
    const original = range.savedMigratetypes[(pfn - range.pfnStart) / PAGEBLOCK_NR_PAGES];
    assert(original !== undefined, () => `no saved migratetype for pageblock ${pfn}`);
    if (buddy.pageblockMigratetype(pfn) === MIGRATE_ISOLATE) buddy.unsetMigratetypeIsolate(pfn, original);
  }
}

/**
 * undo_isolate_page_range(): every still-isolated pageblock of `range` gets its original migratetype back
 * (6.1 gives it the caller's migratetype; see the header); free blocks of pageblock order re-merge.
 */
export function undoIsolatePageRange(buddy: PageAllocator, range: IsolatedRange): void {
  splitMixedFreeBlocks(buddy, range);
  restoreBlocks(buddy, range, range.pfnStart, range.pfnEnd);
}

/**
 * A free MAX_ORDER block made of two isolated pageblocks of `range` whose original migratetypes differ gets
 * those types back and is split at the pageblock boundary, each half freed onto its own type's list (the
 * halves re-merge only if the buddy allocator allows it for those types).
 */
function splitMixedFreeBlocks(buddy: PageAllocator, range: IsolatedRange): void {
  const table = buddy.table;
  const first = Math.ceil(range.pfnStart / MAX_ORDER_NR_PAGES) * MAX_ORDER_NR_PAGES;
  for (let pfn = first; pfn + MAX_ORDER_NR_PAGES <= range.pfnEnd; pfn += MAX_ORDER_NR_PAGES) {
    const index = table.pageIndex(pfn);
    if (((table.flags[index] as number) & PG_BUDDY) === 0 || table.order[index] !== MAX_PAGE_ORDER) continue;
    const low = range.savedMigratetypes[(pfn - range.pfnStart) / PAGEBLOCK_NR_PAGES];
    const high = range.savedMigratetypes[(pfn + PAGEBLOCK_NR_PAGES - range.pfnStart) / PAGEBLOCK_NR_PAGES];
    if (low === undefined || high === undefined || low === high) continue;
    if (buddy.pageblockMigratetype(pfn) !== MIGRATE_ISOLATE || buddy.pageblockMigratetype(pfn + PAGEBLOCK_NR_PAGES) !== MIGRATE_ISOLATE) continue;
    buddy.setPageblockMigratetype(pfn, low);
    buddy.setPageblockMigratetype(pfn + PAGEBLOCK_NR_PAGES, high);
    buddy.splitFreePage(pfn, MAX_PAGE_ORDER, PAGEBLOCK_NR_PAGES);
  }
}

/**
 * test_pages_isolated(pfnStart, pfnEnd, 0): the first PFN that stops the range from being taken, or
 * `pfnEnd` when every pageblock (stepping from pfnStart) is isolated and [pfnStart, pfnEnd) is made of free
 * buddy blocks, walked head to head from pfnStart.
 */
export function testPagesIsolated(buddy: PageAllocator, pfnStart: Pfn, pfnEnd: Pfn): Pfn {
  const table = buddy.table;
  for (let pfn = pfnStart; pfn < pfnEnd; pfn += PAGEBLOCK_NR_PAGES) {
    if (table.pageblockMigratetype(pfn) !== MIGRATE_ISOLATE) return pfn;
  }
  let pfn = pfnStart;
  while (pfn < pfnEnd) {
    const index = table.pageIndex(pfn);
    if (((table.flags[index] as number) & PG_BUDDY) === 0) return pfn;
    pfn += 2 ** (table.order[index] as number);
  }
  return pfnEnd;
}
