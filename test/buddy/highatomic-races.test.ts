// The highatomic reserve's race guards: steal_suitable_fallback on a block whose pageblock turned highatomic, unreserve_highatomic_pageblock's count adjusted only for a still-highatomic pageblock, and its "moved nothing" case at a zone end (Linux 6.1 mm/page_alloc.c).
import { describe, expect, it } from 'vitest';
import { reserveHighatomicPageblock, stealSuitableFallback, unreserveHighatomicPageblock } from '../../src/buddy/fallback.ts';
import { MIGRATE_HIGHATOMIC, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE } from '../../src/mem/migratetype.ts';
import { freeListPfns, layout, mib, rig } from './buddy-fixtures.ts';

describe('steal_suitable_fallback', () => {
  it('a free block found on a fallback list inside a highatomic pageblock moves as a single block and claims nothing', () => {
    const r = rig(layout({ pageCount: 2048 }));
    const zone = r.allocator.zones[0]!;
    // The racy state: pageblock 0 turned highatomic while its free order-10 block is still on the MOVABLE list.
    r.allocator.setPageblockMigratetype(0, MIGRATE_HIGHATOMIC);
    expect(freeListPfns(r.allocator, 10, MIGRATE_MOVABLE)).toEqual([0, 1024]);
    expect(stealSuitableFallback(zone, 0, MIGRATE_UNMOVABLE, true)).toBe(false);
    expect(freeListPfns(r.allocator, 10, MIGRATE_UNMOVABLE)).toEqual([0]);
    expect([r.allocator.pageblockMigratetype(0), r.allocator.pageblockMigratetype(512)]).toEqual([MIGRATE_HIGHATOMIC, MIGRATE_MOVABLE]);
  });
});

describe('unreserve_highatomic_pageblock', () => {
  it('lowers nr_reserved_highatomic only for a block whose pageblock is still highatomic', () => {
    const r = rig(layout({ pageCount: mib(64) }));
    const zone = r.allocator.zones[0]!;
    reserveHighatomicPageblock(zone, 0);
    reserveHighatomicPageblock(zone, 2048);
    expect(zone.nrReservedHighatomic).toBe(1024);
    // The racy state: pageblock 0 already handed back, its free block still on the highatomic list (listed first).
    r.allocator.setPageblockMigratetype(0, MIGRATE_MOVABLE);
    expect(freeListPfns(r.allocator, 10, MIGRATE_HIGHATOMIC)).toEqual([0, 2048]);
    expect(unreserveHighatomicPageblock([zone], MIGRATE_MOVABLE, false)).toBe(true);
    expect(zone.nrReservedHighatomic).toBe(1024);
    expect(freeListPfns(r.allocator, 10, MIGRATE_HIGHATOMIC)).toEqual([2048]);
  });

  it('goes on searching when move_freepages_block moves nothing (a pageblock crossing the zone end), and then reports failure', () => {
    // One zone of 768 pages: pageblock [512, 1024) crosses its end.
    const r = rig(layout({ pageCount: 768 }));
    const zone = r.allocator.zones[0]!;
    expect(r.allocator.takeFreeRange(512, 513, r.owner)).toBe(true);
    reserveHighatomicPageblock(zone, 512);
    expect(zone.nrReservedHighatomic).toBe(512);
    // Freed while highatomic, the page merges with its free buddies onto the highatomic list.
    r.allocator.freePages(512, 0);
    r.allocator.drainAllPages();
    expect(freeListPfns(r.allocator, 8, MIGRATE_HIGHATOMIC)).toEqual([512]);
    expect(unreserveHighatomicPageblock([zone], MIGRATE_MOVABLE, true)).toBe(false);
    expect(zone.nrReservedHighatomic).toBe(0);
    expect(r.events.get('highatomic_unreserve')).toBe(0);
  });
});
