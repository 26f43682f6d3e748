// UserMemory: mapping, stores and loads, the reverse map, LRU-add batches (PAGEVEC_SIZE), all-or-nothing faults, munmap with pins.
import { describe, expect, it } from 'vitest';
import { LRU_ADD_BATCH_PAGES } from '../../src/contig/user-memory.ts';
import { GFP_KERNEL } from '../../src/mem/gfp.ts';
import { PAGE_ALLOCATED, PAGE_FREE, PAGE_PCP, PG_MOVABLE } from '../../src/mem/page-state.ts';
import { bootDefault, exhaustKernel, expectSound, mapUser, pfnsOf } from './machine-fixtures.ts';

describe('UserMemory', () => {
  it('maps order-0 pages slot by slot; stores and loads go through the mapping', () => {
    const machine = bootDefault('64M', '');
    const owner = mapUser(machine, 40);
    const table = machine.buddy.table;
    const pfns = pfnsOf(machine, owner);
    expect(new Set(pfns).size).toBe(40);
    for (const [slot, pfn] of pfns.entries()) {
      const i = table.pageIndex(pfn);
      expect([table.state[i], table.owner[i], table.mapIndex[i], table.refcount[i]]).toEqual([PAGE_ALLOCATED, owner, slot, 1]);
      expect(machine.user.rmap(pfn)).toEqual({ owner, slot });
    }
    machine.user.write(owner, 7, 0xabc);
    expect(machine.user.read(owner, 7)).toBe(0xabc);
    expect(machine.user.read(owner, 8)).not.toBe(0xabc);
    expectSound(machine);
  });

  it('keeps fresh pages in the per-CPU LRU-add batch (an extra reference, not movable) until PAGEVEC_SIZE pages are queued', () => {
    const machine = bootDefault('64M', '');
    const owner = machine.owners.register('user', 'p');
    expect(machine.user.mapPages(owner, LRU_ADD_BATCH_PAGES + 4, { cpu: 1 }).ok).toBe(true);
    expect(machine.user.lruPendingPages(1)).toBe(4);
    expect(machine.user.lruPendingPages(0)).toBe(0);
    const table = machine.buddy.table;
    const first = machine.user.pfnOf(owner, 0);
    const last = machine.user.pfnOf(owner, LRU_ADD_BATCH_PAGES + 3);
    expect(table.flags[table.pageIndex(first)]! & PG_MOVABLE).toBe(PG_MOVABLE);
    expect(machine.user.isMigratable(first)).toBe(true);
    expect(table.refcount[table.pageIndex(last)]).toBe(2);
    expect(machine.user.isMigratable(last)).toBe(false);
    machine.user.lruAddDrain(1);
    expect(machine.user.lruPendingPages()).toBe(0);
    expect(machine.user.isMigratable(last)).toBe(true);
  });

  it('fails a mapping that cannot be fully faulted in with ENOMEM and frees what it took', () => {
    const machine = bootDefault('32M', '');
    const free = machine.buddy.nrFreePages() + machine.buddy.pcpPages();
    const owner = machine.owners.register('user', 'big');
    const mapped = machine.user.mapPages(owner, 8 * 1024);
    expect(mapped.ok ? 'ok' : mapped.errno).toBe('ENOMEM');
    expect(machine.user.mapping(owner)).toBeUndefined();
    machine.buddy.drainAllPages();
    expect(machine.buddy.nrFreePages()).toBe(free);
    expectSound(machine);
  });

  it('refuses a second mapping for the same owner (EEXIST) and an empty one (EINVAL)', () => {
    const machine = bootDefault('32M', '');
    const owner = mapUser(machine, 2);
    const again = machine.user.mapPages(owner, 2);
    const empty = machine.user.mapPages(machine.owners.register('user', 'e'), 0);
    expect([again.ok ? 'ok' : again.errno, empty.ok ? 'ok' : empty.errno]).toEqual(['EEXIST', 'EINVAL']);
  });

  it('munmap frees unpinned pages, and a pinned page lives on (orphaned, no longer mapped) until its pin goes', () => {
    const machine = bootDefault('64M', '');
    const owner = mapUser(machine, 4);
    const pfns = pfnsOf(machine, owner);
    const pin = machine.pins.pin(owner, 2, 1, 'longterm');
    expect(pin.ok).toBe(true);
    machine.user.unmapPages(owner);
    const states = pfns.map((pfn) => machine.buddy.pageState(pfn));
    expect(states.filter((s) => s === PAGE_FREE || s === PAGE_PCP)).toHaveLength(3);
    expect(states[2]).toBe(PAGE_ALLOCATED);
    expect(machine.user.rmap(pfns[2]!)).toBeUndefined();
    expect(machine.user.isMigratable(pfns[2]!)).toBe(false);
    if (pin.ok) machine.pins.unpin(pin.value);
    expect(machine.buddy.pageState(pfns[2]!)).not.toBe(PAGE_ALLOCATED);
    expectSound(machine);
  });

  it('a page unmapped while still in an LRU-add batch is freed when the batch drains', () => {
    const machine = bootDefault('64M', '');
    const owner = machine.owners.register('user', 'p');
    expect(machine.user.mapPages(owner, 3).ok).toBe(true);
    const pfns = pfnsOf(machine, owner);
    machine.user.unmapPages(owner);
    expect(pfns.map((pfn) => machine.buddy.pageState(pfn))).toEqual([PAGE_ALLOCATED, PAGE_ALLOCATED, PAGE_ALLOCATED]);
    machine.user.lruAddDrainAll();
    expect(pfns.every((pfn) => machine.buddy.pageState(pfn) !== PAGE_ALLOCATED)).toBe(true);
    expectSound(machine);
  });

  it('movable user pages use CMA pageblocks while CMA is idle and free CMA is most of free memory (seed 001)', () => {
    const machine = bootDefault('64M', 'cma=32M');
    const owner = mapUser(machine, 1000);
    expect(machine.user.pagesInCma(owner)).toBe(1000);
    expect(machine.events.get('movable_in_cma')).toBe(1000);
    const kernel = exhaustKernel(machine, GFP_KERNEL);
    expect(kernel.every((pfn) => machine.buddy.pageblockMigratetype(pfn) !== 4)).toBe(true);
  });
});
