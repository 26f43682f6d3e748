// alloc_contig_range / alloc_contig_pages at their edges: argument checks and their EINVAL lines, the error detail of each failure path (test_pages_isolated's outer_start included), events, and the mode, CPU, gfp and node options reaching the work.
import { describe, expect, it } from 'vitest';
import type { Pfn } from '../../src/base/units.ts';
import { __GFP_DMA32, GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from '../../src/mem/gfp.ts';
import { MIGRATE_CMA, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE, type Migratetype } from '../../src/mem/migratetype.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { bootDefault, bootRaw, expectSound, mapUser, PB, pfnsOf } from './machine-fixtures.ts';

/** A value outside enum migratetype, as a caller could pass it. */
const NAMELESS_MIGRATETYPE = 42 as number as Migratetype;

/** 64 MiB with cma=32M: the CMA area is [8192, 16384) and movable pages go there first. */
function cmaMachine(): Machine {
  return bootDefault('64M', 'cma=32M');
}

function caller(machine: Machine): number {
  return machine.owners.register('contig', 'c');
}

/** Allocates then frees `pageCount` movable pages on `cpu`: they wait on that CPU's per-CPU list, most recent first. */
function parkOnCpu(machine: Machine, cpu: number, pageCount: number): Pfn[] {
  const owner = machine.owners.register('kernel', `parked-on-${cpu}`);
  const pfns: Pfn[] = [];
  for (let i = 0; i < pageCount; i++) {
    const got = machine.buddy.allocPages(GFP_HIGHUSER_MOVABLE, 0, { owner, cpu });
    if (!got.ok) throw new Error(got.detail);
    pfns.push(got.value);
  }
  for (const pfn of pfns) machine.buddy.freePages(pfn, 0, cpu);
  return pfns;
}

describe('alloc_contig_range refuses bad arguments with EINVAL, naming the problem', () => {
  it.each<[string, number, number, Migratetype, string]>([
    ['a fractional start', 5.5, 10, MIGRATE_CMA, 'empty or bad range [5.5, 10)'],
    ['a fractional end', 8192, 8192.5, MIGRATE_CMA, 'empty or bad range [8192, 8192.5)'],
    ['a negative start', -1, 10, MIGRATE_CMA, 'empty or bad range [-1, 10)'],
    ['an empty range', 8200, 8200, MIGRATE_CMA, 'empty or bad range [8200, 8200)'],
    ['a reversed range', 8300, 8200, MIGRATE_CMA, 'empty or bad range [8300, 8200)'],
    ['an Unmovable caller', 8192, 8192 + PB, MIGRATE_UNMOVABLE, 'migratetype Unmovable is neither Movable nor CMA'],
    ['a migratetype without a name', 8192, 8192 + PB, NAMELESS_MIGRATETYPE, 'migratetype 42 is neither Movable nor CMA'],
    ['a range past the end of memory', 1_000_000, 1_000_010, MIGRATE_MOVABLE, '[1000000, 1000010) does not lie in one zone'],
  ])('%s', (_what, pfnStart, pfnEnd, migratetype, detail) => {
    const machine = cmaMachine();
    expect(machine.contig.allocContigRange(pfnStart, pfnEnd, migratetype, 'normal', caller(machine))).toEqual({ ok: false, errno: 'EINVAL', detail });
    expect(machine.contig.lastReport).toBeUndefined();
  });

  it('a range spanning two zones (banks) is EINVAL', () => {
    const machine = bootRaw({ banks: [{ name: 'low', base: 0, size: '32M', zone: 'DMA32' }, { name: 'high', base: '32M', size: '32M', zone: 'Normal' }] });
    const got = machine.contig.allocContigRange(8192 - 16, 8192 + 16, MIGRATE_MOVABLE, 'normal', caller(machine));
    expect(got).toEqual({ ok: false, errno: 'EINVAL', detail: '[8176, 8208) does not lie in one zone' });
  });
});

describe('the outcome of alloc_contig_range: events and error details', () => {
  it('counts contig_alloc_success and contig_alloc_fail, one per call', () => {
    const machine = cmaMachine();
    const owner = caller(machine);
    expect(machine.contig.allocContigRange(8192, 8192 + PB, MIGRATE_CMA, 'normal', owner).ok).toBe(true);
    expect(machine.contig.allocContigRange(8192, 8192 + PB, MIGRATE_CMA, 'normal', owner).ok).toBe(false);
    expect([machine.events.get('contig_alloc_success'), machine.events.get('contig_alloc_fail')]).toEqual([1, 1]);
  });

  it('a page in use at pfnStart: test_pages_isolated names it, from outer_start = pfnStart when the free buddy below (pfn - 1) ends there', () => {
    const machine = cmaMachine();
    const owner = caller(machine);
    const block = 8192 + PB;
    expect(machine.contig.allocContigRange(block, block + PB, MIGRATE_CMA, 'normal', owner).ok).toBe(true);
    const busy = block + 5;
    machine.contig.freeContigRange(block, 5);
    machine.contig.freeContigRange(busy + 1, PB - 6);
    machine.buddy.drainAllPages();
    const got = machine.contig.allocContigRange(busy, busy + 8, MIGRATE_CMA, 'normal', owner);
    expect(got).toEqual({ ok: false, errno: 'EBUSY', detail: `pfn ${busy} in [${busy}, ${busy + 8}) is not a free isolated page` });
    expect(machine.contig.lastReport).toMatchObject({ errno: 'EBUSY', migrationRounds: 0, migratedPages: 0, drained: true });
    expectSound(machine);
  });

  it('migration still busy after 5 rounds: the detail carries both the migration failure and test_pages_isolated\'s page', () => {
    const machine = cmaMachine();
    const file = machine.owners.register('user', 'file');
    expect(machine.user.mapPages(file, 1, { backing: 'file' }).ok).toBe(true);
    machine.user.lruAddDrainAll();
    const pinned = machine.user.pfnOf(file, 0);
    expect(machine.pins.pin(file, 0, 1, 'shortterm').ok).toBe(true);
    const block = pinned - (pinned % PB);
    const got = machine.contig.allocContigRange(block, block + PB, MIGRATE_CMA, 'normal', caller(machine));
    expect(got).toEqual({ ok: false, errno: 'EBUSY', detail: `1 pages still busy after 5 migration rounds; pfn ${pinned} in [${pinned}, ${block + PB}) is not a free isolated page` });
  });

  it('a fatal signal: EINTR, "fatal signal pending"', () => {
    const machine = cmaMachine();
    mapUser(machine, 100);
    machine.env.faults.arm('fatal_signal', 1);
    const got = machine.contig.allocContigRange(8192, 8192 + PB, MIGRATE_CMA, 'normal', caller(machine));
    expect(got).toEqual({ ok: false, errno: 'EINTR', detail: 'fatal signal pending' });
  });

  it('no migration target: ENOMEM naming the first page left on the list', () => {
    const machine = bootDefault('32M', 'cma=16M');
    for (const chunk of [256, 16, 1]) while (machine.user.mapPages(machine.owners.register('user', 'fill'), chunk).ok);
    machine.user.lruAddDrainAll();
    const got = machine.contig.allocContigRange(4096, 4096 + PB, MIGRATE_CMA, 'normal', caller(machine));
    expect(got.ok).toBe(false);
    if (got.ok) return;
    expect(got.errno).toBe('ENOMEM');
    expect(got.detail).toMatch(/^no migration target for pfn \d+$/);
  });
});

describe('migration targets come from the calling CPU', () => {
  it('alloc_contig_range on CPU 1 (fast mode, no drain) takes its targets from CPU 1\'s per-CPU list first', () => {
    const machine = cmaMachine();
    const user = mapUser(machine, 600);
    const block = Math.min(...pfnsOf(machine, user));
    expect(pfnsOf(machine, user).filter((pfn) => pfn >= block && pfn < block + PB).length).toBe(PB);
    const parked = parkOnCpu(machine, 1, 8);
    expect(parked.every((pfn) => pfn >= block + PB)).toBe(true);
    const got = machine.contig.allocContigRange(block, block + PB, MIGRATE_CMA, 'fast', caller(machine), { cpu: 1 });
    expect(got.ok).toBe(true);
    const now = new Set(pfnsOf(machine, user));
    expect(parked.filter((pfn) => !now.has(pfn))).toEqual([]);
    expectSound(machine);
  });

  it('alloc_contig_pages passes its CPU on, and its mode (fast here) too', () => {
    const machine = bootDefault('64M', '');
    const user = mapUser(machine, 600);
    const first = Math.min(...pfnsOf(machine, user));
    expect(first).toBe(1024);
    const parked = parkOnCpu(machine, 1, 8);
    expect(parked.every((pfn) => pfn >= first + PB)).toBe(true);
    const got = machine.contig.allocContigPages(PB, caller(machine), { mode: 'fast', cpu: 1 });
    expect(got).toEqual({ ok: true, value: first });
    expect(machine.contig.lastReport).toMatchObject({ mode: 'fast', drained: false });
    const now = new Set(pfnsOf(machine, user));
    expect(parked.filter((pfn) => !now.has(pfn))).toEqual([]);
    expectSound(machine);
  });
});

describe('alloc_contig_pages', () => {
  it.each([0, 1.5, Number.NaN, 2 ** 31])('refuses %d pages with EINVAL', (nrPages) => {
    const machine = bootDefault('32M', '');
    expect(machine.contig.allocContigPages(nrPages, caller(machine))).toEqual({ ok: false, errno: 'EINVAL', detail: `cannot allocate ${nrPages} contiguous pages` });
  });

  it('accepts 1 page and 2^31 - 1 pages (which fit no zone: ENOMEM, 0 tried)', () => {
    const machine = bootDefault('32M', '');
    const owner = caller(machine);
    expect(machine.contig.allocContigPages(1, owner).ok).toBe(true);
    expect(machine.contig.allocContigPages(2 ** 31 - 1, owner)).toEqual({ ok: false, errno: 'ENOMEM', detail: `no ${2 ** 31 - 1}-page candidate could be allocated (0 tried)` });
  });

  it('refuses a node without memory with EINVAL', () => {
    const machine = bootDefault('32M', '');
    expect(machine.contig.allocContigPages(PB, caller(machine), { node: 5 })).toEqual({ ok: false, errno: 'EINVAL', detail: 'node 5 has no memory' });
  });

  it('runs in normal mode by default (drains, up to 5 tries)', () => {
    const machine = bootDefault('32M', '');
    expect(machine.contig.allocContigPages(PB, caller(machine)).ok).toBe(true);
    expect(machine.contig.lastReport).toMatchObject({ mode: 'normal', drained: true });
  });

  it('ENOMEM counts the candidates it tried, up to the last one ending exactly at the zone end (32 MiB, 2048 pages: 2048, 4096, 6144)', () => {
    const machine = bootDefault('32M', '');
    machine.env.faults.arm('isolate', 1000);
    const got = machine.contig.allocContigPages(2048, caller(machine));
    expect(got).toEqual({ ok: false, errno: 'ENOMEM', detail: 'no 2048-page candidate could be allocated (3 tried)' });
    expect(machine.events.get('contig_alloc_fail')).toBe(3);
  });

  it('a candidate is valid up to its last page: a reserved range starting right after it does not spoil it', () => {
    const machine = bootRaw({
      banks: [{ name: 'dram0', base: 0, size: '64M', zone: 'Normal' }],
      reserved: [{ label: 'kernel', base: 0, size: '4M' }, { label: 'fw', base: '8M', size: '2M' }],
    });
    expect(machine.contig.allocContigPages(1024, caller(machine))).toEqual({ ok: true, value: 1024 });
  });

  it('the gfp mask bounds the zones of the node: GFP_KERNEL starts at Normal, | __GFP_DMA32 stays in DMA32', () => {
    const machine = bootRaw({ banks: [{ name: 'low', base: 0, size: '32M', zone: 'DMA32', node: 0 }, { name: 'high', base: '32M', size: '32M', zone: 'Normal', node: 0 }] });
    const owner = caller(machine);
    const normal = machine.contig.allocContigPages(PB, owner, { gfp: GFP_KERNEL });
    const dma32 = machine.contig.allocContigPages(PB, owner, { gfp: GFP_KERNEL | __GFP_DMA32 });
    expect(normal.ok && normal.value >= 8192).toBe(true);
    expect(dma32.ok && dma32.value < 8192).toBe(true);
  });
});
