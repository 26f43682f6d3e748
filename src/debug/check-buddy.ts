// Read-only structural audit of the buddy allocator (in the spirit of drm_buddy_test's check_block/check_mm): returns violations, never changes state.
//
// Checks, each a small function: list links; free-block heads (PG_BUDDY, order, alignment, zone,
// pages free, no overlap); every free page in exactly one block; CMA/ISOLATE list placement;
// counters against a recount; per-CPU lists; maximal merging (invariant 26); conservation
// (invariant 25); allocation heads and tails; the isolated-pageblock count.
import { MAX_PAGE_ORDER, PAGEBLOCK_NR_PAGES, PAGEBLOCK_ORDER, type Pfn } from '../base/units.ts';
import { freeListSlot } from '../buddy/free-area.ts';
import type { PageAllocator } from '../buddy/page-allocator.ts';
import type { PageLists } from '../buddy/page-list.ts';
import { NR_PCP_LISTS, pindexToOrder } from '../buddy/pcp.ts';
import type { Zone } from '../buddy/zone.ts';
import { isMigratetypeMergeable, MIGRATE_CMA, MIGRATE_ISOLATE, MIGRATE_TYPES } from '../mem/migratetype.ts';
import { NO_PAGE, type PageTable } from '../mem/page-table.ts';
import {
  PAGE_ABSENT, PAGE_ALLOCATED, PAGE_FREE, PAGE_PCP, PAGE_RESERVED, PG_BUDDY, PG_COMPOUND, PG_HEAD, PG_MOVABLE,
} from '../mem/page-state.ts';

/** Stop collecting after this many violations (one broken invariant can produce millions). */
const MAX_VIOLATIONS = 200;

/** A free block found on a free list. */
interface ListedBlock {
  readonly pfn: Pfn;
  readonly order: number;
  readonly migratetype: number;
}

/** Per-zone audit state shared by the checks. */
interface ZoneAudit {
  readonly zone: Zone;
  readonly table: PageTable;
  readonly out: string[];
  /** How many free blocks / per-CPU entries cover each page of the zone. */
  readonly cover: Uint8Array;
  readonly blocks: ListedBlock[];
}

function report(audit: ZoneAudit, message: string): void {
  if (audit.out.length < MAX_VIOLATIONS) audit.out.push(`zone ${audit.zone.index} (node ${audit.zone.node}, ${audit.zone.kind}): ${message}`);
}

/** Walks one list, checking prev/next/tail consistency (a cycle always shows as a broken prev link); returns its page indices. */
function walkList(audit: ZoneAudit, lists: PageLists, slot: number, label: string): number[] {
  const members: number[] = [];
  const { table } = audit;
  let previous = NO_PAGE;
  let index = lists.heads[slot] as number;
  while (index !== NO_PAGE) {
    if (index < 0 || index >= table.pageCount) {
      report(audit, `${label}: link to index ${index} outside the page table`);
      return members;
    }
    if (table.prev[index] !== previous) {
      // Why: every cycle breaks a prev link; stop here rather than walk the cycle.
      report(audit, `${label}: pfn ${table.pfnOf(index)} has a broken prev link`);
      return members;
    }
    members.push(index);
    previous = index;
    index = table.next[index] as number;
  }
  if (lists.tails[slot] !== previous) report(audit, `${label}: tail does not match the last entry`);
  return members;
}

/** Free-list links are well formed and each list's length matches its block count. */
function checkFreeListLinks(audit: ZoneAudit): void {
  const area = audit.zone.freeArea;
  for (let order = 0; order <= MAX_PAGE_ORDER; order++) {
    for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
      const members = walkList(audit, area.lists, freeListSlot(order, mt), `free list (order ${order}, mt ${mt})`);
      if (members.length !== area.blockCount(order, mt)) report(audit, `free list (order ${order}, mt ${mt}) holds ${members.length} blocks, count says ${area.blockCount(order, mt)}`);
      for (const index of members) audit.blocks.push({ pfn: audit.table.pfnOf(index), order, migratetype: mt });
    }
  }
}

/** Every listed block head is PG_BUDDY with the list's order and migratetype, aligned, inside the zone, its pages free and in no other block. */
function checkFreeBlockHeads(audit: ZoneAudit): void {
  const { table, zone } = audit;
  for (const block of audit.blocks) {
    const index = table.pageIndex(block.pfn);
    const where = `free block pfn ${block.pfn} order ${block.order}`;
    if (((table.flags[index] as number) & PG_BUDDY) === 0) report(audit, `${where}: head is not PG_BUDDY`);
    if (table.order[index] !== block.order) report(audit, `${where}: head records order ${table.order[index]}`);
    if ((table.order[index] as number) > MAX_PAGE_ORDER) report(audit, `${where}: order above MAX_PAGE_ORDER`);
    if (table.mapIndex[index] !== block.migratetype) report(audit, `${where}: head records list mt ${table.mapIndex[index]}, is on mt ${block.migratetype}`);
    if (block.pfn % 2 ** block.order !== 0) report(audit, `${where}: not aligned to its order`);
    if (!zone.spans(block.pfn) || block.pfn + 2 ** block.order > zone.pfnEnd) {
      report(audit, `${where}: not inside the zone`);
      continue;
    }
    markCovered(audit, block.pfn, 2 ** block.order, PAGE_FREE, where);
  }
}

/** Counts coverage of [pfn, pfn + pageCount) and checks each page has `state`. */
function markCovered(audit: ZoneAudit, pfn: Pfn, pageCount: number, state: number, where: string): void {
  const { table, zone, cover } = audit;
  for (let p = pfn; p < pfn + pageCount; p++) {
    const index = table.pageIndex(p);
    if (table.state[index] !== state) report(audit, `${where}: page ${p} has state ${table.state[index]}, expected ${state}`);
    const slot = p - zone.pfnStart;
    cover[slot] = (cover[slot] as number) + 1;
    if (cover[slot] === 2) report(audit, `${where}: page ${p} is in two blocks`);
  }
}

/** Every PAGE_FREE page is in exactly one listed block; PG_BUDDY appears only on listed heads. */
function checkFreePagesCovered(audit: ZoneAudit): void {
  const { table, zone, cover } = audit;
  const heads = new Set(audit.blocks.map((block) => block.pfn));
  for (let pfn = zone.pfnStart; pfn < zone.pfnEnd; pfn++) {
    const index = table.pageIndex(pfn);
    if (table.state[index] === PAGE_FREE && cover[pfn - zone.pfnStart] !== 1) report(audit, `free page ${pfn} is in ${cover[pfn - zone.pfnStart]} free blocks`);
    if (((table.flags[index] as number) & PG_BUDDY) !== 0 && !heads.has(pfn)) report(audit, `page ${pfn} is PG_BUDDY but heads no listed block`);
  }
}

/** CMA-list blocks lie in CMA pageblocks, ISOLATE-list blocks in ISOLATE pageblocks, and free blocks in ISOLATE pageblocks are on the ISOLATE list. */
function checkListMigratetypes(audit: ZoneAudit): void {
  const { table } = audit;
  for (const block of audit.blocks) {
    const end = block.pfn + 2 ** block.order;
    for (let pfn = block.pfn; pfn < end; pfn += Math.min(PAGEBLOCK_NR_PAGES, 2 ** block.order)) {
      const blockMt = table.pageblockMigratetype(pfn);
      if (block.migratetype === MIGRATE_CMA && blockMt !== MIGRATE_CMA) report(audit, `block ${block.pfn} is on a CMA list but pageblock of ${pfn} is mt ${blockMt}`);
      if (block.migratetype === MIGRATE_ISOLATE && blockMt !== MIGRATE_ISOLATE) report(audit, `block ${block.pfn} is on an ISOLATE list but pageblock of ${pfn} is mt ${blockMt}`);
      if (blockMt === MIGRATE_ISOLATE && block.migratetype !== MIGRATE_ISOLATE) report(audit, `block ${block.pfn} in isolated pageblock ${pfn} is on mt ${block.migratetype}`);
    }
  }
}

/** NR_FREE_PAGES, NR_FREE_CMA_PAGES and isolated-free equal a recount of the lists. */
function checkFreeCounters(audit: ZoneAudit): void {
  let free = 0;
  let cma = 0;
  let isolated = 0;
  for (const block of audit.blocks) {
    const pages = 2 ** block.order;
    if (block.migratetype === MIGRATE_ISOLATE) isolated += pages;
    else free += pages;
    if (block.migratetype === MIGRATE_CMA) cma += pages;
  }
  const area = audit.zone.freeArea;
  if (area.nrFreePages !== free) report(audit, `NR_FREE_PAGES is ${area.nrFreePages}, lists hold ${free}`);
  if (area.nrFreeCmaPages !== cma) report(audit, `NR_FREE_CMA_PAGES is ${area.nrFreeCmaPages}, CMA lists hold ${cma}`);
  if (area.nrIsolatedFreePages !== isolated) report(audit, `isolated free is ${area.nrIsolatedFreePages}, ISOLATE lists hold ${isolated}`);
}

/** Per-CPU lists: well linked, pages PAGE_PCP with the list's order, on one list only, counts exact. */
function checkPcpLists(audit: ZoneAudit): void {
  const { table, zone } = audit;
  const pcp = zone.pcp;
  for (let cpu = 0; cpu < pcp.cpuCount; cpu++) {
    let pages = 0;
    for (let pindex = 0; pindex < NR_PCP_LISTS; pindex++) {
      const order = pindexToOrder(pindex);
      for (const index of walkList(audit, pcp.lists, pcp.slot(cpu, pindex), `pcp list (cpu ${cpu}, pindex ${pindex})`)) {
        const pfn = table.pfnOf(index);
        const where = `pcp entry pfn ${pfn} (cpu ${cpu}, order ${order})`;
        if (table.order[index] !== order) report(audit, `${where}: head records order ${table.order[index]}`);
        if (!zone.spans(pfn) || pfn + 2 ** order > zone.pfnEnd) {
          report(audit, `${where}: not inside the zone`);
          continue;
        }
        markCovered(audit, pfn, 2 ** order, PAGE_PCP, where);
        pages += 2 ** order;
      }
    }
    if (pcp.count(cpu) !== pages) report(audit, `pcp count of cpu ${cpu} is ${pcp.count(cpu)}, lists hold ${pages}`);
  }
  for (let pfn = zone.pfnStart; pfn < zone.pfnEnd; pfn++) {
    if (table.state[table.pageIndex(pfn)] === PAGE_PCP && audit.cover[pfn - zone.pfnStart] !== 1) report(audit, `pcp page ${pfn} is on ${audit.cover[pfn - zone.pfnStart]} lists`);
  }
}

/**
 * Invariant 26: no two free buddies of the same order coexist, except at pageblock order and above
 * when their pageblocks differ in type and one is not mergeable. 6.1's unreserve_highatomic_pageblock()
 * hands a pageblock back without re-merging, so once it has run, pairs at pageblock order and above
 * are not checked.
 */
function checkMaximalMerging(audit: ZoneAudit, highatomicUnreserved: boolean): void {
  const { table, zone } = audit;
  for (const block of audit.blocks) {
    if (block.order >= MAX_PAGE_ORDER || (highatomicUnreserved && block.order >= PAGEBLOCK_ORDER)) continue;
    const buddyPfn = block.pfn ^ (1 << block.order);
    if (buddyPfn < block.pfn || !zone.spans(buddyPfn)) continue;
    const index = table.pageIndex(buddyPfn);
    if (((table.flags[index] as number) & PG_BUDDY) === 0 || table.order[index] !== block.order) continue;
    const mt = table.pageblockMigratetype(block.pfn);
    const buddyMt = table.pageblockMigratetype(buddyPfn);
    const exempt = block.order >= PAGEBLOCK_ORDER && mt !== buddyMt && (!isMigratetypeMergeable(mt) || !isMigratetypeMergeable(buddyMt));
    if (!exempt) report(audit, `free buddies ${block.pfn} and ${buddyPfn} of order ${block.order} were not merged`);
  }
}

/** Invariant 25: free + isolated-free + per-CPU + allocated pages equal managed pages; reserved pages match the boot reservations. */
function checkConservation(audit: ZoneAudit): void {
  const { table, zone } = audit;
  let allocated = 0;
  let reserved = 0;
  for (let i = table.pageIndex(zone.pfnStart); i < table.pageIndex(zone.pfnEnd); i++) {
    if (table.state[i] === PAGE_ALLOCATED) allocated++;
    else if (table.state[i] === PAGE_RESERVED) reserved++;
  }
  const area = zone.freeArea;
  const total = area.nrFreePages + area.nrIsolatedFreePages + zone.pcp.totalPages() + allocated;
  if (total !== zone.managedPages) {
    report(audit, `conservation: free ${area.nrFreePages} + isolated ${area.nrIsolatedFreePages} + pcp ${zone.pcp.totalPages()} + allocated ${allocated} = ${total}, managed ${zone.managedPages}`);
  }
  if (reserved !== zone.reservedPages) report(audit, `${reserved} reserved pages, boot reserved ${zone.reservedPages}`);
}

/** Allocation heads have a reference, an owner and aligned in-zone blocks; tails follow their head's owner with refcount 0; other pages own nothing. */
function checkAllocations(audit: ZoneAudit): void {
  const { table, zone } = audit;
  let tailsLeft = 0;
  let headOwner = 0;
  for (let pfn = zone.pfnStart; pfn < zone.pfnEnd; pfn++) {
    const index = table.pageIndex(pfn);
    const flags = table.flags[index] as number;
    if (table.state[index] !== PAGE_ALLOCATED) {
      if (tailsLeft > 0) report(audit, `allocation ending before page ${pfn}: tail not allocated`);
      tailsLeft = 0;
      checkUnallocatedPage(audit, pfn, index, flags);
      continue;
    }
    if ((flags & PG_HEAD) !== 0) {
      if (tailsLeft > 0) report(audit, `allocation head ${pfn} lies inside another allocation`);
      const order = table.order[index] as number;
      if ((table.refcount[index] as number) < 1) report(audit, `allocation head ${pfn} has refcount 0`);
      if (table.owner[index] === 0) report(audit, `allocation head ${pfn} has no owner`);
      if (pfn % 2 ** order !== 0 || pfn + 2 ** order > zone.pfnEnd) report(audit, `allocation head ${pfn} of order ${order} is unaligned or leaves the zone`);
      tailsLeft = 2 ** order - 1;
      headOwner = table.owner[index] as number;
      continue;
    }
    if ((flags & PG_COMPOUND) !== 0) report(audit, `tail page ${pfn} is PG_COMPOUND`);
    if (tailsLeft === 0) {
      report(audit, `allocated page ${pfn} belongs to no allocation (leaked tail)`);
      continue;
    }
    if (table.owner[index] !== headOwner) report(audit, `tail page ${pfn} owned by ${table.owner[index]}, head by ${headOwner}`);
    if (table.refcount[index] !== 0) report(audit, `tail page ${pfn} has refcount ${table.refcount[index]}`);
    tailsLeft--;
  }
}

function checkUnallocatedPage(audit: ZoneAudit, pfn: Pfn, index: number, flags: number): void {
  const { table } = audit;
  if (table.state[index] === PAGE_ABSENT) report(audit, `page ${pfn} inside the zone is absent`);
  if (table.state[index] === PAGE_RESERVED) return;
  if (table.owner[index] !== 0 || table.refcount[index] !== 0 || table.pinCount[index] !== 0) report(audit, `page ${pfn} (state ${table.state[index]}) has an owner, reference or pin`);
  if ((flags & (PG_HEAD | PG_COMPOUND | PG_MOVABLE)) !== 0) report(audit, `page ${pfn} (state ${table.state[index]}) carries allocation flags`);
}

/** The zone's isolated-pageblock count matches its ISOLATE pageblocks (walked like /proc/pagetypeinfo). */
function checkIsolateCount(audit: ZoneAudit): void {
  const { table, zone } = audit;
  let isolated = 0;
  for (let pfn = zone.pfnStart; pfn < zone.pfnEnd; pfn += PAGEBLOCK_NR_PAGES) {
    const mt = table.pageblockMigratetype(pfn);
    if (mt >= MIGRATE_TYPES) report(audit, `pageblock of ${pfn} has invalid migratetype ${mt}`);
    if (mt === MIGRATE_ISOLATE) isolated++;
  }
  if (zone.nrIsolatePageblock !== isolated) report(audit, `nr_isolate_pageblock is ${zone.nrIsolatePageblock}, ${isolated} pageblocks are isolated`);
}

/** Runs every check on every zone; an empty array means the allocator is structurally sound. */
export function checkBuddy(allocator: PageAllocator): string[] {
  const out: string[] = [];
  const highatomicUnreserved = allocator.events.get('highatomic_unreserve') > 0;
  for (const zone of allocator.zones) {
    const audit: ZoneAudit = { zone, table: allocator.table, out, cover: new Uint8Array(zone.presentPages), blocks: [] };
    checkFreeListLinks(audit);
    checkFreeBlockHeads(audit);
    checkFreePagesCovered(audit);
    checkListMigratetypes(audit);
    checkFreeCounters(audit);
    checkPcpLists(audit);
    checkMaximalMerging(audit, highatomicUnreserved);
    checkConservation(audit);
    checkAllocations(audit);
    checkIsolateCount(audit);
  }
  return out;
}
