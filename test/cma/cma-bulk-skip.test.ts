// Regression (found by the contig/CMA property harness): after EBUSY on a range that ends inside a bitmap bit (order < order_per_bit), cma_alloc_bulk's next search started inside the failed range; it must start past it (kernel-reference 45).
import { describe, expect, it } from 'vitest';
import { cmaAlloc, cmaRelease, type CmaArea } from '../../src/cma/cma-area.ts';
import { cmaAllocBulk } from '../../src/cma/cma-bulk.ts';
import { MIGRATE_CMA } from '../../src/mem/migratetype.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { bootRaw, expectSound } from '../contig/machine-fixtures.ts';

/** 64 MiB with an 8 MiB area of order_per_bit 2 whose first page holds a short-term pinned user page. */
function pinnedAtBase(): { machine: Machine; area: CmaArea } {
  const machine = bootRaw({ banks: [{ name: 'dram0', base: 0, size: '64M', zone: 'Normal' }], cpus: 1, cma: { areas: [{ name: 'q', size: '8M', orderPerBit: 2 }] } });
  const area = machine.cma.area('q') as CmaArea;
  const deps = { contig: machine.contig, events: machine.events };
  const first = cmaAlloc(area, deps, { pageCount: 1, alignOrder: 0 });
  expect(first).toEqual({ ok: true, value: area.basePfn });
  expect(cmaRelease(area, deps, area.basePfn, 1)).toBe(true);
  const owner = machine.owners.register('user', 'pinned');
  expect(machine.user.mapPages(owner, 1).ok).toBe(true);
  expect(machine.user.pfnOf(owner, 0)).toBe(area.basePfn);
  expect(machine.pins.pin(owner, 0, 1, 'shortterm').ok).toBe(true);
  return { machine, area };
}

/** Wraps the machine's allocContigRange to record each probe's first PFN; more than `probesMax` probes throw (a livelock). */
function recordProbes(machine: Machine, probesMax = Infinity): number[] {
  const probes: number[] = [];
  const contig = machine.contig;
  const original = contig.allocContigRange.bind(contig);
  contig.allocContigRange = (pfnStart, pfnEnd, migratetype, mode, owner) => {
    probes.push(pfnStart);
    if (probes.length > probesMax) throw new Error(`probed ${probes.join(', ')}`);
    return original(pfnStart, pfnEnd, migratetype, mode, owner);
  };
  return probes;
}

function bulkDeps(machine: Machine) {
  return { contig: machine.contig, events: machine.events, buddy: machine.buddy, user: machine.user };
}

describe('cma_alloc_bulk after EBUSY with order < order_per_bit', () => {
  it('resumes past the failed 5-page range [base, base + 5), not at the bit holding its last page', () => {
    const { machine, area } = pinnedAtBase();
    const probes = recordProbes(machine);
    const result = cmaAllocBulk(area, bulkDeps(machine), { alignOrder: 0, order: 0, nrRequests: 5, mode: 'normal' });
    expect(probes[0]).toBe(area.basePfn);
    expect(probes[1]).toBe(area.basePfn + 8);
    expect(result).toEqual({ chunks: [8, 9, 10, 11, 12].map((i) => area.basePfn + i), nrAllocated: 5 });
    expect(machine.buddy.pageblockMigratetype(area.basePfn)).toBe(MIGRATE_CMA);
    expectSound(machine);
  });

  it('with fewer than 2^order_per_bit pages still needed, moves on to the next bit instead of re-probing the busy one forever', () => {
    const { machine, area } = pinnedAtBase();
    // Why the cap: the patch's `>>` would yield bit 0 again here, re-probing the base forever.
    const probes = recordProbes(machine, 4);
    const result = cmaAllocBulk(area, bulkDeps(machine), { alignOrder: 0, order: 0, nrRequests: 3, mode: 'fast' });
    expect(probes).toEqual([area.basePfn, area.basePfn + 4]);
    expect(result).toEqual({ chunks: [4, 5, 6].map((i) => area.basePfn + i), nrAllocated: 3 });
    expectSound(machine);
  });
});
