// A zone (one per bank): its span and page counts, watermarks, lowmem reserves, free area and per-CPU page sets.
//
// Mirrors Linux 6.1 mm/page_alloc.c: calculate_min_free_kbytes (init_per_zone_wmark_min),
// __setup_per_zone_wmarks, setup_per_zone_lowmem_reserve, calculate_totalreserve_pages,
// zone_batchsize and zone_highsize. Simplifications: no watermark boost (watermark_boost_factor is
// treated as 0), no ZONE_HIGHMEM, and zone_highsize splits pcp->high across all `cpuCount` CPUs
// (every CPU is taken to be local to every node).
import { assert } from '../base/assert.ts';
import type { StateHasher } from '../base/hash.ts';
import { PAGE_SHIFT, type PageCount, type Pfn } from '../base/units.ts';
import type { PageTable } from '../mem/page-table.ts';
import type { ZoneKind } from '../mem/platform.ts';
import type { VmEvents } from '../mem/vm-events.ts';
import { ALLOC_WMARK_HIGH, ALLOC_WMARK_LOW, ALLOC_WMARK_MIN } from './alloc-flags.ts';
import { FreeArea } from './free-area.ts';
import { PerCpuPages } from './pcp.ts';

/** Zone kinds in Linux zone-index order (x86-64 without HIGHMEM or ZONE_DEVICE). */
export const ZONE_KINDS: readonly ZoneKind[] = ['DMA', 'DMA32', 'Normal', 'Movable'];
/** The number of zone types. */
export const MAX_NR_ZONES = ZONE_KINDS.length;
/** Zone indices (enum zone_type). */
export const ZONE_DMA = 0;
/** Zone index of ZONE_DMA32. */
export const ZONE_DMA32 = 1;
/** Zone index of ZONE_NORMAL. */
export const ZONE_NORMAL = 2;
/** Zone index of ZONE_MOVABLE. */
export const ZONE_MOVABLE = 3;

/** sysctl_lowmem_reserve_ratio defaults: DMA 256, DMA32 256, Normal 32, Movable 0. */
const LOWMEM_RESERVE_RATIO: readonly number[] = [256, 256, 32, 0];

/** Linux zone index of a zone kind. */
export function zoneKindIndex(kind: ZoneKind): number {
  return ZONE_KINDS.indexOf(kind);
}

/** What the boot code knows about a zone before it exists. */
export interface ZoneInit {
  readonly index: number;
  readonly kind: ZoneKind;
  readonly node: number;
  readonly pfnStart: Pfn;
  readonly pfnEnd: Pfn;
  readonly reservedPages: PageCount;
  readonly cmaPages: PageCount;
}

/** One zone. Counters change only through the buddy layer's verbs. */
export class Zone {
  readonly index: number;
  readonly kind: ZoneKind;
  readonly kindIndex: number;
  readonly node: number;
  readonly pfnStart: Pfn;
  readonly pfnEnd: Pfn;
  readonly presentPages: PageCount;
  readonly reservedPages: PageCount;
  /** managed_pages: present minus boot reservations (CMA pages included, as after cma_activate_area). */
  readonly managedPages: PageCount;
  readonly cmaPages: PageCount;
  /** _watermark[] indexed by ALLOC_WMARK_MIN/LOW/HIGH. */
  readonly watermarks: number[] = [0, 0, 0];
  /** lowmem_reserve[] indexed by the allocation's highest zone index. */
  readonly lowmemReserve: number[] = new Array<number>(MAX_NR_ZONES).fill(0);
  nrReservedHighatomic: PageCount = 0;
  nrIsolatePageblock = 0;
  readonly freeArea: FreeArea;
  readonly pcp: PerCpuPages;
  /** Scratch outputs of find_suitable_fallback / move_freepages (avoids allocating result objects on hot paths). */
  scratchCanSteal = false;
  scratchMovablePages = 0;

  constructor(init: ZoneInit, readonly table: PageTable, readonly events: VmEvents, cpuCount: number) {
    this.index = init.index;
    this.kind = init.kind;
    this.kindIndex = zoneKindIndex(init.kind);
    this.node = init.node;
    this.pfnStart = init.pfnStart;
    this.pfnEnd = init.pfnEnd;
    this.presentPages = init.pfnEnd - init.pfnStart;
    this.reservedPages = init.reservedPages;
    this.managedPages = this.presentPages - init.reservedPages;
    this.cmaPages = init.cmaPages;
    this.freeArea = new FreeArea(table);
    this.pcp = new PerCpuPages(cpuCount, table);
  }

  /** zone_spans_pfn(). */
  spans(pfn: Pfn): boolean {
    return pfn >= this.pfnStart && pfn < this.pfnEnd;
  }

  /** min_wmark_pages(). */
  get minWatermark(): PageCount {
    return this.watermarks[ALLOC_WMARK_MIN] as number;
  }

  /** low_wmark_pages(). */
  get lowWatermark(): PageCount {
    return this.watermarks[ALLOC_WMARK_LOW] as number;
  }

  /** high_wmark_pages(). */
  get highWatermark(): PageCount {
    return this.watermarks[ALLOC_WMARK_HIGH] as number;
  }

  /** Feeds everything that is state (not configuration) to `hasher`. */
  hashInto(hasher: StateHasher): void {
    hasher.updateNumber(this.nrReservedHighatomic);
    hasher.updateNumber(this.nrIsolatePageblock);
    this.freeArea.hashInto(hasher);
    this.pcp.hashInto(hasher);
  }
}

/** int_sqrt(). */
function intSqrt(value: number): number {
  return Math.floor(Math.sqrt(value));
}

/**
 * calculate_min_free_kbytes() at boot: sqrt(lowmem_kbytes * 16) clamped to [128, 262144], where
 * lowmem is nr_free_buffer_pages() (managed pages of every zone up to ZONE_NORMAL; the high
 * watermarks are still 0 when init_per_zone_wmark_min first runs).
 */
export function calculateMinFreeKbytes(zones: readonly Zone[]): number {
  let lowmemPages = 0;
  for (const zone of zones) if (zone.kindIndex <= ZONE_NORMAL) lowmemPages += zone.managedPages;
  const lowmemKbytes = lowmemPages * (2 ** PAGE_SHIFT / 1024);
  return Math.min(Math.max(intSqrt(lowmemKbytes * 16), 128), 262144);
}

/** __setup_per_zone_wmarks(): min proportional to the zone's share of lowmem, low/high one step apart. */
export function setupPerZoneWmarks(zones: readonly Zone[], minFreeKbytes: number, watermarkScaleFactor: number): void {
  assert(Number.isInteger(minFreeKbytes) && minFreeKbytes >= 0, () => `bad min_free_kbytes ${minFreeKbytes}`);
  const pagesMin = Math.floor(minFreeKbytes / 2 ** (PAGE_SHIFT - 10));
  let lowmemPages = 0;
  for (const zone of zones) lowmemPages += zone.managedPages;
  for (const zone of zones) {
    const min = lowmemPages === 0 ? 0 : Math.floor((pagesMin * zone.managedPages) / lowmemPages);
    // mult_frac(managed, scale, 10000) is floor(managed * scale / 10000) without overflow.
    const step = Math.max(Math.floor(min / 4), Math.floor((zone.managedPages * watermarkScaleFactor) / 10000));
    zone.watermarks[ALLOC_WMARK_MIN] = min;
    zone.watermarks[ALLOC_WMARK_LOW] = min + step;
    zone.watermarks[ALLOC_WMARK_HIGH] = min + 2 * step;
  }
}

/** setup_per_zone_lowmem_reserve(): a lower zone keeps managed(higher zones of its node) / ratio back from higher-zone requests. */
export function setupPerZoneLowmemReserve(zones: readonly Zone[]): void {
  for (const zone of zones) {
    const ratio = LOWMEM_RESERVE_RATIO[zone.kindIndex] as number;
    const clear = ratio === 0 || zone.managedPages === 0;
    let upperManaged = 0;
    for (let j = zone.kindIndex + 1; j < MAX_NR_ZONES; j++) {
      for (const upper of zones) if (upper.node === zone.node && upper.kindIndex === j) upperManaged += upper.managedPages;
      zone.lowmemReserve[j] = clear ? 0 : Math.floor(upperManaged / ratio);
    }
  }
}

/** calculate_totalreserve_pages(): per zone, the largest lowmem reserve plus the high watermark, capped at managed. */
export function totalReservePages(zones: readonly Zone[]): PageCount {
  let total = 0;
  for (const zone of zones) {
    let max = 0;
    for (let j = zone.kindIndex; j < MAX_NR_ZONES; j++) max = Math.max(max, zone.lowmemReserve[j] as number);
    total += Math.min(max + zone.highWatermark, zone.managedPages);
  }
  return total;
}

/** zone_batchsize(): ~0.1 % of the zone or 1 MiB, quartered, clamped to 2^n - 1 (at least 1 via zone_set_pageset_high_and_batch). */
export function zoneBatchsize(zone: Zone): number {
  let batch = Math.min(Math.floor(zone.managedPages / 1024), (1024 * 1024) / 2 ** PAGE_SHIFT);
  batch = Math.floor(batch / 4);
  if (batch < 1) batch = 1;
  batch = 2 ** Math.floor(Math.log2(batch + Math.floor(batch / 2))) - 1;
  return Math.max(1, batch);
}

/** zone_highsize(): the low watermark split across the CPUs, at least 4 batches. */
export function zoneHighsize(zone: Zone, batch: number, cpuCount: number): number {
  const high = Math.floor(zone.lowWatermark / cpuCount);
  return Math.max(high, batch * 4);
}
