// Scenario tests in the spirit of drm_buddy's KUnit suite, adapted to the Linux page allocator: limits, full-memory churn, fragmentation, fallback, CMA, PCP, bulk, refcounts, watermarks, boot.
import { describe, expect, it } from 'vitest';
import { rmqueueInner } from '../../src/buddy/rmqueue.ts';
import { freeOnePage } from '../../src/buddy/free-one-page.ts';
import type { Pfn } from '../../src/base/units.ts';
import {
  __GFP_COMP, __GFP_DIRECT_RECLAIM, __GFP_MEMALLOC, __GFP_RECLAIM, GFP_ATOMIC, GFP_HIGHUSER_MOVABLE, GFP_KERNEL, GFP_NOWAIT,
} from '../../src/mem/gfp.ts';
import { MIGRATE_CMA, MIGRATE_ISOLATE, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE } from '../../src/mem/migratetype.ts';
import { NO_PAGE } from '../../src/mem/page-table.ts';
import { PAGE_ABSENT, PAGE_ALLOCATED, PAGE_FREE, PAGE_RESERVED, PG_MOVABLE } from '../../src/mem/page-state.ts';
import { bank, buddyRow, freeListPfns, layout, mib, rig, type Rig } from './buddy-fixtures.ts';

/** Order-0 movable allocations that ignore watermarks and never reclaim: they can take every page. */
const TAKE_ALL = (GFP_HIGHUSER_MOVABLE | __GFP_MEMALLOC) & ~__GFP_RECLAIM;

function allocateEverything(r: Rig, order = 0): Pfn[] {
  const pfns: Pfn[] = [];
  for (;;) {
    const result = r.allocator.allocPages(TAKE_ALL, order, { owner: r.owner });
    if (!result.ok) return pfns;
    pfns.push(result.value);
  }
}

function expectFullyMerged(r: Rig, pageCount: number): void {
  r.allocator.drainAllPages();
  expect(buddyRow(r.allocator)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, pageCount / 1024]);
  r.expectSound();
}

describe('limit: orders 0..MAX_PAGE_ORDER exist, MAX_PAGE_ORDER + 1 does not', () => {
  it('allocates every order up to 10 and refuses order 11 with ENOMEM', () => {
    const r = rig(layout({ pageCount: mib(64) }));
    for (let order = 0; order <= 10; order++) expect(r.allocator.pageState(r.alloc(GFP_KERNEL, order))).toBe(PAGE_ALLOCATED);
    r.env.faults.arm('page_alloc', 1);
    const result = r.allocator.allocPages(GFP_KERNEL, 11, { owner: r.owner });
    expect(result).toMatchObject({ ok: false, errno: 'ENOMEM' });
    expect(r.env.faults.armedCount('page_alloc')).toBe(1);
    expect(r.events.get('pgalloc_fail')).toBe(1);
    r.expectSound();
  });
});

describe('optimistic: take every page at order 0, free them all', () => {
  it('ends fully merged into order-10 blocks', () => {
    const r = rig(layout({ pageCount: mib(8) }));
    const pfns = allocateEverything(r);
    expect(pfns.length).toBe(mib(8));
    expect(r.allocator.nrFreePages() + r.allocator.pcpPages()).toBe(0);
    r.expectSound();
    for (const pfn of pfns) r.allocator.freePages(pfn, 0);
    expectFullyMerged(r, mib(8));
  });
});

describe('pessimistic: free every other page, then the rest', () => {
  it('cannot merge anything while every buddy is allocated, then merges completely', () => {
    const r = rig(layout({ pageCount: mib(8) }));
    const pfns = allocateEverything(r).sort((a, b) => a - b);
    for (const pfn of pfns.filter((p) => p % 2 === 0)) r.allocator.freePages(pfn, 0);
    r.allocator.drainAllPages();
    expect(buddyRow(r.allocator)).toEqual([mib(8) / 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    r.expectSound();
    for (const pfn of pfns.filter((p) => p % 2 === 1)) r.allocator.freePages(pfn, 0);
    expectFullyMerged(r, mib(8));
  });
});

describe('pathological: fragment so each order fails in turn', () => {
  it('leaves one hole per order, then nothing above order 0', () => {
    const r = rig(layout({ pageCount: 1024 }));
    const blocks: { pfn: Pfn; order: number }[] = [];
    const holes: Pfn[] = [];
    const tryAlloc = (order: number): Pfn | null => {
      const result = r.allocator.allocPages(TAKE_ALL, order, { owner: r.owner });
      return result.ok ? result.value : null;
    };
    for (let top = 10; top > 0; top--) {
      const largest = blocks.shift();
      if (largest !== undefined) r.allocator.freePages(largest.pfn, largest.order);
      r.allocator.drainAllPages();
      for (let order = top - 1; order >= 0; order--) {
        const pfn = tryAlloc(order);
        expect(pfn, `order ${order} with top ${top}`).not.toBeNull();
        blocks.push({ pfn: pfn as Pfn, order });
      }
      const hole = tryAlloc(0);
      expect(hole).not.toBeNull();
      holes.push(hole as Pfn);
      expect(tryAlloc(top), `top order ${top} should be exhausted`).toBeNull();
    }
    for (const hole of holes) r.allocator.freePages(hole, 0);
    r.allocator.drainAllPages();
    for (let order = 1; order <= 10; order++) expect(tryAlloc(order), `order ${order}`).toBeNull();
    r.expectSound();
    for (const block of blocks) r.allocator.freePages(block.pfn, block.order);
    expectFullyMerged(r, 1024);
  });
});

describe('fallback and stealing', () => {
  it('an unmovable allocation claims a whole movable order-10 block (ALLOC_NOFRAGMENT first pass)', () => {
    const r = rig(layout({ pageCount: mib(64) }));
    const pfn = r.alloc(GFP_KERNEL, 0);
    expect(r.allocator.pageblockMigratetype(pfn)).toBe(MIGRATE_UNMOVABLE);
    expect(r.allocator.pageblockMigratetype(pfn ^ 512)).toBe(MIGRATE_UNMOVABLE);
    expect(r.events.get('alloc_steal_block')).toBe(1);
    expect(r.events.get('alloc_fallback')).toBe(1);
    r.expectSound();
  });

  it('claims a pageblock when at least half of it is free or compatible (move_freepages_block)', () => {
    const r = rig(layout({ pageCount: 2048 }));
    const zone = r.allocator.zones[0]!;
    zone.freeArea.delFromFreeList(0);
    zone.freeArea.delFromFreeList(1024);
    for (const [pfn, order] of [[256, 8], [128, 7], [0, 0]] as const) freeOnePage(zone, pfn, order, MIGRATE_MOVABLE, false);
    expect(rmqueueInner(zone, 0, MIGRATE_UNMOVABLE, 0)).toBe(0);
    expect(r.allocator.pageblockMigratetype(0)).toBe(MIGRATE_UNMOVABLE);
    expect(freeListPfns(r.allocator, 8, MIGRATE_UNMOVABLE)).toEqual([256]);
  });

  it('steals only the block when the pageblock is mostly movable pages', () => {
    const r = rig(layout({ pageCount: 2048 }));
    const zone = r.allocator.zones[0]!;
    zone.freeArea.delFromFreeList(0);
    zone.freeArea.delFromFreeList(1024);
    r.allocator.table.setFlags(64, 448, PG_MOVABLE);
    freeOnePage(zone, 0, 6, MIGRATE_MOVABLE, false);
    expect(rmqueueInner(zone, 0, MIGRATE_UNMOVABLE, 0)).toBe(0);
    expect(r.allocator.pageblockMigratetype(0)).toBe(MIGRATE_MOVABLE);
    expect(freeListPfns(r.allocator, 5, MIGRATE_UNMOVABLE)).toEqual([32]);
  });

  it('a steal at the zone end moves only the block found (move_freepages_block refuses to cross the zone)', () => {
    const r = rig(layout({ banks: [bank('dma32', 0, 'DMA32', 0, 1280)] }));
    expect(r.allocator.takeFreeRange(0, 1024, r.owner)).toBe(true);
    expect(r.alloc(GFP_KERNEL, 0)).toBe(1024);
    expect(r.allocator.pageblockMigratetype(1024)).toBe(MIGRATE_MOVABLE);
    expect(r.events.get('alloc_steal_block')).toBe(0);
    r.expectSound();
  });

  it('a movable request that cannot claim splits the smallest fallback block (find_smallest)', () => {
    const r = rig(layout({ pageCount: 2048 }));
    const zone = r.allocator.zones[0]!;
    zone.freeArea.delFromFreeList(0);
    zone.freeArea.delFromFreeList(1024);
    r.allocator.table.setPageblockMigratetype(0, MIGRATE_UNMOVABLE);
    freeOnePage(zone, 8, 3, MIGRATE_UNMOVABLE, false);
    freeOnePage(zone, 2, 1, MIGRATE_UNMOVABLE, false);
    expect(rmqueueInner(zone, 0, MIGRATE_MOVABLE, 0)).toBe(2);
    expect(freeListPfns(r.allocator, 3, MIGRATE_UNMOVABLE)).toEqual([8]);
    expect(freeListPfns(r.allocator, 0, MIGRATE_MOVABLE)).toEqual([3]);
    expect(r.allocator.pageblockMigratetype(0)).toBe(MIGRATE_UNMOVABLE);
    expect(rmqueueInner(zone, 5, MIGRATE_MOVABLE, 0)).toBe(NO_PAGE);
  });
});

describe('CMA: only movable allocations may use CMA pageblocks', () => {
  const cmaLayout = layout({ pageCount: mib(64), cma: [{ name: 'cma', pfnStart: 0, pfnEnd: mib(48), orderPerBit: 0 }] });

  it('GFP_KERNEL never gets a CMA page, even when only CMA is free; GFP_HIGHUSER_MOVABLE may', () => {
    const r = rig(cmaLayout);
    expect(r.allocator.takeFreeRange(mib(48), mib(64), r.owner)).toBe(true);
    const kernel = r.allocator.allocPages(GFP_KERNEL, 0, { owner: r.owner });
    expect(kernel.ok).toBe(false);
    const movable = r.alloc(GFP_HIGHUSER_MOVABLE, 0);
    expect(r.allocator.pageblockMigratetype(movable)).toBe(MIGRATE_CMA);
    r.expectSound();
  });

  it('movable allocations use CMA first when free CMA exceeds half of free memory', () => {
    const r = rig(cmaLayout);
    expect(r.allocator.pageblockMigratetype(r.alloc(GFP_HIGHUSER_MOVABLE, 0))).toBe(MIGRATE_CMA);
    expect(r.allocator.pageblockMigratetype(r.alloc(GFP_HIGHUSER_MOVABLE, 5))).toBe(MIGRATE_CMA);
    const small = rig(layout({ pageCount: mib(64), cma: [{ name: 'cma', pfnStart: 0, pfnEnd: mib(16), orderPerBit: 0 }] }));
    expect(small.allocator.pageblockMigratetype(small.alloc(GFP_HIGHUSER_MOVABLE, 0))).toBe(MIGRATE_MOVABLE);
  });

  it('no mix of kernel allocations ever lands in a CMA pageblock', () => {
    const r = rig(cmaLayout);
    const rng = r.env.rng.fork('cma-kernel');
    for (let i = 0; i < 300; i++) {
      const result = r.allocator.allocPages(rng.pick([GFP_KERNEL, GFP_ATOMIC, GFP_NOWAIT]), rng.int(0, 6), { owner: r.owner });
      if (result.ok) expect(r.allocator.pageblockMigratetype(result.value)).not.toBe(MIGRATE_CMA);
    }
    r.expectSound();
  });
});

describe('CMA and ISOLATE pageblocks never merge with a MOVABLE buddy at order >= 9', () => {
  it('keeps a CMA pageblock apart from its movable buddy at boot', () => {
    const r = rig(layout({ pageCount: 2048, cma: [{ name: 'cma', pfnStart: 512, pfnEnd: 1024, orderPerBit: 0 }] }));
    expect(freeListPfns(r.allocator, 9, MIGRATE_MOVABLE)).toEqual([0]);
    expect(freeListPfns(r.allocator, 9, MIGRATE_CMA)).toEqual([512]);
    expect(freeListPfns(r.allocator, 10, MIGRATE_MOVABLE)).toEqual([1024]);
    r.expectSound();
  });

  it('keeps an isolated pageblock apart, and merges it back when isolation is undone', () => {
    const r = rig(layout({ pageCount: 2048 }));
    expect(r.allocator.takeFreeRange(0, 512, r.owner)).toBe(true);
    r.allocator.setPageblockMigratetype(0, MIGRATE_ISOLATE);
    expect(r.allocator.freeRange(0, 512)).toBe(0);
    expect(freeListPfns(r.allocator, 9, MIGRATE_ISOLATE)).toEqual([0]);
    expect(freeListPfns(r.allocator, 9, MIGRATE_MOVABLE)).toEqual([512]);
    expect(r.allocator.nrIsolatedFreePages()).toBe(512);
    r.expectSound();
    r.allocator.unsetMigratetypeIsolate(0, MIGRATE_MOVABLE);
    expect(buddyRow(r.allocator)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    expect(r.allocator.nrIsolatedFreePages()).toBe(0);
    r.expectSound();
  });
});

describe('__free_pages with an extra reference (lib/test_free_pages.c)', () => {
  it.each([['non-compound', GFP_KERNEL], ['compound', GFP_KERNEL | __GFP_COMP]])('leaks nothing for %s order-3 pages', (_label, gfp) => {
    const r = rig(layout({ pageCount: mib(64) }));
    r.allocator.drainAllPages();
    const before = r.allocator.nrFreePages();
    for (let i = 0; i < 2000; i++) {
      const pfn = r.alloc(gfp, 3);
      r.allocator.getPage(pfn);
      r.allocator.freePages(pfn, 3);
      r.allocator.putPage(pfn);
    }
    r.expectSound();
    r.allocator.drainAllPages();
    expect(r.allocator.nrFreePages()).toBe(before);
  });
});

describe('watermarks', () => {
  it('stops GFP_KERNEL at the min watermark; GFP_ATOMIC (ALLOC_HIGH|ALLOC_HARDER) dips further', () => {
    const r = rig(layout({ pageCount: mib(64) }));
    const zone = r.allocator.zones[0]!;
    let kernel = 0;
    while (r.allocator.allocPages(GFP_KERNEL, 0, { owner: r.owner }).ok) kernel++;
    expect(kernel).toBeGreaterThan(mib(60));
    expect(zone.freeArea.nrFreePages).toBeLessThanOrEqual(zone.minWatermark + 1);
    expect(r.events.get('oom_fail')).toBe(1);
    expect(r.events.get('kswapd_wake')).toBeGreaterThan(0);
    let atomic = 0;
    while (r.allocator.allocPages(GFP_ATOMIC, 0, { owner: r.owner }).ok) atomic++;
    expect(atomic).toBeGreaterThan(0);
    const min = zone.minWatermark;
    const atomicMin = min - Math.floor(min / 2) - Math.floor((min - Math.floor(min / 2)) / 4);
    expect(zone.freeArea.nrFreePages).toBeLessThanOrEqual(atomicMin + 1);
    expect(zone.freeArea.nrFreePages).toBeGreaterThan(0);
    r.expectSound();
  });
});

describe('boot layout', () => {
  it('marks holes absent and reservations reserved, keeps blocks inside zones, and counts pages per zone', () => {
    const platform = layout({
      banks: [bank('low', 0, 'DMA32', 0, 1536), bank('high', 1, 'Normal', 4096, 4096 + mib(16))],
      reserved: [{ label: 'kernel', pfnStart: 4096, pfnEnd: 4096 + 300 }, { label: 'fw', pfnStart: 10, pfnEnd: 20 }],
      cma: [{ name: 'cma', pfnStart: 4096 + 1024, pfnEnd: 4096 + 2048, orderPerBit: 0 }],
      cpuCount: 2,
    });
    const r = rig(platform);
    const [low, high] = r.allocator.zones;
    expect([low!.kind, low!.node, low!.presentPages, low!.reservedPages, low!.managedPages]).toEqual(['DMA32', 0, 1536, 10, 1526]);
    expect([high!.kind, high!.node, high!.managedPages, high!.cmaPages]).toEqual(['Normal', 1, mib(16) - 300, 1024]);
    expect(r.allocator.pageState(2000)).toBe(PAGE_ABSENT);
    expect(r.allocator.pageState(15)).toBe(PAGE_RESERVED);
    expect(r.allocator.pageState(4096 + 299)).toBe(PAGE_RESERVED);
    expect(r.allocator.pageState(4096 + 300)).toBe(PAGE_FREE);
    expect(freeListPfns(r.allocator, 9, MIGRATE_MOVABLE, 0)).toEqual([512, 1024]);
    expect(r.allocator.nrFreePages()).toBe(1526 + mib(16) - 300);
    expect(r.allocator.nrFreeCmaPages()).toBe(1024);
    expect(r.allocator.pageblockMigratetype(4096 + 1024)).toBe(MIGRATE_CMA);
    expect(r.allocator.totalCmaPages).toBe(1024);
    r.expectSound();
  });

  // Its build time is measured by `npm run bench` (bench/buddy.ts), not asserted here.
  it('builds a 16 GiB machine as 4096 free order-10 blocks', () => {
    const r = rig(layout({ pageCount: mib(16384), cpuCount: 8 }));
    expect(r.allocator.nrFreeBlocks(0, 10)).toBe(4096);
  });
});
