// Booting the buddy allocator from a PlatformLayout: the page table, zones, memblock_free_all, CMA activation, watermarks and pagesets.
//
// Mirrors (in spirit, not memblock mechanics) memmap_init (every pageblock MIGRATE_MOVABLE),
// memblock_free_all/__free_pages_memory (free ranges in the largest aligned chunks, to the list
// tails, ascending), init_cma_reserved_pageblock (CMA pageblocks freed at pageblock order), then
// init_per_zone_wmark_min and zone_pcp_update. Boot frees are not counted as vm events.
import { assert } from '../base/assert.ts';
import { MAX_PAGE_ORDER, PAGEBLOCK_NR_PAGES, PAGEBLOCK_ORDER, type Pfn } from '../base/units.ts';
import { MIGRATE_CMA, MIGRATE_MOVABLE } from '../mem/migratetype.ts';
import { PageTable } from '../mem/page-table.ts';
import { PAGE_RESERVED } from '../mem/page-state.ts';
import type { BankLayout, PlatformLayout } from '../mem/platform.ts';
import type { VmEvents } from '../mem/vm-events.ts';
import { freeOnePage, freePagesOk } from './free-one-page.ts';
import {
  calculateMinFreeKbytes, setupPerZoneLowmemReserve, setupPerZoneWmarks, Zone, zoneBatchsize, zoneHighsize, zoneKindIndex,
} from './zone.ts';

interface PfnRange {
  readonly pfnStart: Pfn;
  readonly pfnEnd: Pfn;
}

function overlaps(a: PfnRange, b: PfnRange): boolean {
  return a.pfnStart < b.pfnEnd && b.pfnStart < a.pfnEnd;
}

function within(inner: PfnRange, outer: PfnRange): boolean {
  return inner.pfnStart >= outer.pfnStart && inner.pfnEnd <= outer.pfnEnd;
}

/** Asserts the layout is one machine/ could have produced: disjoint banks, reservations and CMA ranges inside banks. */
export function assertValidLayout(layout: PlatformLayout): void {
  assert(layout.banks.length > 0, 'layout has no banks');
  assert(Number.isInteger(layout.cpuCount) && layout.cpuCount >= 1, () => `bad cpuCount ${layout.cpuCount}`);
  for (const [i, bank] of layout.banks.entries()) {
    assert(Number.isSafeInteger(bank.pfnStart) && bank.pfnStart >= 0 && bank.pfnEnd > bank.pfnStart, () => `bank ${bank.name} has an empty or bad range`);
    assert(Number.isInteger(bank.node) && bank.node >= 0, () => `bank ${bank.name} has bad node ${bank.node}`);
    for (const other of layout.banks.slice(i + 1)) assert(!overlaps(bank, other), () => `banks ${bank.name} and ${other.name} overlap`);
  }
  for (const range of layout.reserved) {
    assert(range.pfnStart < range.pfnEnd && layout.banks.some((bank) => within(range, bank)), () => `reserved range ${range.label} is not inside one bank`);
  }
  for (const [i, cma] of layout.cma.entries()) {
    assert(cma.pfnStart % PAGEBLOCK_NR_PAGES === 0 && cma.pfnEnd % PAGEBLOCK_NR_PAGES === 0 && cma.pfnStart < cma.pfnEnd, () => `CMA area ${cma.name} is not pageblock aligned`);
    assert(layout.banks.some((bank) => within(cma, bank)), () => `CMA area ${cma.name} is not inside one bank`);
    assert(!layout.reserved.some((range) => overlaps(range, cma)), () => `CMA area ${cma.name} overlaps a reserved range`);
    for (const other of layout.cma.slice(i + 1)) assert(!overlaps(cma, other), () => `CMA areas ${cma.name} and ${other.name} overlap`);
  }
}

/** The page table over [lowest bank start, highest bank end): reserved pages PAGE_RESERVED, every bank pageblock MOVABLE, CMA pageblocks CMA. */
export function buildPageTable(layout: PlatformLayout): PageTable {
  const pfnBase = Math.min(...layout.banks.map((bank) => bank.pfnStart));
  const pfnEnd = Math.max(...layout.banks.map((bank) => bank.pfnEnd));
  const table = new PageTable(pfnBase, pfnEnd);
  for (const bank of layout.banks) {
    for (let pfn = bank.pfnStart - (bank.pfnStart % PAGEBLOCK_NR_PAGES); pfn < bank.pfnEnd; pfn += PAGEBLOCK_NR_PAGES) {
      table.setPageblockMigratetype(Math.max(pfn, pfnBase), MIGRATE_MOVABLE);
    }
  }
  for (const range of layout.reserved) table.markState(range.pfnStart, range.pfnEnd, PAGE_RESERVED);
  for (const cma of layout.cma) {
    for (let pfn = cma.pfnStart; pfn < cma.pfnEnd; pfn += PAGEBLOCK_NR_PAGES) table.setPageblockMigratetype(pfn, MIGRATE_CMA);
  }
  return table;
}

function countReserved(table: PageTable, bank: BankLayout): number {
  let count = 0;
  for (let i = table.pageIndex(bank.pfnStart); i < table.pageIndex(bank.pfnEnd); i++) if (table.state[i] === PAGE_RESERVED) count++;
  return count;
}

/** One zone per bank, indexed in /proc order: by node, then zone type, then PFN. */
export function buildZones(layout: PlatformLayout, table: PageTable, events: VmEvents): Zone[] {
  const banks = [...layout.banks].sort((a, b) => a.node - b.node || zoneKindIndex(a.zoneKind) - zoneKindIndex(b.zoneKind) || a.pfnStart - b.pfnStart);
  return banks.map((bank, index) => {
    const cmaPages = layout.cma.filter((cma) => within(cma, bank)).reduce((sum, cma) => sum + cma.pfnEnd - cma.pfnStart, 0);
    const init = { index, kind: bank.zoneKind, node: bank.node, pfnStart: bank.pfnStart, pfnEnd: bank.pfnEnd, reservedPages: countReserved(table, bank), cmaPages };
    return new Zone(init, table, events, layout.cpuCount);
  });
}

/** __free_pages_memory(): frees [pfnStart, pfnEnd) in the largest naturally aligned chunks, to the list tails. */
function freeMemoryRange(zone: Zone, pfnStart: Pfn, pfnEnd: Pfn): void {
  let pfn = pfnStart;
  while (pfn < pfnEnd) {
    let order = pfn === 0 ? MAX_PAGE_ORDER : Math.min(MAX_PAGE_ORDER, 31 - Math.clz32(pfn & -pfn));
    while (pfn + 2 ** order > pfnEnd) order--;
    freePagesOk(zone, pfn, order, true);
    pfn += 2 ** order;
  }
}

/** memblock_free_all() then CMA activation: every page that is neither reserved nor absent ends up in the buddy lists. */
export function freeBootMemory(layout: PlatformLayout, zones: readonly Zone[]): void {
  const holes = [...layout.reserved, ...layout.cma];
  for (const zone of [...zones].sort((a, b) => a.pfnStart - b.pfnStart)) {
    const inside = holes.filter((hole) => overlaps(hole, zone)).sort((a, b) => a.pfnStart - b.pfnStart);
    let pfn = zone.pfnStart;
    for (const hole of inside) {
      if (hole.pfnStart > pfn) freeMemoryRange(zone, pfn, hole.pfnStart);
      pfn = Math.max(pfn, hole.pfnEnd);
    }
    if (pfn < zone.pfnEnd) freeMemoryRange(zone, pfn, zone.pfnEnd);
  }
  for (const cma of layout.cma) {
    const zone = zones.find((candidate) => within(cma, candidate)) as Zone;
    // init_cma_reserved_pageblock(): __free_pages(page, pageblock_order), i.e. to the list heads.
    for (let pfn = cma.pfnStart; pfn < cma.pfnEnd; pfn += PAGEBLOCK_NR_PAGES) freeOnePage(zone, pfn, PAGEBLOCK_ORDER, MIGRATE_CMA, false);
  }
}

/** init_per_zone_wmark_min() + zone_pcp_update(): min_free_kbytes, watermarks, lowmem reserves, then pcp batch/high. Returns min_free_kbytes. */
export function setupWatermarksAndPagesets(layout: PlatformLayout, zones: readonly Zone[]): number {
  const minFreeKbytes = layout.minFreeKbytes ?? calculateMinFreeKbytes(zones);
  setupPerZoneWmarks(zones, minFreeKbytes, layout.watermarkScaleFactor);
  setupPerZoneLowmemReserve(zones);
  for (const zone of zones) {
    const batch = zoneBatchsize(zone);
    zone.pcp.batch = batch;
    zone.pcp.high = zoneHighsize(zone, batch, layout.cpuCount);
  }
  return minFreeKbytes;
}
