// Migratetype fallback and the highatomic reserve at their thresholds: can_steal_fallback, move_freepages(_block), steal_suitable_fallback's claim rule, __rmqueue_fallback's largest/smallest choice, reserve_highatomic_pageblock's limit and unreserve_highatomic_pageblock's last pageblock (Linux 6.1 mm/page_alloc.c).
import { describe, expect, it } from 'vitest';
import { canStealFallback, reserveHighatomicPageblock, unreserveHighatomicPageblock } from '../../src/buddy/fallback.ts';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from '../../src/mem/gfp.ts';
import {
  MIGRATE_CMA, MIGRATE_HIGHATOMIC, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE, type Migratetype,
} from '../../src/mem/migratetype.ts';
import { PG_MOVABLE } from '../../src/mem/page-state.ts';
import { bank, freeListPfns, layout, mib, rig, type Rig } from './buddy-fixtures.ts';

describe('can_steal_fallback', () => {
  it.each([
    [0, MIGRATE_MOVABLE, false], [3, MIGRATE_MOVABLE, false], [4, MIGRATE_MOVABLE, true], [9, MIGRATE_MOVABLE, true], [10, MIGRATE_MOVABLE, true],
    [0, MIGRATE_UNMOVABLE, true], [0, MIGRATE_RECLAIMABLE, true], [3, MIGRATE_RECLAIMABLE, true],
  ] as const)('order %i, start type %i: %s', (order, startMt, steal) => {
    expect(canStealFallback(order, startMt)).toBe(steal);
  });
});

describe('move_freepages_block', () => {
  it('walks the pageblock inclusively to its last PFN and counts only PG_MOVABLE pages as movable', () => {
    const r = rig(layout({ pageCount: mib(16) }));
    // [0, 511) taken, 16 of those pages LRU (PG_MOVABLE); only the last page, 511, is free.
    expect(r.allocator.takeFreeRange(0, 511, r.owner)).toBe(true);
    r.allocator.table.setFlags(0, 16, PG_MOVABLE);
    expect(r.allocator.moveFreePagesBlock(0, MIGRATE_UNMOVABLE)).toEqual({ movedPages: 1, movablePages: 16 });
    expect(freeListPfns(r.allocator, 0, MIGRATE_UNMOVABLE)).toEqual([511]);
  });

  it('starts at the PFN itself when the pageblock begins before the zone (never touches the zone below)', () => {
    // ZONE_DMA is [0, 256); ZONE_DMA32 starts in the middle of pageblock 0.
    const r = rig(layout({ banks: [bank('dma', 0, 'DMA', 0, 256), bank('dma32', 0, 'DMA32', 256, 4096)] }));
    expect(freeListPfns(r.allocator, 8, MIGRATE_MOVABLE, 0)).toEqual([0]);
    expect(r.allocator.moveFreePagesBlock(300, MIGRATE_UNMOVABLE).movedPages).toBe(0);
    expect(freeListPfns(r.allocator, 8, MIGRATE_MOVABLE, 0)).toEqual([0]);
    expect(freeListPfns(r.allocator, 8, MIGRATE_MOVABLE, 1)).toEqual([256]);
    r.expectSound();
  });
});

describe('steal_suitable_fallback: claiming the pageblock', () => {
  /**
   * 16 MiB where only pageblock [0, 512) has free pages: `movable` PG_MOVABLE pages in use at its start,
   * then other pages in use, then `free` free pages at its end; the pageblock is of type `blockType`.
   */
  function onePageblock(blockType: Migratetype, movable: number, free: number): Rig {
    const r = rig(layout({ pageCount: mib(16) }));
    expect(r.allocator.takeFreeRange(512, mib(16), r.owner)).toBe(true);
    expect(r.allocator.takeFreeRange(0, 512 - free, r.owner)).toBe(true);
    if (movable > 0) r.allocator.table.setFlags(0, movable, PG_MOVABLE);
    if (blockType !== MIGRATE_MOVABLE) {
      r.allocator.setPageblockMigratetype(0, blockType);
      r.allocator.moveFreePagesBlock(0, blockType);
    }
    return r;
  }

  it('a movable request counts the block\'s movable pages as alike: free + movable >= 256 claims it', () => {
    const r = onePageblock(MIGRATE_UNMOVABLE, 64, 192);
    expect(r.alloc(GFP_HIGHUSER_MOVABLE, 4)).toBeLessThan(512);
    expect(r.allocator.pageblockMigratetype(0)).toBe(MIGRATE_MOVABLE);
    expect(r.events.get('alloc_steal_block')).toBe(1);
    r.expectSound();
  });

  it('one page short of half the pageblock, the free pages move but the block keeps its type', () => {
    const r = onePageblock(MIGRATE_UNMOVABLE, 64, 191);
    expect(r.alloc(GFP_HIGHUSER_MOVABLE, 4)).toBeLessThan(512);
    expect(r.allocator.pageblockMigratetype(0)).toBe(MIGRATE_UNMOVABLE);
    expect(r.events.get('alloc_fallback')).toBe(1);
    expect(r.events.get('alloc_steal_block')).toBe(0);
    r.expectSound();
  });

  it('an unmovable request counts the non-movable pages of a MOVABLE block as alike', () => {
    const r = onePageblock(MIGRATE_MOVABLE, 0, 200);
    expect(r.alloc(GFP_KERNEL, 0)).toBeLessThan(512);
    expect(r.allocator.pageblockMigratetype(0)).toBe(MIGRATE_UNMOVABLE);
    expect(r.events.get('alloc_steal_block')).toBe(1);
  });

  it('an unmovable request falling back to a RECLAIMABLE block counts nothing as alike', () => {
    const r = onePageblock(MIGRATE_RECLAIMABLE, 0, 200);
    expect(r.alloc(GFP_KERNEL, 0)).toBeLessThan(512);
    expect(r.allocator.pageblockMigratetype(0)).toBe(MIGRATE_RECLAIMABLE);
    expect(r.events.get('alloc_steal_block')).toBe(0);
  });
});

describe('__rmqueue_fallback: which block', () => {
  it('steals the largest fallback block, claiming its pageblock, when the request may steal', () => {
    const r = rig(layout({ pageCount: mib(16) }));
    // Free: the whole pageblock [0, 512) and the single page 1024, both in UNMOVABLE pageblocks.
    expect(r.allocator.takeFreeRange(512, 1024, r.owner)).toBe(true);
    expect(r.allocator.takeFreeRange(1025, mib(16), r.owner)).toBe(true);
    for (const pfn of [0, 1024]) {
      r.allocator.setPageblockMigratetype(pfn, MIGRATE_UNMOVABLE);
      r.allocator.moveFreePagesBlock(pfn, MIGRATE_UNMOVABLE);
    }
    expect(r.alloc(GFP_HIGHUSER_MOVABLE, 0)).toBeLessThan(512);
    expect(r.allocator.pageblockMigratetype(0)).toBe(MIGRATE_MOVABLE);
    expect(r.allocator.pageblockMigratetype(1024)).toBe(MIGRATE_UNMOVABLE);
  });

  it('a movable request that cannot steal takes a single small block and claims nothing', () => {
    const r = rig(layout({ pageCount: mib(16) }));
    expect(r.allocator.takeFreeRange(512, mib(16), r.owner)).toBe(true);
    // Pageblock 0 keeps 32 free order-3 blocks (every other 8 pages): 256 free pages, none of order 4.
    for (let pfn = 8; pfn < 512; pfn += 16) expect(r.allocator.takeFreeRange(pfn, pfn + 8, r.owner)).toBe(true);
    r.allocator.setPageblockMigratetype(0, MIGRATE_UNMOVABLE);
    r.allocator.moveFreePagesBlock(0, MIGRATE_UNMOVABLE);
    expect(r.alloc(GFP_HIGHUSER_MOVABLE, 0)).toBeLessThan(512);
    expect(r.allocator.pageblockMigratetype(0)).toBe(MIGRATE_UNMOVABLE);
    expect(r.events.get('alloc_fallback')).toBeGreaterThan(0);
    expect(r.events.get('alloc_steal_block')).toBe(0);
  });
});

describe('the highatomic reserve', () => {
  it('reserve_highatomic_pageblock stops at 1 % of the zone plus one pageblock', () => {
    // 200 MiB: 51200 managed pages, so the limit is 512 + 512 = 1024 pages.
    const r = rig(layout({ pageCount: mib(200) }));
    const zone = r.allocator.zones[0]!;
    reserveHighatomicPageblock(zone, 0);
    reserveHighatomicPageblock(zone, 512);
    expect(zone.nrReservedHighatomic).toBe(1024);
    reserveHighatomicPageblock(zone, 1024);
    expect(zone.nrReservedHighatomic).toBe(1024);
    expect(r.allocator.pageblockMigratetype(1024)).toBe(MIGRATE_MOVABLE);
    expect(r.allocator.pageblockMigratetype(512)).toBe(MIGRATE_HIGHATOMIC);
  });

  it('never turns a CMA pageblock into a highatomic one', () => {
    const r = rig(layout({ pageCount: mib(64), cma: [{ name: 'cma', pfnStart: 0, pfnEnd: 1024, orderPerBit: 0 }] }));
    const zone = r.allocator.zones[0]!;
    reserveHighatomicPageblock(zone, 0);
    expect(zone.nrReservedHighatomic).toBe(0);
    expect(r.allocator.pageblockMigratetype(0)).toBe(MIGRATE_CMA);
  });

  it('unreserve_highatomic_pageblock keeps a zone\'s last reserved pageblock unless forced', () => {
    const r = rig(layout({ pageCount: mib(64) }));
    const zone = r.allocator.zones[0]!;
    expect(unreserveHighatomicPageblock([zone], MIGRATE_MOVABLE, false)).toBe(false);
    // Two pageblocks in different free order-10 blocks, so each brings its own free pages along.
    reserveHighatomicPageblock(zone, 0);
    reserveHighatomicPageblock(zone, 2048);
    expect(zone.nrReservedHighatomic).toBe(1024);
    expect(unreserveHighatomicPageblock([zone], MIGRATE_MOVABLE, false)).toBe(true);
    expect(zone.nrReservedHighatomic).toBe(512);
    expect(unreserveHighatomicPageblock([zone], MIGRATE_MOVABLE, false)).toBe(false);
    expect(zone.nrReservedHighatomic).toBe(512);
    expect(unreserveHighatomicPageblock([zone], MIGRATE_MOVABLE, true)).toBe(true);
    expect(zone.nrReservedHighatomic).toBe(0);
    expect([r.allocator.pageblockMigratetype(0), r.allocator.pageblockMigratetype(2048)]).toEqual([MIGRATE_MOVABLE, MIGRATE_MOVABLE]);
    r.expectSound();
  });
});
