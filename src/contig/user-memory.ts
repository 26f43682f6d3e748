// Movable user memory: anonymous LRU pages of simulated processes, their mappings, the reverse map (page → mapping slot)
// that migration updates, and the per-CPU LRU-add batches of Linux 6.1 mm/swap.c (folio_add_lru, lru_add_drain_cpu,
// lru_add_drain_all; lru_cache_disable() drains them all).
//
// A mapping is identified by its owner: one OwnerId maps one array of slots, each slot an order-0 page. A mapped
// page holds one reference (the mapping); while it waits in its CPU's LRU-add batch it holds a second one (the
// batch's) and is not yet on the LRU, i.e. not PG_MOVABLE, so migration and isolation see it as busy exactly as
// Linux sees a page still sitting in a per-CPU pagevec. A batch drains when it reaches PAGEVEC_SIZE pages.
// A mapping is anonymous (the default) or file-backed (page cache, page_mapping() != NULL); the two differ only in
// isolate_migratepages_block()'s racy pre-check, which skips a pinned ANONYMOUS page without isolating it.
// Simplification: there is no mapcount; "mapped" means the mapping's slot still points at the page.
import { assert } from '../base/assert.ts';
import { err, ok, type Result } from '../base/errno.ts';
import type { StateHasher } from '../base/hash.ts';
import type { PageCount, Pfn } from '../base/units.ts';
import type { PageAllocator } from '../buddy/page-allocator.ts';
import { GFP_HIGHUSER_MOVABLE, type Gfp } from '../mem/gfp.ts';
import { MIGRATE_CMA } from '../mem/migratetype.ts';
import type { OwnerId } from '../mem/owners.ts';
import { NO_PAGE } from '../mem/page-table.ts';
import { CONTENT_ZERO, PAGE_ALLOCATED, PG_MOVABLE } from '../mem/page-state.ts';
import type { VmEvents } from '../mem/vm-events.ts';

/** PAGEVEC_SIZE in Linux 6.1: a per-CPU LRU-add batch drains when it holds this many pages. */
export const LRU_ADD_BATCH_PAGES = 15;

/** Anonymous memory, or file-backed page cache (page_mapping() != NULL). */
export type Backing = 'anon' | 'file';

/** How a mapping is populated. */
export interface MapOptions {
  /** Anonymous (default) or file-backed. */
  readonly backing?: Backing;
  /** The CPU that faults the pages in (its per-CPU lists and LRU-add batch); default 0. */
  readonly cpu?: number;
  /** Allocation flags of each page; default GFP_HIGHUSER_MOVABLE (anonymous memory). */
  readonly gfp?: Gfp;
}

/** A read-only view of one mapping. */
export interface UserMapping {
  readonly owner: OwnerId;
  readonly pageCount: PageCount;
  readonly cpu: number;
  readonly backing: Backing;
}

/** Where a page is mapped (the reverse map entry). */
export interface MappedSlot {
  readonly owner: OwnerId;
  readonly slot: number;
}

interface Mapping extends UserMapping {
  /** Slot → PFN (NO_PAGE never appears while the mapping lives: unmapping removes the whole mapping). */
  readonly pfns: Int32Array;
}

/** The user pages of one machine. */
export class UserMemory {
  private readonly mappings = new Map<OwnerId, Mapping>();
  private readonly lruBatches: Pfn[][];

  constructor(private readonly buddy: PageAllocator, private readonly events: VmEvents) {
    this.lruBatches = Array.from({ length: buddy.cpuCount }, () => []);
  }

  /**
   * Faults in `pageCount` order-0 pages for `owner` (which must not map anything yet), slot i → page i,
   * each handed to the LRU through `cpu`'s LRU-add batch. All or nothing: ENOMEM frees what was taken.
   * EEXIST when `owner` already has a mapping; EINVAL for a page count below 1.
   */
  mapPages(owner: OwnerId, pageCount: PageCount, options: MapOptions = {}): Result<UserMapping> {
    const cpu = options.cpu ?? 0;
    const gfp = options.gfp ?? GFP_HIGHUSER_MOVABLE;
    if (this.mappings.has(owner)) return err('EEXIST', `owner ${owner} already maps ${this.mappings.get(owner)?.pageCount} pages`);
    if (!Number.isSafeInteger(pageCount) || pageCount < 1) return err('EINVAL', `cannot map ${pageCount} pages`);
    assert(Number.isInteger(cpu) && cpu >= 0 && cpu < this.buddy.cpuCount, () => `mapPages: bad cpu ${cpu}`);
    const pfns = new Int32Array(pageCount).fill(NO_PAGE);
    for (let slot = 0; slot < pageCount; slot++) {
      const page = this.buddy.allocPages(gfp, 0, { owner, cpu });
      if (!page.ok) {
        for (let undo = 0; undo < slot; undo++) this.buddy.freePages(pfns[undo] as number, 0, cpu);
        return err('ENOMEM', `page ${slot} of ${pageCount}: ${page.detail}`);
      }
      pfns[slot] = page.value;
    }
    const backing = options.backing ?? 'anon';
    const mapping: Mapping = { owner, pageCount, cpu, backing, pfns };
    this.mappings.set(owner, mapping);
    const table = this.buddy.table;
    for (let slot = 0; slot < pageCount; slot++) {
      const pfn = pfns[slot] as number;
      table.mapIndex[table.pageIndex(pfn)] = slot;
      if (table.pageblockMigratetype(pfn) === MIGRATE_CMA) this.events.count('movable_in_cma');
      this.lruAdd(cpu, pfn);
    }
    return ok({ owner, pageCount, cpu, backing });
  }

  /**
   * munmap of the whole mapping: drops the mapping's reference on every page. A page nobody else holds
   * is freed now; a pinned page lives on (orphaned) until its last pin goes, a batched one until its batch drains.
   */
  unmapPages(owner: OwnerId): void {
    const mapping = this.mappingOf(owner);
    this.mappings.delete(owner);
    for (const pfn of mapping.pfns) this.buddy.putPage(pfn, mapping.cpu);
  }

  /** The mapping of `owner`, if it has one. */
  mapping(owner: OwnerId): UserMapping | undefined {
    const mapping = this.mappings.get(owner);
    return mapping === undefined ? undefined : UserMemory.view(mapping);
  }

  /** Every live mapping, in creation order. */
  list(): UserMapping[] {
    return [...this.mappings.values()].map((mapping) => UserMemory.view(mapping));
  }

  /** The PFN behind `slot` of `owner`'s mapping. */
  pfnOf(owner: OwnerId, slot: number): Pfn {
    const mapping = this.mappingOf(owner);
    assert(Number.isInteger(slot) && slot >= 0 && slot < mapping.pageCount, () => `slot ${slot} outside a ${mapping.pageCount}-page mapping`);
    return mapping.pfns[slot] as number;
  }

  /** A store through the mapping: the page's content tag becomes `tag` (DESIGN §3; 0 writes zeroes). */
  write(owner: OwnerId, slot: number, tag: number): void {
    assert(Number.isInteger(tag) && tag >= 0 && tag <= 0xffffffff, () => `content tag ${tag} is not a u32`);
    const pfn = this.pfnOf(owner, slot);
    const table = this.buddy.table;
    // Why: PageTable has no "write content" verb; a user store is the one place content changes to a tag.
    table.content[table.pageIndex(pfn)] = tag;
  }

  /** A load through the mapping: the page's content tag (CONTENT_ZERO for a zero page). */
  read(owner: OwnerId, slot: number): number {
    const table = this.buddy.table;
    return table.content[table.pageIndex(this.pfnOf(owner, slot))] ?? CONTENT_ZERO;
  }

  /** The reverse map: where `pfn` is mapped, or undefined for a page no mapping points at. */
  rmap(pfn: Pfn): MappedSlot | undefined {
    const table = this.buddy.table;
    if (!table.inRange(pfn)) return undefined;
    const index = table.pageIndex(pfn);
    if (table.state[index] !== PAGE_ALLOCATED) return undefined;
    const mapping = this.mappings.get(table.owner[index] as number);
    const slot = table.mapIndex[index] as number;
    if (mapping === undefined || slot >= mapping.pageCount || mapping.pfns[slot] !== pfn) return undefined;
    return { owner: mapping.owner, slot };
  }

  /**
   * Whether migration could move `pfn` now (migrate_page_move_mapping's reference check): a mapped LRU page
   * (PG_MOVABLE) holding only the mapping's reference and no FOLL_LONGTERM pin.
   */
  isMigratable(pfn: Pfn): boolean {
    const table = this.buddy.table;
    if (this.rmap(pfn) === undefined) return false;
    const index = table.pageIndex(pfn);
    return ((table.flags[index] as number) & PG_MOVABLE) !== 0 && table.refcount[index] === 1 && table.pinCount[index] === 0;
  }

  /**
   * Whether isolate_migratepages_block() takes `pfn` off the LRU for migration: a mapped LRU page, except an
   * anonymous one with extra references, which 6.1 skips ("Migration will fail if an anonymous page is pinned
   * in memory": `!mapping && page_count(page) - 1 > total_mapcount(page)`). A pinned file page is isolated,
   * and then fails in migrate_pages() until the caller gives up.
   */
  isIsolatable(pfn: Pfn): boolean {
    const where = this.rmap(pfn);
    if (where === undefined || !this.isOnLru(pfn)) return false;
    return (this.mappings.get(where.owner) as Mapping).backing === 'file' || this.isMigratable(pfn);
  }

  /** Whether `pfn` is a user page on the LRU (PageLRU): mapped, or orphaned by munmap while pinned. */
  isOnLru(pfn: Pfn): boolean {
    const table = this.buddy.table;
    if (!table.inRange(pfn)) return false;
    const index = table.pageIndex(pfn);
    return table.state[index] === PAGE_ALLOCATED && ((table.flags[index] as number) & PG_MOVABLE) !== 0;
  }

  /** Migration moved the page at `fromPfn` to `toPfn`: the mapping slot now points at the new page. */
  pageMoved(fromPfn: Pfn, toPfn: Pfn): void {
    const where = this.rmap(fromPfn);
    assert(where !== undefined, () => `pageMoved: pfn ${fromPfn} is not mapped`);
    const mapping = this.mappings.get(where.owner) as Mapping;
    mapping.pfns[where.slot] = toPfn;
  }

  /** lru_add_drain_cpu(): `cpu`'s batched pages reach the LRU (PG_MOVABLE) and the batch drops its references. */
  lruAddDrain(cpu: number): void {
    const batch = this.lruBatches[cpu];
    assert(batch !== undefined, () => `lruAddDrain: bad cpu ${cpu}`);
    const table = this.buddy.table;
    for (const pfn of batch.splice(0)) {
      table.setFlags(pfn, 1, PG_MOVABLE);
      this.buddy.putPage(pfn, cpu);
    }
  }

  /** lru_add_drain_all() (what lru_cache_disable() does first): every CPU's batch reaches the LRU. */
  lruAddDrainAll(): void {
    for (let cpu = 0; cpu < this.lruBatches.length; cpu++) this.lruAddDrain(cpu);
  }

  /** Pages waiting in LRU-add batches, on every CPU or one. */
  lruPendingPages(cpu?: number): PageCount {
    if (cpu !== undefined) return this.lruBatches[cpu]?.length ?? 0;
    return this.lruBatches.reduce((sum, batch) => sum + batch.length, 0);
  }

  /** Pages of `owner`'s mapping that lie in MIGRATE_CMA pageblocks. */
  pagesInCma(owner: OwnerId): PageCount {
    const table = this.buddy.table;
    let count = 0;
    for (const pfn of this.mappingOf(owner).pfns) if (table.pageblockMigratetype(pfn) === MIGRATE_CMA) count++;
    return count;
  }

  /** Feeds every mapping (in creation order) and every LRU-add batch to `hasher`. */
  hashInto(hasher: StateHasher): void {
    hasher.updateNumber(this.mappings.size);
    for (const mapping of this.mappings.values()) {
      hasher.updateNumber(mapping.owner);
      hasher.updateNumber(mapping.cpu);
      hasher.updateString(mapping.backing);
      hasher.updateArray(mapping.pfns);
    }
    for (const batch of this.lruBatches) hasher.updateArray(Int32Array.from(batch));
  }

  /** folio_add_lru(): the page waits in `cpu`'s batch, which holds a reference, until the batch is full. */
  private lruAdd(cpu: number, pfn: Pfn): void {
    const batch = this.lruBatches[cpu] as Pfn[];
    this.buddy.getPage(pfn);
    batch.push(pfn);
    if (batch.length >= LRU_ADD_BATCH_PAGES) this.lruAddDrain(cpu);
  }

  private static view(mapping: Mapping): UserMapping {
    return { owner: mapping.owner, pageCount: mapping.pageCount, cpu: mapping.cpu, backing: mapping.backing };
  }

  private mappingOf(owner: OwnerId): Mapping {
    const mapping = this.mappings.get(owner);
    assert(mapping !== undefined, () => `owner ${owner} maps nothing`);
    return mapping;
  }
}
