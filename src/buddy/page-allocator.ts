// The page allocator's public face: allocPages/freePages/getPage/putPage/allocPagesBulk, the buddy verbs the contig layer needs, and read-only accessors.
//
// Follows Linux 6.1 mm/page_alloc.c (read from torvalds/linux @dac22531, a 6.2-rc tree whose
// allocator paths match 6.1): __alloc_pages, prepare_alloc_pages, alloc_flags_nofragment,
// __alloc_pages_bulk (array mode), __free_pages (with e320d3012d25's tail freeing), free_the_page,
// put_page for order-0/compound pages, drain_all_pages/drain_local_pages, isolate_freepages_range
// (takeFreeRange), free_contig_range (freeRange), split_free_page and unset_migratetype_isolate.
// Divergences: see the slowpath.ts, pcp.ts, zone.ts, free-area.ts and fallback.ts headers.
import { assert, AssertionError } from '../base/assert.ts';
import { err, ok, type Result } from '../base/errno.ts';
import type { StateHasher } from '../base/hash.ts';
import { isAlignedToOrder, MAX_PAGE_ORDER, PAGE_ALLOC_COSTLY_ORDER, PAGEBLOCK_NR_PAGES, PAGEBLOCK_ORDER, type Order, type PageCount, type Pfn } from '../base/units.ts';
import type { Clock } from '../env/clock.ts';
import type { FaultInjector } from '../env/faults.ts';
import type { Rng } from '../env/rng.ts';
import { __GFP_KSWAPD_RECLAIM, __GFP_MOVABLE, __GFP_NOFAIL, formatGfp, type Gfp } from '../mem/gfp.ts';
import { gfpMigratetype, isMigratetype, MIGRATE_ISOLATE, type Migratetype } from '../mem/migratetype.ts';
import type { OwnerId, Owners } from '../mem/owners.ts';
import { NO_PAGE, type PageTable } from '../mem/page-table.ts';
import { PAGE_ALLOCATED, PAGE_FREE, PG_BUDDY, PG_COMPOUND, PG_HEAD, type PageState } from '../mem/page-state.ts';
import type { PlatformLayout } from '../mem/platform.ts';
import type { VmEvents } from '../mem/vm-events.ts';
import { firstAllowedZone, gfpZone, NO_SLOW_PATH_HOOKS, zoneAllowed, Zonelists, type AllocatorCore, type AllocContext, type SlowPathHooks } from './alloc-context.ts';
import { ALLOC_KSWAPD, ALLOC_NOFRAGMENT, ALLOC_WMARK_LOW } from './alloc-flags.ts';
import { assertValidLayout, buildPageTable, buildZones, freeBootMemory, setupWatermarksAndPagesets } from './boot.ts';
import { moveFreepagesBlock } from './fallback.ts';
import { findFreeBuddy, freeOnePage, freeOnePageLocked, freePagesOk } from './free-one-page.ts';
import { getPageFromFreelist, prepNewPage } from './get-page.ts';
import { drainPagesZone, freeUnrefPage, rmqueuePcplistLocked } from './pcp.ts';
import { allocPagesSlowpath, gfpToAllocFlagsCma } from './slowpath.ts';
import { zoneWatermarkFast } from './watermarks.ts';
import { totalReservePages, ZONE_DMA32, ZONE_NORMAL, type Zone } from './zone.ts';

/** Who is allocating and where. */
export interface AllocOptions {
  /** The owner every page of the allocation is charged to (from Owners.register). */
  readonly owner: OwnerId;
  /** The CPU whose per-CPU lists serve the request (default 0). */
  readonly cpu?: number;
  /** The node whose zonelist is used (default: the lowest node with memory). */
  readonly preferredNode?: number;
  /** A nodemask: only zones of these nodes (default: all). */
  readonly nodes?: readonly number[];
  /** Mark the pages PG_MOVABLE (LRU user pages); requires __GFP_MOVABLE. */
  readonly movable?: boolean;
}

/** The environment the allocator is built with. */
export interface PageAllocatorEnv {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly faults: FaultInjector;
  readonly events: VmEvents;
  readonly owners: Owners;
}

/** A free buddy block. */
export interface FreeBlock {
  readonly headPfn: Pfn;
  readonly order: Order;
}

/** The result of move_freepages_block(). */
export interface MovedPages {
  readonly movedPages: PageCount;
  readonly movablePages: PageCount;
}

/** The zoned buddy allocator of one machine. Build it with createPageAllocator(). */
export class PageAllocator implements AllocatorCore {
  readonly table: PageTable;
  readonly zones: readonly Zone[];
  readonly events: VmEvents;
  readonly cpuCount: number;
  readonly nodeCount: number;
  /** Nodes with memory, ascending. */
  readonly nodeIds: readonly number[];
  /** vm.min_free_kbytes the watermarks were computed from. */
  readonly minFreeKbytes: number;
  /** totalcma_pages: pages of every CMA area. */
  readonly totalCmaPages: PageCount;
  private readonly zonelists: Zonelists;
  private readonly zonesByPfn: readonly Zone[];
  private readonly faults: FaultInjector;
  private readonly owners: Owners;
  private failureDetail = '';
  private slowPathHooks: SlowPathHooks = NO_SLOW_PATH_HOOKS;

  constructor(layout: PlatformLayout, env: PageAllocatorEnv) {
    assertValidLayout(layout);
    this.events = env.events;
    this.faults = env.faults;
    this.owners = env.owners;
    this.cpuCount = layout.cpuCount;
    this.table = buildPageTable(layout);
    this.zones = buildZones(layout, this.table, env.events);
    this.zonesByPfn = [...this.zones].sort((a, b) => a.pfnStart - b.pfnStart);
    this.zonelists = new Zonelists(this.zones);
    this.nodeIds = this.zonelists.nodeIds;
    this.nodeCount = this.nodeIds.length;
    this.totalCmaPages = this.zones.reduce((sum, zone) => sum + zone.cmaPages, 0);
    freeBootMemory(layout, this.zones);
    this.minFreeKbytes = setupWatermarksAndPagesets(layout, this.zones);
  }

  /** Installs the reclaim layer's slow-path hooks (replacing the no-op defaults). */
  setSlowPathHooks(hooks: SlowPathHooks): void {
    this.slowPathHooks = hooks;
  }

  /** The slow-path hooks in use. */
  get hooks(): SlowPathHooks {
    return this.slowPathHooks;
  }

  /**
   * alloc_pages(): a block of 2^order pages. Fails with ENOMEM when order > MAX_PAGE_ORDER, when the
   * 'page_alloc' fault site fires (never for __GFP_NOFAIL), or when neither the fast path (low
   * watermark) nor the slow path finds memory. On success every page belongs to `owner`, the head
   * has refcount 1, and only __GFP_ZERO clears the pages' content tags.
   */
  allocPages(gfp: Gfp, order: Order, options: AllocOptions): Result<Pfn> {
    const pfn = this.allocPfn(gfp, order, options);
    return pfn === NO_PAGE ? err('ENOMEM', this.failureDetail) : ok(pfn);
  }

  /**
   * __free_pages(): drops the caller's reference on the allocation head `pfn` of `order`. At zero
   * the block is freed (per-CPU lists for order <= 3). If references remain and the block is not
   * compound, the tail halves are freed now (order-1, ..., 0) and the head lives on as an order-0
   * page, so a speculative reference cannot leak them (e320d3012d25). Asserts on misuse.
   */
  freePages(pfn: Pfn, order: Order, cpu = 0): void {
    const zone = this.assertAllocationHead(pfn, 'freePages');
    const index = this.table.pageIndex(pfn);
    assert(isAlignedToOrder(pfn, order), () => `freePages: pfn ${pfn} is not aligned to order ${order}`);
    assert(this.table.order[index] === order, () => `freePages: pfn ${pfn} was allocated at order ${this.table.order[index]}, freed at ${order}`);
    this.assertCpu(cpu);
    const refcount = (this.table.refcount[index] as number) - 1;
    this.table.refcount[index] = refcount;
    if (refcount === 0) {
      this.freeTheAllocation(zone, pfn, order, cpu);
      return;
    }
    if (((this.table.flags[index] as number) & PG_COMPOUND) !== 0) return;
    this.table.order[index] = 0;
    while (order-- > 0) this.freeTheAllocation(zone, pfn + 2 ** order, order, cpu);
  }

  /** get_page(): takes an extra reference on the allocation head `pfn`. */
  getPage(pfn: Pfn): void {
    this.assertAllocationHead(pfn, 'getPage');
    const index = this.table.pageIndex(pfn);
    assert((this.table.refcount[index] as number) < 0xffff, () => `getPage: refcount overflow on pfn ${pfn}`);
    this.table.refcount[index] = (this.table.refcount[index] as number) + 1;
  }

  /**
   * put_page(): drops a reference on the allocation head `pfn`; at zero frees it at its compound
   * order, or at order 0 for a non-compound head (Linux leaks such a block's tails; so does this).
   */
  putPage(pfn: Pfn, cpu = 0): void {
    const zone = this.assertAllocationHead(pfn, 'putPage');
    this.assertCpu(cpu);
    const index = this.table.pageIndex(pfn);
    const refcount = (this.table.refcount[index] as number) - 1;
    this.table.refcount[index] = refcount;
    if (refcount !== 0) return;
    const compound = ((this.table.flags[index] as number) & PG_COMPOUND) !== 0;
    this.freeTheAllocation(zone, pfn, compound ? (this.table.order[index] as number) : 0, cpu);
  }

  /**
   * __alloc_pages_bulk() in array mode: order-0 pages into the null slots of `slots[0, nrPages)`.
   * Leading non-null slots are counted, never overwritten. Falls back to one allocPages when a single
   * page is needed or no zone passes `low watermark + nrPages`. Returns r such that slots [0, r) are
   * non-null; null slots at index >= r stay null.
   */
  allocPagesBulk(gfp: Gfp, nrPages: number, slots: (Pfn | null)[], options: AllocOptions): number {
    assert(Number.isInteger(nrPages) && slots.length >= nrPages, () => `allocPagesBulk: ${slots.length} slots for ${nrPages} pages`);
    let nrPopulated = 0;
    while (nrPopulated < nrPages && slots[nrPopulated] !== null) nrPopulated++;
    if (nrPages <= 0 || nrPages === nrPopulated) return nrPopulated;
    this.events.count('bulk_alloc');
    if (nrPages - nrPopulated === 1) return this.bulkSinglePage(gfp, nrPages, slots, nrPopulated, options);
    if ((gfp & __GFP_NOFAIL) === 0 && this.faults.shouldFail('page_alloc')) return this.bulkPartial(nrPages, nrPopulated);
    const ac = this.prepareAllocPages(gfp, 0, options);
    const allocFlags = gfpToAllocFlagsCma(gfp, ALLOC_WMARK_LOW);
    const zone = this.bulkZone(ac, allocFlags, nrPages);
    if (zone === null) return this.bulkSinglePage(gfp, nrPages, slots, nrPopulated, options);
    let nrAccount = 0;
    while (nrPopulated < nrPages) {
      if (slots[nrPopulated] !== null) {
        nrPopulated++;
        continue;
      }
      const pfn = rmqueuePcplistLocked(zone, ac.cpu, 0, ac.migratetype, allocFlags);
      if (pfn === NO_PAGE) {
        if (nrAccount === 0) return this.bulkSinglePage(gfp, nrPages, slots, nrPopulated, options);
        break;
      }
      nrAccount++;
      prepNewPage(this.table, pfn, 0, gfp, ac.owner, ac.movable);
      slots[nrPopulated++] = pfn;
    }
    this.events.count('pgalloc', nrAccount);
    return this.bulkPartial(nrPages, nrPopulated);
  }

  /** drain_all_pages(): every CPU's per-CPU lists of `zone` (or of every zone) back to the buddy lists. */
  drainAllPages(zone?: Zone): void {
    for (let cpu = 0; cpu < this.cpuCount; cpu++) this.drainLocalPages(cpu, zone);
  }

  /** drain_local_pages(): `cpu`'s per-CPU lists of `zone` (or of every zone) back to the buddy lists. */
  drainLocalPages(cpu: number, zone?: Zone): void {
    this.assertCpu(cpu);
    if (zone !== undefined) drainPagesZone(zone, cpu);
    else for (const each of this.zones) drainPagesZone(each, cpu);
  }

  /** set_pageblock_migratetype() on the pageblock holding `pfn`, keeping the zone's isolated-pageblock count. */
  setPageblockMigratetype(pfn: Pfn, migratetype: Migratetype): void {
    assert(isMigratetype(migratetype), () => `bad migratetype ${migratetype}`);
    const zone = this.zoneOf(pfn);
    const old = this.table.pageblockMigratetype(pfn);
    if (old !== MIGRATE_ISOLATE && migratetype === MIGRATE_ISOLATE) zone.nrIsolatePageblock++;
    if (old === MIGRATE_ISOLATE && migratetype !== MIGRATE_ISOLATE) zone.nrIsolatePageblock--;
    this.table.setPageblockMigratetype(pfn, migratetype);
  }

  /** move_freepages_block(): moves the free blocks headed in `pfn`'s pageblock to the `migratetype` lists. */
  moveFreePagesBlock(pfn: Pfn, migratetype: Migratetype): MovedPages {
    const zone = this.zoneOf(pfn);
    const movedPages = moveFreepagesBlock(zone, pfn, migratetype);
    return { movedPages, movablePages: zone.scratchMovablePages };
  }

  /** The free buddy block containing `pfn`, or null when `pfn` is not in a free block. */
  freeBlockCovering(pfn: Pfn): FreeBlock | null {
    if (!this.table.inRange(pfn) || this.table.state[this.table.pageIndex(pfn)] !== PAGE_FREE) return null;
    for (let order = 0; order <= MAX_PAGE_ORDER; order++) {
      const headPfn = pfn - (pfn % 2 ** order);
      if (!this.table.inRange(headPfn)) return null;
      const index = this.table.pageIndex(headPfn);
      if (((this.table.flags[index] as number) & PG_BUDDY) === 0) continue;
      const blockOrder = this.table.order[index] as number;
      return blockOrder >= order ? { headPfn, order: blockOrder } : null;
    }
    return null;
  }

  /**
   * Takes every page of [pfnStart, pfnEnd) (one zone) off the free lists, like isolate_freepages_range()
   * plus splitting the edge blocks: parts of the covering blocks outside the range go back to the
   * free lists. Each taken page becomes an order-0 allocation of `owner` (refcount 1). If any page
   * is not PAGE_FREE nothing changes and the result is false.
   */
  takeFreeRange(pfnStart: Pfn, pfnEnd: Pfn, owner: OwnerId): boolean {
    const zone = this.zoneOf(pfnStart);
    assert(pfnStart < pfnEnd && zone.spans(pfnEnd - 1), () => `takeFreeRange: [${pfnStart}, ${pfnEnd}) is empty or spans zones`);
    this.assertOwner(owner);
    for (let i = this.table.pageIndex(pfnStart); i < this.table.pageIndex(pfnEnd); i++) if (this.table.state[i] !== PAGE_FREE) return false;
    for (let pfn = pfnStart; pfn < pfnEnd;) {
      const block = this.freeBlockCovering(pfn) as FreeBlock;
      const blockEnd = block.headPfn + 2 ** block.order;
      zone.freeArea.delFromFreeList(block.headPfn);
      this.giveBackFreeRange(zone, block.headPfn, pfnStart);
      this.giveBackFreeRange(zone, pfnEnd, blockEnd);
      pfn = blockEnd;
    }
    this.table.markAllocated(pfnStart, pfnEnd - pfnStart, owner);
    for (let pfn = pfnStart; pfn < pfnEnd; pfn++) this.table.markHead(pfn, 0, 1, PG_HEAD);
    return true;
  }

  /**
   * free_contig_range(): frees every page of [pfnStart, pfnEnd) at order 0, each first set up as an
   * order-0 allocation (split_page() semantics for tails). Returns how many pages did not have
   * exactly one reference (Linux's "pages are still in use!" warning count).
   */
  freeRange(pfnStart: Pfn, pfnEnd: Pfn, cpu = 0): number {
    let stillInUse = 0;
    for (let pfn = pfnStart; pfn < pfnEnd; pfn++) {
      const index = this.table.pageIndex(pfn);
      assert(this.table.inRange(pfn) && this.table.state[index] === PAGE_ALLOCATED, () => `freeRange: pfn ${pfn} is not allocated`);
      assert(((this.table.flags[index] as number) & PG_COMPOUND) === 0, () => `freeRange: pfn ${pfn} is part of a compound page`);
      if (((this.table.flags[index] as number) & PG_HEAD) === 0) this.table.markHead(pfn, 0, 1, PG_HEAD);
      this.table.order[index] = 0;
      if (this.table.refcount[index] !== 1) stillInUse++;
      this.freePages(pfn, 0, cpu);
    }
    return stillInUse;
  }

  /**
   * split_free_page(): splits the free block (pfn, order) at `splitPfnOffset` and frees the pieces
   * back, each with its own pageblock's migratetype (pieces of equal mergeable type re-merge).
   * False when `pfn` no longer heads a free block of `order`.
   */
  splitFreePage(pfn: Pfn, order: Order, splitPfnOffset: PageCount): boolean {
    if (splitPfnOffset === 0) return true;
    const zone = this.zoneOf(pfn);
    const index = this.table.pageIndex(pfn);
    if (((this.table.flags[index] as number) & PG_BUDDY) === 0 || this.table.order[index] !== order) return false;
    zone.freeArea.delFromFreeList(pfn);
    let offset = splitPfnOffset;
    for (let piece = pfn; piece < pfn + 2 ** order;) {
      const alignOrder = piece === 0 ? order : 31 - Math.clz32(piece & -piece);
      const pieceOrder = Math.min(alignOrder, 31 - Math.clz32(offset));
      freeOnePage(zone, piece, pieceOrder, this.table.pageblockMigratetype(piece), false);
      piece += 2 ** pieceOrder;
      offset -= 2 ** pieceOrder;
      if (offset === 0) offset = 2 ** order - (piece - pfn);
    }
    return true;
  }

  /**
   * unset_migratetype_isolate(): gives `pfn`'s isolated pageblock back to `migratetype`. A free block
   * of pageblock order or more whose buddy is free and not isolated is taken out and freed again
   * (so it merges); otherwise the pageblock's free pages move lists.
   */
  unsetMigratetypeIsolate(pfn: Pfn, migratetype: Migratetype): void {
    const zone = this.zoneOf(pfn);
    const blockPfn = Math.max(pfn - (pfn % PAGEBLOCK_NR_PAGES), zone.pfnStart);
    if (this.table.pageblockMigratetype(blockPfn) !== MIGRATE_ISOLATE) return;
    const index = this.table.pageIndex(blockPfn);
    const order = this.table.order[index] as number;
    const isBuddy = ((this.table.flags[index] as number) & PG_BUDDY) !== 0;
    const buddyPfn = isBuddy && order >= PAGEBLOCK_ORDER && order < MAX_PAGE_ORDER ? findFreeBuddy(zone, blockPfn, order) : NO_PAGE;
    const remerge = buddyPfn !== NO_PAGE && this.table.pageblockMigratetype(buddyPfn) !== MIGRATE_ISOLATE;
    if (remerge) zone.freeArea.delFromFreeList(blockPfn);
    else moveFreepagesBlock(zone, blockPfn, migratetype);
    this.setPageblockMigratetype(blockPfn, migratetype);
    // __putback_isolated_page(): back to the tail, merging with the now-compatible buddy.
    if (remerge) freeOnePage(zone, blockPfn, order, migratetype, true);
  }

  /** The zone spanning `pfn`; asserts there is one. */
  zoneOf(pfn: Pfn): Zone {
    for (const zone of this.zonesByPfn) if (zone.spans(pfn)) return zone;
    throw new AssertionError(`pfn ${pfn} is in no zone`);
  }

  /** The PageState of `pfn`. */
  pageState(pfn: Pfn): PageState {
    return this.table.stateOf(pfn);
  }

  /** get_pageblock_migratetype(). */
  pageblockMigratetype(pfn: Pfn): Migratetype {
    return this.table.pageblockMigratetype(pfn);
  }

  /** Blocks on the (order, migratetype) free list of zone `zoneIndex`. */
  freeBlockCount(zoneIndex: number, order: Order, migratetype: Migratetype): number {
    return this.zoneAt(zoneIndex).freeArea.blockCount(order, migratetype);
  }

  /** free_area[order].nr_free of zone `zoneIndex` (every migratetype). */
  nrFreeBlocks(zoneIndex: number, order: Order): number {
    return this.zoneAt(zoneIndex).freeArea.nrFree(order);
  }

  /** NR_FREE_PAGES of one zone, or summed over all zones. */
  nrFreePages(zoneIndex?: number): PageCount {
    return this.sumZones(zoneIndex, (zone) => zone.freeArea.nrFreePages);
  }

  /** NR_FREE_CMA_PAGES of one zone, or summed over all zones. */
  nrFreeCmaPages(zoneIndex?: number): PageCount {
    return this.sumZones(zoneIndex, (zone) => zone.freeArea.nrFreeCmaPages);
  }

  /** Free pages on MIGRATE_ISOLATE lists of one zone, or summed over all zones. */
  nrIsolatedFreePages(zoneIndex?: number): PageCount {
    return this.sumZones(zoneIndex, (zone) => zone.freeArea.nrIsolatedFreePages);
  }

  /** Pages on per-CPU lists: one zone (or all), one CPU (or all). */
  pcpPages(zoneIndex?: number, cpu?: number): PageCount {
    return this.sumZones(zoneIndex, (zone) => (cpu === undefined ? zone.pcp.totalPages() : zone.pcp.count(cpu)));
  }

  /** totalram_pages(): managed pages of every zone. */
  managedPages(): PageCount {
    return this.sumZones(undefined, (zone) => zone.managedPages);
  }

  /** totalreserve_pages (high watermarks plus lowmem reserves), as si_mem_available() subtracts it. */
  totalReservePages(): PageCount {
    return totalReservePages(this.zones);
  }

  /** Feeds the page table and every zone's lists and counters, in zone order, to `hasher`. */
  hashInto(hasher: StateHasher): void {
    this.table.hashInto(hasher);
    for (const zone of this.zones) zone.hashInto(hasher);
  }

  private zoneAt(zoneIndex: number): Zone {
    const zone = this.zones[zoneIndex];
    assert(zone !== undefined, () => `no zone ${zoneIndex}`);
    return zone;
  }

  private sumZones(zoneIndex: number | undefined, value: (zone: Zone) => number): number {
    if (zoneIndex !== undefined) return value(this.zoneAt(zoneIndex));
    let sum = 0;
    for (const zone of this.zones) sum += value(zone);
    return sum;
  }

  private assertCpu(cpu: number): void {
    assert(Number.isInteger(cpu) && cpu >= 0 && cpu < this.cpuCount, () => `bad cpu ${cpu} (machine has ${this.cpuCount})`);
  }

  private assertOwner(owner: OwnerId): void {
    assert(this.owners.has(owner), () => `unknown owner ${owner}`);
  }

  private assertAllocationHead(pfn: Pfn, verb: string): Zone {
    assert(this.table.inRange(pfn), () => `${verb}: pfn ${pfn} outside memory`);
    const index = this.table.pageIndex(pfn);
    assert(this.table.state[index] === PAGE_ALLOCATED, () => `${verb}: pfn ${pfn} is not allocated`);
    assert(((this.table.flags[index] as number) & PG_HEAD) !== 0, () => `${verb}: pfn ${pfn} is not an allocation head`);
    assert((this.table.refcount[index] as number) > 0, () => `${verb}: pfn ${pfn} has no reference`);
    return this.zoneOf(pfn);
  }

  /** free_the_page() after free_pages_prepare()'s checks: per-CPU lists for order <= 3, else __free_pages_ok. */
  private freeTheAllocation(zone: Zone, pfn: Pfn, order: Order, cpu: number): void {
    const start = this.table.pageIndex(pfn);
    for (let i = start; i < start + 2 ** order; i++) {
      assert(this.table.pinCount[i] === 0, () => `freeing pinned page ${this.table.pfnOf(i)}`);
      assert(this.table.state[i] === PAGE_ALLOCATED, () => `freeing page ${this.table.pfnOf(i)} that is not allocated`);
    }
    if (order <= PAGE_ALLOC_COSTLY_ORDER) {
      freeUnrefPage(zone, cpu, pfn, order);
      return;
    }
    freePagesOk(zone, pfn, order, false);
    this.events.count('pgfree', 2 ** order);
  }

  /** Frees [pfnStart, pfnEnd) (free pages cut off a block) back in aligned chunks; none can merge with each other. */
  private giveBackFreeRange(zone: Zone, pfnStart: Pfn, pfnEnd: Pfn): void {
    for (let pfn = pfnStart; pfn < pfnEnd;) {
      let order = pfn === 0 ? MAX_PAGE_ORDER : Math.min(MAX_PAGE_ORDER, 31 - Math.clz32(pfn & -pfn));
      while (pfn + 2 ** order > pfnEnd) order--;
      freeOnePageLocked(zone, pfn, order, this.table.pageblockMigratetype(pfn));
      pfn += 2 ** order;
    }
  }

  /** __alloc_pages() without the Result wrapper; NO_PAGE on failure with failureDetail set. */
  private allocPfn(gfp: Gfp, order: Order, options: AllocOptions): Pfn {
    assert(Number.isInteger(order) && order >= 0, () => `bad order ${order}`);
    if (order > MAX_PAGE_ORDER) return this.allocFailed(`order ${order} exceeds MAX_PAGE_ORDER ${MAX_PAGE_ORDER}`);
    if ((gfp & __GFP_NOFAIL) === 0 && this.faults.shouldFail('page_alloc')) return this.allocFailed('page_alloc fault injected');
    const ac = this.prepareAllocPages(gfp, order, options);
    if (ac.preferredZone === null) return this.allocFailed(`no zone allowed for ${formatGfp(gfp)}`);
    const allocFlags = gfpToAllocFlagsCma(gfp, ALLOC_WMARK_LOW) | this.allocFlagsNofragment(ac.preferredZone, gfp);
    let pfn = getPageFromFreelist(this, ac, allocFlags);
    if (pfn === NO_PAGE) {
      ac.nodes = options.nodes;
      pfn = allocPagesSlowpath(this, ac);
    }
    if (pfn === NO_PAGE) return this.allocFailed(`order-${order} ${formatGfp(gfp)} allocation failed`);
    return pfn;
  }

  private allocFailed(detail: string): Pfn {
    this.failureDetail = detail;
    this.events.count('pgalloc_fail');
    return NO_PAGE;
  }

  /** prepare_alloc_pages(): the zonelist, filters and migratetype of a request. */
  private prepareAllocPages(gfp: Gfp, order: Order, options: AllocOptions): AllocContext {
    const cpu = options.cpu ?? 0;
    this.assertCpu(cpu);
    this.assertOwner(options.owner);
    const movable = options.movable ?? false;
    assert(!movable || (gfp & __GFP_MOVABLE) !== 0, 'movable pages need __GFP_MOVABLE');
    const node = options.preferredNode ?? (this.nodeIds[0] as number);
    const ac: AllocContext = {
      gfp, order, migratetype: gfpMigratetype(gfp), highestZoneIdx: gfpZone(gfp), zonelist: this.zonelists.forRequest(node, gfp),
      nodes: options.nodes, preferredZone: null, owner: options.owner, cpu, movable, didSomeProgress: 0, compactProgress: false,
    };
    ac.preferredZone = firstAllowedZone(ac);
    return ac;
  }

  /** alloc_flags_nofragment(): ALLOC_KSWAPD from the gfp, plus ALLOC_NOFRAGMENT when the preferred zone is Normal (and DMA32 exists on NUMA). */
  private allocFlagsNofragment(preferredZone: Zone, gfp: Gfp): number {
    const allocFlags = (gfp & __GFP_KSWAPD_RECLAIM) !== 0 ? ALLOC_KSWAPD : 0;
    if (preferredZone.kindIndex !== ZONE_NORMAL) return allocFlags;
    const hasDma32 = this.zones.some((zone) => zone.node === preferredZone.node && zone.kindIndex === ZONE_DMA32 && zone.presentPages > 0);
    if (this.nodeCount > 1 && !hasDma32) return allocFlags;
    return allocFlags | ALLOC_NOFRAGMENT;
  }

  /** The bulk path's zone: the first allowed local zone passing low watermark + nrPages, or null. */
  private bulkZone(ac: AllocContext, allocFlags: number, nrPages: number): Zone | null {
    const preferred = ac.preferredZone;
    if (preferred === null) return null;
    for (const zone of ac.zonelist) {
      if (!zoneAllowed(ac, zone)) continue;
      if (this.nodeCount > 1 && zone !== preferred && zone.node !== preferred.node) return null;
      const mark = zone.lowWatermark + nrPages;
      if (zoneWatermarkFast(zone, 0, mark, preferred.kindIndex, allocFlags)) return zone;
    }
    return null;
  }

  /** The bulk path's `failed:` label: one page through allocPages. */
  private bulkSinglePage(gfp: Gfp, nrPages: number, slots: (Pfn | null)[], nrPopulated: number, options: AllocOptions): number {
    const pfn = this.allocPfn(gfp, 0, options);
    if (pfn !== NO_PAGE) slots[nrPopulated++] = pfn;
    return this.bulkPartial(nrPages, nrPopulated);
  }

  private bulkPartial(nrPages: number, nrPopulated: number): number {
    if (nrPopulated < nrPages) this.events.count('bulk_alloc_partial');
    return nrPopulated;
  }
}

/**
 * Boots the buddy allocator like Linux: every pageblock MIGRATE_MOVABLE, CMA pageblocks MIGRATE_CMA,
 * reserved ranges PAGE_RESERVED, every other page freed into the buddy lists in the largest aligned
 * blocks that stay inside its zone; then watermarks and per-CPU batch/high.
 */
export function createPageAllocator(layout: PlatformLayout, env: PageAllocatorEnv): PageAllocator {
  return new PageAllocator(layout, env);
}
