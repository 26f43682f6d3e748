// cma_alloc / cma_release scenarios against Linux 6.1 semantics: first fit, aligned offsets (M1, M2), retry stepping (M5),
// partial last bits, pins in the way, no migration target, counters and release validation.
import { describe, expect, it } from 'vitest';
import { cmaAlloc, cmaRelease, type CmaArea } from '../../src/cma/cma-area.ts';
import { startIsolatePageRange } from '../../src/contig/isolate.ts';
import { MIGRATE_CMA } from '../../src/mem/migratetype.ts';
import { PAGE_ALLOCATED } from '../../src/mem/page-state.ts';
import { NO_PAGE } from '../../src/mem/page-table.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { bootDefault, bootRaw, expectSound, expectTagsIntact, mapUser, PB, pfnsOf, slotIn, tagAll } from '../contig/machine-fixtures.ts';

function deps(machine: Machine) {
  return { contig: machine.contig, events: machine.events };
}

function areaOf(machine: Machine, name = 'reserved'): CmaArea {
  const area = machine.cma.area(name);
  if (area === undefined) throw new Error(`no area ${name}`);
  return area;
}

/** A 1 GiB machine with one area at pfn 0x2f800 (aligned to 2^11 pages only), as in the 2015 and 2017 reports. */
function unalignedBase(orderPerBit: number): Machine {
  return bootRaw({
    banks: [{ name: 'dram0', base: 0, size: '1G', zone: 'Normal' }],
    cma: { areas: [{ name: 'm', size: '32M', base: '0x2f800000', orderPerBit }] },
  });
}

describe('cma_alloc', () => {
  it('takes the first free window and sets exactly ceil(count / 2^order_per_bit) bits', () => {
    const machine = bootDefault();
    const area = areaOf(machine);
    expect(cmaAlloc(area, deps(machine), { pageCount: 3, alignOrder: 0 })).toEqual({ ok: true, value: area.basePfn });
    expect(cmaAlloc(area, deps(machine), { pageCount: 5, alignOrder: 0 })).toEqual({ ok: true, value: area.basePfn + 3 });
    expect(area.bitmap.usedBits()).toBe(8);
    expect(area.lastProbes).toEqual([3]);
    expectSound(machine);
  });

  it('M2 (Doug Berger, 2017): base 0x2f800 aligned to 2^11, align 2^13 → offset 0x1800, pfn 0x30000 (the old formula gave 0x31000)', () => {
    const machine = unalignedBase(0);
    const area = areaOf(machine, 'm');
    expect(area.basePfn).toBe(0x2f800);
    const got = cmaAlloc(area, deps(machine), { pageCount: 1, alignOrder: 13 });
    expect(got).toEqual({ ok: true, value: 0x30000 });
    // The next 2^13 boundary, 0x32000, lies past the area's end (0x31800): no window is left.
    const again = cmaAlloc(area, deps(machine), { pageCount: 1, alignOrder: 13 });
    expect(again.ok ? 'ok' : again.errno).toBe('ENOMEM');
    expect(area.lastProbes).toEqual([]);
  });

  it('M1 (Danesh Petigara, 2015): order_per_bit 1, align 2^12 → offset (0x2f800 & 0xfff) >> 1 = 0x400 bits, pfn 0x30000', () => {
    const machine = unalignedBase(1);
    const area = areaOf(machine, 'm');
    const got = cmaAlloc(area, deps(machine), { pageCount: 3, alignOrder: 12 });
    expect(got).toEqual({ ok: true, value: 0x30000 });
    expect(area.lastProbes).toEqual([0x400]);
    expect(area.bitmap.usedPages()).toBe(4);
    const small = cmaAlloc(area, deps(machine), { pageCount: 1, alignOrder: 1 });
    expect(small).toEqual({ ok: true, value: 0x2f800 });
  });

  it('after EBUSY retries at bitmap_no + mask + 1 (the next aligned window, which may overlap the failed one), never earlier', () => {
    const machine = bootDefault('64M', 'cma=32M');
    const area = areaOf(machine);
    const user = mapUser(machine, 600);
    tagAll(machine, user);
    const pinnedPfn = Math.min(...pfnsOf(machine, user));
    const firstWindowBit = Math.floor((pinnedPfn - area.basePfn) / 16) * 16;
    if (firstWindowBit > 0) expect(cmaAlloc(area, deps(machine), { pageCount: firstWindowBit, alignOrder: 0 }).ok).toBe(true);
    const pinnedSlot = slotIn(machine, user, pinnedPfn, pinnedPfn + 1);
    expect(machine.pins.pin(user, pinnedSlot, 1, 'shortterm').ok).toBe(true);
    const got = cmaAlloc(area, deps(machine), { pageCount: 20, alignOrder: 4 });
    // Window [k, k+20) holds the pin → EBUSY → start = k + 15 + 1: window [k+16, k+36) overlaps the failed one.
    expect(area.lastProbes).toEqual([firstWindowBit, firstWindowBit + 16]);
    expect(got).toEqual({ ok: true, value: area.basePfn + firstWindowBit + 16 });
    expect(machine.events.get('cma_alloc_busy_retry')).toBe(1);
    expect(area.bitmap.isBitSet(firstWindowBit + 15)).toBe(false);
    expectTagsIntact(machine, user);
    expectSound(machine);
  });

  it('steps one bit at a time (mask 0) past an isolated pageblock: every window touching it is EBUSY', () => {
    const machine = bootDefault();
    const area = areaOf(machine);
    const isolated = startIsolatePageRange({ buddy: machine.buddy, faults: machine.env.faults, events: machine.events }, area.basePfn, area.basePfn + 1, MIGRATE_CMA);
    expect(isolated.ok).toBe(true);
    const got = cmaAlloc(area, deps(machine), { pageCount: 2, alignOrder: 0 });
    expect(got).toEqual({ ok: true, value: area.basePfn + PB });
    expect(area.lastProbes).toHaveLength(PB + 1);
    expect(area.lastProbes.slice(0, 3)).toEqual([0, 1, 2]);
    expect(area.bitmap.usedBits()).toBe(2);
  });

  it('partial last bits (order_per_bit 2): 5 pages take 2 bits; pages 5..7 stay free in the buddy but reserved in the bitmap', () => {
    const machine = bootRaw({ banks: [{ name: 'dram0', base: 0, size: '64M', zone: 'Normal' }], cma: { areas: [{ name: 'q', size: '8M', orderPerBit: 2 }] } });
    const area = areaOf(machine, 'q');
    const first = cmaAlloc(area, deps(machine), { pageCount: 5, alignOrder: 0 });
    expect(first).toEqual({ ok: true, value: area.basePfn });
    expect([area.bitmap.usedBits(), area.bitmap.usedPages()]).toEqual([2, 8]);
    const states = Array.from({ length: 8 }, (_, i) => machine.buddy.pageState(area.basePfn + i) === PAGE_ALLOCATED);
    expect(states).toEqual([true, true, true, true, true, false, false, false]);
    expect(cmaAlloc(area, deps(machine), { pageCount: 1, alignOrder: 0 })).toEqual({ ok: true, value: area.basePfn + 8 });
    expect(cmaRelease(area, deps(machine), area.basePfn, 5)).toBe(true);
    expect([area.bitmap.isBitSet(0), area.bitmap.isBitSet(1), area.bitmap.isBitSet(2)]).toEqual([false, false, true]);
    expectSound(machine);
  });

  it('count 0 and more bits than the area has fail at once: counted as failures, bitmap untouched, no alloc_contig_range', () => {
    const machine = bootDefault();
    const area = areaOf(machine);
    const zero = cmaAlloc(area, deps(machine), { pageCount: 0, alignOrder: 0 });
    const huge = cmaAlloc(area, deps(machine), { pageCount: 4097, alignOrder: 0 });
    expect([zero.ok, huge.ok]).toEqual([false, false]);
    expect(machine.events.get('cma_alloc_fail')).toBe(2);
    expect(machine.events.get('contig_alloc_success') + machine.events.get('contig_alloc_fail')).toBe(0);
    expect(area.nrPagesFailed).toBe(4097n);
    expect(area.bitmap.usedBits()).toBe(0);
    expect(cmaAlloc(area, deps(machine), { pageCount: 4096, alignOrder: 0 }).ok).toBe(true);
    expect([area.nrPagesSucceeded, machine.events.get('cma_alloc_success')]).toEqual([4096n, 1]);
  });

  it('no migration target: ENOMEM ends cma_alloc without trying later windows; the bits are cleared', () => {
    const machine = bootDefault('32M', 'cma=16M');
    for (const chunk of [256, 16, 1]) while (machine.user.mapPages(machine.owners.register('user', 'fill'), chunk).ok);
    machine.user.lruAddDrainAll();
    const area = areaOf(machine);
    const got = cmaAlloc(area, deps(machine), { pageCount: PB, alignOrder: 9 });
    expect(got.ok ? 'ok' : got.errno).toBe('ENOMEM');
    expect(area.lastProbes).toEqual([0]);
    expect(area.bitmap.usedBits()).toBe(0);
    expect(machine.buddy.pageblockMigratetype(area.basePfn)).toBe(MIGRATE_CMA);
    expectSound(machine);
  });
});

describe('pins in the way of cma_alloc', () => {
  function machineWith(longtermMigratesCma: boolean): Machine {
    return bootRaw({ banks: [{ name: 'dram0', base: 0, size: '64M', zone: 'Normal' }], cmdline: 'cma=32M', pinning: { longtermMigratesCma } });
  }

  it('2020 behaviour: a long-term pin left inside CMA makes every window over it fail; the whole area is out of reach until unpin', () => {
    const machine = machineWith(false);
    const area = areaOf(machine);
    const user = mapUser(machine, 100);
    const pin = machine.pins.pin(user, 0, 1, 'longterm');
    expect(pin.ok).toBe(true);
    if (!pin.ok) return;
    expect(machine.buddy.pageblockMigratetype(pin.value.pfns[0] as number)).toBe(MIGRATE_CMA);
    for (let attempt = 0; attempt < 3; attempt++) {
      const whole = cmaAlloc(area, deps(machine), { pageCount: area.pageCount, alignOrder: 0 });
      expect(whole.ok ? 'ok' : whole.errno).toBe('EBUSY');
    }
    const block = cmaAlloc(area, deps(machine), { pageCount: PB, alignOrder: 9 });
    expect(block.ok).toBe(true);
    const pinnedBlock = (pin.value.pfns[0] as number) - ((pin.value.pfns[0] as number) % PB);
    expect(block.ok && block.value).not.toBe(pinnedBlock);
    machine.pins.unpin(pin.value);
    if (block.ok) cmaRelease(area, deps(machine), block.value, PB);
    expect(cmaAlloc(area, deps(machine), { pageCount: area.pageCount, alignOrder: 0 }).ok).toBe(true);
    expectSound(machine);
  });

  it('6.1 behaviour (default): the long-term pin migrated the page out of CMA first, so the whole area is allocatable while it is held', () => {
    const machine = machineWith(true);
    const area = areaOf(machine);
    const user = mapUser(machine, 100);
    tagAll(machine, user);
    const pin = machine.pins.pin(user, 0, 100, 'longterm');
    expect(pin.ok).toBe(true);
    expect(machine.user.pagesInCma(user)).toBe(0);
    expect(cmaAlloc(area, deps(machine), { pageCount: area.pageCount, alignOrder: 0 }).ok).toBe(true);
    expectTagsIntact(machine, user);
    expectSound(machine);
  });
});

describe('cma_release', () => {
  it('refuses NULL and start pfns outside the area without changing anything; releases valid ranges', () => {
    const machine = bootDefault();
    const area = areaOf(machine);
    const got = cmaAlloc(area, deps(machine), { pageCount: 8, alignOrder: 0 });
    expect(got.ok).toBe(true);
    expect(cmaRelease(area, deps(machine), NO_PAGE, 8)).toBe(false);
    expect(cmaRelease(area, deps(machine), area.basePfn - 1, 8)).toBe(false);
    expect(cmaRelease(area, deps(machine), area.pfnEnd, 1)).toBe(false);
    expect(area.bitmap.usedBits()).toBe(8);
    expect(cmaRelease(area, deps(machine), area.basePfn + 2, 6)).toBe(true);
    expect(cmaRelease(area, deps(machine), area.basePfn, 2)).toBe(true);
    expect([area.bitmap.usedBits(), area.nrPagesReleased, machine.events.get('cma_release')]).toEqual([0, 8n, 2]);
    expectSound(machine);
  });

  it('a range that starts inside the area but runs past its end is 6.1\'s VM_BUG_ON: an assertion', () => {
    const machine = bootDefault();
    const area = areaOf(machine);
    expect(() => cmaRelease(area, deps(machine), area.pfnEnd - 1, 2)).toThrow(/past the area end/);
  });
});

describe('seed 001: CMA lends its memory to movable allocations while idle', () => {
  it('movable pages fill CMA pageblocks, then cma_alloc of the whole area migrates them all out with their contents', () => {
    const machine = bootDefault('64M', 'cma=32M');
    const area = areaOf(machine);
    const user = mapUser(machine, 4000);
    tagAll(machine, user);
    // Rik van Riel's balancing: CMA first while free CMA exceeds half of all free pages.
    const inCma = machine.user.pagesInCma(user);
    expect(inCma).toBeGreaterThan(2000);
    const got = cmaAlloc(area, deps(machine), { pageCount: area.pageCount, alignOrder: 0 });
    expect(got).toEqual({ ok: true, value: area.basePfn });
    expect(machine.user.pagesInCma(user)).toBe(0);
    expect(machine.events.get('pgmigrate_success')).toBe(inCma);
    expectTagsIntact(machine, user);
    expectSound(machine);
    expect(cmaRelease(area, deps(machine), area.basePfn, area.pageCount)).toBe(true);
    expectSound(machine);
  });
});
