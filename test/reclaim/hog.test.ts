// The memory-hog workload: grows fragment memory with movable pages (some pinned), compaction under pressure rebuilds high orders where pins allow, long-term pins stay out of CMA unless the 2020 switch, shrink/release give everything back, and everything is deterministic.
import { describe, expect, it } from 'vitest';
import { createEnv } from '../../src/env/env.ts';
import { parseMachineConfig } from '../../src/machine/config.ts';
import { Machine } from '../../src/machine/machine.ts';
import { __GFP_NOWARN, GFP_NOWAIT } from '../../src/mem/gfp.ts';
import { HOG_INTERLEAVE_PAGES, MemoryHog, type HogGrowOptions } from '../../src/reclaim/hog.ts';
import { expectSound } from '../contig/machine-fixtures.ts';
import { freePages } from '../heaps/heap-fixtures.ts';
import { hogOf } from './reclaim-fixtures.ts';

function bootMachine(mem: string, cmdline = '', extra: Record<string, unknown> = {}, seed = 'hog'): Machine {
  const config = parseMachineConfig({ banks: [{ name: 'dram0', base: 0, size: mem, zone: 'Normal' }], cmdline, ...extra }, 'test');
  if (!config.ok) throw new Error(config.detail);
  const machine = Machine.create(config.value, createEnv(seed), 'test');
  if (!machine.ok) throw new Error(machine.detail);
  return machine.value;
}

function grown(hog: MemoryHog, pages: number, options: HogGrowOptions): void {
  const report = hog.grow(pages, options);
  if (!report.ok) throw new Error(report.detail);
}

/** Whether a non-compacting order-9 allocation (GFP_NOWAIT: no direct reclaim or compaction) succeeds; frees it again. */
function order9Available(machine: Machine): boolean {
  const owner = machine.owners.register('test', 'probe');
  const got = machine.buddy.allocPages(GFP_NOWAIT | __GFP_NOWARN, 9, { owner });
  if (got.ok) machine.buddy.freePages(got.value, 9);
  return got.ok;
}

/** A 64 MiB machine (15360 free pages) whose free memory the hog covers with a comb of 16-page holes. */
function fragmented(pinnedFraction: number): { machine: Machine; hog: MemoryHog } {
  const machine = bootMachine('64M');
  const hog = hogOf(machine);
  grown(hog, Math.floor(machine.buddy.nrFreePages() * 0.49), { pattern: 'interleave', pinnedFraction, longtermFraction: 0.5 });
  return { machine, hog };
}

describe('grow', () => {
  it('maps the pages in extents, pins exact shares, and leaves only small holes: order-9 allocations fail', () => {
    const machine = bootMachine('64M');
    expect(order9Available(machine)).toBe(true);
    const hog = hogOf(machine);
    const pages = Math.floor(machine.buddy.nrFreePages() * 0.49);
    const report = hog.grow(pages, { pattern: 'interleave', pinnedFraction: 0.02, longtermFraction: 0.5 });
    if (!report.ok) throw new Error(report.detail);
    const pins = Math.round(pages * 0.02);
    expect(report.value).toMatchObject({ grownPages: pages, extents: Math.ceil(pages / HOG_INTERLEAVE_PAGES), shorttermPins: pins - Math.round(pins / 2), longtermPins: Math.round(pins / 2) });
    expect(hog.pageCount).toBe(pages);
    expect(hog.pinnedPfns('shortterm').length + hog.pinnedPfns('longterm').length).toBe(pins);
    expect(order9Available(machine)).toBe(false);
    expectSound(machine);
  });

  it('a grow that runs out of memory keeps nothing of itself', () => {
    const machine = bootMachine('32M');
    const hog = hogOf(machine);
    grown(hog, 1000, { pinnedFraction: 0.1, longtermFraction: 0.5 });
    machine.user.lruAddDrainAll();
    const before = { pages: hog.pageCount, mappings: machine.user.list().length, free: freePages(machine) };
    const failed = hog.grow(100_000, { pinnedFraction: 0.1 });
    expect(failed.ok ? 'ok' : failed.errno).toBe('ENOMEM');
    machine.user.lruAddDrainAll();
    expect({ pages: hog.pageCount, mappings: machine.user.list().length, free: freePages(machine) }).toEqual(before);
    expectSound(machine);
  });

  it('rejects a bad page count or share with EINVAL', () => {
    const hog = hogOf(bootMachine('32M'));
    for (const [pages, options] of [[0, {}], [10, { pinnedFraction: 1.5 }], [10, { longtermFraction: -0.1 }]] as const) {
      const result = hog.grow(pages, options);
      expect(result.ok ? 'ok' : result.errno).toBe('EINVAL');
    }
  });
});

describe('compaction under pressure', () => {
  it('rebuilds an order-9 block from a fragmented hog: shrinkers first, then compaction, with its vm events', () => {
    const { machine } = fragmented(0.005);
    const events = { pressure: machine.events.get('pressure_event'), rebuilt: machine.events.get('compact_rebuilt_high_order') };
    const report = machine.pressure.apply(64, { compactOrder: 9 });
    expect(report.freedPages).toBe(0);
    expect(report.compaction?.blocksRebuilt).toBeGreaterThanOrEqual(1);
    expect(report.compaction?.migratedPages).toBeGreaterThan(0);
    expect(machine.events.get('pressure_event')).toBe(events.pressure + 1);
    expect(machine.events.get('compact_rebuilt_high_order')).toBe(events.rebuilt + 1);
    expect(order9Available(machine)).toBe(true);
    expectSound(machine);
  });

  it('pins limit what compaction can rebuild: more pins, more pages moved, and with 20% pinned no block at all', () => {
    const none = fragmented(0).machine.pressure.apply(0, { compactOrder: 9 }).compaction;
    const some = fragmented(0.005).machine.pressure.apply(0, { compactOrder: 9 }).compaction;
    const heavy = fragmented(0.2);
    const many = heavy.machine.pressure.apply(0, { compactOrder: 9 }).compaction;
    expect(none?.blocksRebuilt).toBe(1);
    expect(some?.blocksRebuilt).toBe(1);
    expect(some?.migratedPages).toBeGreaterThan(none?.migratedPages ?? 0);
    expect(many?.blocksRebuilt).toBe(0);
    expect(order9Available(heavy.machine)).toBe(false);
  });

  it('pinned pages never move: every pinned PFN is the same after compaction', () => {
    const { machine, hog } = fragmented(0.05);
    const pinned = [...hog.pinnedPfns('shortterm'), ...hog.pinnedPfns('longterm')];
    machine.pressure.apply(0, { compactOrder: 9 });
    expect([...hog.pinnedPfns('shortterm'), ...hog.pinnedPfns('longterm')]).toEqual(pinned);
    const table = machine.buddy.table;
    expect(pinned.every((pfn) => (table.refcount[table.pageIndex(pfn)] as number) >= 2)).toBe(true);
  });
});

describe('CMA and long-term pins', () => {
  // 32 MiB with cma=16M: free CMA pages outnumber the others, so the hog's faults land in CMA first.
  it('long-term pinned pages are migrated out of CMA first; short-term pins may stay in CMA', () => {
    const machine = bootMachine('32M', 'cma=16M');
    const hog = hogOf(machine);
    const report = hog.grow(3000, { pinnedFraction: 0.3, longtermFraction: 0.5 });
    if (!report.ok) throw new Error(report.detail);
    expect(hog.pagesInCma()).toBeGreaterThan(0);
    expect(report.value.migratedForPins).toBeGreaterThan(0);
    expect(hog.pinnedInCma('longterm')).toBe(0);
    expect(hog.pinnedInCma('shortterm')).toBeGreaterThan(0);
  });

  it('with the 2020 switch (pinning.longtermMigratesCma: false) long-term pins stay in CMA', () => {
    const machine = bootMachine('32M', 'cma=16M', { pinning: { longtermMigratesCma: false } });
    const hog = hogOf(machine);
    const report = hog.grow(3000, { pinnedFraction: 0.3, longtermFraction: 0.5 });
    if (!report.ok) throw new Error(report.detail);
    expect(report.value.migratedForPins).toBe(0);
    expect(hog.pinnedInCma('longterm')).toBeGreaterThan(0);
  });
});

describe('shrink and release', () => {
  it('shrink unmaps whole random extents until at least the asked pages went; release gives back everything', () => {
    const machine = bootMachine('64M', 'cma=16M');
    const initialFree = freePages(machine);
    const hog = hogOf(machine);
    grown(hog, 4000, { pinnedFraction: 0.05, longtermFraction: 0.5 });
    const extents = hog.extentCount;
    const freed = hog.shrink(100);
    expect(freed).toBeGreaterThanOrEqual(100);
    expect(freed).toBeLessThan(100 + 32);
    expect(hog.pageCount).toBe(4000 - freed);
    expect(hog.extentCount).toBeLessThan(extents);
    expect(hog.release()).toBe(4000 - freed);
    expect(hog.pageCount).toBe(0);
    machine.user.lruAddDrainAll();
    expect(machine.user.list()).toEqual([]);
    expect(freePages(machine)).toBe(initialFree);
    expectSound(machine);
  });
});

describe('determinism', () => {
  it('the same seed gives the same pages, pins and machine state', () => {
    const run = (): { pfns: number[]; hash: string } => {
      const machine = bootMachine('64M', 'cma=16M');
      const hog = hogOf(machine);
      grown(hog, 3000, { pinnedFraction: 0.1, longtermFraction: 0.5 });
      hog.shrink(500);
      grown(hog, 1000, { pattern: 'interleave', pinnedFraction: 0.02 });
      machine.pressure.apply(32, { compactOrder: 9 });
      return { pfns: [...hog.pinnedPfns('shortterm'), ...hog.pinnedPfns('longterm')], hash: machine.stateHash() };
    };
    expect(run()).toEqual(run());
  });

  it('different hog names draw different layouts from the machine Rng', () => {
    const layout = (name: string): number[] => {
      const machine = bootMachine('64M');
      const hog = hogOf(machine, name);
      grown(hog, 500, { pinnedFraction: 0.1 });
      return hog.pinnedPfns('shortterm');
    };
    expect(layout('a')).not.toEqual(layout('b'));
  });
});
