// What a failed cma_alloc reports (the step of Linux 6.1 mm/cma.c it stopped at, and alloc_contig_range's reason), a fresh area's state, and cma_alloc_bulk's count-0 return before its up-front drains.
import { describe, expect, it } from 'vitest';
import { cmaAlloc, cmaRelease } from '../../src/cma/cma-area.ts';
import { cmaAllocBulk } from '../../src/cma/cma-bulk.ts';
import { bootDefault, expectSound, mapUser, PB } from '../contig/machine-fixtures.ts';
import { deps, reserved } from './cma-fixtures.ts';

describe('a fresh CMA area', () => {
  it('has no bits used, no counted pages and no probes before its first cma_alloc', () => {
    const area = reserved(bootDefault());
    expect([area.bitmap.usedBits(), area.nrPagesSucceeded, area.nrPagesFailed, area.nrPagesReleased]).toEqual([0, 0n, 0n, 0n]);
    expect(area.lastProbes).toEqual([]);
  });
});

describe('the detail of a failed cma_alloc names where it stopped', () => {
  it('more bits than the area has (bitmap_count > maxno): 8193 pages against 8192 bits', () => {
    const machine = bootDefault('64M', 'cma=32M');
    const got = cmaAlloc(reserved(machine), deps(machine), { pageCount: 8193, alignOrder: 0 });
    expect(got).toEqual({ ok: false, errno: 'ENOMEM', detail: 'cma_alloc(reserved, 8193): 8193 bits > maxno 8192' });
  });

  it('no aligned window left: the bitmap is full, so ENOMEM without any alloc_contig_range call', () => {
    const machine = bootDefault();
    const area = reserved(machine);
    expect(cmaAlloc(area, deps(machine), { pageCount: area.pageCount, alignOrder: 0 }).ok).toBe(true);
    const contigCalls = machine.events.get('contig_alloc_success') + machine.events.get('contig_alloc_fail');
    const got = cmaAlloc(area, deps(machine), { pageCount: 1, alignOrder: 0 });
    expect(got).toEqual({ ok: false, errno: 'ENOMEM', detail: 'cma_alloc(reserved, 1): no free aligned window' });
    expect(machine.events.get('contig_alloc_success') + machine.events.get('contig_alloc_fail')).toBe(contigCalls);
  });

  it('alloc_contig_range failed with EBUSY: the last window tried (pfn 8192) and the page in the way', () => {
    const machine = bootDefault('64M', 'cma=32M');
    const area = reserved(machine);
    const user = mapUser(machine, 600);
    const pinnedPfn = machine.user.pfnOf(user, 0);
    expect(pinnedPfn >= area.basePfn && pinnedPfn < area.pfnEnd).toBe(true);
    expect(machine.pins.pin(user, 0, 1, 'shortterm').ok).toBe(true);
    const got = cmaAlloc(area, deps(machine), { pageCount: area.pageCount, alignOrder: 0 });
    expect(got.ok).toBe(false);
    if (got.ok) return;
    expect(got.errno).toBe('EBUSY');
    expect(got.detail).toMatch(new RegExp(`^cma_alloc\\(reserved, ${area.pageCount}\\): EBUSY at pfn ${area.basePfn}: .*\\b${pinnedPfn}\\b`));
  });

  it('alloc_contig_range failed with ENOMEM (no migration target): the window at the base and the page it could not move', () => {
    const machine = bootDefault('32M', 'cma=16M');
    for (const chunk of [256, 16, 1]) while (machine.user.mapPages(machine.owners.register('user', 'fill'), chunk).ok);
    machine.user.lruAddDrainAll();
    const area = reserved(machine);
    const got = cmaAlloc(area, deps(machine), { pageCount: PB, alignOrder: 9 });
    expect(got.ok).toBe(false);
    if (got.ok) return;
    expect(got.detail).toMatch(new RegExp(`^cma_alloc\\(reserved, ${PB}\\): ENOMEM at pfn ${area.basePfn}: no migration target for pfn \\d+$`));
  });
});

describe('cma_alloc_bulk with nothing requested', () => {
  it('returns success before lru_add_drain_all/drain_all_pages: pending LRU pages and per-CPU pages stay where they are', () => {
    const machine = bootDefault();
    const area = reserved(machine);
    const single = cmaAlloc(area, deps(machine), { pageCount: 64, alignOrder: 0 });
    expect(single.ok).toBe(true);
    expect(cmaRelease(area, deps(machine), area.basePfn, 64)).toBe(true);
    expect(machine.user.mapPages(machine.owners.register('user', 'batched'), 8).ok).toBe(true);
    const pcpPages = machine.buddy.pcpPages();
    const lruPendingPages = machine.user.lruPendingPages();
    expect([pcpPages > 0, lruPendingPages > 0]).toEqual([true, true]);

    expect(cmaAllocBulk(area, deps(machine), { alignOrder: 9, order: 9, nrRequests: 0, mode: 'normal' })).toStrictEqual({ chunks: [], nrAllocated: 0 });
    expect([machine.buddy.pcpPages(), machine.user.lruPendingPages()]).toEqual([pcpPages, lruPendingPages]);
    expect(machine.events.get('cma_bulk_partial')).toBe(0);

    expect(cmaAllocBulk(area, deps(machine), { alignOrder: 0, order: 0, nrRequests: 1, mode: 'fast' }).nrAllocated).toBe(1);
    expect(machine.user.lruPendingPages()).toBe(0);
    expectSound(machine);
  });
});
