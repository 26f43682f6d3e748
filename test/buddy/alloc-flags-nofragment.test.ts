// alloc_flags_nofragment() on UMA and NUMA machines: ALLOC_NOFRAGMENT for a Normal preferred zone unless the machine has several nodes and the preferred node has no populated ZONE_DMA32 (Linux 6.1 mm/page_alloc.c).
import { describe, expect, it } from 'vitest';
import type { Pfn } from '../../src/base/units.ts';
import { GFP_KERNEL } from '../../src/mem/gfp.ts';
import type { BankLayout } from '../../src/mem/platform.ts';
import { bank, layout, rig, type Rig } from './buddy-fixtures.ts';

/**
 * Boots `banks` and fragments the Normal zone [pfnStart, pfnStart + 4096): every other page in use, so its
 * 2048 free pages are order-0 blocks in MOVABLE pageblocks and an unmovable request can only fragment it
 * further; a second Normal zone of the same node, [pfnStart + 4096, pfnStart + 8192), stays entirely free.
 */
function fragmented(banks: BankLayout[], pfnStart: Pfn): Rig {
  const r = rig(layout({ banks }));
  expect(r.allocator.takeFreeRange(pfnStart, pfnStart + 4096, r.owner)).toBe(true);
  for (let pfn = pfnStart; pfn < pfnStart + 4096; pfn += 2) r.allocator.freeRange(pfn, pfn + 1);
  r.allocator.drainAllPages();
  expect(r.allocator.freeBlockCovering(pfnStart)).toEqual({ headPfn: pfnStart, order: 0 });
  return r;
}
const inRange = (pfn: Pfn, pfnStart: Pfn, pfnEnd: Pfn): boolean => pfn >= pfnStart && pfn < pfnEnd;

describe('alloc_flags_nofragment', () => {
  it('on one node (UMA: Normal populated implies DMA32 is), an unmovable request takes a whole free pageblock in the next Normal zone rather than fragment the preferred one', () => {
    const r = fragmented([bank('normal-lo', 0, 'Normal', 0, 4096), bank('normal-hi', 0, 'Normal', 4096, 8192)], 0);
    expect(r.allocator.zones.map((zone) => zone.pfnStart)).toEqual([0, 4096]);
    expect(inRange(r.alloc(GFP_KERNEL, 0), 4096, 8192)).toBe(true);
    expect(r.events.get('alloc_fallback')).toBe(1);
    r.expectSound();
  });

  it('on several nodes, a preferred node without ZONE_DMA32 gets no ALLOC_NOFRAGMENT: its first Normal zone fragments', () => {
    const r = fragmented([bank('dma32', 0, 'DMA32', 0, 4096), bank('normal-lo', 1, 'Normal', 4096, 8192), bank('normal-hi', 1, 'Normal', 8192, 12288)], 4096);
    expect(inRange(r.alloc(GFP_KERNEL, 0, { preferredNode: 1 }), 4096, 8192)).toBe(true);
    r.expectSound();
  });

  it('on several nodes, a preferred node with ZONE_DMA32 keeps ALLOC_NOFRAGMENT', () => {
    const r = fragmented([bank('dma32', 0, 'DMA32', 0, 4096), bank('normal-lo', 0, 'Normal', 4096, 8192), bank('normal-hi', 0, 'Normal', 8192, 12288), bank('n1', 1, 'Normal', 12288, 16384)], 4096);
    expect(inRange(r.alloc(GFP_KERNEL, 0, { preferredNode: 0 }), 8192, 12288)).toBe(true);
    r.expectSound();
  });
});
