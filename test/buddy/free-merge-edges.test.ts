// Edges of __free_one_page's merging: a buddy in the neighbouring zone is not a buddy (page_is_buddy), and buddy_merge_likely gives up at MAX_ORDER - 2 (Linux 6.1 mm/page_alloc.c).
import { describe, expect, it } from 'vitest';
import { MIGRATE_MOVABLE } from '../../src/mem/migratetype.ts';
import { bank, buddyRow, freeListPfns, layout, mib, rig } from './buddy-fixtures.ts';

describe('page_is_buddy across a zone boundary', () => {
  it('never merges a free block with its free buddy of the same order in the next zone', () => {
    // ZONE_DMA is one pageblock, [0, 512); its buddy at order 9, [512, 1024), is ZONE_DMA32's.
    const r = rig(layout({ banks: [bank('dma', 0, 'DMA', 0, 512), bank('dma32', 0, 'DMA32', 512, 4096)] }));
    expect(r.allocator.takeFreeRange(0, 512, r.owner)).toBe(true);
    expect(r.allocator.takeFreeRange(512, 1024, r.owner)).toBe(true);
    r.allocator.freeRange(512, 1024);
    r.allocator.freeRange(0, 512);
    r.allocator.drainAllPages();
    expect(r.allocator.freeBlockCovering(0)).toEqual({ headPfn: 0, order: 9 });
    expect(r.allocator.freeBlockCovering(512)).toEqual({ headPfn: 512, order: 9 });
    expect(buddyRow(r.allocator, 0)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    expect(buddyRow(r.allocator, 1)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3]);
    r.expectSound();
  });
});

describe('buddy_merge_likely', () => {
  it('does not look for a higher merge once merging stopped at order MAX_ORDER - 2: the block goes to the list head', () => {
    const r = rig(layout({ pageCount: mib(64) }));
    // The order-10 block [1024, 2048) is taken; its order-10 buddy [0, 1024) stays free.
    expect(r.allocator.takeFreeRange(1024, 2048, r.owner)).toBe(true);
    // Another order-9 block on the movable list: [4608, 5120), given back when [4096, 4608) was taken.
    expect(r.allocator.takeFreeRange(4096, 4608, r.owner)).toBe(true);
    expect(freeListPfns(r.allocator, 9, MIGRATE_MOVABLE)).toEqual([4608]);
    // Free [1024, 1536): it merges up to order 9 and stops ([1536, 2048) is still taken).
    r.allocator.freeRange(1024, 1536);
    r.allocator.drainAllPages();
    expect(freeListPfns(r.allocator, 9, MIGRATE_MOVABLE)).toEqual([1024, 4608]);
    r.expectSound();
  });

  it('below that order, a block whose next-higher buddy is free goes to the tail', () => {
    const r = rig(layout({ pageCount: mib(64) }));
    // Take [0, 1024) and give back [256, 512) whole: order 8 cannot merge ([0, 256) is taken) but its
    // order-9 buddy [512, 1024) is free, so [256, 512) is queued at the tail behind another order-8 block.
    expect(r.allocator.takeFreeRange(0, 1024, r.owner)).toBe(true);
    expect(r.allocator.takeFreeRange(2048, 2304, r.owner)).toBe(true);
    r.allocator.freeRange(512, 1024);
    r.allocator.drainAllPages();
    const before = freeListPfns(r.allocator, 8, MIGRATE_MOVABLE);
    expect(before.length).toBeGreaterThan(0);
    r.allocator.freeRange(256, 512);
    r.allocator.drainAllPages();
    expect(freeListPfns(r.allocator, 8, MIGRATE_MOVABLE)).toEqual([...before, 256]);
    r.expectSound();
  });
});
