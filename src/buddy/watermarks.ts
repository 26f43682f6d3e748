// Watermark checks: __zone_watermark_unusable_free, __zone_watermark_ok and zone_watermark_fast of Linux 6.1 mm/page_alloc.c (no watermark boost).
import { MAX_PAGE_ORDER, type Order, type PageCount } from '../base/units.ts';
import { MIGRATE_CMA, MIGRATE_HIGHATOMIC, MIGRATE_PCPTYPES } from '../mem/migratetype.ts';
import { ALLOC_CMA, ALLOC_HARDER, ALLOC_HIGH, ALLOC_OOM } from './alloc-flags.ts';
import type { Zone } from './zone.ts';

/**
 * __zone_watermark_unusable_free(): free pages this request cannot count: the (2^order - 1) that a
 * block of `order` cannot be made from, the highatomic reserve unless ALLOC_HARDER/ALLOC_OOM, and
 * free CMA pages unless ALLOC_CMA.
 */
export function zoneWatermarkUnusableFree(zone: Zone, order: Order, allocFlags: number): PageCount {
  let unusableFree = 2 ** order - 1;
  if ((allocFlags & (ALLOC_HARDER | ALLOC_OOM)) === 0) unusableFree += zone.nrReservedHighatomic;
  if ((allocFlags & ALLOC_CMA) === 0) unusableFree += zone.freeArea.nrFreeCmaPages;
  return unusableFree;
}

/**
 * __zone_watermark_ok(): true when `freePages` minus the unusable part stays above `mark` (lowered by
 * half for ALLOC_HIGH, then by a quarter for ALLOC_HARDER) plus the lowmem reserve, and, for order > 0,
 * some list this request may use holds a block of at least `order`.
 */
export function zoneWatermarkOk(zone: Zone, order: Order, mark: PageCount, highestZoneIdx: number, allocFlags: number, freePages: PageCount): boolean {
  const allocHarder = (allocFlags & (ALLOC_HARDER | ALLOC_OOM)) !== 0;
  let min = mark;
  freePages -= zoneWatermarkUnusableFree(zone, order, allocFlags);
  if ((allocFlags & ALLOC_HIGH) !== 0) min -= Math.floor(min / 2);
  if (allocHarder) min -= (allocFlags & ALLOC_OOM) !== 0 ? Math.floor(min / 2) : Math.floor(min / 4);
  if (freePages <= min + (zone.lowmemReserve[highestZoneIdx] as number)) return false;
  if (order === 0) return true;
  const area = zone.freeArea;
  for (let o = order; o <= MAX_PAGE_ORDER; o++) {
    if (area.nrFree(o) === 0) continue;
    for (let mt = 0; mt < MIGRATE_PCPTYPES; mt++) if (!area.isEmpty(o, mt)) return true;
    if ((allocFlags & ALLOC_CMA) !== 0 && !area.isEmpty(o, MIGRATE_CMA)) return true;
    if (allocHarder && !area.isEmpty(o, MIGRATE_HIGHATOMIC)) return true;
  }
  return false;
}

/**
 * zone_watermark_fast(): an order-0 shortcut (usable free above mark + reserve) before the full
 * __zone_watermark_ok. The boosted-watermark retry for GFP_ATOMIC is absent: there is no boost.
 */
export function zoneWatermarkFast(zone: Zone, order: Order, mark: PageCount, highestZoneIdx: number, allocFlags: number): boolean {
  const freePages = zone.freeArea.nrFreePages;
  if (order === 0) {
    const reserved = zoneWatermarkUnusableFree(zone, 0, allocFlags);
    const usableFree = freePages - Math.min(freePages, reserved);
    if (usableFree > mark + (zone.lowmemReserve[highestZoneIdx] as number)) return true;
  }
  return zoneWatermarkOk(zone, order, mark, highestZoneIdx, allocFlags, freePages);
}
