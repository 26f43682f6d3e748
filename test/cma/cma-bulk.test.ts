// cma_alloc_bulk (Minchan Kim, Nov 2020): best effort, whole-chunk skipping after EBUSY, partial nr_allocated, fast vs normal, disjoint aligned chunks.
import { describe, expect, it } from 'vitest';
import { cmaAllocBulk } from '../../src/cma/cma-bulk.ts';
import { cmaAlloc, cmaRelease, type CmaArea } from '../../src/cma/cma-area.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { bootDefault, expectSound, expectTagsIntact, mapUser, PB, pfnsOf, tagAll } from '../contig/machine-fixtures.ts';
import { deps, reserved } from './cma-fixtures.ts';

/** 64 MiB with cma=32M: 16 pageblocks of CMA, where movable pages go first. */
function machineWithPinnedBlock(): { machine: Machine; pinnedBlock: number; user: number } {
  const machine = bootDefault('64M', 'cma=32M');
  const user = mapUser(machine, 50);
  tagAll(machine, user);
  const pfn = machine.user.pfnOf(user, 0);
  expect(machine.pins.pin(user, 0, 1, 'shortterm').ok).toBe(true);
  return { machine, pinnedBlock: pfn - (pfn % PB), user };
}

function expectChunksValid(a: CmaArea, chunks: readonly number[], order: number): void {
  const sorted = [...chunks].sort((x, y) => x - y);
  for (const [i, pfn] of sorted.entries()) {
    expect(pfn % 2 ** order).toBe(0);
    expect(pfn >= a.basePfn && pfn + 2 ** order <= a.pfnEnd).toBe(true);
    if (i > 0) expect(pfn).toBeGreaterThanOrEqual((sorted[i - 1] as number) + 2 ** order);
  }
}

describe('cma_alloc_bulk', () => {
  it('skips the pageblock holding a pinned page and returns the rest: nr_allocated 15 of 16, EBUSY', () => {
    const { machine, pinnedBlock, user } = machineWithPinnedBlock();
    const a = reserved(machine);
    const result = cmaAllocBulk(a, deps(machine), { alignOrder: 9, order: 9, nrRequests: 16, mode: 'normal' });
    expect([result.nrAllocated, result.errno]).toEqual([15, 'EBUSY']);
    expect(result.chunks).not.toContain(pinnedBlock);
    expectChunksValid(a, result.chunks, 9);
    expect(machine.events.get('cma_bulk_partial')).toBe(1);
    expectTagsIntact(machine, user);
    for (const pfn of result.chunks) expect(cmaRelease(a, deps(machine), pfn, PB)).toBe(true);
    expect(a.bitmap.usedBits()).toBe(0);
    expectSound(machine);
  });

  it('after EBUSY skips the whole chunk (a pageblock for order 4), where cma_alloc would step by mask + 1 into the same block', () => {
    const { machine, pinnedBlock } = machineWithPinnedBlock();
    const a = reserved(machine);
    const result = cmaAllocBulk(a, deps(machine), { alignOrder: 4, order: 4, nrRequests: 16 * 32, mode: 'normal' });
    expect([result.nrAllocated, result.errno]).toEqual([15 * 32, 'EBUSY']);
    expect(result.chunks.filter((pfn) => pfn >= pinnedBlock && pfn < pinnedBlock + PB)).toEqual([]);
    expectChunksValid(a, result.chunks, 4);
    // With every other block taken, cma_alloc steps through the busy block by 16 and finds room beside the pin.
    const single = cmaAlloc(a, deps(machine), { pageCount: 16, alignOrder: 4 });
    expect(single.ok && single.value >= pinnedBlock && single.value < pinnedBlock + PB).toBe(true);
  });

  it('succeeds (no errno) exactly when every chunk was allocated; the search continues past a busy block', () => {
    const { machine, pinnedBlock } = machineWithPinnedBlock();
    const a = reserved(machine);
    const result = cmaAllocBulk(a, deps(machine), { alignOrder: 9, order: 9, nrRequests: 4, mode: 'normal' });
    expect([result.nrAllocated, result.errno]).toEqual([4, undefined]);
    expect(result.chunks).not.toContain(pinnedBlock);
    expect(cmaAllocBulk(a, deps(machine), { alignOrder: 9, order: 9, nrRequests: 0, mode: 'normal' })).toEqual({ chunks: [], nrAllocated: 0 });
  });

  it('FAST makes one migration try per chunk, NORMAL five, before skipping it', () => {
    for (const [mode, tries] of [['normal', 5], ['fast', 1]] as const) {
      const machine = bootDefault('64M', 'cma=32M');
      const user = mapUser(machine, 10);
      const pfns = pfnsOf(machine, user);
      const blocks = new Set(pfns.map((pfn) => pfn - (pfn % PB)));
      expect(blocks.size).toBe(1);
      machine.env.faults.arm('transient_pin', 10_000);
      const result = cmaAllocBulk(reserved(machine), deps(machine), { alignOrder: 9, order: 9, nrRequests: 16, mode });
      expect([result.nrAllocated, result.errno]).toEqual([15, 'EBUSY']);
      expect(machine.env.faults.firedCount('transient_pin')).toBe(tries * pfns.length);
      expectSound(machine);
    }
  });

  it('drains per-CPU lists once up front even in fast mode, so pages released a moment ago do not block it', () => {
    const machine = bootDefault();
    const a = reserved(machine);
    const single = cmaAlloc(a, deps(machine), { pageCount: 64, alignOrder: 0 });
    expect(single.ok).toBe(true);
    cmaRelease(a, deps(machine), a.basePfn, 64);
    expect(machine.buddy.pcpPages()).toBeGreaterThan(0);
    const result = cmaAllocBulk(a, deps(machine), { alignOrder: 9, order: 9, nrRequests: 8, mode: 'fast' });
    expect([result.nrAllocated, result.errno]).toEqual([8, undefined]);
  });

  it('asks for more than the area holds: returns what fits with EBUSY', () => {
    const machine = bootDefault();
    const result = cmaAllocBulk(reserved(machine), deps(machine), { alignOrder: 10, order: 10, nrRequests: 5, mode: 'normal' });
    expect([result.nrAllocated, result.errno]).toEqual([4, 'EBUSY']);
    expectChunksValid(reserved(machine), result.chunks, 10);
  });
});
