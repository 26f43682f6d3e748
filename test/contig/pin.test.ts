// Pinning: short-term pins as references, FOLL_LONGTERM migrating out of CMA first (6.1), the 2020 switch pinning in place, failures.
import { describe, expect, it } from 'vitest';
import { MIGRATE_CMA } from '../../src/mem/migratetype.ts';
import { bootDefault, bootRaw, expectSound, expectTagsIntact, mapUser, pfnsOf, tagAll } from './machine-fixtures.ts';

/** 64 MiB, cma=32M (movable pages land in CMA first), with the long-term pinning policy given. */
function machineWith(longtermMigratesCma: boolean) {
  return bootRaw({ banks: [{ name: 'dram0', base: 0, size: '64M', zone: 'Normal' }], cmdline: 'cma=32M', pinning: { longtermMigratesCma } });
}

describe('pins', () => {
  it('a short-term pin is one extra reference per page; unpin drops it', () => {
    const machine = bootDefault('64M', '');
    const user = mapUser(machine, 8);
    const table = machine.buddy.table;
    const pin = machine.pins.pin(user, 2, 3, 'shortterm');
    expect(pin.ok).toBe(true);
    if (!pin.ok) return;
    expect(pin.value.pfns).toEqual(pfnsOf(machine, user).slice(2, 5));
    expect(pin.value.pfns.map((pfn) => table.refcount[table.pageIndex(pfn)])).toEqual([2, 2, 2]);
    expect(pin.value.pfns.map((pfn) => machine.user.isMigratable(pfn))).toEqual([false, false, false]);
    machine.pins.unpin(pin.value);
    expect(pin.value.pfns.map((pfn) => table.refcount[table.pageIndex(pfn)])).toEqual([1, 1, 1]);
    expect(machine.events.get('shortterm_pin')).toBe(3);
  });

  it('FOLL_LONGTERM (6.1): pages in CMA pageblocks are migrated to non-movable memory first, then pinned; the count returned is what was pinned', () => {
    const machine = machineWith(true);
    const user = mapUser(machine, 64);
    tagAll(machine, user);
    expect(machine.user.pagesInCma(user)).toBe(64);
    const pin = machine.pins.pin(user, 0, 64, 'longterm');
    expect(pin.ok).toBe(true);
    if (!pin.ok) return;
    expect(pin.value.pfns).toHaveLength(64);
    expect(pin.value.migratedPages).toBe(64);
    expect(pin.value.pfns.every((pfn) => machine.buddy.pageblockMigratetype(pfn) !== MIGRATE_CMA)).toBe(true);
    expect(pin.value.pfns).toEqual(pfnsOf(machine, user));
    const table = machine.buddy.table;
    expect(pin.value.pfns.every((pfn) => table.pinCount[table.pageIndex(pfn)] === 1)).toBe(true);
    expectTagsIntact(machine, user);
    expect(machine.events.get('longterm_pin_migrate')).toBe(64);
    machine.pins.unpin(pin.value);
    expect(pin.value.pfns.every((pfn) => table.pinCount[table.pageIndex(pfn)] === 0)).toBe(true);
    expectSound(machine);
  });

  it('FOLL_LONGTERM on pages already outside CMA migrates nothing', () => {
    const machine = bootDefault('64M', '');
    const user = mapUser(machine, 4);
    const before = pfnsOf(machine, user);
    const pin = machine.pins.pin(user, 0, 4, 'longterm');
    expect(pin.ok && pin.value.migratedPages).toBe(0);
    expect(pfnsOf(machine, user)).toEqual(before);
  });

  it('FOLL_LONGTERM drains the LRU-add batch once when an unpinnable page is not on the LRU yet', () => {
    const machine = machineWith(true);
    const owner = machine.owners.register('user', 'fresh');
    expect(machine.user.mapPages(owner, 3).ok).toBe(true);
    expect(machine.user.lruPendingPages()).toBe(3);
    const pin = machine.pins.pin(owner, 0, 3, 'longterm');
    expect(pin.ok && pin.value.migratedPages).toBe(3);
    expect(machine.user.lruPendingPages()).toBe(0);
  });

  it('the 2020 behaviour (pinning.longtermMigratesCma: false) pins pages where they are, inside CMA', () => {
    const machine = machineWith(false);
    const user = mapUser(machine, 16);
    const before = pfnsOf(machine, user);
    const pin = machine.pins.pin(user, 0, 16, 'longterm');
    expect(pin.ok).toBe(true);
    if (!pin.ok) return;
    expect(pin.value.pfns).toEqual(before);
    expect(pin.value.pfns.every((pfn) => machine.buddy.pageblockMigratetype(pfn) === MIGRATE_CMA)).toBe(true);
  });

  it('a long-term pin whose migration fails holds nothing and reports ENOMEM', () => {
    const machine = machineWith(true);
    const user = mapUser(machine, 4);
    const shortPin = machine.pins.pin(user, 1, 1, 'shortterm');
    expect(shortPin.ok).toBe(true);
    const pin = machine.pins.pin(user, 0, 4, 'longterm');
    expect(pin.ok ? 'ok' : pin.errno).toBe('ENOMEM');
    const table = machine.buddy.table;
    expect(pfnsOf(machine, user).map((pfn) => table.pinCount[table.pageIndex(pfn)])).toEqual([0, 0, 0, 0]);
    expect(pfnsOf(machine, user).map((pfn) => table.refcount[table.pageIndex(pfn)])).toEqual([1, 2, 1, 1]);
  });

  it('refuses slots outside the mapping and owners that map nothing with EFAULT', () => {
    const machine = bootDefault('32M', '');
    const user = mapUser(machine, 4);
    const results = [machine.pins.pin(user, 3, 2, 'shortterm'), machine.pins.pin(machine.owners.register('user', 'x'), 0, 1, 'longterm')];
    expect(results.map((r) => (r.ok ? 'ok' : r.errno))).toEqual(['EFAULT', 'EFAULT']);
  });
});
