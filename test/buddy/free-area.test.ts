// FreeArea: O(1) list verbs, head/tail placement, and exact per-list counters (6.10 account_freepages model).
import { describe, expect, it } from 'vitest';
import { StateHasher } from '../../src/base/hash.ts';
import { FreeArea } from '../../src/buddy/free-area.ts';
import { MIGRATE_CMA, MIGRATE_ISOLATE, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE } from '../../src/mem/migratetype.ts';
import { NO_PAGE, PageTable } from '../../src/mem/page-table.ts';
import { PG_BUDDY } from '../../src/mem/page-state.ts';

function listOf(area: FreeArea, order: number, mt: number): number[] {
  const pfns: number[] = [];
  for (let pfn = area.firstPfn(order, mt); pfn !== NO_PAGE; pfn = area.nextPfn(pfn)) pfns.push(pfn);
  return pfns;
}

describe('FreeArea', () => {
  it('adds at the head or the tail and marks heads PG_BUDDY with order and list type', () => {
    const table = new PageTable(0, 4096);
    const area = new FreeArea(table);
    area.addToFreeList(0, 2, MIGRATE_MOVABLE);
    area.addToFreeList(4, 2, MIGRATE_MOVABLE);
    area.addToFreeListTail(8, 2, MIGRATE_MOVABLE);
    expect(listOf(area, 2, MIGRATE_MOVABLE)).toEqual([4, 0, 8]);
    expect(table.flags[4]! & PG_BUDDY).toBe(PG_BUDDY);
    expect(table.order[8]).toBe(2);
    expect(table.mapIndex[8]).toBe(MIGRATE_MOVABLE);
    expect(area.blockCount(2, MIGRATE_MOVABLE)).toBe(3);
    expect(area.nrFree(2)).toBe(3);
    expect(area.nrFreePages).toBe(12);
  });

  it('deletes from any position and clears PG_BUDDY', () => {
    const table = new PageTable(0, 4096);
    const area = new FreeArea(table);
    for (const pfn of [0, 4, 8]) area.addToFreeListTail(pfn, 2, MIGRATE_UNMOVABLE);
    area.delFromFreeList(4);
    expect(listOf(area, 2, MIGRATE_UNMOVABLE)).toEqual([0, 8]);
    area.delFromFreeList(0);
    area.delFromFreeList(8);
    expect(listOf(area, 2, MIGRATE_UNMOVABLE)).toEqual([]);
    expect(area.isEmpty(2, MIGRATE_UNMOVABLE)).toBe(true);
    expect(table.flags[8]! & PG_BUDDY).toBe(0);
    expect(area.nrFreePages).toBe(0);
  });

  it('moves a block to the tail of another list, moving its pages between counters', () => {
    const table = new PageTable(0, 4096);
    const area = new FreeArea(table);
    area.addToFreeList(0, 3, MIGRATE_MOVABLE);
    area.addToFreeList(512, 9, MIGRATE_CMA);
    area.addToFreeList(1024, 1, MIGRATE_CMA);
    expect([area.nrFreePages, area.nrFreeCmaPages, area.nrIsolatedFreePages]).toEqual([8 + 512 + 2, 514, 0]);
    area.moveToFreeList(512, MIGRATE_ISOLATE);
    expect([area.nrFreePages, area.nrFreeCmaPages, area.nrIsolatedFreePages]).toEqual([10, 2, 512]);
    area.moveToFreeList(0, MIGRATE_CMA);
    area.moveToFreeList(1024, MIGRATE_CMA);
    expect(listOf(area, 3, MIGRATE_CMA)).toEqual([0]);
    expect(listOf(area, 1, MIGRATE_CMA)).toEqual([1024]);
    expect(area.nrFreeCmaPages).toBe(10);
    expect(area.nrFree(9)).toBe(1);
    area.delFromFreeList(512);
    expect(area.nrIsolatedFreePages).toBe(0);
  });

  it('answers NO_PAGE at the end of a list when memory does not start at PFN 0 (arm64 DRAM at 1 GiB)', () => {
    const base = 0x40000;
    const table = new PageTable(base, base + 4096);
    const area = new FreeArea(table);
    expect(area.firstPfn(0, MIGRATE_MOVABLE)).toBe(NO_PAGE);
    area.addToFreeList(base + 8, 3, MIGRATE_MOVABLE);
    expect(area.firstPfn(3, MIGRATE_MOVABLE)).toBe(base + 8);
    expect(area.nextPfn(base + 8)).toBe(NO_PAGE);
    expect(listOf(area, 3, MIGRATE_MOVABLE)).toEqual([base + 8]);
  });

  it('feeds its lists and counters to the state hash', () => {
    const digest = (area: FreeArea): string => {
      const hasher = new StateHasher();
      area.hashInto(hasher);
      return hasher.digestHex();
    };
    const table = new PageTable(0, 4096);
    const area = new FreeArea(table);
    const empty = digest(area);
    area.addToFreeList(0, 2, MIGRATE_MOVABLE);
    expect(digest(area)).not.toBe(empty);
  });
});
