// alloc_contig_range / alloc_contig_pages scenarios: migration out of the range, every EBUSY/ENOMEM/EINTR path, modes, restored migratetypes.
import { describe, expect, it } from 'vitest';
import { PAGE_ALLOCATED, PAGE_PCP } from '../../src/mem/page-state.ts';
import { startIsolatePageRange, undoIsolatePageRange } from '../../src/contig/isolate.ts';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from '../../src/mem/gfp.ts';
import { MIGRATE_CMA, MIGRATE_ISOLATE, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE } from '../../src/mem/migratetype.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { bootDefault, exhaustKernel, expectSound, expectTagsIntact, mapUser, PB, pfnsOf, slotIn, tagAll } from './machine-fixtures.ts';

/** 64 MiB with cma=32M: the CMA area is [8192, 16384) and movable pages go there first. */
function cmaMachine(): Machine {
  return bootDefault('64M', 'cma=32M');
}

/** The pageblock holding `owner`'s lowest-PFN page inside the CMA area. */
function userBlock(machine: Machine, owner: number): number {
  const slot = slotIn(machine, owner, 8192, 16384);
  const pfn = machine.user.pfnOf(owner, slot);
  return pfn - (pfn % PB);
}

function expectRangeOwnedBy(machine: Machine, pfnStart: number, pfnEnd: number, owner: number): void {
  const table = machine.buddy.table;
  const wrong: number[] = [];
  for (let pfn = pfnStart; pfn < pfnEnd; pfn++) {
    const i = table.pageIndex(pfn);
    if (table.state[i] !== PAGE_ALLOCATED || table.owner[i] !== owner || table.refcount[i] !== 1) wrong.push(pfn);
  }
  expect(wrong).toEqual([]);
}

describe('alloc_contig_range', () => {
  it('migrates every movable page out of the range (content, owner and slot kept) and hands the whole range to the caller', () => {
    const machine = cmaMachine();
    const user = mapUser(machine, 1500);
    tagAll(machine, user);
    const block = userBlock(machine, user);
    const inside = pfnsOf(machine, user).filter((pfn) => pfn >= block && pfn < block + PB).length;
    expect(inside).toBeGreaterThan(100);
    const caller = machine.owners.register('contig', 'c');
    const got = machine.contig.allocContigRange(block, block + PB, MIGRATE_CMA, 'normal', caller);
    expect(got.ok).toBe(true);
    if (!got.ok) return;
    expect(got.value.migratedPages).toBe(inside);
    expect(got.value.migrationRounds).toBe(Math.ceil(inside / 32));
    expectRangeOwnedBy(machine, block, block + PB, caller);
    expect(pfnsOf(machine, user).filter((pfn) => pfn >= block && pfn < block + PB)).toEqual([]);
    expectTagsIntact(machine, user);
    expect(machine.buddy.pageblockMigratetype(block)).toBe(MIGRATE_CMA);
    expectSound(machine);
    expect(machine.contig.freeContigRange(block, PB)).toBe(0);
    expectSound(machine);
  });

  it('works on MIGRATE_MOVABLE pageblocks for a MIGRATE_MOVABLE caller (pfn range not pageblock aligned)', () => {
    const machine = bootDefault('64M', '');
    const user = mapUser(machine, 3000);
    tagAll(machine, user);
    const first = Math.min(...pfnsOf(machine, user));
    const caller = machine.owners.register('contig', 'c');
    const got = machine.contig.allocContigRange(first + 3, first + 700, MIGRATE_MOVABLE, 'normal', caller);
    expect(got.ok).toBe(true);
    expectRangeOwnedBy(machine, first + 3, first + 700, caller);
    expectTagsIntact(machine, user);
    expectSound(machine);
  });

  it('a kernel page in a MOVABLE pageblock is unmovable: EBUSY at isolation, before any page migrates', () => {
    const machine = bootDefault('64M', '');
    const user = mapUser(machine, 100);
    const kernel = machine.buddy.allocPages(GFP_KERNEL, 0, { owner: machine.owners.register('kernel', 'k') });
    expect(kernel.ok).toBe(true);
    if (!kernel.ok) return;
    const block = kernel.value - (kernel.value % PB);
    const before = pfnsOf(machine, user);
    const got = machine.contig.allocContigRange(block, block + PB, MIGRATE_MOVABLE, 'normal', machine.owners.register('contig', 'c'));
    expect(got.ok ? 'ok' : got.errno).toBe('EBUSY');
    expect(machine.contig.lastReport?.migrationRounds).toBe(0);
    expect(pfnsOf(machine, user)).toEqual(before);
    expect(machine.events.get('isolate_fail')).toBe(1);
    expectSound(machine);
  });

  it('a CMA pageblock is unmovable for a MIGRATE_MOVABLE caller and fine for a MIGRATE_CMA one', () => {
    const machine = cmaMachine();
    const caller = machine.owners.register('contig', 'c');
    const movable = machine.contig.allocContigRange(8192, 8192 + PB, MIGRATE_MOVABLE, 'normal', caller);
    expect(movable.ok ? 'ok' : movable.errno).toBe('EBUSY');
    expect(machine.contig.allocContigRange(8192, 8192 + PB, MIGRATE_CMA, 'normal', caller).ok).toBe(true);
  });

  it('isolation of an already-isolated pageblock is EBUSY (someone else works on it); after undo it succeeds', () => {
    const machine = cmaMachine();
    const deps = { buddy: machine.buddy, faults: machine.env.faults, events: machine.events };
    const other = startIsolatePageRange(deps, 9216, 9216 + PB, MIGRATE_CMA);
    expect(other.ok).toBe(true);
    if (!other.ok) return;
    const caller = machine.owners.register('contig', 'c');
    const got = machine.contig.allocContigRange(8192, 8192 + 4 * PB, MIGRATE_CMA, 'normal', caller);
    expect(got.ok ? 'ok' : got.errno).toBe('EBUSY');
    expect([8192, 8704, 9216, 9728].map((pfn) => machine.buddy.pageblockMigratetype(pfn))).toEqual([MIGRATE_CMA, MIGRATE_CMA, MIGRATE_ISOLATE, MIGRATE_CMA]);
    undoIsolatePageRange(machine.buddy, other.value);
    expect(machine.contig.allocContigRange(8192, 8192 + 4 * PB, MIGRATE_CMA, 'normal', caller).ok).toBe(true);
    expectSound(machine);
  });

  it('restores each pageblock\'s ORIGINAL migratetype on success and failure (6.1 would make an UNMOVABLE block MOVABLE)', () => {
    const machine = bootDefault('64M', '');
    const kernel = machine.buddy.allocPages(GFP_KERNEL, 0, { owner: machine.owners.register('kernel', 'k') });
    expect(kernel.ok).toBe(true);
    if (!kernel.ok) return;
    const block = kernel.value - (kernel.value % PB);
    expect(machine.buddy.pageblockMigratetype(block)).toBe(MIGRATE_UNMOVABLE);
    machine.buddy.freePages(kernel.value, 0);
    machine.buddy.drainAllPages();
    const caller = machine.owners.register('contig', 'c');
    expect(machine.contig.allocContigRange(block, block + PB, MIGRATE_MOVABLE, 'normal', caller).ok).toBe(true);
    expect(machine.buddy.pageblockMigratetype(block)).toBe(MIGRATE_UNMOVABLE);
    machine.contig.freeContigRange(block, PB);
    machine.env.faults.arm('isolate', 1);
    const failed = machine.contig.allocContigRange(block - PB, block + PB, MIGRATE_MOVABLE, 'normal', caller);
    expect(failed.ok ? 'ok' : failed.errno).toBe('EBUSY');
    expect([machine.buddy.pageblockMigratetype(block - PB), machine.buddy.pageblockMigratetype(block)]).toEqual([MIGRATE_MOVABLE, MIGRATE_UNMOVABLE]);
    expectSound(machine);
  });

  it('a short-term pin held before the call: 6.1 does not even isolate the page, the pass ends and test_pages_isolated says EBUSY; other pages stay migrated', () => {
    const machine = cmaMachine();
    const user = mapUser(machine, 1500);
    tagAll(machine, user);
    const block = userBlock(machine, user);
    const pinnedSlot = slotIn(machine, user, block + 100, block + PB);
    const pin = machine.pins.pin(user, pinnedSlot, 1, 'shortterm');
    expect(pin.ok).toBe(true);
    const got = machine.contig.allocContigRange(block, block + PB, MIGRATE_CMA, 'normal', machine.owners.register('contig', 'c'));
    expect(got.ok ? 'ok' : got.errno).toBe('EBUSY');
    const report = machine.contig.lastReport;
    expect(report?.migratedPages).toBeGreaterThan(0);
    expect(report?.detail).toContain(`pfn ${machine.user.pfnOf(user, pinnedSlot)}`);
    expect(pfnsOf(machine, user).filter((pfn) => pfn >= block && pfn < block + PB)).toEqual([machine.user.pfnOf(user, pinnedSlot)]);
    expect(machine.buddy.pageblockMigratetype(block)).toBe(MIGRATE_CMA);
    expectTagsIntact(machine, user);
    expectSound(machine);
  });

  it('a short-term pin on a FILE page: the page is isolated and fails every migrate_pages call — EBUSY after 5 rounds (normal), 1 (fast)', () => {
    for (const [mode, rounds] of [['normal', 5], ['fast', 1]] as const) {
      const machine = cmaMachine();
      const file = machine.owners.register('user', 'file');
      expect(machine.user.mapPages(file, 10, { backing: 'file' }).ok).toBe(true);
      machine.user.lruAddDrainAll();
      const block = userBlock(machine, file);
      const pinnedSlot = slotIn(machine, file, block, block + PB);
      expect(machine.pins.pin(file, pinnedSlot, 1, 'shortterm').ok).toBe(true);
      const got = machine.contig.allocContigRange(block, block + PB, MIGRATE_CMA, mode, machine.owners.register('contig', 'c'));
      expect(got.ok ? 'ok' : got.errno).toBe('EBUSY');
      expect(machine.contig.lastReport?.migrationRounds).toBe(rounds);
      expect(machine.contig.lastReport?.detail).toMatch(/1 pages still busy/);
      expect(machine.events.get('pgmigrate_fail')).toBe(rounds);
      expectSound(machine);
    }
  });

  it('a pin taken while the page is isolated (transient_pin): EBUSY after 5 migration rounds in normal mode, after 1 in fast mode', () => {
    for (const [mode, rounds] of [['normal', 5], ['fast', 1]] as const) {
      const machine = cmaMachine();
      const user = mapUser(machine, 10);
      const block = userBlock(machine, user);
      const inBlock = pfnsOf(machine, user).filter((pfn) => pfn >= block && pfn < block + PB).length;
      machine.env.faults.arm('transient_pin', 1000);
      const got = machine.contig.allocContigRange(block, block + PB, MIGRATE_CMA, mode, machine.owners.register('contig', 'c'));
      expect(got.ok ? 'ok' : got.errno).toBe('EBUSY');
      expect(machine.contig.lastReport?.migrationRounds).toBe(rounds);
      expect(machine.env.faults.firedCount('transient_pin')).toBe(rounds * inBlock);
      expectSound(machine);
    }
  });

  it('a transient pin that goes away after two rounds costs two rounds and the range is allocated', () => {
    const machine = cmaMachine();
    const user = mapUser(machine, 1);
    const block = userBlock(machine, user);
    machine.env.faults.arm('transient_pin', 2);
    const got = machine.contig.allocContigRange(block, block + PB, MIGRATE_CMA, 'normal', machine.owners.register('contig', 'c'));
    expect(got.ok).toBe(true);
    expect(machine.contig.lastReport?.migrationRounds).toBe(3);
  });

  it('fast mode does not drain per-CPU lists: free pages cached there make the range EBUSY; normal mode drains and succeeds', () => {
    const machine = cmaMachine();
    const user = mapUser(machine, 20);
    const block = userBlock(machine, user);
    const pfns = pfnsOf(machine, user);
    machine.user.unmapPages(user);
    expect(pfns.some((pfn) => machine.buddy.pageState(pfn) === PAGE_PCP)).toBe(true);
    const caller = machine.owners.register('contig', 'c');
    const fast = machine.contig.allocContigRange(block, block + PB, MIGRATE_CMA, 'fast', caller);
    expect(fast.ok ? 'ok' : fast.errno).toBe('EBUSY');
    expect(machine.contig.lastReport?.drained).toBe(false);
    const normal = machine.contig.allocContigRange(block, block + PB, MIGRATE_CMA, 'normal', caller);
    expect(normal.ok).toBe(true);
    expect(machine.contig.lastReport?.drained).toBe(true);
    expectSound(machine);
  });

  it('fast mode does not drain LRU-add batches: a page faulted in a moment ago is not movable yet', () => {
    const machine = cmaMachine();
    const owner = machine.owners.register('user', 'fresh');
    expect(machine.user.mapPages(owner, 5).ok).toBe(true);
    const pfn = machine.user.pfnOf(owner, 0);
    const block = pfn - (pfn % PB);
    const caller = machine.owners.register('contig', 'c');
    const fast = machine.contig.allocContigRange(block, block + PB, MIGRATE_CMA, 'fast', caller);
    expect(fast.ok ? 'ok' : fast.errno).toBe('EBUSY');
    expect(machine.contig.lastReport?.migratedPages).toBe(0);
    expect(machine.contig.allocContigRange(block, block + PB, MIGRATE_CMA, 'normal', caller).ok).toBe(true);
    expect(machine.user.pfnOf(owner, 0)).not.toBe(pfn);
  });

  it('no migration target: ENOMEM as soon as a target allocation fails, nothing allocated, migratetypes restored', () => {
    const machine = bootDefault('32M', 'cma=16M');
    const user = machine.owners.register('user', 'all');
    for (const chunk of [256, 16, 1]) while (machine.user.mapPages(machine.owners.register('user', 'fill'), chunk).ok);
    expect(machine.user.mapPages(user, 1).ok).toBe(false);
    exhaustKernel(machine, GFP_HIGHUSER_MOVABLE);
    machine.user.lruAddDrainAll();
    const area = machine.cma.area('reserved');
    const base = area?.basePfn ?? 0;
    const caller = machine.owners.register('contig', 'c');
    const userPagesInBlock = (): number => {
      const table = machine.buddy.table;
      let count = 0;
      for (let pfn = base; pfn < base + PB; pfn++) if (machine.user.rmap(pfn) !== undefined && table.state[table.pageIndex(pfn)] === PAGE_ALLOCATED) count++;
      return count;
    };
    const before = userPagesInBlock();
    const got = machine.contig.allocContigRange(base, base + PB, MIGRATE_CMA, 'normal', caller);
    expect(got.ok ? 'ok' : got.errno).toBe('ENOMEM');
    // The few targets left below the watermark went to the first pages; the first failed target ends the call.
    expect(machine.contig.lastReport?.migratedPages).toBe(before - userPagesInBlock());
    expect(userPagesInBlock()).toBeGreaterThan(0);
    expect(machine.buddy.pageblockMigratetype(base)).toBe(MIGRATE_CMA);
    const table = machine.buddy.table;
    for (let pfn = base; pfn < base + PB; pfn++) expect(table.owner[table.pageIndex(pfn)]).not.toBe(caller);
    expectSound(machine);
  });

  it('a fatal signal stops the migration loop with EINTR', () => {
    const machine = cmaMachine();
    const user = mapUser(machine, 100);
    const block = userBlock(machine, user);
    machine.env.faults.arm('fatal_signal', 1);
    const got = machine.contig.allocContigRange(block, block + PB, MIGRATE_CMA, 'normal', machine.owners.register('contig', 'c'));
    expect(got.ok ? 'ok' : got.errno).toBe('EINTR');
    expect(machine.buddy.pageblockMigratetype(block)).toBe(MIGRATE_CMA);
    expectSound(machine);
  });

  it('rejects empty ranges, ranges leaving the zone and other migratetypes with EINVAL', () => {
    const machine = cmaMachine();
    const caller = machine.owners.register('contig', 'c');
    const results = [
      machine.contig.allocContigRange(100, 100, MIGRATE_MOVABLE, 'normal', caller),
      machine.contig.allocContigRange(16000, 17000, MIGRATE_MOVABLE, 'normal', caller),
      machine.contig.allocContigRange(2048, 2560, MIGRATE_UNMOVABLE, 'normal', caller),
    ];
    expect(results.map((r) => (r.ok ? 'ok' : r.errno))).toEqual(['EINVAL', 'EINVAL', 'EINVAL']);
  });

  it('splits a free block that straddles the range edge; after freeing, the buddy re-merges it', () => {
    const machine = cmaMachine();
    const order10 = machine.buddy.nrFreeBlocks(0, 10);
    const caller = machine.owners.register('contig', 'c');
    expect(machine.contig.allocContigRange(9216 + 5, 9216 + 20, MIGRATE_CMA, 'normal', caller).ok).toBe(true);
    expectSound(machine);
    expect(machine.buddy.nrFreeBlocks(0, 10)).toBe(order10 - 1);
    machine.contig.freeContigRange(9216 + 5, 15);
    machine.buddy.drainAllPages();
    expect(machine.buddy.nrFreeBlocks(0, 10)).toBe(order10);
    expectSound(machine);
  });
});

describe('alloc_contig_pages', () => {
  it('tries only ALIGN(zone_start, nr) + k·nr candidates and skips those with a reserved page', () => {
    const machine = bootDefault('64M', '');
    const caller = machine.owners.register('contig', 'c');
    expect(machine.layout.reserved).toEqual([{ label: 'kernel', pfnStart: 0, pfnEnd: 1024 }]);
    const got = machine.contig.allocContigPages(1024, caller);
    expect(got.ok ? got.value : got.errno).toBe(1024);
    const odd = machine.contig.allocContigPages(1000, caller);
    // ALIGN(0, 1000) = (0 + 999) & ~999 = 0; 0 and 1000 hold reserved pages, 2000 overlaps the first result.
    expect(odd.ok ? odd.value : odd.errno).toBe(3000);
    expectSound(machine);
  });

  it('moves on to the next candidate when one is busy, keeping what migration already moved', () => {
    const machine = bootDefault('64M', '');
    const user = mapUser(machine, 6000);
    tagAll(machine, user);
    const before = pfnsOf(machine, user);
    const slotsInFirst = before.flatMap((pfn, slot) => (pfn >= 1024 && pfn < 2048 ? [slot] : []));
    expect(slotsInFirst.length).toBeGreaterThan(1);
    const pinnedSlot = slotIn(machine, user, 1024, 2048);
    expect(machine.pins.pin(user, pinnedSlot, 1, 'shortterm').ok).toBe(true);
    const got = machine.contig.allocContigPages(1024, machine.owners.register('contig', 'c'));
    expect(got.ok ? got.value : got.errno).toBe(2048);
    // Every page of the failed candidate but the pinned one was migrated, and stays migrated.
    const after = pfnsOf(machine, user);
    expect(slotsInFirst.filter((slot) => after[slot] === before[slot])).toEqual([pinnedSlot]);
    expectTagsIntact(machine, user);
    expectSound(machine);
  });

  it('fails with ENOMEM when no candidate fits', () => {
    const machine = bootDefault('32M', '');
    const got = machine.contig.allocContigPages(8192, machine.owners.register('contig', 'c'));
    expect(got.ok ? 'ok' : got.errno).toBe('ENOMEM');
  });
});
