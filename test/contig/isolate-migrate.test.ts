// Isolation (has_unmovable_pages, start/undo_isolate_page_range, test_pages_isolated, the isolate fault) and migrate_pages on their own.
import { describe, expect, it } from 'vitest';
import { hasUnmovablePages, startIsolatePageRange, testPagesIsolated, undoIsolatePageRange } from '../../src/contig/isolate.ts';
import { GFP_CONTIG_MIGRATE_TARGET, migratePages, migrationTargetFromBuddy } from '../../src/contig/migrate.ts';
import { __GFP_COMP, GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from '../../src/mem/gfp.ts';
import { MIGRATE_CMA, MIGRATE_ISOLATE, MIGRATE_MOVABLE } from '../../src/mem/migratetype.ts';
import { NO_PAGE } from '../../src/mem/page-table.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { bootDefault, bootRaw, expectSound, expectTagsIntact, mapUser, PB, pfnsOf, tagAll } from './machine-fixtures.ts';

function isolateDeps(machine: Machine) {
  return { buddy: machine.buddy, faults: machine.env.faults, events: machine.events };
}

describe('isolation', () => {
  it('has_unmovable_pages: free and LRU pages are movable, reserved and kernel pages are not, CMA depends on the caller', () => {
    const machine = bootDefault('64M', 'cma=16M');
    const user = mapUser(machine, 10);
    const userPfn = machine.user.pfnOf(user, 0);
    const userBlock = userPfn - (userPfn % PB);
    expect(hasUnmovablePages(machine.buddy, userBlock, userBlock + PB, MIGRATE_MOVABLE)).toBe(NO_PAGE);
    expect(hasUnmovablePages(machine.buddy, 0, PB, MIGRATE_MOVABLE)).toBe(0);
    const kernel = machine.buddy.allocPages(GFP_KERNEL, 2, { owner: machine.owners.register('kernel', 'k') });
    expect(kernel.ok).toBe(true);
    if (!kernel.ok) return;
    const block = kernel.value - (kernel.value % PB);
    expect(hasUnmovablePages(machine.buddy, block, block + PB, MIGRATE_MOVABLE)).toBe(kernel.value);
    const cmaBase = machine.cma.area('reserved')?.basePfn ?? 0;
    expect(hasUnmovablePages(machine.buddy, cmaBase, cmaBase + PB, MIGRATE_CMA)).toBe(NO_PAGE);
    expect(hasUnmovablePages(machine.buddy, cmaBase, cmaBase + PB, MIGRATE_MOVABLE)).toBe(cmaBase);
  });

  it('isolates whole pageblocks, splits free blocks at the range edges, and undo restores and re-merges', () => {
    const machine = bootDefault('64M', 'cma=16M');
    const base = machine.cma.area('reserved')?.basePfn ?? 0;
    const order10 = machine.buddy.nrFreeBlocks(0, 10);
    const range = startIsolatePageRange(isolateDeps(machine), base + 600, base + 700, MIGRATE_CMA);
    expect(range.ok).toBe(true);
    if (!range.ok) return;
    expect([range.value.pfnStart, range.value.pfnEnd]).toEqual([base + PB, base + 2 * PB]);
    expect(machine.buddy.pageblockMigratetype(base + PB)).toBe(MIGRATE_ISOLATE);
    expect(machine.buddy.pageblockMigratetype(base)).toBe(MIGRATE_CMA);
    expect(machine.buddy.nrIsolatedFreePages()).toBe(PB);
    expect(testPagesIsolated(machine.buddy, base + PB, base + 2 * PB)).toBe(base + 2 * PB);
    expect(testPagesIsolated(machine.buddy, base, base + 2 * PB)).toBe(base);
    expectSound(machine);
    undoIsolatePageRange(machine.buddy, range.value);
    expect(machine.buddy.pageblockMigratetype(base + PB)).toBe(MIGRATE_CMA);
    expect(machine.buddy.nrIsolatedFreePages()).toBe(0);
    expect(machine.buddy.nrFreeBlocks(0, 10)).toBe(order10);
    expectSound(machine);
  });

  it('restoring originals splits a free MAX_ORDER block that merged across a MOVABLE and a CMA pageblock while both were isolated', () => {
    // An area at pfn 0x2fa00 (an odd pageblock): its first block pairs with the MOVABLE block below in one order-10 buddy.
    const machine = bootRaw({ banks: [{ name: 'dram0', base: 0, size: '1G', zone: 'Normal' }], cma: { areas: [{ name: 'odd', size: '4M', base: '0x2fa00000' }] } });
    const cmaFree = machine.buddy.nrFreeCmaPages();
    const low = 0x2fa00 - PB;
    const range = startIsolatePageRange(isolateDeps(machine), low, 0x2fa00 + PB, MIGRATE_CMA);
    expect(range.ok).toBe(true);
    if (!range.ok) return;
    const owner = machine.owners.register('test', 't');
    expect(machine.buddy.takeFreeRange(low, low + 1, owner)).toBe(true);
    machine.buddy.freeRange(low, low + 1);
    const table = machine.buddy.table;
    expect([table.order[table.pageIndex(low)], machine.buddy.nrIsolatedFreePages()]).toEqual([10, 2 * PB]);
    undoIsolatePageRange(machine.buddy, range.value);
    expect([machine.buddy.pageblockMigratetype(low), machine.buddy.pageblockMigratetype(0x2fa00)]).toEqual([MIGRATE_MOVABLE, MIGRATE_CMA]);
    expect(machine.buddy.nrFreeCmaPages()).toBe(cmaFree);
    expect([table.order[table.pageIndex(low)], table.order[table.pageIndex(0x2fa00)]]).toEqual([9, 9]);
    expectSound(machine);
  });

  it('an in-use compound page crossing the range edge cannot be split or migrated here: EBUSY, nothing left isolated', () => {
    const machine = bootDefault('64M', 'cma=32M');
    const thp = machine.buddy.allocPages(GFP_HIGHUSER_MOVABLE | __GFP_COMP, 10, { owner: machine.owners.register('kernel', 'thp') });
    expect(thp.ok).toBe(true);
    if (!thp.ok) return;
    expect(machine.buddy.pageblockMigratetype(thp.value)).toBe(MIGRATE_CMA);
    const range = startIsolatePageRange(isolateDeps(machine), thp.value + PB, thp.value + 2 * PB, MIGRATE_CMA);
    expect(range.ok ? 'ok' : range.detail).toBe(`compound page ${thp.value} crosses pageblock boundary ${thp.value + PB}`);
    expect(machine.buddy.zones[0]?.nrIsolatePageblock).toBe(0);
    expectSound(machine);
  });

  it('the isolate fault fails the next pageblock isolation with EBUSY and leaves nothing isolated', () => {
    const machine = bootDefault('64M', 'cma=16M');
    const base = machine.cma.area('reserved')?.basePfn ?? 0;
    machine.env.faults.arm('isolate', 1);
    const first = startIsolatePageRange(isolateDeps(machine), base, base + 4 * PB, MIGRATE_CMA);
    expect(first.ok ? 'ok' : first.errno).toBe('EBUSY');
    expect(machine.buddy.zones[0]?.nrIsolatePageblock).toBe(0);
    expect(startIsolatePageRange(isolateDeps(machine), base, base + 4 * PB, MIGRATE_CMA).ok).toBe(true);
    expect(machine.buddy.zones[0]?.nrIsolatePageblock).toBe(4);
    expectSound(machine);
  });

  it('an inner pageblock that cannot be isolated undoes the blocks before it and the last one', () => {
    const machine = bootDefault('64M', 'cma=16M');
    const base = machine.cma.area('reserved')?.basePfn ?? 0;
    const other = startIsolatePageRange(isolateDeps(machine), base + 2 * PB, base + 3 * PB, MIGRATE_CMA);
    expect(other.ok).toBe(true);
    const range = startIsolatePageRange(isolateDeps(machine), base, base + 5 * PB, MIGRATE_CMA);
    expect(range.ok ? 'ok' : range.errno).toBe('EBUSY');
    expect([0, 1, 2, 3, 4].map((i) => machine.buddy.pageblockMigratetype(base + i * PB))).toEqual([MIGRATE_CMA, MIGRATE_CMA, MIGRATE_ISOLATE, MIGRATE_CMA, MIGRATE_CMA]);
    expect(machine.buddy.zones[0]?.nrIsolatePageblock).toBe(1);
    expectSound(machine);
  });
});

describe('migrate_pages', () => {
  it('moves content, owner, slot and PG_MOVABLE to the target, updates the reverse map and frees the source', () => {
    const machine = bootDefault('64M', '');
    const user = mapUser(machine, 5);
    tagAll(machine, user);
    const before = pfnsOf(machine, user);
    const deps = { buddy: machine.buddy, user: machine.user, faults: machine.env.faults, events: machine.events };
    const outcome = migratePages(deps, before, migrationTargetFromBuddy(machine.buddy, GFP_CONTIG_MIGRATE_TARGET, 0), 0);
    expect(outcome).toEqual({ migrated: 5, remaining: [] });
    const after = pfnsOf(machine, user);
    expect(after.some((pfn, slot) => pfn === before[slot])).toBe(false);
    expect(after.every((pfn) => machine.user.isMigratable(pfn))).toBe(true);
    expectTagsIntact(machine, user);
    expect(machine.events.get('pgmigrate_success')).toBe(5);
    expectSound(machine);
  });

  it('a busy page (extra reference, migrate fault) stays on the list; no target means ENOMEM and the rest stays too', () => {
    const machine = bootDefault('64M', '');
    const user = mapUser(machine, 4);
    const pfns = pfnsOf(machine, user);
    const deps = { buddy: machine.buddy, user: machine.user, faults: machine.env.faults, events: machine.events };
    expect(machine.pins.pin(user, 0, 1, 'shortterm').ok).toBe(true);
    machine.env.faults.arm('migrate', 1);
    const target = migrationTargetFromBuddy(machine.buddy, GFP_CONTIG_MIGRATE_TARGET, 0);
    expect(migratePages(deps, pfns.slice(0, 3), target, 0)).toEqual({ migrated: 1, remaining: [pfns[0], pfns[1]] });
    const none = migratePages(deps, [pfns[3] as number], () => NO_PAGE, 0);
    expect(none).toEqual({ migrated: 0, remaining: [pfns[3]], errno: 'ENOMEM' });
    expectSound(machine);
  });

  it('no target counts one PGMIGRATE_FAIL, for the page that needed it, not for the pages never tried (6.1 migrate_pages -ENOMEM)', () => {
    const machine = bootDefault('64M', '');
    const pfns = pfnsOf(machine, mapUser(machine, 3));
    const deps = { buddy: machine.buddy, user: machine.user, faults: machine.env.faults, events: machine.events };
    expect(migratePages(deps, pfns, () => NO_PAGE, 0)).toEqual({ migrated: 0, remaining: pfns, errno: 'ENOMEM' });
    expect(machine.events.get('pgmigrate_fail')).toBe(1);
  });
});
