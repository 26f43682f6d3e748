// __zone_watermark_ok and zone_watermark_fast: unusable free pages, ALLOC_HIGH/HARDER/OOM reductions, lowmem reserve, and the per-order list check.
import { describe, expect, it } from 'vitest';
import { ALLOC_CMA, ALLOC_HARDER, ALLOC_HIGH, ALLOC_OOM } from '../../src/buddy/alloc-flags.ts';
import { zoneWatermarkFast, zoneWatermarkOk, zoneWatermarkUnusableFree } from '../../src/buddy/watermarks.ts';
import { ZONE_DMA32, ZONE_NORMAL } from '../../src/buddy/zone.ts';
import { GFP_ATOMIC, GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from '../../src/mem/gfp.ts';
import { bank, layout, mib, rig } from './buddy-fixtures.ts';

describe('__zone_watermark_unusable_free', () => {
  it('counts 2^order - 1, the highatomic reserve unless HARDER/OOM, and free CMA unless ALLOC_CMA', () => {
    const { allocator } = rig(layout({ pageCount: mib(64), cma: [{ name: 'cma', pfnStart: mib(32), pfnEnd: mib(48), orderPerBit: 0 }] }));
    const zone = allocator.zones[0]!;
    zone.nrReservedHighatomic = 512;
    expect(zoneWatermarkUnusableFree(zone, 3, 0)).toBe(7 + 512 + mib(16));
    expect(zoneWatermarkUnusableFree(zone, 3, ALLOC_CMA)).toBe(7 + 512);
    expect(zoneWatermarkUnusableFree(zone, 0, ALLOC_CMA | ALLOC_HARDER)).toBe(0);
    expect(zoneWatermarkUnusableFree(zone, 0, ALLOC_CMA | ALLOC_OOM)).toBe(0);
  });
});

describe('__zone_watermark_ok', () => {
  const { allocator } = rig(layout({ pageCount: mib(64) }));
  const zone = allocator.zones[0]!;

  it('needs free pages strictly above the mark', () => {
    expect(zoneWatermarkOk(zone, 0, 100, ZONE_NORMAL, 0, 101)).toBe(true);
    expect(zoneWatermarkOk(zone, 0, 100, ZONE_NORMAL, 0, 100)).toBe(false);
  });

  it('halves the mark for ALLOC_HIGH, takes a quarter off for ALLOC_HARDER, half for ALLOC_OOM', () => {
    expect(zoneWatermarkOk(zone, 0, 100, ZONE_NORMAL, ALLOC_HIGH, 51)).toBe(true);
    expect(zoneWatermarkOk(zone, 0, 100, ZONE_NORMAL, ALLOC_HIGH, 50)).toBe(false);
    expect(zoneWatermarkOk(zone, 0, 100, ZONE_NORMAL, ALLOC_HARDER, 76)).toBe(true);
    expect(zoneWatermarkOk(zone, 0, 100, ZONE_NORMAL, ALLOC_HARDER, 75)).toBe(false);
    expect(zoneWatermarkOk(zone, 0, 100, ZONE_NORMAL, ALLOC_HIGH | ALLOC_HARDER, 39)).toBe(true);
    expect(zoneWatermarkOk(zone, 0, 100, ZONE_NORMAL, ALLOC_HIGH | ALLOC_HARDER, 38)).toBe(false);
    expect(zoneWatermarkOk(zone, 0, 100, ZONE_NORMAL, ALLOC_OOM, 51)).toBe(true);
    expect(zoneWatermarkOk(zone, 0, 100, ZONE_NORMAL, ALLOC_OOM, 50)).toBe(false);
    expect(zoneWatermarkOk(zone, 0, 100, ZONE_NORMAL, ALLOC_HIGH | ALLOC_OOM, 26)).toBe(true);
    expect(zoneWatermarkOk(zone, 0, 100, ZONE_NORMAL, ALLOC_HIGH | ALLOC_OOM, 25)).toBe(false);
  });

  it('adds the lowmem reserve of the request\'s highest zone', () => {
    zone.lowmemReserve[3] = 40;
    expect(zoneWatermarkOk(zone, 0, 100, 3, 0, 140)).toBe(false);
    expect(zoneWatermarkOk(zone, 0, 100, ZONE_NORMAL, 0, 140)).toBe(true);
    zone.lowmemReserve[3] = 0;
  });

  it('for order > 0 also needs a free block of that order on a usable list', () => {
    expect(zoneWatermarkOk(zone, 10, 100, ZONE_NORMAL, 0, 100000)).toBe(true);
    const cma = rig(layout({ pageCount: mib(8), cma: [{ name: 'cma', pfnStart: 0, pfnEnd: mib(4), orderPerBit: 0 }], minFreeKbytes: 128 }));
    const cmaZone = cma.allocator.zones[0]!;
    // Only the CMA area holds free blocks once the rest is taken.
    expect(cma.allocator.takeFreeRange(mib(4), mib(8), cma.owner)).toBe(true);
    expect(zoneWatermarkOk(cmaZone, 10, 0, ZONE_NORMAL, 0, 100000)).toBe(false);
    expect(zoneWatermarkOk(cmaZone, 10, 0, ZONE_NORMAL, ALLOC_CMA, 100000)).toBe(true);
    expect(cma.allocator.allocPages(GFP_KERNEL, 9, { owner: cma.owner }).ok).toBe(false);
    expect(cma.allocator.allocPages(GFP_HIGHUSER_MOVABLE, 9, { owner: cma.owner }).ok).toBe(true);
  });

  it('zone_watermark_fast agrees with the full check for order 0', () => {
    for (const mark of [0, zone.minWatermark, zone.freeArea.nrFreePages - 1, zone.freeArea.nrFreePages]) {
      expect(zoneWatermarkFast(zone, 0, mark, ZONE_NORMAL, 0)).toBe(zoneWatermarkOk(zone, 0, mark, ZONE_NORMAL, 0, zone.freeArea.nrFreePages));
    }
  });
});

describe('the highatomic free lists (MIGRATE_HIGHATOMIC)', () => {
  it('count for the order > 0 list check only with ALLOC_HARDER or ALLOC_OOM', () => {
    const r = rig(layout({ pageCount: mib(64) }));
    const zone = r.allocator.zones[0]!;
    expect(r.allocator.takeFreeRange(0, mib(64) - 300, r.owner)).toBe(true);
    r.alloc(GFP_ATOMIC, 4);
    // Every free page now sits on the highatomic lists of the reserved pageblock.
    expect(zone.nrReservedHighatomic).toBe(512);
    expect(zoneWatermarkOk(zone, 2, 0, ZONE_NORMAL, ALLOC_CMA | ALLOC_HIGH, 100000)).toBe(false);
    expect(zoneWatermarkOk(zone, 2, 0, ZONE_NORMAL, ALLOC_HARDER, 100000)).toBe(true);
    expect(zoneWatermarkOk(zone, 2, 0, ZONE_NORMAL, ALLOC_OOM, 100000)).toBe(true);
  });
});

describe('zone_watermark_fast for order 0', () => {
  it('cannot count free CMA pages for a request without ALLOC_CMA, even when they are all that is free', () => {
    const r = rig(layout({ pageCount: mib(8), cma: [{ name: 'cma', pfnStart: 0, pfnEnd: mib(4), orderPerBit: 0 }], minFreeKbytes: 128 }));
    const zone = r.allocator.zones[0]!;
    expect(r.allocator.takeFreeRange(mib(4), mib(8), r.owner)).toBe(true);
    expect(zone.freeArea.nrFreePages).toBe(mib(4));
    expect(zoneWatermarkFast(zone, 0, 10, ZONE_NORMAL, 0)).toBe(false);
    expect(zoneWatermarkFast(zone, 0, 10, ZONE_NORMAL, ALLOC_CMA)).toBe(true);
  });

  it('adds the lowmem reserve a higher zone\'s request must leave in a lower zone', () => {
    const { allocator } = rig(layout({ banks: [bank('dma32', 0, 'DMA32', 0, mib(256)), bank('normal', 0, 'Normal', mib(256), mib(1024))], minFreeKbytes: 4096 }));
    const dma32 = allocator.zones[0]!;
    const free = dma32.freeArea.nrFreePages;
    expect(dma32.lowmemReserve[ZONE_NORMAL]).toBe(768);
    // Above the mark by 100 pages: enough for a DMA32 request, not for a Normal one (reserve 768).
    expect(zoneWatermarkFast(dma32, 0, free - 100, ZONE_DMA32, 0)).toBe(true);
    expect(zoneWatermarkFast(dma32, 0, free - 100, ZONE_NORMAL, 0)).toBe(false);
  });
});
