// UserMemory and Pinner at their edges: argument checks and their messages, the reverse map of orphaned and kernel pages, LRU-add batches per CPU, the state hash, and FOLL_LONGTERM's drain-once rule, counters and failure detail (Linux 6.1 mm/gup.c).
import { describe, expect, it } from 'vitest';
import { StateHasher } from '../../src/base/hash.ts';
import { startIsolatePageRange } from '../../src/contig/isolate.ts';
import { GFP_KERNEL } from '../../src/mem/gfp.ts';
import { MIGRATE_CMA } from '../../src/mem/migratetype.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { bootDefault, bootRaw, expectSound, mapUser, PB, pfnsOf } from './machine-fixtures.ts';

/** 64 MiB, cma=32M: movable pages land in CMA first; FOLL_LONGTERM migrates them out (6.1). */
function cmaMachine(): Machine {
  return bootDefault('64M', 'cma=32M');
}

function userHash(machine: Machine): string {
  const hasher = new StateHasher();
  machine.user.hashInto(hasher);
  return hasher.digestHex();
}

describe('mapPages arguments and result', () => {
  it('returns the mapping it made, anonymous by default, and lists mappings in creation order', () => {
    const machine = bootDefault('32M', '');
    const a = machine.owners.register('user', 'a');
    const b = machine.owners.register('user', 'b');
    expect(machine.user.mapPages(a, 3)).toEqual({ ok: true, value: { owner: a, pageCount: 3, cpu: 0, backing: 'anon' } });
    expect(machine.user.mapPages(b, 2, { backing: 'file', cpu: 1 })).toEqual({ ok: true, value: { owner: b, pageCount: 2, cpu: 1, backing: 'file' } });
    expect(machine.user.list()).toEqual([{ owner: a, pageCount: 3, cpu: 0, backing: 'anon' }, { owner: b, pageCount: 2, cpu: 1, backing: 'file' }]);
    expect([machine.user.lruPendingPages(0), machine.user.lruPendingPages(1), machine.user.lruPendingPages(7)]).toEqual([3, 2, 0]);
  });

  it('EEXIST and EINVAL say why', () => {
    const machine = bootDefault('32M', '');
    const owner = mapUser(machine, 3);
    expect(machine.user.mapPages(owner, 1)).toEqual({ ok: false, errno: 'EEXIST', detail: `owner ${owner} already maps 3 pages` });
    expect(machine.user.mapPages(machine.owners.register('user', 'none'), 0)).toEqual({ ok: false, errno: 'EINVAL', detail: 'cannot map 0 pages' });
  });

  it('ENOMEM names the page that could not be faulted in', () => {
    const machine = bootDefault('32M', '');
    const got = machine.user.mapPages(machine.owners.register('user', 'huge'), 100_000);
    expect(got.ok).toBe(false);
    if (got.ok) return;
    expect(got.detail).toMatch(/^page \d+ of 100000: ./);
  });

  it.each([-1, 0.5, 2])('asserts on CPU %d of a 2-CPU machine', (cpu) => {
    const machine = bootDefault('32M', '');
    expect(() => machine.user.mapPages(machine.owners.register('user', 'u'), 1, { cpu })).toThrow(new RegExp(`^mapPages: bad cpu ${cpu}$`));
  });

  it('counts movable_in_cma only for pages that landed in CMA pageblocks', () => {
    const plain = bootDefault('32M', '');
    mapUser(plain, 10);
    expect(plain.events.get('movable_in_cma')).toBe(0);
    const withCma = cmaMachine();
    const owner = mapUser(withCma, 10);
    expect(withCma.events.get('movable_in_cma')).toBe(withCma.user.pagesInCma(owner));
    expect(withCma.user.pagesInCma(owner)).toBe(10);
  });
});

describe('stores, loads and slots are checked', () => {
  it.each([-1, 1.5, 4])('pfnOf asserts on slot %d of a 4-page mapping', (slot) => {
    const machine = bootDefault('32M', '');
    const owner = mapUser(machine, 4);
    expect(() => machine.user.pfnOf(owner, slot)).toThrow(new RegExp(`^slot ${slot} outside a 4-page mapping$`));
  });

  it.each([-1, 0.5, 2 ** 32])('write asserts on tag %d (not a u32)', (tag) => {
    const machine = bootDefault('32M', '');
    const owner = mapUser(machine, 1);
    expect(() => machine.user.write(owner, 0, tag)).toThrow(new RegExp(`^content tag ${tag} is not a u32$`));
  });

  it('tags 0 and 0xffffffff are u32 values', () => {
    const machine = bootDefault('32M', '');
    const owner = mapUser(machine, 2);
    machine.user.write(owner, 0, 0);
    machine.user.write(owner, 1, 0xffffffff);
    expect([machine.user.read(owner, 0), machine.user.read(owner, 1)]).toEqual([0, 0xffffffff]);
  });

  it('an owner without a mapping, a bad CPU to drain, and pageMoved on an unmapped page assert', () => {
    const machine = bootDefault('32M', '');
    const nobody = machine.owners.register('user', 'nobody');
    expect(() => machine.user.pfnOf(nobody, 0)).toThrow(new RegExp(`^owner ${nobody} maps nothing$`));
    expect(() => machine.user.lruAddDrain(5)).toThrow(/^lruAddDrain: bad cpu 5$/);
    expect(() => machine.user.pageMoved(9000, 9001)).toThrow(/^pageMoved: pfn 9000 is not mapped$/);
  });
});

describe('the reverse map and what migration may touch', () => {
  it('a kernel page and a page outside memory have no reverse-map entry and are not on the LRU', () => {
    const machine = bootDefault('32M', '');
    const kernel = machine.buddy.allocPages(GFP_KERNEL, 0, { owner: machine.owners.register('kernel', 'k') });
    expect(kernel.ok).toBe(true);
    if (!kernel.ok) return;
    expect([machine.user.rmap(kernel.value), machine.user.isMigratable(kernel.value), machine.user.isOnLru(kernel.value)]).toEqual([undefined, false, false]);
    expect([machine.user.rmap(10 ** 9), machine.user.isOnLru(10 ** 9)]).toEqual([undefined, false]);
  });

  it('a page freed after munmap is no longer on the LRU', () => {
    const machine = bootDefault('32M', '');
    const owner = mapUser(machine, 2);
    const pfn = machine.user.pfnOf(owner, 0);
    machine.user.unmapPages(owner);
    expect(machine.user.isOnLru(pfn)).toBe(false);
  });

  it('an orphaned pinned page is not mapped, not migratable, even once its owner maps again; a short-term pinned page is not migratable', () => {
    const machine = bootDefault('32M', '');
    const owner = mapUser(machine, 4);
    const orphan = machine.user.pfnOf(owner, 0);
    const pin = machine.pins.pin(owner, 0, 1, 'shortterm');
    expect(pin.ok).toBe(true);
    machine.user.unmapPages(owner);
    expect(machine.user.mapPages(owner, 4).ok).toBe(true);
    expect(machine.user.pfnOf(owner, 0)).not.toBe(orphan);
    expect([machine.user.rmap(orphan), machine.user.isOnLru(orphan), machine.user.isMigratable(orphan)]).toEqual([undefined, true, false]);
    machine.user.lruAddDrainAll();
    const live = machine.user.pfnOf(owner, 1);
    expect(machine.user.isMigratable(live)).toBe(true);
    expect(machine.pins.pin(owner, 1, 1, 'shortterm').ok).toBe(true);
    expect(machine.user.isMigratable(live)).toBe(false);
  });
});

describe('the user-memory state hash', () => {
  it('covers each mapping, its backing included', () => {
    const anon = bootDefault('32M', '');
    const file = bootDefault('32M', '');
    const empty = userHash(anon);
    anon.user.mapPages(anon.owners.register('user', 'u'), 2);
    file.user.mapPages(file.owners.register('user', 'u'), 2, { backing: 'file' });
    expect(userHash(anon)).not.toBe(empty);
    expect(userHash(anon)).not.toBe(userHash(file));
  });
});

describe('Pinner arguments', () => {
  it('EFAULT names the owner without a mapping, or the slots outside it', () => {
    const machine = bootDefault('32M', '');
    const owner = mapUser(machine, 4);
    const nobody = machine.owners.register('user', 'nobody');
    expect(machine.pins.pin(nobody, 0, 1, 'shortterm')).toEqual({ ok: false, errno: 'EFAULT', detail: `owner ${nobody} maps nothing` });
    const cases: [number, number, string][] = [
      [3, 2, 'slots [3, 5) outside the 4-page mapping'],
      [-1, 2, 'slots [-1, 1) outside the 4-page mapping'],
      [0, 0, 'slots [0, 0) outside the 4-page mapping'],
      [0.5, 1, 'slots [0.5, 1.5) outside the 4-page mapping'],
      [0, 1.5, 'slots [0, 1.5) outside the 4-page mapping'],
    ];
    for (const [slotStart, pageCount, detail] of cases) {
      expect(machine.pins.pin(owner, slotStart, pageCount, 'shortterm')).toEqual({ ok: false, errno: 'EFAULT', detail });
    }
    expect(machine.pins.pin(owner, 0, 4, 'shortterm').ok).toBe(true);
  });

  it('unpinning a long-term pin twice asserts', () => {
    const machine = bootDefault('32M', '');
    const owner = mapUser(machine, 1);
    const pin = machine.pins.pin(owner, 0, 1, 'longterm');
    expect(pin.ok).toBe(true);
    if (!pin.ok) return;
    expect(machine.events.get('longterm_pin')).toBe(1);
    machine.pins.unpin(pin.value);
    expect(() => machine.pins.unpin(pin.value)).toThrow(new RegExp(`^unpin: pfn ${pin.value.pfns[0]} is not long-term pinned$`));
  });
});

describe('is_longterm_pinnable_page', () => {
  it('refuses CMA and isolated pageblocks and ZONE_MOVABLE, accepts a Normal MOVABLE pageblock', () => {
    const machine = cmaMachine();
    const deps = { buddy: machine.buddy, faults: machine.env.faults, events: machine.events };
    expect(startIsolatePageRange(deps, 2048, 2048 + PB, MIGRATE_CMA).ok).toBe(true);
    expect([machine.pins.isLongtermPinnable(8192), machine.pins.isLongtermPinnable(2048), machine.pins.isLongtermPinnable(4096)]).toEqual([false, false, true]);
    const movable = bootRaw({ banks: [{ name: 'low', base: 0, size: '32M', zone: 'Normal', node: 0 }, { name: 'movable', base: '32M', size: '32M', zone: 'Movable', node: 0 }] });
    expect([movable.pins.isLongtermPinnable(4096), movable.pins.isLongtermPinnable(8192 + 4096)]).toEqual([true, false]);
  });
});

describe('FOLL_LONGTERM migration of unpinnable pages', () => {
  it('does not drain the LRU-add batches when every unpinnable page is already on the LRU', () => {
    const machine = cmaMachine();
    const settled = mapUser(machine, 8);
    const fresh = machine.owners.register('user', 'fresh');
    expect(machine.user.mapPages(fresh, 3).ok).toBe(true);
    expect(machine.user.lruPendingPages()).toBe(3);
    const pin = machine.pins.pin(settled, 0, 8, 'longterm');
    expect(pin.ok && pin.value.migratedPages).toBe(8);
    expect(machine.user.lruPendingPages()).toBe(3);
    expect(machine.events.get('longterm_pin')).toBe(8);
  });

  it('drains once when only some unpinnable pages are still in a batch (20 pages: 15 drained when the batch filled, 5 pending)', () => {
    const machine = cmaMachine();
    const owner = machine.owners.register('user', 'mixed');
    expect(machine.user.mapPages(owner, 20).ok).toBe(true);
    expect(machine.user.lruPendingPages()).toBe(5);
    const pin = machine.pins.pin(owner, 0, 20, 'longterm');
    expect(pin.ok && pin.value.migratedPages).toBe(20);
    expect(machine.user.lruPendingPages()).toBe(0);
    expectSound(machine);
  });

  it('a page that cannot be migrated: ENOMEM saying how many of how many; the pages that did move stay moved', () => {
    const machine = cmaMachine();
    const owner = mapUser(machine, 4);
    expect(machine.pins.pin(owner, 1, 1, 'shortterm').ok).toBe(true);
    expect(machine.pins.pin(owner, 0, 4, 'longterm')).toEqual({ ok: false, errno: 'ENOMEM', detail: '1 of 4 pages could not be migrated before a long-term pin' });
    expect(pfnsOf(machine, owner).every((pfn) => machine.buddy.pageblockMigratetype(pfn) === MIGRATE_CMA)).toBe(false);
  });
});
