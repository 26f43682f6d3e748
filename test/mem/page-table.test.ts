// PageTable: ranges, pageblock migratetypes, the marking verbs, the 32-bytes-per-page budget, and hashing.
import { describe, expect, it } from 'vitest';
import { StateHasher } from '../../src/base/hash.ts';
import { MIGRATE_CMA, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE } from '../../src/mem/migratetype.ts';
import { NO_PAGE, PageTable } from '../../src/mem/page-table.ts';
import {
  CACHE_WC, PAGE_ABSENT, PAGE_ALLOCATED, PAGE_FREE, PAGE_PCP, PAGE_RESERVED, PG_CACHE_SHIFT, PG_HEAD, PG_MOVABLE,
} from '../../src/mem/page-state.ts';

function digest(table: PageTable): string {
  const hasher = new StateHasher();
  table.hashInto(hasher);
  return hasher.digestHex();
}

describe('PageTable', () => {
  it('indexes PFNs from the lowest bank PFN and starts absent, unlinked', () => {
    const table = new PageTable(1000, 3000);
    expect(table.pageCount).toBe(2000);
    expect(table.pageIndex(1000)).toBe(0);
    expect(table.pfnOf(1999)).toBe(2999);
    expect(table.inRange(999)).toBe(false);
    expect(table.inRange(2999)).toBe(true);
    expect(table.inRange(3000)).toBe(false);
    expect(table.stateOf(1500)).toBe(PAGE_ABSENT);
    expect(table.next[0]).toBe(NO_PAGE);
    expect(table.prev[1999]).toBe(NO_PAGE);
    expect(() => table.stateOf(3000)).toThrow(/outside/);
  });

  it('keeps one migratetype per pageblock, even when the table starts mid-pageblock', () => {
    const table = new PageTable(300, 2000);
    table.setPageblockMigratetype(300, MIGRATE_MOVABLE);
    table.setPageblockMigratetype(1024, MIGRATE_CMA);
    expect(table.pageblockMigratetype(511)).toBe(MIGRATE_MOVABLE);
    expect(table.pageblockMigratetype(512)).toBe(MIGRATE_UNMOVABLE);
    expect(table.pageblockMigratetype(1535)).toBe(MIGRATE_CMA);
    expect(() => table.setPageblockMigratetype(100, MIGRATE_CMA)).toThrow();
  });

  it('marks allocations, heads, flags, free and per-CPU pages without touching content or cache bits', () => {
    const table = new PageTable(0, 64);
    table.markState(0, 64, PAGE_RESERVED);
    table.flags[9] = CACHE_WC << PG_CACHE_SHIFT;
    table.content[9] = 77;
    table.markAllocated(8, 4, 5);
    table.markHead(8, 2, 1, PG_HEAD);
    table.setFlags(8, 4, PG_MOVABLE);
    expect([...table.state.subarray(8, 12)]).toEqual([PAGE_ALLOCATED, PAGE_ALLOCATED, PAGE_ALLOCATED, PAGE_ALLOCATED]);
    expect([...table.owner.subarray(8, 12)]).toEqual([5, 5, 5, 5]);
    expect(table.order[8]).toBe(2);
    expect(table.refcount[8]).toBe(1);
    expect(table.flags[8]).toBe(PG_HEAD | PG_MOVABLE);
    expect(table.flags[9]).toBe((CACHE_WC << PG_CACHE_SHIFT) | PG_MOVABLE);
    table.markFree(8, 4);
    expect(table.state[9]).toBe(PAGE_FREE);
    expect(table.owner[9]).toBe(0);
    expect(table.flags[9]).toBe(CACHE_WC << PG_CACHE_SHIFT);
    expect(table.content[9]).toBe(77);
    table.markPcp(8, 1);
    expect(table.state[8]).toBe(PAGE_PCP);
    table.zeroContent(8, 4);
    expect(table.content[9]).toBe(0);
  });

  it('costs at most 32 bytes per page, pageblock arrays included', () => {
    const table = new PageTable(0, 262144);
    expect(table.byteLength() / table.pageCount).toBeLessThanOrEqual(32);
    expect(table.byteLength() / table.pageCount).toBeCloseTo(27, 1);
  });

  it('hashes every array: equal tables agree, any change differs', () => {
    const a = new PageTable(0, 1024);
    const b = new PageTable(0, 1024);
    expect(digest(a)).toBe(digest(b));
    b.mapIndex[17] = 1;
    expect(digest(a)).not.toBe(digest(b));
  });

  it('refuses PFNs beyond 2^31 (buddy arithmetic is 32-bit) and takes a table ending exactly there', () => {
    expect(() => new PageTable(2 ** 31 - 10, 2 ** 31 + 10)).toThrow('pfn 2147483658 beyond 2^31 (8 TiB of 4 KiB pages)');
    expect(new PageTable(2 ** 31 - 1024, 2 ** 31).pageCount).toBe(1024);
  });

  it('refuses a negative, fractional or empty range, naming it', () => {
    for (const [pfnBase, pfnEnd] of [[-512, 512], [0.5, 512], [512, 512], [512, 100]] as const) {
      expect(() => new PageTable(pfnBase, pfnEnd)).toThrow(`bad page table range [${pfnBase}, ${pfnEnd})`);
    }
  });
});

describe('PageTable above PFN 0 (RAM starting at 2 GiB, as on many ARM boards)', () => {
  const pfnBase = 0x80000;

  it('sizes its pageblock array from the first pageblock it covers', () => {
    const table = new PageTable(pfnBase, pfnBase + 1024);
    expect(table.pageblockBase).toBe(pfnBase / 512);
    expect(table.byteLength()).toBe(27 * 1024 + 2);
  });

  it('keeps each pageblock migratetype in its own slot', () => {
    const table = new PageTable(pfnBase + 100, pfnBase + 2048);
    table.setPageblockMigratetype(pfnBase + 1024, MIGRATE_CMA);
    expect([...table.pageblockMt]).toEqual([MIGRATE_UNMOVABLE, MIGRATE_UNMOVABLE, MIGRATE_CMA, MIGRATE_UNMOVABLE]);
    expect(table.pageblockMigratetype(pfnBase + 1535)).toBe(MIGRATE_CMA);
    expect(() => table.setPageblockMigratetype(pfnBase, MIGRATE_CMA)).toThrow(`bad pageblock update pfn ${pfnBase} mt ${MIGRATE_CMA}`);
  });

  it('marks exactly the pages of each range, indexed from the base', () => {
    const table = new PageTable(pfnBase, pfnBase + 64);
    table.markState(pfnBase + 4, pfnBase + 20, PAGE_FREE);
    table.markState(pfnBase + 20, pfnBase + 20, PAGE_RESERVED);
    table.markAllocated(pfnBase + 8, 4, 5);
    table.markHead(pfnBase + 8, 2, 1, PG_HEAD);
    table.setFlags(pfnBase + 8, 4, PG_MOVABLE);
    table.content.fill(9);
    table.zeroContent(pfnBase + 9, 2);
    table.markPcp(pfnBase + 16, 2);
    const slice = (array: ArrayLike<number>): number[] => Array.from(array).slice(2, 22);
    const [A, F, P, X] = [PAGE_ABSENT, PAGE_FREE, PAGE_PCP, PAGE_ALLOCATED];
    expect(slice(table.state)).toEqual([A, A, F, F, F, F, X, X, X, X, F, F, F, F, P, P, F, F, A, A]);
    expect(slice(table.owner)).toEqual([0, 0, 0, 0, 0, 0, 5, 5, 5, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(slice(table.order)).toEqual([0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(slice(table.flags)).toEqual([0, 0, 0, 0, 0, 0, PG_HEAD | PG_MOVABLE, PG_MOVABLE, PG_MOVABLE, PG_MOVABLE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(slice(table.content)).toEqual([9, 9, 9, 9, 9, 9, 9, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]);
  });

  it('refuses ranges that start below the base, end past the table or run backwards', () => {
    const table = new PageTable(pfnBase, pfnBase + 64);
    for (const [pfnStart, pfnEnd] of [[pfnBase - 1, pfnBase + 4], [pfnBase, pfnBase + 65], [pfnBase + 8, pfnBase + 4]]) {
      expect(() => table.markState(pfnStart!, pfnEnd!, PAGE_FREE)).toThrow(`bad range [${pfnStart}, ${pfnEnd})`);
    }
    expect([...table.state].every((state) => state === PAGE_ABSENT)).toBe(true);
  });
});
