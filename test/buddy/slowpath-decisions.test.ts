// The decisions of __alloc_pages_slowpath, seen through its hooks and counters: gfp_to_alloc_flags, wake_all_kswapds, early direct compaction, direct reclaim with its drain, the retry policy and its bounds, the OOM point, reserves and the nodemask (Linux 6.1 mm/page_alloc.c).
import { describe, expect, it } from 'vitest';
import type { SlowPathHooks } from '../../src/buddy/alloc-context.ts';
import { ALLOC_CMA, ALLOC_CPUSET, ALLOC_HARDER, ALLOC_HIGH, ALLOC_KSWAPD, ALLOC_WMARK_MIN } from '../../src/buddy/alloc-flags.ts';
import { gfpToAllocFlags } from '../../src/buddy/slowpath.ts';
import type { Zone } from '../../src/buddy/zone.ts';
import {
  __GFP_ATOMIC, __GFP_DIRECT_RECLAIM, __GFP_DMA32, __GFP_FS, __GFP_HIGH, __GFP_IO, __GFP_MEMALLOC, __GFP_NOFAIL, __GFP_NOMEMALLOC, __GFP_NORETRY,
  __GFP_RETRY_MAYFAIL, GFP_ATOMIC, GFP_HIGHUSER_MOVABLE, GFP_KERNEL, GFP_NOWAIT, type Gfp,
} from '../../src/mem/gfp.ts';
import { bank, layout, mib, rig, type Rig } from './buddy-fixtures.ts';

/** Hooks that record every call in order; compaction and reclaim answer with the given functions. */
function recorder(answers: { compact?: () => boolean; reclaim?: () => number; reclaimable?: number } = {}): { log: string[]; hooks: SlowPathHooks } {
  const log: string[] = [];
  const hooks: SlowPathHooks = {
    wakeKswapd: (zone: Zone) => void log.push(`wake ${zone.node}/${zone.kind}`),
    compact: () => (log.push('compact'), answers.compact?.() ?? false),
    reclaim: () => (log.push('reclaim'), answers.reclaim?.() ?? 0),
    ...(answers.reclaimable === undefined ? {} : { reclaimablePages: () => answers.reclaimable as number }),
  };
  return { log, hooks };
}
const count = (log: readonly string[], what: string): number => log.filter((entry) => entry === what).length;

/** 16 MiB (min watermark 128, low 160) with only the last `free` pages free. */
function starved(free: number): Rig {
  const r = rig(layout({ pageCount: mib(16) }));
  expect([r.allocator.zones[0]!.minWatermark, r.allocator.zones[0]!.lowWatermark]).toEqual([128, 160]);
  if (free < mib(16)) expect(r.allocator.takeFreeRange(0, mib(16) - free, r.owner)).toBe(true);
  return r;
}
const used = (r: Rig): number => mib(16) - r.allocator.nrFreePages() - r.allocator.pcpPages();

describe('gfp_to_alloc_flags', () => {
  it.each([
    ['GFP_KERNEL', GFP_KERNEL, ALLOC_WMARK_MIN | ALLOC_CPUSET | ALLOC_KSWAPD],
    ['GFP_ATOMIC (ignores cpusets, allocates harder)', GFP_ATOMIC, ALLOC_WMARK_MIN | ALLOC_HIGH | ALLOC_KSWAPD | ALLOC_HARDER],
    ['GFP_ATOMIC | __GFP_NOMEMALLOC (not harder)', GFP_ATOMIC | __GFP_NOMEMALLOC, ALLOC_WMARK_MIN | ALLOC_HIGH | ALLOC_KSWAPD],
    ['GFP_HIGHUSER_MOVABLE (may use CMA)', GFP_HIGHUSER_MOVABLE, ALLOC_WMARK_MIN | ALLOC_CPUSET | ALLOC_KSWAPD | ALLOC_CMA],
  ] as const)('%s', (_name, gfp, flags) => {
    expect(gfpToAllocFlags(gfp)).toBe(flags);
  });
});

describe('wake_all_kswapds', () => {
  it('wakes each node once per pass, in zonelist order, on entry and on every retry', () => {
    const r = rig(layout({ banks: [bank('n0', 0, 'Normal', 0, 4096), bank('n1', 1, 'Normal', 4096, 8192)] }));
    expect(r.allocator.takeFreeRange(0, 4096, r.owner) && r.allocator.takeFreeRange(4096, 8192, r.owner)).toBe(true);
    const { log, hooks } = recorder();
    r.allocator.setSlowPathHooks(hooks);
    expect(r.allocator.allocPages(GFP_NOWAIT, 0, { owner: r.owner, preferredNode: 1 }).ok).toBe(false);
    expect(log).toEqual(['wake 1/Normal', 'wake 0/Normal', 'wake 1/Normal', 'wake 0/Normal']);
    expect(r.events.get('kswapd_wake')).toBe(4);
  });

  it('wakes a node with several zones once, for its first allowed zone', () => {
    const r = rig(layout({ banks: [bank('dma32', 0, 'DMA32', 0, 4096), bank('normal', 0, 'Normal', 4096, 8192)] }));
    expect(r.allocator.takeFreeRange(0, 4096, r.owner) && r.allocator.takeFreeRange(4096, 8192, r.owner)).toBe(true);
    const { log, hooks } = recorder();
    r.allocator.setSlowPathHooks(hooks);
    expect(r.allocator.allocPages(GFP_NOWAIT, 0, { owner: r.owner }).ok).toBe(false);
    expect(log).toEqual(['wake 0/Normal', 'wake 0/Normal']);
  });

  it('skips zones without managed pages', () => {
    const r = rig(layout({ banks: [bank('dma32', 0, 'DMA32', 0, 4096), bank('normal', 0, 'Normal', 4096, 8192)], reserved: [{ label: 'fw', pfnStart: 4096, pfnEnd: 8192 }] }));
    expect(r.allocator.takeFreeRange(0, 4096, r.owner)).toBe(true);
    const { log, hooks } = recorder();
    r.allocator.setSlowPathHooks(hooks);
    expect(r.allocator.allocPages(GFP_NOWAIT, 0, { owner: r.owner }).ok).toBe(false);
    expect(log).toEqual(['wake 0/DMA32', 'wake 0/DMA32']);
  });

  it('is not called for a request without __GFP_KSWAPD_RECLAIM', () => {
    const r = starved(64);
    const { log, hooks } = recorder();
    r.allocator.setSlowPathHooks(hooks);
    expect(r.allocator.allocPages(__GFP_DIRECT_RECLAIM | __GFP_IO | __GFP_FS, 0, { owner: r.owner }).ok).toBe(false);
    expect(log.some((entry) => entry.startsWith('wake'))).toBe(false);
    expect(count(log, 'reclaim')).toBeGreaterThan(0);
  });
});

describe('direct compaction before reclaim', () => {
  const firstOf = (log: readonly string[]): string | undefined => log.find((entry) => entry === 'compact' || entry === 'reclaim');

  it.each([
    ['an unmovable order-2 request compacts first', GFP_KERNEL, 2, 'compact'],
    ['a costly movable request compacts first', GFP_HIGHUSER_MOVABLE, 4, 'compact'],
    ['a movable order-2 request reclaims first', GFP_HIGHUSER_MOVABLE, 2, 'reclaim'],
    ['a movable order-3 request (not costly) reclaims first', GFP_HIGHUSER_MOVABLE, 3, 'reclaim'],
  ] as const)('%s', (_name, gfp, order, first) => {
    const r = starved(64);
    const { log, hooks } = recorder();
    r.allocator.setSlowPathHooks(hooks);
    expect(r.allocator.allocPages(gfp, order, { owner: r.owner }).ok).toBe(false);
    expect(firstOf(log)).toBe(first);
  });

  it('never compacts for order 0 (__alloc_pages_direct_compact returns at once)', () => {
    const r = starved(64);
    const { log, hooks } = recorder({ reclaim: () => 1 });
    r.allocator.setSlowPathHooks(hooks);
    expect(r.allocator.allocPages(GFP_KERNEL, 0, { owner: r.owner }).ok).toBe(false);
    expect(count(log, 'compact')).toBe(0);
  });

  it('a request entitled to the reserves skips it and takes the page below the watermark', () => {
    const r = starved(64);
    const { log, hooks } = recorder();
    r.allocator.setSlowPathHooks(hooks);
    expect(r.allocator.allocPages(GFP_KERNEL | __GFP_MEMALLOC, 2, { owner: r.owner }).ok).toBe(true);
    expect(count(log, 'compact') + count(log, 'reclaim')).toBe(0);
  });

  it('a costly __GFP_NORETRY request whose compaction was skipped fails without reclaim', () => {
    const r = starved(64);
    const { log, hooks } = recorder();
    r.allocator.setSlowPathHooks(hooks);
    expect(r.allocator.allocPages(GFP_KERNEL | __GFP_NORETRY, 4, { owner: r.owner }).ok).toBe(false);
    expect([count(log, 'compact'), count(log, 'reclaim')]).toEqual([1, 0]);
  });

  it('a compaction that frees a block serves the request at once, taking exactly its pages', () => {
    const r = starved(64);
    // The compaction frees 128 pages (free goes from 64 to 192, above the min mark of 128).
    const { log, hooks } = recorder({ compact: () => (r.allocator.freeRange(0, 128), r.allocator.drainAllPages(), true) });
    r.allocator.setSlowPathHooks(hooks);
    const before = used(r);
    expect(r.allocator.allocPages(GFP_KERNEL, 2, { owner: r.owner }).ok).toBe(true);
    expect(used(r)).toBe(before - 128 + 4);
    expect(count(log, 'compact')).toBe(1);
    expect(count(log, 'reclaim')).toBe(0);
    expect(r.events.get('compact_stall')).toBe(1);
  });
});

describe('direct reclaim', () => {
  it('a compaction after reclaim that frees a block serves the request, taking exactly its pages', () => {
    const r = starved(64);
    let freed = false;
    const { log, hooks } = recorder({ compact: () => (freed || (r.allocator.freeRange(0, 128), r.allocator.drainAllPages()), (freed = true)) });
    r.allocator.setSlowPathHooks(hooks);
    const before = used(r);
    expect(r.allocator.allocPages(GFP_HIGHUSER_MOVABLE, 2, { owner: r.owner }).ok).toBe(true);
    expect(used(r)).toBe(before - 128 + 4);
    expect([count(log, 'reclaim'), count(log, 'compact')]).toEqual([1, 1]);
  });

  it('a request served in the first slow-path attempt (between the min and low marks) takes one page', () => {
    const r = starved(150);
    const before = used(r);
    expect(r.allocator.allocPages(GFP_KERNEL, 0, { owner: r.owner }).ok).toBe(true);
    expect(used(r)).toBe(before + 1);
    expect(r.events.get('kswapd_wake')).toBe(1);
    expect(r.events.get('allocstall')).toBe(0);
  });

  it('a reclaim that frees pages serves the request, taking exactly one page', () => {
    const r = starved(64);
    r.allocator.setSlowPathHooks(recorder({ reclaim: () => r.allocator.freeRange(0, 200) + 200 }).hooks);
    const before = used(r);
    expect(r.allocator.allocPages(GFP_KERNEL, 0, { owner: r.owner }).ok).toBe(true);
    expect(used(r)).toBe(before - 200 + 1);
  });

  /** 1 GiB, 2 CPUs, everything in use but 600 pages on each CPU's per-CPU lists (neither counted as free). */
  function pagesOnPcpLists(): Rig {
    const r = rig(layout({ pageCount: mib(1024), cpuCount: 2 }));
    expect(r.allocator.takeFreeRange(0, mib(1024), r.owner)).toBe(true);
    r.allocator.freeRange(0, 600, 0);
    r.allocator.freeRange(600, 1200, 1);
    expect(r.allocator.pcpPages()).toBe(1200);
    expect(r.allocator.zones[0]!.minWatermark).toBeLessThan(1200);
    return r;
  }

  it('after progress without a page, drains every CPU\'s lists and retries (drain_all_pages)', () => {
    const r = pagesOnPcpLists();
    const { log, hooks } = recorder({ reclaim: () => 1 });
    r.allocator.setSlowPathHooks(hooks);
    expect(r.allocator.allocPages(GFP_KERNEL, 0, { owner: r.owner, cpu: 0 }).ok).toBe(true);
    expect(count(log, 'reclaim')).toBe(1);
  });

  it('without progress, neither retries nor drains', () => {
    const r = pagesOnPcpLists();
    r.allocator.setSlowPathHooks(recorder({ reclaim: () => 0 }).hooks);
    expect(r.allocator.allocPages(GFP_KERNEL | __GFP_NORETRY, 0, { owner: r.owner, cpu: 0 }).ok).toBe(false);
    expect(r.allocator.pcpPages()).toBe(1200);
  });

  it('keeps the zone\'s last highatomic pageblock when it unreserves before draining', () => {
    const r = rig(layout({ pageCount: mib(64) }));
    const zone = r.allocator.zones[0]!;
    expect(r.allocator.takeFreeRange(0, mib(64) - 300, r.owner)).toBe(true);
    r.alloc(GFP_ATOMIC, 4);
    r.allocator.setSlowPathHooks(recorder({ reclaim: () => 1 }).hooks);
    expect(r.allocator.allocPages(GFP_KERNEL | __GFP_NORETRY, 0, { owner: r.owner }).ok).toBe(false);
    expect(zone.nrReservedHighatomic).toBe(512);
  });
});

describe('the retry policy', () => {
  function failingRun(gfp: Gfp, order: number, answers: Parameters<typeof recorder>[0], free = 64): { log: string[]; r: Rig } {
    const r = starved(free);
    const { log, hooks } = recorder(answers);
    r.allocator.setSlowPathHooks(hooks);
    expect(r.allocator.allocPages(gfp, order, { owner: r.owner }).ok).toBe(false);
    return { log, r };
  }

  it('reclaim progress with enough reclaimable memory retries until the simulation\'s round cap (Linux: forever)', () => {
    const { log, r } = failingRun(GFP_KERNEL, 0, { reclaim: () => 1, reclaimable: mib(16) });
    expect(count(log, 'reclaim')).toBe(64);
    expect(r.events.get('oom_fail')).toBe(1);
  });

  it('the same for order 3, the largest non-costly order', () => {
    const { log } = failingRun(GFP_KERNEL, 3, { reclaim: () => 1, reclaimable: mib(16) });
    expect(count(log, 'reclaim')).toBe(64);
  });

  it('__GFP_RETRY_MAYFAIL is no OOM even at the round cap', () => {
    const { r } = failingRun(GFP_KERNEL | __GFP_RETRY_MAYFAIL, 0, { reclaim: () => 1, reclaimable: mib(16) });
    expect(r.events.get('oom_fail')).toBe(0);
  });

  it('reclaim progress does not count for a costly order: __GFP_RETRY_MAYFAIL gives up after the no-progress bound', () => {
    const { log } = failingRun(GFP_KERNEL | __GFP_RETRY_MAYFAIL, 4, { reclaim: () => 1, reclaimable: mib(16) });
    // 17 rounds until no_progress_loops > MAX_RECLAIM_RETRIES, then one more for the compaction priority (costly: down to 1 only).
    expect(count(log, 'reclaim')).toBe(18);
  });

  it('without reclaim progress, gives up after MAX_RECLAIM_RETRIES + 1 rounds', () => {
    const { log } = failingRun(GFP_KERNEL, 0, { reclaim: () => 0, reclaimable: mib(16) });
    expect(count(log, 'reclaim')).toBe(17);
  });

  it('counts only usable free pages plus reclaimable ones toward the retry watermark (free CMA is not usable here)', () => {
    const r = rig(layout({ pageCount: mib(16), cma: [{ name: 'cma', pfnStart: 3584, pfnEnd: 4096, orderPerBit: 0 }] }));
    expect(r.allocator.takeFreeRange(0, 3534, r.owner)).toBe(true);
    expect(r.allocator.takeFreeRange(3584, 3946, r.owner)).toBe(true);
    expect([r.allocator.nrFreePages(), r.allocator.zones[0]!.freeArea.nrFreeCmaPages]).toEqual([200, 150]);
    const { log, hooks } = recorder({ reclaim: () => 0, reclaimable: 100 });
    r.allocator.setSlowPathHooks(hooks);
    expect(r.allocator.allocPages(GFP_KERNEL, 0, { owner: r.owner }).ok).toBe(false);
    expect(count(log, 'reclaim')).toBe(17);
  });

  it('an order-0 request gets no compaction retries', () => {
    const { log } = failingRun(GFP_KERNEL, 0, { reclaim: () => 1 });
    expect(count(log, 'reclaim')).toBe(1);
  });

  it('order 3 retries while compaction progresses, MAX_COMPACT_RETRIES times', () => {
    const { log } = failingRun(GFP_KERNEL, 3, { reclaim: () => 1, compact: () => true });
    expect(count(log, 'reclaim')).toBe(17);
  });

  it('compaction progress alone, without reclaim progress, buys no retry', () => {
    const { log } = failingRun(GFP_KERNEL, 2, { reclaim: () => 0, compact: () => true });
    expect(count(log, 'reclaim')).toBe(1);
  });

  it.each([
    ['order 3', GFP_KERNEL, 3, 1],
    ['__GFP_RETRY_MAYFAIL', GFP_KERNEL | __GFP_RETRY_MAYFAIL, 0, 0],
    ['a lowmem (__GFP_DMA32) request', GFP_KERNEL | __GFP_DMA32, 0, 0],
  ] as const)('the OOM point (__alloc_pages_may_oom) for %s: %i', (_name, gfp, order, ooms) => {
    const r = rig(layout({ banks: [bank('dma32', 0, 'DMA32', 0, 4096), bank('normal', 0, 'Normal', 4096, 8192)] }));
    expect(r.allocator.takeFreeRange(0, 4096, r.owner) && r.allocator.takeFreeRange(4096, 8192, r.owner)).toBe(true);
    r.allocator.setSlowPathHooks(recorder().hooks);
    expect(r.allocator.allocPages(gfp, order, { owner: r.owner }).ok).toBe(false);
    expect(r.events.get('oom_fail')).toBe(ooms);
  });
});

describe('reserves, harder allocations and the nodemask', () => {
  it('__GFP_NOFAIL without direct reclaim gets no last-resort attempt', () => {
    const r = starved(110);
    expect(r.allocator.allocPages(GFP_NOWAIT | __GFP_NOFAIL, 0, { owner: r.owner }).ok).toBe(false);
  });

  it('__GFP_ATOMIC together with __GFP_DIRECT_RECLAIM is dropped: no ALLOC_HARDER', () => {
    const r = starved(110);
    expect(r.allocator.allocPages(GFP_KERNEL | __GFP_ATOMIC | __GFP_NORETRY, 0, { owner: r.owner }).ok).toBe(false);
    expect(starved(110).allocator.allocPages(__GFP_ATOMIC | __GFP_HIGH, 0, { owner: r.owner }).ok).toBe(true);
  });

  it('__GFP_NOMEMALLOC forbids the reserves __GFP_MEMALLOC would grant', () => {
    expect(starved(64).allocator.allocPages(GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOMEMALLOC | __GFP_NORETRY, 0, { owner: 1 }).ok).toBe(false);
    expect(starved(64).allocator.allocPages(GFP_KERNEL | __GFP_MEMALLOC, 0, { owner: 1 }).ok).toBe(true);
  });

  it('keeps ALLOC_HIGH on every retry: __GFP_HIGH succeeds once reclaim lifts free pages above half the min mark', () => {
    const r = starved(40);
    r.allocator.setSlowPathHooks(recorder({ reclaim: () => (r.allocator.freeRange(0, 40), r.allocator.drainAllPages(), 40) }).hooks);
    expect(r.allocator.allocPages(GFP_KERNEL | __GFP_HIGH, 0, { owner: r.owner }).ok).toBe(true);
  });

  it('an atomic or reserve-entitled request ignores the nodemask in the slow path; GFP_KERNEL keeps it', () => {
    const twoNodes = (): Rig => {
      const r = rig(layout({ banks: [bank('n0', 0, 'Normal', 0, 4096), bank('n1', 1, 'Normal', 4096, 8192)] }));
      expect(r.allocator.takeFreeRange(0, 4096, r.owner)).toBe(true);
      r.allocator.setSlowPathHooks(recorder().hooks);
      return r;
    };
    const node = (r: Rig, gfp: Gfp): number | null => {
      const got = r.allocator.allocPages(gfp, 0, { owner: r.owner, nodes: [0] });
      return got.ok ? r.allocator.zoneOf(got.value).node : null;
    };
    expect(node(twoNodes(), GFP_ATOMIC)).toBe(1);
    expect(node(twoNodes(), GFP_KERNEL | __GFP_MEMALLOC)).toBe(1);
    expect(node(twoNodes(), GFP_KERNEL | __GFP_NORETRY)).toBe(null);
  });
});
