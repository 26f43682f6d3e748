// The buddy core on hand-built free lists: __free_one_page merging, buddy_merge_likely placement, expand order, __rmqueue_smallest, and the pageblock merge rule.
import { describe, expect, it } from 'vitest';
import { buddyMergeLikely, findFreeBuddy, freeOnePage } from '../../src/buddy/free-one-page.ts';
import { expand, rmqueueSmallest } from '../../src/buddy/rmqueue.ts';
import type { Zone } from '../../src/buddy/zone.ts';
import { MIGRATE_CMA, MIGRATE_HIGHATOMIC, MIGRATE_ISOLATE, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE } from '../../src/mem/migratetype.ts';
import { NO_PAGE } from '../../src/mem/page-table.ts';
import { freeListPfns, layout, rig } from './buddy-fixtures.ts';

/** A zone whose free lists have been emptied, so tests can build exact free-block configurations. */
function blankZone(pageCount = 2048): { zone: Zone; lists: (order: number, mt?: number) => number[] } {
  const { allocator } = rig(layout({ pageCount }));
  const zone = allocator.zones[0]!;
  for (let order = 0; order <= 10; order++) {
    for (let pfn = zone.freeArea.firstPfn(order, MIGRATE_MOVABLE); pfn !== NO_PAGE; pfn = zone.freeArea.firstPfn(order, MIGRATE_MOVABLE)) zone.freeArea.delFromFreeList(pfn);
  }
  return { zone, lists: (order, mt = MIGRATE_MOVABLE) => freeListPfns(allocator, order, mt) };
}

describe('__free_one_page', () => {
  it('merges with free buddies pfn ^ 2^order all the way up', () => {
    const { zone, lists } = blankZone();
    freeOnePage(zone, 1, 0, MIGRATE_MOVABLE, false);
    freeOnePage(zone, 2, 1, MIGRATE_MOVABLE, false);
    freeOnePage(zone, 4, 2, MIGRATE_MOVABLE, false);
    expect([lists(0), lists(1), lists(2)]).toEqual([[1], [2], [4]]);
    freeOnePage(zone, 0, 0, MIGRATE_MOVABLE, false);
    expect([lists(0), lists(1), lists(2), lists(3)]).toEqual([[], [], [], [0]]);
    expect(zone.freeArea.nrFreePages).toBe(8);
  });

  it('adds to the tail when the next-higher buddy is free (buddy_merge_likely), else to the head', () => {
    const { zone, lists } = blankZone();
    freeOnePage(zone, 4, 2, MIGRATE_MOVABLE, false);
    freeOnePage(zone, 1000, 1, MIGRATE_MOVABLE, false);
    expect(buddyMergeLikely(zone, 2, 0, 1)).toBe(true);
    freeOnePage(zone, 2, 1, MIGRATE_MOVABLE, false);
    expect(lists(1)).toEqual([1000, 2]);
    freeOnePage(zone, 16, 1, MIGRATE_MOVABLE, false);
    expect(lists(1)).toEqual([16, 1000, 2]);
    freeOnePage(zone, 0, 1, MIGRATE_MOVABLE, false);
    expect([lists(1), lists(2), lists(3)]).toEqual([[16, 1000], [], [0]]);
  });

  it('never reports a merge as likely at order 9 and above', () => {
    const { zone } = blankZone(4096);
    freeOnePage(zone, 2048, 10, MIGRATE_MOVABLE, false);
    expect(buddyMergeLikely(zone, 1024, 1536, 9)).toBe(false);
  });

  it('does not merge across pageblocks when either type is CMA, ISOLATE or HIGHATOMIC', () => {
    for (const other of [MIGRATE_CMA, MIGRATE_ISOLATE, MIGRATE_HIGHATOMIC] as const) {
      const { zone, lists } = blankZone();
      zone.table.setPageblockMigratetype(512, other);
      freeOnePage(zone, 512, 9, other, false);
      freeOnePage(zone, 0, 9, MIGRATE_MOVABLE, false);
      expect([lists(9), lists(9, other), lists(10)]).toEqual([[0], [512], []]);
    }
  });

  it('merges pageblocks of different mergeable types (the freed block keeps its list type)', () => {
    const { zone, lists } = blankZone();
    zone.table.setPageblockMigratetype(512, MIGRATE_UNMOVABLE);
    freeOnePage(zone, 512, 9, MIGRATE_UNMOVABLE, false);
    freeOnePage(zone, 0, 9, MIGRATE_MOVABLE, false);
    expect([lists(10), lists(10, MIGRATE_UNMOVABLE)]).toEqual([[0], []]);
  });

  it('only treats same-order PG_BUDDY heads inside the zone as buddies', () => {
    const { zone } = blankZone();
    freeOnePage(zone, 2, 1, MIGRATE_MOVABLE, false);
    expect(findFreeBuddy(zone, 0, 1)).toBe(2);
    expect(findFreeBuddy(zone, 0, 0)).toBe(NO_PAGE);
    freeOnePage(zone, 1024, 10, MIGRATE_MOVABLE, false);
    expect(findFreeBuddy(zone, 1024, 10)).toBe(NO_PAGE);
  });
});

describe('expand and __rmqueue_smallest', () => {
  it('splits the smallest sufficient block, upper halves to the list heads, lower half allocated', () => {
    const { zone, lists } = blankZone();
    freeOnePage(zone, 0, 4, MIGRATE_MOVABLE, false);
    freeOnePage(zone, 64, 6, MIGRATE_MOVABLE, false);
    expect(rmqueueSmallest(zone, 1, MIGRATE_MOVABLE)).toBe(0);
    expect([lists(1), lists(2), lists(3), lists(6)]).toEqual([[2], [4], [8], [64]]);
    expect(rmqueueSmallest(zone, 1, MIGRATE_MOVABLE)).toBe(2);
    expect(rmqueueSmallest(zone, 1, MIGRATE_CMA)).toBe(NO_PAGE);
    expect(zone.freeArea.nrFreePages).toBe(12 + 64);
  });

  it('expand hands out ascending PFNs to successive order-0 takes', () => {
    const { zone } = blankZone();
    freeOnePage(zone, 0, 3, MIGRATE_MOVABLE, false);
    const taken = Array.from({ length: 8 }, () => rmqueueSmallest(zone, 0, MIGRATE_MOVABLE));
    expect(taken).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(rmqueueSmallest(zone, 0, MIGRATE_MOVABLE)).toBe(NO_PAGE);
  });

  it('expand puts halves on the requested list type', () => {
    const { zone, lists } = blankZone();
    zone.freeArea.addToFreeList(0, 2, MIGRATE_MOVABLE);
    zone.freeArea.delFromFreeList(0);
    expand(zone, 0, 0, 2, MIGRATE_UNMOVABLE);
    expect([lists(0, MIGRATE_UNMOVABLE), lists(1, MIGRATE_UNMOVABLE)]).toEqual([[1], [2]]);
  });
});
