// Zone setup: min_free_kbytes, watermarks, lowmem reserves, totalreserve and pcp batch/high, against Linux 6.1's formulas.
import { describe, expect, it } from 'vitest';
import { StateHasher } from '../../src/base/hash.ts';
import { GFP_KERNEL } from '../../src/mem/gfp.ts';
import { calculateMinFreeKbytes, totalReservePages, zoneBatchsize, zoneHighsize } from '../../src/buddy/zone.ts';
import { bank, layout, mib, rig } from './buddy-fixtures.ts';

describe('calculate_min_free_kbytes', () => {
  it.each([
    [16, 512], [64, 1024], [1024, 4096], [4096, 8192], [16384, 16384],
  ])('%i MiB of lowmem gives %i kB (the table in mm/page_alloc.c)', (sizeMib, kbytes) => {
    const { allocator } = rig(layout({ pageCount: mib(sizeMib) }));
    expect(calculateMinFreeKbytes(allocator.zones)).toBe(kbytes);
  });

  it('clamps to 128 kB on tiny machines and excludes ZONE_MOVABLE', () => {
    const { allocator } = rig(layout({ banks: [bank('dma', 0, 'DMA', 0, 256), bank('mov', 0, 'Movable', 256, 256 + mib(1024))] }));
    expect(calculateMinFreeKbytes(allocator.zones)).toBe(128);
  });
});

describe('__setup_per_zone_wmarks', () => {
  it('splits min by managed pages and spaces low/high by max(min/4, managed * scale / 10000)', () => {
    const { allocator } = rig(layout({ banks: [bank('dma32', 0, 'DMA32', 0, mib(256)), bank('normal', 0, 'Normal', mib(256), mib(1024))], minFreeKbytes: 4096 }));
    const [dma32, normal] = allocator.zones;
    // pages_min = 1024; dma32 has 1/4 of the pages; step max(64, 65536 * 10 / 10000 = 65).
    expect(dma32!.watermarks).toEqual([256, 321, 386]);
    // normal: min 768, step max(192, 196608 * 10 / 10000 = 196) = 196.
    expect(normal!.watermarks).toEqual([768, 964, 1160]);
  });

  it('uses the scale factor when it dominates', () => {
    const { allocator } = rig(layout({ pageCount: mib(1024), minFreeKbytes: 1024, watermarkScaleFactor: 100 }));
    const zone = allocator.zones[0]!;
    expect(zone.watermarks).toEqual([256, 256 + 2621, 256 + 2 * 2621]);
  });
});

describe('lowmem reserve and totalreserve_pages', () => {
  it('protects a lower zone from higher-zone requests by managed(higher) / ratio', () => {
    const { allocator } = rig(layout({ banks: [bank('dma32', 0, 'DMA32', 0, mib(256)), bank('normal', 0, 'Normal', mib(256), mib(1024))], minFreeKbytes: 4096 }));
    const [dma32, normal] = allocator.zones;
    expect(dma32!.lowmemReserve).toEqual([0, 0, 768, 768]);
    expect(normal!.lowmemReserve).toEqual([0, 0, 0, 0]);
    expect(totalReservePages(allocator.zones)).toBe(768 + 386 + 1160);
  });
});

describe('zone_batchsize / zone_highsize', () => {
  it('batch is 63 for large zones, high is low watermark / cpus but at least 4 batches', () => {
    const { allocator } = rig(layout({ pageCount: mib(4096), cpuCount: 4 }));
    const zone = allocator.zones[0]!;
    expect(zoneBatchsize(zone)).toBe(63);
    expect(zone.pcp.batch).toBe(63);
    expect(zoneHighsize(zone, 63, 4)).toBe(Math.max(Math.floor(zone.lowWatermark / 4), 252));
    expect(zone.pcp.high).toBe(zoneHighsize(zone, 63, 4));
  });

  it('tiny zones get batch 1 (no caching beyond one page)', () => {
    const { allocator } = rig(layout({ pageCount: mib(8) }));
    expect(allocator.zones[0]!.pcp.batch).toBe(1);
    expect(allocator.zones[0]!.pcp.high).toBe(Math.max(allocator.zones[0]!.lowWatermark, 4));
  });

  it.each([[mib(64), 3], [mib(256), 15], [mib(512), 31], [mib(1024), 63]])('%i pages give batch %i', (pageCount, batch) => {
    const { allocator } = rig(layout({ pageCount }));
    expect(zoneBatchsize(allocator.zones[0]!)).toBe(batch);
  });
});

describe('the zone\'s state hash', () => {
  it('changes when the zone\'s free lists change', () => {
    const r = rig(layout({ pageCount: mib(16) }));
    const zone = r.allocator.zones[0]!;
    const digest = (): string => {
      const hasher = new StateHasher();
      zone.hashInto(hasher);
      return hasher.digestHex();
    };
    const booted = digest();
    r.alloc(GFP_KERNEL, 4);
    expect(digest()).not.toBe(booted);
  });
});
