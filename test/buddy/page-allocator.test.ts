// PageAllocator's public contracts: fault injection, prep_new_page, refcounts and misuse, bulk allocation, zonelists, the slow path and its hooks, highatomic reserves, contig verbs, hashing.
import { describe, expect, it, vi } from 'vitest';
import { StateHasher } from '../../src/base/hash.ts';
import type { Pfn } from '../../src/base/units.ts';
import { checkBuddy } from '../../src/debug/check-buddy.ts';
import {
  __GFP_COMP, __GFP_DMA, __GFP_DMA32, __GFP_MOVABLE, __GFP_NOFAIL, __GFP_NORETRY, __GFP_RETRY_MAYFAIL, __GFP_THISNODE, __GFP_ZERO,
  GFP_ATOMIC, GFP_HIGHUSER_MOVABLE, GFP_KERNEL, GFP_NOWAIT,
} from '../../src/mem/gfp.ts';
import { MIGRATE_HIGHATOMIC, MIGRATE_ISOLATE, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE } from '../../src/mem/migratetype.ts';
import { PAGE_ALLOCATED, PAGE_FREE, PG_COMPOUND, PG_HEAD, PG_MOVABLE } from '../../src/mem/page-state.ts';
import { bank, buddyRow, freeListPfns, layout, mib, rig } from './buddy-fixtures.ts';

describe('allocPages: fault injection and prep_new_page', () => {
  it('fails with ENOMEM when the page_alloc fault site fires, except for __GFP_NOFAIL', () => {
    const r = rig();
    r.env.faults.arm('page_alloc', 2);
    expect(r.allocator.allocPages(GFP_KERNEL, 0, { owner: r.owner })).toMatchObject({ ok: false, errno: 'ENOMEM', detail: expect.stringMatching(/fault/) });
    expect(r.allocator.allocPages(GFP_KERNEL | __GFP_NOFAIL, 0, { owner: r.owner }).ok).toBe(true);
    expect(r.env.faults.armedCount('page_alloc')).toBe(1);
  });

  it('gives every page the owner, the head refcount 1 and PG_HEAD, and PG_COMPOUND only with __GFP_COMP', () => {
    const r = rig();
    const t = r.allocator.table;
    const plain = r.alloc(GFP_KERNEL, 2);
    const compound = r.alloc(GFP_KERNEL | __GFP_COMP, 2);
    const single = r.alloc(GFP_KERNEL | __GFP_COMP, 0);
    for (let i = 0; i < 4; i++) expect(t.owner[t.pageIndex(plain + i)]).toBe(r.owner);
    expect([t.refcount[t.pageIndex(plain)], t.refcount[t.pageIndex(plain + 1)]]).toEqual([1, 0]);
    expect(t.flags[t.pageIndex(plain)]).toBe(PG_HEAD);
    expect(t.flags[t.pageIndex(compound)]).toBe(PG_HEAD | PG_COMPOUND);
    expect(t.flags[t.pageIndex(single)]).toBe(PG_HEAD);
    expect(t.order[t.pageIndex(compound)]).toBe(2);
  });

  it('clears content tags only with __GFP_ZERO and marks PG_MOVABLE only when asked', () => {
    const r = rig();
    const t = r.allocator.table;
    const pfn = r.alloc(GFP_KERNEL, 0);
    t.content[t.pageIndex(pfn)] = 42;
    r.allocator.freePages(pfn, 0);
    expect(r.alloc(GFP_KERNEL, 0)).toBe(pfn);
    expect(t.content[t.pageIndex(pfn)]).toBe(42);
    r.allocator.freePages(pfn, 0);
    expect(r.alloc(GFP_KERNEL | __GFP_ZERO, 0)).toBe(pfn);
    expect(t.content[t.pageIndex(pfn)]).toBe(0);
    const lru = r.alloc(GFP_HIGHUSER_MOVABLE, 1, { movable: true });
    expect(t.flags[t.pageIndex(lru + 1)]! & PG_MOVABLE).toBe(PG_MOVABLE);
    expect(t.flags[t.pageIndex(r.alloc(GFP_HIGHUSER_MOVABLE, 0))]! & PG_MOVABLE).toBe(0);
    expect(() => r.alloc(GFP_KERNEL, 0, { movable: true })).toThrow(/__GFP_MOVABLE/);
    expect(() => r.alloc(GFP_KERNEL, 0, { owner: 99 })).toThrow(/unknown owner/);
  });
});

describe('freePages / getPage / putPage', () => {
  it('asserts on unaligned, unallocated, tail and order-mismatched frees', () => {
    const r = rig();
    const pfn = r.alloc(GFP_KERNEL, 2);
    expect(() => r.allocator.freePages(pfn + 1, 0)).toThrow(/not an allocation head/);
    expect(() => r.allocator.freePages(pfn, 1)).toThrow(/allocated at order 2/);
    expect(() => r.allocator.freePages(pfn + 2, 1)).toThrow();
    r.allocator.freePages(pfn, 2);
    expect(() => r.allocator.freePages(pfn, 2)).toThrow(/not allocated/);
    expect(() => r.allocator.getPage(pfn)).toThrow(/not allocated/);
  });

  it('asserts when a pinned page is freed', () => {
    const r = rig();
    const pfn = r.alloc(GFP_KERNEL, 0);
    r.allocator.table.pinCount[r.allocator.table.pageIndex(pfn)] = 1;
    expect(() => r.allocator.freePages(pfn, 0)).toThrow(/pinned/);
  });

  it('putPage frees a compound page at its order, a plain head at order 0 (leaking its tails, as Linux does)', () => {
    const r = rig();
    const compound = r.alloc(GFP_KERNEL | __GFP_COMP, 3);
    r.allocator.getPage(compound);
    r.allocator.putPage(compound);
    expect(r.allocator.pageState(compound)).toBe(PAGE_ALLOCATED);
    r.allocator.putPage(compound);
    expect(r.allocator.pageState(compound + 7)).not.toBe(PAGE_ALLOCATED);
    const plain = r.alloc(GFP_KERNEL, 1);
    r.allocator.putPage(plain);
    expect(r.allocator.pageState(plain + 1)).toBe(PAGE_ALLOCATED);
    expect(checkBuddy(r.allocator).some((v) => v.includes('leaked tail'))).toBe(true);
  });

  it('__free_pages with a remaining reference frees the tail halves now and leaves an order-0 head', () => {
    const r = rig();
    const pfn = r.alloc(GFP_KERNEL, 3);
    r.allocator.getPage(pfn);
    r.allocator.freePages(pfn, 3);
    expect(r.allocator.pageState(pfn)).toBe(PAGE_ALLOCATED);
    for (let i = 1; i < 8; i++) expect(r.allocator.pageState(pfn + i)).not.toBe(PAGE_ALLOCATED);
    expect(r.allocator.table.order[r.allocator.table.pageIndex(pfn)]).toBe(0);
    r.expectSound();
    r.allocator.putPage(pfn);
    r.expectSound();
  });

  it('frees orders above 3 straight to the buddy lists, counting pgfree by pages', () => {
    const r = rig();
    const pfn = r.alloc(GFP_KERNEL, 4);
    const pcp = r.allocator.pcpPages();
    r.allocator.freePages(pfn, 4);
    expect(r.allocator.pcpPages()).toBe(pcp);
    expect(r.events.get('pgfree')).toBe(16);
  });
});

describe('allocPagesBulk: the 6.1 array contract', () => {
  it('counts leading filled slots, fills only null slots, and returns the populated count', () => {
    const r = rig(layout({ pageCount: mib(1024) }));
    const slots: (Pfn | null)[] = [7, 8, null, 9, null, null];
    expect(r.allocator.allocPagesBulk(GFP_KERNEL, 6, slots, { owner: r.owner })).toBe(6);
    expect(slots.slice(0, 2)).toEqual([7, 8]);
    expect(slots[3]).toBe(9);
    for (const i of [2, 4, 5]) expect(r.allocator.pageState(slots[i]!)).toBe(PAGE_ALLOCATED);
    expect(r.events.get('bulk_alloc')).toBe(1);
    r.expectSound();
  });

  it('returns at once when nothing is needed and uses one allocPages when one page is', () => {
    const r = rig();
    expect(r.allocator.allocPagesBulk(GFP_KERNEL, 2, [1, 2], { owner: r.owner })).toBe(2);
    expect(r.allocator.allocPagesBulk(GFP_KERNEL, 0, [], { owner: r.owner })).toBe(0);
    expect(r.events.get('bulk_alloc')).toBe(0);
    const one: (Pfn | null)[] = [5, null];
    expect(r.allocator.allocPagesBulk(GFP_KERNEL, 2, one, { owner: r.owner })).toBe(2);
    expect(r.events.get('pgalloc')).toBe(1);
  });

  it('falls back to a single page when no zone passes low watermark + nr, leaving later slots null', () => {
    const r = rig(layout({ pageCount: mib(8) }));
    const slots: (Pfn | null)[] = new Array(4096).fill(null);
    const populated = r.allocator.allocPagesBulk(GFP_KERNEL, 4096, slots, { owner: r.owner });
    expect(populated).toBe(1);
    expect(slots[0]).not.toBeNull();
    expect(slots.slice(1).every((slot) => slot === null)).toBe(true);
    expect(r.events.get('bulk_alloc_partial')).toBe(1);
  });

  it('returns 0 and touches nothing when only CMA memory is free for an unmovable request', () => {
    const r = rig(layout({ pageCount: mib(64), cma: [{ name: 'cma', pfnStart: 0, pfnEnd: mib(32), orderPerBit: 0 }] }));
    expect(r.allocator.takeFreeRange(mib(32), mib(64), r.owner)).toBe(true);
    const slots: (Pfn | null)[] = new Array(10).fill(null);
    expect(r.allocator.allocPagesBulk(GFP_KERNEL, 10, slots, { owner: r.owner })).toBe(0);
    expect(slots.every((slot) => slot === null)).toBe(true);
    expect(r.allocator.allocPagesBulk(GFP_HIGHUSER_MOVABLE, 10, slots, { owner: r.owner })).toBe(10);
  });

  it('stops part-way when the per-CPU refill runs dry (watermark forced open), slots after r stay null', () => {
    const r = rig(layout({ pageCount: mib(64) }));
    const zone = r.allocator.zones[0]!;
    expect(r.allocator.takeFreeRange(0, mib(64) - 600, r.owner)).toBe(true);
    zone.watermarks.fill(0);
    zone.lowmemReserve[2] = -100000;
    const slots: (Pfn | null)[] = new Array(1000).fill(null);
    const populated = r.allocator.allocPagesBulk(GFP_KERNEL, 1000, slots, { owner: r.owner });
    expect(populated).toBe(600);
    expect(slots.slice(0, populated).every((slot) => slot !== null)).toBe(true);
    expect(slots.slice(populated).every((slot) => slot === null)).toBe(true);
    expect(r.events.get('bulk_alloc_partial')).toBe(1);
    r.expectSound();
  });

  it('returns the populated count untouched when the fault site fires', () => {
    const r = rig();
    r.env.faults.arm('page_alloc', 1);
    const slots: (Pfn | null)[] = [3, null, null];
    expect(r.allocator.allocPagesBulk(GFP_KERNEL, 3, slots, { owner: r.owner })).toBe(1);
    expect(slots).toEqual([3, null, null]);
  });
});

describe('zonelists', () => {
  const twoNodes = layout({
    banks: [bank('dma', 0, 'DMA', 0, 4096), bank('dma32', 0, 'DMA32', 4096, mib(64)), bank('n1', 1, 'Normal', mib(64), mib(128)), bank('mov', 1, 'Movable', mib(128), mib(192))],
    cpuCount: 2,
  });
  const zoneKindOf = (r: ReturnType<typeof rig>, pfn: Pfn): string => `${r.allocator.zoneOf(pfn).node}/${r.allocator.zoneOf(pfn).kind}`;

  it('serves GFP_DMA only from ZONE_DMA and GFP_DMA32 from DMA32 or below', () => {
    const r = rig(twoNodes);
    expect(zoneKindOf(r, r.alloc(GFP_KERNEL | __GFP_DMA, 0))).toBe('0/DMA');
    expect(zoneKindOf(r, r.alloc(GFP_KERNEL | __GFP_DMA32, 0))).toBe('0/DMA32');
  });

  it('keeps GFP_KERNEL out of ZONE_MOVABLE and prefers the highest zone of the preferred node', () => {
    const r = rig(twoNodes);
    expect(zoneKindOf(r, r.alloc(GFP_KERNEL, 0, { preferredNode: 1 }))).toBe('1/Normal');
    expect(zoneKindOf(r, r.alloc(GFP_HIGHUSER_MOVABLE, 0, { preferredNode: 1 }))).toBe('1/Movable');
    expect(zoneKindOf(r, r.alloc(GFP_KERNEL, 0, { preferredNode: 0 }))).toBe('0/DMA32');
    expect(zoneKindOf(r, r.alloc(GFP_HIGHUSER_MOVABLE, 0, { nodes: [0] }))).toBe('0/DMA32');
  });

  it('falls back to the next node, except with __GFP_THISNODE', () => {
    const r = rig(twoNodes);
    expect(r.allocator.takeFreeRange(mib(64), mib(128), r.owner)).toBe(true);
    expect(zoneKindOf(r, r.alloc(GFP_KERNEL, 0, { preferredNode: 1 }))).toBe('0/DMA32');
    expect(r.allocator.allocPages(GFP_NOWAIT | __GFP_THISNODE, 0, { owner: r.owner, preferredNode: 1 }).ok).toBe(false);
    expect(() => r.alloc(GFP_KERNEL, 0, { preferredNode: 7 })).toThrow(/no memory/);
  });
  it('drops ALLOC_NOFRAGMENT and steals locally before spilling to a remote node', () => {
    const r = rig(layout({ banks: [bank('dma32', 0, 'DMA32', 0, 4096), bank('n0', 0, 'Normal', 4096, 8192), bank('n1', 1, 'Normal', 8192, 12288)] }));
    expect(r.allocator.takeFreeRange(0, 4096, r.owner)).toBe(true);
    for (let pfn = 4096; pfn < 8192; pfn += 512) expect(r.allocator.takeFreeRange(pfn, pfn + 1, r.owner)).toBe(true);
    expect(zoneKindOf(r, r.alloc(GFP_KERNEL, 0))).toBe('0/Normal');
    expect(r.events.get('alloc_fallback')).toBe(1);
    expect(r.events.get('alloc_steal_block')).toBe(1);
  });
});

describe('the slow path and its hooks', () => {
  function exhausted(): ReturnType<typeof rig> {
    const r = rig(layout({ pageCount: mib(16) }));
    expect(r.allocator.takeFreeRange(0, mib(16) - 64, r.owner)).toBe(true);
    return r;
  }

  it('wakes kswapd and fails without reclaim for GFP_NOWAIT', () => {
    const r = exhausted();
    const hooks = { wakeKswapd: vi.fn(), compact: vi.fn(() => false), reclaim: vi.fn(() => 0) };
    r.allocator.setSlowPathHooks(hooks);
    expect(r.allocator.allocPages(GFP_NOWAIT, 0, { owner: r.owner }).ok).toBe(false);
    expect(hooks.wakeKswapd).toHaveBeenCalled();
    expect(hooks.reclaim).not.toHaveBeenCalled();
  });

  it('succeeds once direct reclaim frees memory (allocstall counted)', () => {
    const r = exhausted();
    const reclaim = vi.fn(() => {
      r.allocator.freeRange(0, 1024);
      return 1024;
    });
    r.allocator.setSlowPathHooks({ wakeKswapd: () => undefined, compact: () => false, reclaim });
    expect(r.allocator.allocPages(GFP_KERNEL, 0, { owner: r.owner }).ok).toBe(true);
    expect(reclaim).toHaveBeenCalledTimes(1);
    expect(r.events.get('allocstall')).toBe(1);
  });

  it('__GFP_NORETRY gives up after one round of reclaim and compaction', () => {
    const r = exhausted();
    const hooks = { wakeKswapd: () => undefined, compact: vi.fn(() => true), reclaim: vi.fn(() => 1) };
    r.allocator.setSlowPathHooks(hooks);
    expect(r.allocator.allocPages(GFP_KERNEL | __GFP_NORETRY, 2, { owner: r.owner }).ok).toBe(false);
    expect(hooks.reclaim).toHaveBeenCalledTimes(1);
  });

  it('a costly order without __GFP_RETRY_MAYFAIL gives up after reclaim + compaction; with it, retries a bounded number of times', () => {
    const r = exhausted();
    const hooks = { wakeKswapd: () => undefined, compact: vi.fn(() => true), reclaim: vi.fn(() => 1) };
    r.allocator.setSlowPathHooks(hooks);
    expect(r.allocator.allocPages(GFP_KERNEL, 5, { owner: r.owner }).ok).toBe(false);
    expect(hooks.reclaim).toHaveBeenCalledTimes(1);
    hooks.reclaim.mockClear();
    expect(r.allocator.allocPages(GFP_KERNEL | __GFP_RETRY_MAYFAIL, 5, { owner: r.owner }).ok).toBe(false);
    // One round, then MAX_COMPACT_RETRIES / 4 retries while compaction reports progress.
    expect(hooks.reclaim).toHaveBeenCalledTimes(5);
    expect(r.events.get('oom_fail')).toBe(0);
  });

  it('without compaction progress, retries only to raise the compaction priority', () => {
    const r = exhausted();
    const hooks = { wakeKswapd: () => undefined, compact: vi.fn(() => false), reclaim: vi.fn(() => 1) };
    r.allocator.setSlowPathHooks(hooks);
    expect(r.allocator.allocPages(GFP_KERNEL, 2, { owner: r.owner }).ok).toBe(false);
    expect(hooks.reclaim).toHaveBeenCalledTimes(3);
    hooks.reclaim.mockClear();
    expect(r.allocator.allocPages(GFP_KERNEL | __GFP_RETRY_MAYFAIL, 5, { owner: r.owner }).ok).toBe(false);
    expect(hooks.reclaim).toHaveBeenCalledTimes(2);
  });

  it('__GFP_NOFAIL gets one last ALLOC_HARDER attempt below the min watermark, then fails (Linux would loop)', () => {
    const r = rig(layout({ pageCount: mib(16) }));
    const zone = r.allocator.zones[0]!;
    expect(r.allocator.takeFreeRange(0, mib(16) - 110, r.owner)).toBe(true);
    expect(zone.minWatermark).toBe(128);
    expect(r.allocator.allocPages(GFP_KERNEL, 0, { owner: r.owner }).ok).toBe(false);
    expect(r.allocator.allocPages(GFP_KERNEL | __GFP_NOFAIL, 0, { owner: r.owner }).ok).toBe(true);
    expect(r.allocator.nrFreePages() + r.allocator.pcpPages()).toBe(109);
    const starved = exhausted();
    expect(starved.allocator.allocPages(GFP_KERNEL | __GFP_NOFAIL, 0, { owner: starved.owner }).ok).toBe(false);
  });

  it('retries while reclaim makes progress but is bounded, then fails as OOM (no OOM killer)', () => {
    const r = exhausted();
    const reclaim = vi.fn(() => 1);
    r.allocator.setSlowPathHooks({ wakeKswapd: () => undefined, compact: () => false, reclaim, reclaimablePages: () => mib(16) });
    expect(r.allocator.allocPages(GFP_KERNEL, 0, { owner: r.owner }).ok).toBe(false);
    expect(reclaim.mock.calls.length).toBeGreaterThan(16);
    expect(r.events.get('oom_fail')).toBe(1);
    r.expectSound();
  });
});

describe('highatomic reserve', () => {
  it('reserves a pageblock for high-order atomics, serves atomics from it first, and hides it from others', () => {
    const r = rig(layout({ pageCount: mib(64) }));
    const zone = r.allocator.zones[0]!;
    expect(r.allocator.takeFreeRange(0, mib(64) - 300, r.owner)).toBe(true);
    const first = r.alloc(GFP_ATOMIC, 4);
    expect(r.allocator.pageblockMigratetype(first)).toBe(MIGRATE_HIGHATOMIC);
    expect(zone.nrReservedHighatomic).toBe(512);
    expect(r.events.get('highatomic_reserve')).toBe(1);
    const second = r.alloc(GFP_ATOMIC, 4);
    expect(second - (second % 512)).toBe(first - (first % 512));
    expect(r.allocator.allocPages(GFP_KERNEL, 0, { owner: r.owner }).ok).toBe(false);
    r.expectSound();
  });

  it('is unreserved (forced) after MAX_RECLAIM_RETRIES rounds without progress', () => {
    const r = rig(layout({ pageCount: mib(64) }));
    const zone = r.allocator.zones[0]!;
    expect(r.allocator.takeFreeRange(0, mib(64) - 300, r.owner)).toBe(true);
    r.alloc(GFP_ATOMIC, 4);
    r.allocator.setSlowPathHooks({ wakeKswapd: () => undefined, compact: () => false, reclaim: () => 0, reclaimablePages: () => mib(16) });
    expect(r.allocator.allocPages(GFP_KERNEL, 0, { owner: r.owner }).ok).toBe(true);
    expect(zone.nrReservedHighatomic).toBe(0);
    expect(r.events.get('highatomic_unreserve')).toBe(1);
    r.expectSound();
  });
});

describe('buddy verbs for the contiguous-memory layer', () => {
  it('freeBlockCovering finds the free block containing a PFN', () => {
    const r = rig(layout({ pageCount: 2048 }));
    expect(r.allocator.freeBlockCovering(777)).toEqual({ headPfn: 0, order: 10 });
    r.alloc(GFP_KERNEL, 0);
    expect(r.allocator.freeBlockCovering(0)).toBeNull();
  });

  it('takeFreeRange takes an unaligned range, gives back the edges, and changes nothing when a page is busy', () => {
    const r = rig(layout({ pageCount: 2048 }));
    const other = r.owners.register('contig', 'range');
    expect(r.allocator.takeFreeRange(3, 1030, other)).toBe(true);
    for (const pfn of [3, 500, 1029]) {
      expect(r.allocator.pageState(pfn)).toBe(PAGE_ALLOCATED);
      expect(r.allocator.table.owner[pfn]).toBe(other);
      expect(r.allocator.table.refcount[pfn]).toBe(1);
    }
    expect([r.allocator.pageState(2), r.allocator.pageState(1030)]).toEqual([PAGE_FREE, PAGE_FREE]);
    expect(r.allocator.nrFreePages()).toBe(2048 - 1027);
    r.expectSound();
    expect(r.allocator.takeFreeRange(0, 4, other)).toBe(false);
    expect(r.allocator.nrFreePages()).toBe(2048 - 1027);
    expect(r.allocator.freeRange(3, 1030)).toBe(0);
    r.allocator.drainAllPages();
    expect(buddyRow(r.allocator)[10]).toBe(2);
    r.expectSound();
  });

  it('freeRange counts pages that still had other references', () => {
    const r = rig(layout({ pageCount: 2048 }));
    expect(r.allocator.takeFreeRange(0, 4, r.owner)).toBe(true);
    r.allocator.getPage(1);
    expect(r.allocator.freeRange(0, 4)).toBe(1);
    expect(r.allocator.pageState(1)).toBe(PAGE_ALLOCATED);
  });

  it('moveFreePagesBlock moves a pageblock\'s free pages and counts its movable pages', () => {
    const r = rig(layout({ pageCount: 2048 }));
    const lru = r.alloc(GFP_HIGHUSER_MOVABLE, 2, { movable: true });
    r.allocator.drainAllPages();
    const block = lru - (lru % 512);
    const moved = r.allocator.moveFreePagesBlock(block, MIGRATE_UNMOVABLE);
    expect(moved).toEqual({ movedPages: 508, movablePages: 4 });
    expect(freeListPfns(r.allocator, 2, MIGRATE_UNMOVABLE).length).toBeGreaterThan(0);
  });

  it('splitFreePage splits a free block at an offset; pieces of non-mergeable types stay apart', () => {
    const r = rig(layout({ pageCount: 2048 }));
    r.allocator.setPageblockMigratetype(512, MIGRATE_ISOLATE);
    expect(r.allocator.splitFreePage(0, 10, 512)).toBe(true);
    expect(freeListPfns(r.allocator, 9, MIGRATE_MOVABLE)).toEqual([0]);
    expect(freeListPfns(r.allocator, 9, MIGRATE_ISOLATE)).toEqual([512]);
    expect(r.allocator.splitFreePage(0, 10, 512)).toBe(false);
    r.expectSound();
    r.allocator.unsetMigratetypeIsolate(512, MIGRATE_MOVABLE);
    expect(freeListPfns(r.allocator, 10, MIGRATE_MOVABLE)).toEqual([1024, 0]);
    r.expectSound();
  });

  it('unsetMigratetypeIsolate moves the free pages back when there is nothing to re-merge', () => {
    const r = rig(layout({ pageCount: 2048 }));
    r.alloc(GFP_KERNEL, 0);
    r.allocator.drainAllPages();
    const block = freeListPfns(r.allocator, 8, MIGRATE_UNMOVABLE)[0]!;
    r.allocator.setPageblockMigratetype(block, MIGRATE_ISOLATE);
    expect(r.allocator.moveFreePagesBlock(block, MIGRATE_ISOLATE).movedPages).toBe(511);
    expect(r.allocator.nrIsolatedFreePages()).toBe(511);
    r.expectSound();
    r.allocator.unsetMigratetypeIsolate(block, MIGRATE_UNMOVABLE);
    expect(r.allocator.nrIsolatedFreePages()).toBe(0);
    expect(r.allocator.freeBlockCount(0, 8, MIGRATE_UNMOVABLE)).toBe(1);
    r.allocator.unsetMigratetypeIsolate(block, MIGRATE_MOVABLE);
    expect(r.allocator.pageblockMigratetype(block)).toBe(MIGRATE_UNMOVABLE);
    r.expectSound();
  });

  it('zoneOf asserts on PFNs in holes', () => {
    const r = rig(layout({ banks: [bank('a', 0, 'Normal', 0, 1024), bank('b', 0, 'Normal', 2048, 3072)] }));
    expect(r.allocator.zoneOf(2048).index).toBe(1);
    expect(() => r.allocator.zoneOf(1500)).toThrow(/in no zone/);
  });

  it('setPageblockMigratetype tracks the zone\'s isolated pageblocks', () => {
    const r = rig(layout({ pageCount: 2048 }));
    r.allocator.setPageblockMigratetype(0, MIGRATE_ISOLATE);
    r.allocator.setPageblockMigratetype(0, MIGRATE_ISOLATE);
    expect(r.allocator.zones[0]!.nrIsolatePageblock).toBe(1);
    r.allocator.setPageblockMigratetype(0, MIGRATE_MOVABLE);
    expect(r.allocator.zones[0]!.nrIsolatePageblock).toBe(0);
    expect(r.allocator.pageblockMigratetype(0)).toBe(MIGRATE_MOVABLE);
  });
});

describe('determinism', () => {
  function run(extra: boolean): string {
    const r = rig(layout({ pageCount: mib(64), cpuCount: 2 }), 'same');
    const rng = r.env.rng.fork('ops');
    const live: [Pfn, number][] = [];
    for (let i = 0; i < 500; i++) {
      if (live.length > 0 && rng.chance(0.45)) {
        const [pfn, order] = live.splice(rng.int(0, live.length - 1), 1)[0]!;
        r.allocator.freePages(pfn, order, rng.int(0, 1));
      } else {
        const order = rng.int(0, 5);
        const result = r.allocator.allocPages(rng.pick([GFP_KERNEL, GFP_HIGHUSER_MOVABLE, GFP_ATOMIC]), order, { owner: r.owner, cpu: rng.int(0, 1) });
        if (result.ok) live.push([result.value, order]);
      }
    }
    if (extra) r.alloc(GFP_KERNEL, 0);
    r.expectSound();
    const hasher = new StateHasher();
    r.allocator.hashInto(hasher);
    return hasher.digestHex();
  }

  it('the same seed and ops give the same state hash; one more op changes it', () => {
    expect(run(false)).toBe(run(false));
    expect(run(true)).not.toBe(run(false));
  });

  it('a movable GFP needs __GFP_MOVABLE', () => {
    expect(GFP_HIGHUSER_MOVABLE & __GFP_MOVABLE).toBe(__GFP_MOVABLE);
    expect(MIGRATE_MOVABLE).toBe(1);
  });
});
