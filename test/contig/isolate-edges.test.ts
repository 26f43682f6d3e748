// Pageblock isolation at its edges (Linux 6.1 mm/page_isolation.c): compound_head, has_unmovable_pages on compound, free and ZONE_MOVABLE pages, the EBUSY details, isolate_single_pageblock's boundary scan, and restoring mixed MAX_ORDER pairs.
import { describe, expect, it } from 'vitest';
import type { Pfn } from '../../src/base/units.ts';
import { allocationHeadOf, hasUnmovablePages, startIsolatePageRange, undoIsolatePageRange } from '../../src/contig/isolate.ts';
import { __GFP_COMP, GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from '../../src/mem/gfp.ts';
import { MIGRATE_CMA, MIGRATE_ISOLATE, MIGRATE_MOVABLE } from '../../src/mem/migratetype.ts';
import { NO_PAGE } from '../../src/mem/page-table.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { bootDefault, bootRaw, expectSound, PB } from './machine-fixtures.ts';

function isolateDeps(machine: Machine) {
  return { buddy: machine.buddy, faults: machine.env.faults, events: machine.events };
}

function alloc(machine: Machine, gfp: number, order: number, movable = false): Pfn {
  const got = machine.buddy.allocPages(gfp, order, { owner: machine.owners.register('kernel', `order-${order}`), movable });
  if (!got.ok) throw new Error(got.detail);
  return got.value;
}

/** Takes the single free page `pfn` as an unmovable kernel page. */
function takeKernelPage(machine: Machine, pfn: Pfn): void {
  expect(machine.buddy.takeFreeRange(pfn, pfn + 1, machine.owners.register('kernel', `page-${pfn}`))).toBe(true);
}

describe('compound_head of an allocated page (allocationHeadOf)', () => {
  it('finds the head of an order-3 block from each of its pages; a single page is its own head; a free page has none', () => {
    const machine = bootDefault('64M', '');
    const head = alloc(machine, GFP_KERNEL, 3);
    const table = machine.buddy.table;
    expect([0, 4, 5, 7].map((i) => allocationHeadOf(table, head + i))).toEqual([head, head, head, head]);
    const single = alloc(machine, GFP_KERNEL, 0);
    expect(allocationHeadOf(table, single)).toBe(single);
    expect(allocationHeadOf(table, 16000)).toBe(NO_PAGE);
  });

  it('finds the head of an order-10 (MAX_ORDER) block from its last page', () => {
    const machine = bootDefault('64M', '');
    const head = alloc(machine, GFP_KERNEL, 10);
    expect([allocationHeadOf(machine.buddy.table, head + 600), allocationHeadOf(machine.buddy.table, head + 1023)]).toEqual([head, head]);
  });
});

describe('has_unmovable_pages', () => {
  it('asserts the range lies in one pageblock', () => {
    const machine = bootDefault('64M', '');
    expect(() => hasUnmovablePages(machine.buddy, 8192 + PB - 1, 8192 + PB + 1, MIGRATE_MOVABLE)).toThrow(/hasUnmovablePages: \[8703, 8705\) spans pageblocks/);
  });

  it('looks only inside [pfnStart, pfnEnd): an unmovable page right after the range does not count', () => {
    const machine = bootDefault('64M', '');
    takeKernelPage(machine, 8192 + 100);
    expect(hasUnmovablePages(machine.buddy, 8192, 8192 + 100, MIGRATE_MOVABLE)).toBe(NO_PAGE);
    expect(hasUnmovablePages(machine.buddy, 8192, 8192 + 101, MIGRATE_MOVABLE)).toBe(8192 + 100);
  });

  it('skips a free block by its order and still sees the unmovable page right after it', () => {
    const machine = bootDefault('64M', '');
    takeKernelPage(machine, 8192 + 8);
    const table = machine.buddy.table;
    expect(table.order[table.pageIndex(8192)]).toBe(3);
    expect(hasUnmovablePages(machine.buddy, 8192, 8192 + 9, MIGRATE_MOVABLE)).toBe(8192 + 8);
  });

  it('an unmovable compound page (not LRU, not __PageMovable) is reported at the first of its pages in the range, even a tail', () => {
    const machine = bootDefault('64M', '');
    const head = alloc(machine, GFP_KERNEL | __GFP_COMP, 2);
    expect(hasUnmovablePages(machine.buddy, head + 1, head + 4, MIGRATE_MOVABLE)).toBe(head + 1);
  });

  it('a movable compound page is skipped whole, and the unmovable page right after it is found', () => {
    const machine = bootDefault('64M', '');
    const head = alloc(machine, GFP_HIGHUSER_MOVABLE | __GFP_COMP, 4, true);
    expect(machine.buddy.pageblockMigratetype(head)).toBe(MIGRATE_MOVABLE);
    expect(hasUnmovablePages(machine.buddy, head, head + 16, MIGRATE_MOVABLE)).toBe(NO_PAGE);
    expect(hasUnmovablePages(machine.buddy, head + 5, head + 16, MIGRATE_MOVABLE)).toBe(NO_PAGE);
    takeKernelPage(machine, head + 16);
    expect(hasUnmovablePages(machine.buddy, head, head + 17, MIGRATE_MOVABLE)).toBe(head + 16);
  });

  it('ZONE_MOVABLE is trusted: a page still in its LRU-add batch or pinned there does not count', () => {
    const machine = bootRaw({ banks: [{ name: 'low', base: 0, size: '32M', zone: 'Normal', node: 0 }, { name: 'movable', base: '32M', size: '32M', zone: 'Movable', node: 0 }] });
    const owner = machine.owners.register('user', 'batched');
    expect(machine.user.mapPages(owner, 4).ok).toBe(true);
    const pfn = machine.user.pfnOf(owner, 0);
    expect(machine.buddy.zoneOf(pfn).kind).toBe('Movable');
    expect(machine.user.lruPendingPages()).toBe(4);
    expect(machine.pins.pin(owner, 1, 1, 'shortterm').ok).toBe(true);
    const block = pfn - (pfn % PB);
    expect(hasUnmovablePages(machine.buddy, block, block + PB, MIGRATE_MOVABLE)).toBe(NO_PAGE);
  });
});

describe('set_migratetype_isolate failures name the pageblock (EBUSY, isolate_fail)', () => {
  it('already isolated, the isolate fault, and an unmovable page', () => {
    const machine = bootDefault('64M', '');
    const deps = isolateDeps(machine);
    const first = startIsolatePageRange(deps, 8192, 8192 + PB, MIGRATE_MOVABLE);
    expect(first.ok).toBe(true);
    expect(startIsolatePageRange(deps, 8192, 8192 + PB, MIGRATE_MOVABLE)).toEqual({ ok: false, errno: 'EBUSY', detail: 'pageblock 8192 is already isolated' });
    machine.env.faults.arm('isolate', 1);
    expect(startIsolatePageRange(deps, 9216, 9216 + PB, MIGRATE_MOVABLE)).toEqual({ ok: false, errno: 'EBUSY', detail: 'isolate fault on pageblock 9216' });
    takeKernelPage(machine, 10240 + 7);
    expect(startIsolatePageRange(deps, 10240, 10240 + PB, MIGRATE_MOVABLE)).toEqual({ ok: false, errno: 'EBUSY', detail: 'unmovable page 10247 in pageblock 10240' });
    expect(machine.events.get('isolate_fail')).toBe(3);
  });
});

describe('isolate_single_pageblock: what straddles the range\'s pageblock boundaries', () => {
  /** 64 MiB with cma=32M: movable allocations come from the CMA area [8192, 16384). */
  function cmaMachine(): Machine {
    return bootDefault('64M', 'cma=32M');
  }

  it('a non-compound order-10 allocation across the boundary is no obstacle (only PageCompound pages are)', () => {
    const machine = cmaMachine();
    const head = alloc(machine, GFP_HIGHUSER_MOVABLE, 10);
    expect(machine.buddy.pageblockMigratetype(head)).toBe(MIGRATE_CMA);
    const range = startIsolatePageRange(isolateDeps(machine), head + PB, head + 2 * PB, MIGRATE_CMA);
    expect(range.ok).toBe(true);
    if (range.ok) undoIsolatePageRange(machine.buddy, range.value);
    expectSound(machine);
  });

  it('a compound page ending exactly at the boundary does not cross it', () => {
    const machine = cmaMachine();
    const head = alloc(machine, GFP_HIGHUSER_MOVABLE | __GFP_COMP, 9);
    expect(head % (2 * PB)).toBe(0);
    const range = startIsolatePageRange(isolateDeps(machine), head + PB, head + 2 * PB, MIGRATE_CMA);
    expect(range.ok).toBe(true);
    if (range.ok) undoIsolatePageRange(machine.buddy, range.value);
    expectSound(machine);
  });

  it('a one-pageblock range whose end boundary a compound page crosses: EBUSY, the block gets its type back, isolate_fail counted', () => {
    const machine = cmaMachine();
    const head = alloc(machine, GFP_HIGHUSER_MOVABLE | __GFP_COMP, 10);
    const range = startIsolatePageRange(isolateDeps(machine), head, head + PB, MIGRATE_CMA);
    expect(range).toEqual({ ok: false, errno: 'EBUSY', detail: `compound page ${head} crosses pageblock boundary ${head + PB}` });
    expect(machine.buddy.pageblockMigratetype(head)).toBe(MIGRATE_CMA);
    expect(machine.buddy.zones.map((zone) => zone.nrIsolatePageblock)).toEqual([0]);
    expect(machine.events.get('isolate_fail')).toBe(1);
    expectSound(machine);
  });
});

describe('undo_isolate_page_range with MAX_ORDER pairs of different original types', () => {
  /** 1 GiB with a 4 MiB area at 0x2fa00 (an odd pageblock): its first block pairs with the MOVABLE block 0x2f800 below. */
  function oddArea(): Machine {
    return bootRaw({ banks: [{ name: 'dram0', base: 0, size: '1G', zone: 'Normal' }], cma: { areas: [{ name: 'odd', size: '4M', base: '0x2fa00000' }] } });
  }
  const blocks = [0x2f400, 0x2f600, 0x2f800, 0x2fa00];

  it('splits the merged pair when it is the second MAX_ORDER block of the range, and gives every block its own type back', () => {
    const machine = oddArea();
    const range = startIsolatePageRange(isolateDeps(machine), 0x2f400, 0x2fa00 + PB, MIGRATE_CMA);
    expect(range.ok).toBe(true);
    if (!range.ok) return;
    const owner = machine.owners.register('test', 't');
    expect(machine.buddy.takeFreeRange(0x2f800, 0x2f801, owner)).toBe(true);
    machine.buddy.freeRange(0x2f800, 0x2f801);
    const table = machine.buddy.table;
    expect(table.order[table.pageIndex(0x2f800)]).toBe(10);
    undoIsolatePageRange(machine.buddy, range.value);
    expect(blocks.map((pfn) => machine.buddy.pageblockMigratetype(pfn))).toEqual([MIGRATE_MOVABLE, MIGRATE_MOVABLE, MIGRATE_MOVABLE, MIGRATE_CMA]);
    expect([table.order[table.pageIndex(0x2f800)], table.order[table.pageIndex(0x2fa00)]]).toEqual([9, 9]);
    expect(machine.buddy.nrIsolatedFreePages()).toBe(0);
    expectSound(machine);
  });

  it('leaves a mixed pair that is not one free block to the per-block restore', () => {
    const machine = oddArea();
    const owner = machine.owners.register('user', 'u');
    const range = startIsolatePageRange(isolateDeps(machine), 0x2f800, 0x2fa00 + PB, MIGRATE_CMA);
    expect(range.ok).toBe(true);
    if (!range.ok) return;
    expect(machine.buddy.takeFreeRange(0x2f800 + 3, 0x2f800 + 4, owner)).toBe(true);
    undoIsolatePageRange(machine.buddy, range.value);
    expect([machine.buddy.pageblockMigratetype(0x2f800), machine.buddy.pageblockMigratetype(0x2fa00)]).toEqual([MIGRATE_MOVABLE, MIGRATE_CMA]);
    expect(machine.buddy.nrIsolatedFreePages()).toBe(0);
    expect(machine.buddy.zones.map((zone) => zone.nrIsolatePageblock)).toEqual([0]);
    expect(machine.buddy.pageblockMigratetype(0x2f800)).not.toBe(MIGRATE_ISOLATE);
    expectSound(machine);
  });
});
