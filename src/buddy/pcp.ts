// Per-CPU page lists per (cpu, order 0..3, pcp migratetype) with Linux 6.1 semantics: refill, free, high/batch, free_factor, bulk free, drain.
//
// Mirrors struct per_cpu_pages and order_to_pindex, rmqueue_bulk, __rmqueue_pcplist, rmqueue_pcplist,
// free_unref_page, free_unref_page_commit, nr_pcp_high, nr_pcp_free, free_pcppages_bulk and
// drain_pages_zone of Linux 6.1 mm/page_alloc.c. Simplifications: no THP (pageblock-order) list, and
// nr_pcp_high never sees ZONE_RECLAIM_ACTIVE (there is no kswapd state here).
import type { StateHasher } from '../base/hash.ts';
import { PAGE_ALLOC_COSTLY_ORDER, type Order, type PageCount, type Pfn } from '../base/units.ts';
import { MIGRATE_ISOLATE, MIGRATE_MOVABLE, MIGRATE_PCPTYPES, type Migratetype } from '../mem/migratetype.ts';
import { NO_PAGE, type PageTable } from '../mem/page-table.ts';
import { freeOnePage, freeOnePageLocked } from './free-one-page.ts';
import { PageLists } from './page-list.ts';
import { rmqueueInner } from './rmqueue.ts';
import type { Zone } from './zone.ts';

/** NR_PCP_LISTS without the THP list: MIGRATE_PCPTYPES lists for each order 0..PAGE_ALLOC_COSTLY_ORDER. */
export const NR_PCP_LISTS = MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1);

/** order_to_pindex(). */
export function orderToPindex(migratetype: number, order: Order): number {
  return MIGRATE_PCPTYPES * order + migratetype;
}

/** pindex_to_order(). */
export function pindexToOrder(pindex: number): Order {
  return Math.floor(pindex / MIGRATE_PCPTYPES);
}

/** A zone's per_cpu_pages for every CPU: lists, page counts, free_factor, and the shared batch/high. */
export class PerCpuPages {
  readonly lists: PageLists;
  /** pcp->count per CPU, in pages. */
  readonly counts: Int32Array;
  /** pcp->free_factor per CPU. */
  readonly freeFactors: Int32Array;
  /** pcp->batch (BOOT_PAGESET_BATCH until the zone's pageset is set up). */
  batch = 1;
  /** pcp->high (BOOT_PAGESET_HIGH until the zone's pageset is set up). */
  high = 0;

  constructor(readonly cpuCount: number, private readonly table: PageTable) {
    this.lists = new PageLists(cpuCount * NR_PCP_LISTS, table.next, table.prev);
    this.counts = new Int32Array(cpuCount);
    this.freeFactors = new Int32Array(cpuCount);
  }

  /** The PageLists slot of (cpu, pindex). */
  slot(cpu: number, pindex: number): number {
    return cpu * NR_PCP_LISTS + pindex;
  }

  /** Pages cached on `cpu`'s lists. */
  count(cpu: number): PageCount {
    return this.counts[cpu] as number;
  }

  /** Pages cached on every CPU's lists. */
  totalPages(): PageCount {
    let pages = 0;
    for (let cpu = 0; cpu < this.cpuCount; cpu++) pages += this.counts[cpu] as number;
    return pages;
  }

  /** The PFN at the head of (cpu, pindex), or NO_PAGE. */
  firstPfn(cpu: number, pindex: number): Pfn {
    const index = this.lists.first(this.slot(cpu, pindex));
    return index === NO_PAGE ? NO_PAGE : this.table.pfnOf(index);
  }

  /** Feeds lists, counts and free factors to `hasher`. */
  hashInto(hasher: StateHasher): void {
    hasher.updateArray(this.lists.heads);
    hasher.updateArray(this.lists.tails);
    hasher.updateArray(this.counts);
    hasher.updateArray(this.freeFactors);
    hasher.updateNumber(this.batch);
    hasher.updateNumber(this.high);
  }
}

/** Puts the block (pfn, order) on a per-CPU list, remembering its pcp migratetype in mapIndex. */
function pcpListAdd(zone: Zone, cpu: number, pindex: number, pfn: Pfn, order: Order, pcpMigratetype: number, atTail: boolean): void {
  const table = zone.table;
  const index = table.pageIndex(pfn);
  table.markPcp(pfn, 2 ** order);
  table.order[index] = order;
  table.mapIndex[index] = pcpMigratetype;
  const slot = zone.pcp.slot(cpu, pindex);
  if (atTail) zone.pcp.lists.addTail(slot, index);
  else zone.pcp.lists.addHead(slot, index);
}

/** nr_pcp_high(): the count at which a free triggers a bulk free (0 while freeing high orders without allocating). */
export function nrPcpHigh(zone: Zone, freeHigh: boolean): number {
  const high = zone.pcp.high;
  if (high === 0 || freeHigh) return 0;
  return high;
}

/**
 * nr_pcp_free(): how many pages a bulk free releases. Each consecutive bulk free without an
 * allocation in between doubles the batch (free_factor), clamped to [batch, high - batch].
 */
export function nrPcpFree(zone: Zone, cpu: number, high: number, batch: number, freeHigh: boolean): number {
  const pcp = zone.pcp;
  if (freeHigh) return pcp.count(cpu);
  if (high < batch) return 1;
  const minNrFree = batch;
  const maxNrFree = high - batch;
  const freeFactor = pcp.freeFactors[cpu] as number;
  let scaled = batch * 2 ** freeFactor;
  if (scaled < maxNrFree) pcp.freeFactors[cpu] = freeFactor + 1;
  // Linux clamp(): min(max(val, lo), hi), so hi wins when lo > hi.
  scaled = Math.min(Math.max(scaled, minNrFree), maxNrFree);
  return scaled;
}

/**
 * free_pcppages_bulk(): returns `count` pages of `cpu`'s lists to the buddy allocator, round-robin over
 * the lists starting with `pindex`, each list from its tail (the coldest pages).
 */
export function freePcppagesBulk(zone: Zone, cpu: number, count: number, pindex: number): void {
  const pcp = zone.pcp;
  const table = zone.table;
  count = Math.min(pcp.count(cpu), count);
  let minPindex = 0;
  let maxPindex = NR_PCP_LISTS - 1;
  pindex -= 1;
  const isolatedPageblocks = zone.nrIsolatePageblock !== 0;
  let freedPages = 0;
  while (count > 0) {
    let slot: number;
    for (;;) {
      if (++pindex > maxPindex) pindex = minPindex;
      slot = pcp.slot(cpu, pindex);
      if (pcp.lists.first(slot) !== NO_PAGE) break;
      if (pindex === maxPindex) maxPindex--;
      if (pindex === minPindex) minPindex++;
    }
    const order = pindexToOrder(pindex);
    const nrPages = 2 ** order;
    do {
      const index = pcp.lists.last(slot);
      let migratetype = table.mapIndex[index] as Migratetype;
      pcp.lists.remove(slot, index);
      count -= nrPages;
      pcp.counts[cpu] = (pcp.counts[cpu] as number) - nrPages;
      // Why: the pageblock may have been isolated while the page sat on the list.
      if (isolatedPageblocks) migratetype = table.pageblockMigratetype(table.pfnOf(index));
      freeOnePage(zone, table.pfnOf(index), order, migratetype, false);
      freedPages += nrPages;
    } while (count > 0 && pcp.lists.first(slot) !== NO_PAGE);
  }
  zone.events.count('pcp_free_bulk', freedPages);
}

/** free_unref_page_commit(): adds the block to the head of its list, bulk-freeing when the CPU's count reaches high. */
export function freeUnrefPageCommit(zone: Zone, cpu: number, pfn: Pfn, migratetype: number, order: Order, pcpMigratetype: number): void {
  zone.events.count('pgfree');
  const pindex = orderToPindex(migratetype, order);
  pcpListAdd(zone, cpu, pindex, pfn, order, pcpMigratetype, false);
  const pcp = zone.pcp;
  pcp.counts[cpu] = (pcp.counts[cpu] as number) + 2 ** order;
  // Why: high-order pages freed without allocations in between fragment memory; flush them all.
  const freeHigh = (pcp.freeFactors[cpu] as number) !== 0 && order > 0 && order <= PAGE_ALLOC_COSTLY_ORDER;
  const high = nrPcpHigh(zone, freeHigh);
  if (pcp.count(cpu) >= high) freePcppagesBulk(zone, cpu, nrPcpFree(zone, cpu, high, pcp.batch, freeHigh), pindex);
}

/**
 * free_unref_page(): frees a block of order <= 3 to `cpu`'s lists. The pageblock's migratetype is
 * remembered on the page; CMA and HIGHATOMIC pages go on the MOVABLE list, and pages of an
 * ISOLATE pageblock bypass the lists (straight to the buddy ISOLATE list).
 */
export function freeUnrefPage(zone: Zone, cpu: number, pfn: Pfn, order: Order): void {
  const pcpMigratetype = zone.table.pageblockMigratetype(pfn);
  let migratetype: number = pcpMigratetype;
  if (migratetype >= MIGRATE_PCPTYPES) {
    if (migratetype === MIGRATE_ISOLATE) {
      freeOnePageLocked(zone, pfn, order, MIGRATE_ISOLATE);
      return;
    }
    migratetype = MIGRATE_MOVABLE;
  }
  freeUnrefPageCommit(zone, cpu, pfn, migratetype, order, pcpMigratetype);
}

/**
 * rmqueue_bulk(): takes up to `count` blocks of `order` from the buddy lists (via __rmqueue) onto the
 * tail of the list `pindex`, so the list stays in ascending PFN order. Returns the blocks taken.
 */
export function rmqueueBulk(zone: Zone, cpu: number, order: Order, count: number, migratetype: Migratetype, allocFlags: number, pindex: number): number {
  let allocated = 0;
  for (let i = 0; i < count; i++) {
    const pfn = rmqueueInner(zone, order, migratetype, allocFlags);
    if (pfn === NO_PAGE) break;
    pcpListAdd(zone, cpu, pindex, pfn, order, zone.table.mapIndex[zone.table.pageIndex(pfn)] as number, true);
    allocated++;
  }
  zone.events.count('pcp_refill');
  return allocated;
}

/**
 * __rmqueue_pcplist(): the first block of the (order, migratetype) list, refilling an empty list with
 * `batch` blocks (batch >> order, at least 2, for high orders). Returns NO_PAGE when nothing is left.
 */
export function rmqueuePcplistLocked(zone: Zone, cpu: number, order: Order, migratetype: Migratetype, allocFlags: number): Pfn {
  const pcp = zone.pcp;
  const pindex = orderToPindex(migratetype, order);
  const slot = pcp.slot(cpu, pindex);
  if (pcp.lists.first(slot) === NO_PAGE) {
    let batch = pcp.batch;
    // Why: batch 1 marks a pageset that must not cache pages; keep it at 1.
    if (batch > 1) batch = Math.max(batch >> order, 2);
    const allocated = rmqueueBulk(zone, cpu, order, batch, migratetype, allocFlags, pindex);
    pcp.counts[cpu] = (pcp.counts[cpu] as number) + allocated * 2 ** order;
    if (pcp.lists.first(slot) === NO_PAGE) return NO_PAGE;
  }
  const index = pcp.lists.first(slot);
  pcp.lists.remove(slot, index);
  pcp.counts[cpu] = (pcp.counts[cpu] as number) - 2 ** order;
  return zone.table.pfnOf(index);
}

/** rmqueue_pcplist(): an allocation resets the bulk-free escalation (free_factor >>= 1), then takes from the list. */
export function rmqueuePcplist(zone: Zone, cpu: number, order: Order, migratetype: Migratetype, allocFlags: number): Pfn {
  zone.pcp.freeFactors[cpu] = (zone.pcp.freeFactors[cpu] as number) >> 1;
  const pfn = rmqueuePcplistLocked(zone, cpu, order, migratetype, allocFlags);
  if (pfn !== NO_PAGE) zone.events.count('pgalloc');
  return pfn;
}

/** drain_pages_zone(): returns everything on `cpu`'s lists of `zone` to the buddy allocator. */
export function drainPagesZone(zone: Zone, cpu: number): void {
  const count = zone.pcp.count(cpu);
  if (count === 0) return;
  freePcppagesBulk(zone, cpu, count, 0);
  zone.events.count('pcp_drain');
}
