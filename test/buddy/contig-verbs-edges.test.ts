// The buddy verbs the contiguous-memory layer uses, at their edges: split_free_page's offsets and refusals, unset_migratetype_isolate on an allocated head, free_contig_range over split pages, where given-back pieces go, and the misuse checks of __free_pages and set_pageblock_migratetype (Linux 6.1 mm/page_alloc.c, mm/page_isolation.c).
import { describe, expect, it } from 'vitest';
import { GFP_KERNEL } from '../../src/mem/gfp.ts';
import { MIGRATE_ISOLATE, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE, type Migratetype } from '../../src/mem/migratetype.ts';
import { PAGE_ALLOCATED, PAGE_FREE } from '../../src/mem/page-state.ts';
import { freeListPfns, layout, mib, rig } from './buddy-fixtures.ts';

describe('split_free_page', () => {
  it('with offset 0 there is nothing to split: success, free lists untouched', () => {
    const r = rig(layout({ pageCount: 2048 }));
    expect(r.allocator.splitFreePage(0, 10, 0)).toBe(true);
    expect(freeListPfns(r.allocator, 10, MIGRATE_MOVABLE)).toEqual([0, 1024]);
    r.expectSound();
  });

  it('cuts an order-10 block at offset 384 into aligned pieces; those in one pageblock merge back, the isolated pageblock stays apart', () => {
    const r = rig(layout({ pageCount: 4096 }));
    r.allocator.setPageblockMigratetype(1536, MIGRATE_ISOLATE);
    expect(r.allocator.splitFreePage(1024, 10, 384)).toBe(true);
    r.expectSound();
    expect(r.allocator.freeBlockCovering(1400)).toEqual({ headPfn: 1024, order: 9 });
    expect(freeListPfns(r.allocator, 9, MIGRATE_ISOLATE)).toEqual([1536]);
    expect(r.allocator.nrIsolatedFreePages()).toBe(512);
  });

  it('frees each piece to the head of its list (FPI_NONE)', () => {
    const r = rig(layout({ pageCount: 4096 }));
    for (const pfn of [1536, 2560]) r.allocator.setPageblockMigratetype(pfn, MIGRATE_ISOLATE);
    expect(r.allocator.splitFreePage(2048, 10, 512)).toBe(true);
    expect(r.allocator.splitFreePage(1024, 10, 384)).toBe(true);
    expect(freeListPfns(r.allocator, 9, MIGRATE_ISOLATE)).toEqual([1536, 2560]);
    r.expectSound();
  });

  it('refuses a PFN that does not head a free block of that order (-ENOENT) and changes nothing', () => {
    const r = rig(layout({ pageCount: 2048 }));
    const pfn = r.alloc(GFP_KERNEL, 2);
    expect(r.allocator.splitFreePage(pfn, 2, 1)).toBe(false);
    expect(r.allocator.pageState(pfn)).toBe(PAGE_ALLOCATED);
    r.expectSound();
  });
});

describe('unset_migratetype_isolate', () => {
  it('a pageblock headed by an allocated order-9 block only changes type, although its buddy pageblock is free', () => {
    const r = rig(layout({ pageCount: 2048 }));
    const pfn = r.alloc(GFP_KERNEL, 9);
    const buddyPfn = pfn ^ 512;
    expect(r.allocator.freeBlockCovering(buddyPfn)).toEqual({ headPfn: buddyPfn, order: 9 });
    r.allocator.setPageblockMigratetype(pfn, MIGRATE_ISOLATE);
    r.allocator.unsetMigratetypeIsolate(pfn, MIGRATE_UNMOVABLE);
    expect(r.allocator.pageblockMigratetype(pfn)).toBe(MIGRATE_UNMOVABLE);
    expect(r.allocator.pageState(pfn)).toBe(PAGE_ALLOCATED);
    expect(r.allocator.freeBlockCovering(buddyPfn)).toEqual({ headPfn: buddyPfn, order: 9 });
    expect(r.allocator.zones[0]!.nrIsolatePageblock).toBe(0);
    r.expectSound();
  });
});

describe('free_contig_range and the pages given back around a taken range', () => {
  it('frees a non-compound order-2 allocation page by page, each tail first made an order-0 head (split_page)', () => {
    const r = rig(layout({ pageCount: 2048 }));
    const pfn = r.alloc(GFP_KERNEL, 2);
    const freePagesBefore = r.allocator.nrFreePages() + r.allocator.pcpPages();
    expect(r.allocator.freeRange(pfn, pfn + 4)).toBe(0);
    expect(r.allocator.nrFreePages() + r.allocator.pcpPages()).toBe(freePagesBefore + 4);
    r.allocator.drainAllPages();
    for (let page = pfn; page < pfn + 4; page++) expect(r.allocator.pageState(page)).toBe(PAGE_FREE);
    r.expectSound();
  });

  it('takeFreeRange frees the remainder of each covering block to the head of its list (free_one_page, FPI_NONE)', () => {
    const r = rig(layout({ pageCount: 4096 }));
    expect(r.allocator.takeFreeRange(0, 512, r.owner)).toBe(true);
    expect(r.allocator.takeFreeRange(1024, 1536, r.owner)).toBe(true);
    expect(freeListPfns(r.allocator, 9, MIGRATE_MOVABLE)).toEqual([1536, 512]);
    r.expectSound();
  });
});

describe('misuse is asserted', () => {
  it('__free_pages of a block one of whose pages was already freed', () => {
    const r = rig(layout({ pageCount: 2048 }));
    const pfn = r.alloc(GFP_KERNEL, 2);
    expect(r.allocator.freeRange(pfn + 1, pfn + 2)).toBe(0);
    expect(() => r.allocator.freePages(pfn, 2)).toThrow(new RegExp(`^freeing page ${pfn + 1} that is not allocated$`));
  });

  it.each([
    ['freePages outside memory', (r: ReturnType<typeof rig>) => r.allocator.freePages(mib(64) + 1, 0), /^freePages: pfn 16385 outside memory$/],
    ['a migratetype past MIGRATE_ISOLATE', (r: ReturnType<typeof rig>) => r.allocator.setPageblockMigratetype(0, 6 as Migratetype), /^bad migratetype 6$/],
  ] as const)('%s', (_what, misuse, message) => {
    const r = rig(layout({ pageCount: mib(64) }));
    expect(() => misuse(r)).toThrow(message);
  });
});
