// Booting from a PlatformLayout: the layout contract the allocator asserts (machine/ only produces valid ones), zone order and managed pages, and the per-zone setup that depends on them (Linux 6.1 mm/page_alloc.c, mm/mm_init.c).
import { describe, expect, it } from 'vitest';
import { createPageAllocator } from '../../src/buddy/page-allocator.ts';
import { zoneHighsize } from '../../src/buddy/zone.ts';
import { createEnv } from '../../src/env/env.ts';
import { GFP_KERNEL } from '../../src/mem/gfp.ts';
import { MIGRATE_MOVABLE } from '../../src/mem/migratetype.ts';
import { Owners } from '../../src/mem/owners.ts';
import type { PlatformLayout } from '../../src/mem/platform.ts';
import { VmEvents } from '../../src/mem/vm-events.ts';
import { bank, layout, mib, rig } from './buddy-fixtures.ts';

function boot(platform: PlatformLayout): void {
  createPageAllocator(platform, { ...createEnv('layout'), events: new VmEvents(), owners: new Owners() });
}

const ram = bank('ram', 0, 'Normal', 0, 4096);
const cma = (name: string, pfnStart: number, pfnEnd: number) => ({ name, pfnStart, pfnEnd, orderPerBit: 0 });

describe('the layout contract', () => {
  it.each([
    ['no banks', layout({ banks: [] }), /layout has no banks/],
    ['no CPU', layout({ cpuCount: 0 }), /bad cpuCount 0/],
    ['a fractional CPU count', layout({ cpuCount: 1.5 }), /bad cpuCount 1.5/],
    ['an empty bank', layout({ banks: [bank('empty', 0, 'Normal', 512, 512)] }), /bank empty has an empty or bad range/],
    ['a bank below PFN 0', layout({ banks: [bank('neg', 0, 'Normal', -512, 512)] }), /bank neg has an empty or bad range/],
    ['a bank at a fractional PFN', layout({ banks: [bank('frac', 0, 'Normal', 0.5, 512)] }), /bank frac has an empty or bad range/],
    ['a negative node', layout({ banks: [bank('n', -1, 'Normal', 0, 512)] }), /bank n has bad node -1/],
    ['a fractional node', layout({ banks: [bank('n', 0.5, 'Normal', 0, 512)] }), /bank n has bad node 0.5/],
    ['overlapping banks', layout({ banks: [bank('a', 0, 'Normal', 0, 1024), bank('b', 0, 'Normal', 512, 2048)] }), /banks a and b overlap/],
    ['an empty reservation', layout({ banks: [ram], reserved: [{ label: 'r', pfnStart: 8, pfnEnd: 8 }] }), /reserved range r is not inside one bank/],
    ['a reservation outside the banks', layout({ banks: [ram], reserved: [{ label: 'r', pfnStart: 4000, pfnEnd: 5000 }] }), /reserved range r is not inside one bank/],
    ['a reservation starting below its bank', layout({ banks: [bank('hi', 0, 'Normal', 1024, 4096)], reserved: [{ label: 'r', pfnStart: 512, pfnEnd: 1536 }] }), /reserved range r is not inside one bank/],
    ['a CMA area starting mid-pageblock', layout({ banks: [ram], cma: [cma('c', 256, 1024)] }), /CMA area c is not pageblock aligned/],
    ['a CMA area ending mid-pageblock', layout({ banks: [ram], cma: [cma('c', 512, 768)] }), /CMA area c is not pageblock aligned/],
    ['an empty CMA area', layout({ banks: [ram], cma: [cma('c', 512, 512)] }), /CMA area c is not pageblock aligned/],
    ['a CMA area outside the banks', layout({ banks: [ram], cma: [cma('c', 3584, 4608)] }), /CMA area c is not inside one bank/],
    ['a CMA area starting below its bank', layout({ banks: [bank('hi', 0, 'Normal', 1024, 4096)], cma: [cma('c', 512, 1536)] }), /CMA area c is not inside one bank/],
    ['a CMA area over a reservation', layout({ banks: [ram], reserved: [{ label: 'r', pfnStart: 600, pfnEnd: 601 }], cma: [cma('c', 512, 1024)] }), /CMA area c overlaps a reserved range/],
    ['overlapping CMA areas', layout({ banks: [ram], cma: [cma('c', 0, 1024), cma('d', 512, 1536)] }), /CMA areas c and d overlap/],
    ['a negative min_free_kbytes', layout({ banks: [ram], minFreeKbytes: -1 }), /bad min_free_kbytes -1/],
    ['a fractional min_free_kbytes', layout({ banks: [ram], minFreeKbytes: 1.5 }), /bad min_free_kbytes 1.5/],
  ])('rejects %s', (_what, platform, message) => {
    expect(() => boot(platform)).toThrow(message);
  });

  it('accepts min_free_kbytes 0 (no min watermark)', () => {
    const { allocator } = rig(layout({ banks: [ram], minFreeKbytes: 0 }));
    expect(allocator.zones[0]!.minWatermark).toBe(0);
  });
});

describe('pageblocks and watermarks at boot', () => {
  it('a bank ending mid-pageblock still gets its last, partial pageblock MIGRATE_MOVABLE (memmap_init_range)', () => {
    const { allocator } = rig(layout({ banks: [bank('ram', 0, 'Normal', 256, 1124)] }));
    expect([allocator.pageblockMigratetype(600), allocator.pageblockMigratetype(1123)]).toEqual([MIGRATE_MOVABLE, MIGRATE_MOVABLE]);
    expect(allocator.freeBlockCovering(1123)).toEqual({ headPfn: 1120, order: 2 });
    expect(allocator.freeBlockCount(0, 2, MIGRATE_MOVABLE)).toBe(1);
  });

  it('a machine whose every page is reserved boots with zero watermarks and fails every allocation', () => {
    const r = rig(layout({ pageCount: 4096, reserved: [{ label: 'all', pfnStart: 0, pfnEnd: 4096 }] }));
    const zone = r.allocator.zones[0]!;
    expect(zone.managedPages).toBe(0);
    expect(zone.watermarks).toEqual([0, 0, 0]);
    expect(r.allocator.allocPages(GFP_KERNEL, 0, { owner: r.owner }).ok).toBe(false);
  });
});

describe('zones built from the banks', () => {
  it('are indexed by node, then zone type, then PFN, whatever the bank order', () => {
    const { allocator } = rig(layout({
      banks: [
        bank('n1', 1, 'Normal', 0, 4096), bank('n0-normal-hi', 0, 'Normal', 12288, 16384),
        bank('n0-movable', 0, 'Movable', 4096, 8192), bank('n0-normal-lo', 0, 'Normal', 8192, 12288),
      ],
    }));
    expect(allocator.zones.map((zone) => `${zone.node}/${zone.kind}@${zone.pfnStart}`)).toEqual(['0/Normal@8192', '0/Normal@12288', '0/Movable@4096', '1/Normal@0']);
  });

  it('count a reservation only in the zone that holds it (managed = present - reserved)', () => {
    const { allocator } = rig(layout({ banks: [bank('a', 0, 'DMA32', 0, 4096), bank('b', 0, 'Normal', 4096, 8192)], reserved: [{ label: 'fw', pfnStart: 4096, pfnEnd: 4097 }] }));
    expect(allocator.zones.map((zone) => zone.managedPages)).toEqual([4096, 4095]);
  });

  it('a lower zone reserves pages only against higher zones of its own node', () => {
    const { allocator } = rig(layout({ banks: [bank('dma32', 0, 'DMA32', 0, mib(256)), bank('n1', 1, 'Normal', mib(256), mib(1024))], minFreeKbytes: 4096 }));
    expect(allocator.zones[0]!.lowmemReserve).toEqual([0, 0, 0, 0]);
  });

  it('a zone with no managed pages reserves nothing (setup_per_zone_lowmem_reserve\'s clear)', () => {
    const { allocator } = rig(layout({
      banks: [bank('dma32', 0, 'DMA32', 0, 4096), bank('normal', 0, 'Normal', 4096, 8192)],
      reserved: [{ label: 'all', pfnStart: 0, pfnEnd: 4096 }],
    }));
    expect(allocator.zones[0]!.managedPages).toBe(0);
    expect(allocator.zones[0]!.lowmemReserve).toEqual([0, 0, 0, 0]);
    expect(allocator.zones[1]!.managedPages).toBe(4096);
  });

  it('zone_highsize: with many CPUs each list still gets at least four batches', () => {
    const { allocator } = rig(layout({ pageCount: mib(4096) }));
    const zone = allocator.zones[0]!;
    expect(Math.floor(zone.lowWatermark / 64)).toBeLessThan(252);
    expect(zoneHighsize(zone, 63, 64)).toBe(252);
  });
});
