// Which free list __rmqueue and rmqueue_buddy take a block from: CMA before stealing, the CMA balancing boundary, and the highatomic reserve only for high-order ALLOC_HARDER (Linux 6.1 mm/page_alloc.c).
import { describe, expect, it } from 'vitest';
import { MAX_PAGE_ORDER, type Pfn } from '../../src/base/units.ts';
import type { Zone } from '../../src/buddy/zone.ts';
import { GFP_ATOMIC, GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from '../../src/mem/gfp.ts';
import { MIGRATE_CMA, MIGRATE_HIGHATOMIC, MIGRATE_MOVABLE } from '../../src/mem/migratetype.ts';
import { layout, mib, rig, type Rig } from './buddy-fixtures.ts';

/** Free pages on the (every order, `migratetype`) lists of `zone`. */
function freePagesOn(zone: Zone, migratetype: number): number {
  let pages = 0;
  for (let order = 0; order <= MAX_PAGE_ORDER; order++) pages += zone.freeArea.blockCount(order, migratetype) * 2 ** order;
  return pages;
}

/** 16 MiB with a one-pageblock CMA area at its end, [3584, 4096). */
function withCmaAtEnd(): Rig {
  return rig(layout({ pageCount: mib(16), cma: [{ name: 'cma', pfnStart: 3584, pfnEnd: 4096, orderPerBit: 0 }] }));
}
const inCma = (pfn: Pfn): boolean => pfn >= 3584 && pfn < 4096;

describe('__rmqueue: where a movable request goes once its own lists are empty', () => {
  it('takes CMA pages (__rmqueue_cma_fallback) before stealing from another migratetype (__rmqueue_fallback)', () => {
    const r = withCmaAtEnd();
    const zone = r.allocator.zones[0]!;
    // An unmovable order-4 request claims a whole movable order-10 block: 1008 free unmovable pages.
    r.alloc(GFP_KERNEL, 4);
    expect(freePagesOn(zone, 0)).toBe(1008);
    // Free CMA (512) never exceeds half of all free pages below, so CMA is not used first.
    while (freePagesOn(zone, MIGRATE_MOVABLE) > 0) expect(inCma(r.alloc(GFP_HIGHUSER_MOVABLE, 4))).toBe(false);
    expect(r.events.get('alloc_cma_fallback')).toBe(0);
    const fallbacksBefore = r.events.get('alloc_fallback');
    let fromCma = 0;
    while (freePagesOn(zone, MIGRATE_CMA) > 0) {
      expect(inCma(r.alloc(GFP_HIGHUSER_MOVABLE, 4))).toBe(true);
      fromCma++;
    }
    expect(fromCma).toBe(32);
    expect(r.events.get('alloc_cma_fallback')).toBe(fromCma);
    expect(r.events.get('alloc_fallback')).toBe(fallbacksBefore);
    // With CMA used up too, the request steals from the unmovable pageblocks; a failed CMA try counts nothing.
    expect(inCma(r.alloc(GFP_HIGHUSER_MOVABLE, 4))).toBe(false);
    expect(r.events.get('alloc_fallback')).toBe(fallbacksBefore + 1);
    expect(r.events.get('alloc_cma_fallback')).toBe(fromCma);
    r.expectSound();
  });

  it('uses CMA first only while free CMA pages are strictly more than half of the free pages', () => {
    // 512 free movable + 512 free CMA: exactly half, so the movable lists go first.
    const even = withCmaAtEnd();
    expect(even.allocator.takeFreeRange(0, 3072, even.owner)).toBe(true);
    expect(inCma(even.alloc(GFP_HIGHUSER_MOVABLE, 4))).toBe(false);
    // 496 free movable + 512 free CMA: more than half, CMA first.
    const over = withCmaAtEnd();
    expect(over.allocator.takeFreeRange(0, 3088, over.owner)).toBe(true);
    expect(inCma(over.alloc(GFP_HIGHUSER_MOVABLE, 4))).toBe(true);
  });

  it('goes on to the movable lists when CMA is tried first but holds no block of the order', () => {
    const r = withCmaAtEnd();
    expect(r.allocator.takeFreeRange(0, 3200, r.owner)).toBe(true);
    // One page in use every 16 pages of the CMA area: 480 free CMA pages, none in a block of order 4.
    for (let pfn = 3584; pfn < 4096; pfn += 16) expect(r.allocator.takeFreeRange(pfn, pfn + 1, r.owner)).toBe(true);
    const zone = r.allocator.zones[0]!;
    expect([zone.freeArea.nrFreeCmaPages, zone.freeArea.nrFreePages]).toEqual([480, 864]);
    const pfn = r.alloc(GFP_HIGHUSER_MOVABLE, 4);
    expect(pfn >= 3200 && pfn < 3584).toBe(true);
  });
});

describe('rmqueue_buddy and the highatomic reserve', () => {
  /** 64 MiB with only the last 300 pages free, whose pageblock a GFP_ATOMIC order-4 allocation reserved. */
  function reserved(): { r: Rig; zone: Zone; reservedBlock: Pfn } {
    const r = rig(layout({ pageCount: mib(64) }));
    const zone = r.allocator.zones[0]!;
    expect(r.allocator.takeFreeRange(0, mib(64) - 300, r.owner)).toBe(true);
    const first = r.alloc(GFP_ATOMIC, 4);
    expect(r.allocator.pageblockMigratetype(first)).toBe(MIGRATE_HIGHATOMIC);
    return { r, zone, reservedBlock: first - (first % 512) };
  }
  const inBlock = (block: Pfn, pfn: Pfn): boolean => pfn >= block && pfn < block + 512;

  it('an order-0 atomic request never takes from the reserve, even when nothing else is free', () => {
    const { r, zone } = reserved();
    const pgalloc = r.events.get('pgalloc');
    expect(freePagesOn(zone, MIGRATE_HIGHATOMIC)).toBeGreaterThan(0);
    expect(r.allocator.allocPages(GFP_ATOMIC, 0, { owner: r.owner }).ok).toBe(false);
    // A failed request counts no PGALLOC; the fast path's low-watermark miss (the reserve is unusable there) is counted.
    expect(r.events.get('pgalloc')).toBe(pgalloc);
    expect(r.events.get('watermark_fail')).toBeGreaterThan(0);
  });

  it('a high-order atomic request of a per-CPU order falls through to the reserve when the per-CPU refill finds nothing', () => {
    const { r, reservedBlock } = reserved();
    expect(inBlock(reservedBlock, r.alloc(GFP_ATOMIC, 1))).toBe(true);
  });

  it('a high-order request without ALLOC_HARDER leaves the reserve alone while other memory is free', () => {
    const { r, zone } = reserved();
    r.allocator.freeRange(0, 1024);
    r.allocator.drainAllPages();
    expect(r.allocator.freeBlockCovering(0)).toEqual({ headPfn: 0, order: 10 });
    const reserveFree = freePagesOn(zone, MIGRATE_HIGHATOMIC);
    expect(r.alloc(GFP_KERNEL, 4)).toBeLessThan(1024);
    expect(freePagesOn(zone, MIGRATE_HIGHATOMIC)).toBe(reserveFree);
    r.expectSound();
  });
});
