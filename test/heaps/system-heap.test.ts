// The system heap against invariants 31-37 of kernel-reference.md: greedy {8,4,0} decomposition with never-increasing orders, no reclaim for orders 8 and 4, all-or-nothing failure (page_alloc and fatal_signal sites), zeroed hand-out (also from pools after a previous owner wrote), exact release; plus the ION cap, no CMA pages, and caching variants.
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '../../src/base/units.ts';
import { cacheAttrOf } from '../../src/heaps/page-pool.ts';
import { HIGH_ORDER_GFP, LOW_ORDER_GFP, SYSTEM_HEAP_ORDER_FLAGS } from '../../src/heaps/system-heap.ts';
import { __GFP_COMP, __GFP_DIRECT_RECLAIM, __GFP_MOVABLE, __GFP_ZERO, type Gfp } from '../../src/mem/gfp.ts';
import { MIGRATE_CMA } from '../../src/mem/migratetype.ts';
import { CACHE_UC, CACHE_WB, CACHE_WC } from '../../src/mem/page-state.ts';
import { alloc, boot, envWith, fillWithOrder0, freePages, KiB, MiB, NthConsultFaults, orders, readsZero, scribble } from './heap-fixtures.ts';

/** The greedy decomposition of `pages` into {8, 4, 0}. */
function greedy(pages: number): number[] {
  const result: number[] = [];
  for (const order of [8, 4, 0]) {
    while (pages >= 2 ** order) {
      result.push(order);
      pages -= 2 ** order;
    }
  }
  return result;
}

describe('gfp flags (6.4+ order_flags)', () => {
  it('orders 8 and 4 use HIGH_ORDER_GFP (no reclaim), order 0 LOW_ORDER_GFP; none is movable', () => {
    expect(SYSTEM_HEAP_ORDER_FLAGS).toEqual([HIGH_ORDER_GFP, HIGH_ORDER_GFP, LOW_ORDER_GFP]);
    expect(HIGH_ORDER_GFP & __GFP_DIRECT_RECLAIM).toBe(0);
    expect(HIGH_ORDER_GFP & __GFP_COMP).not.toBe(0);
    expect(LOW_ORDER_GFP & __GFP_DIRECT_RECLAIM).not.toBe(0);
    for (const gfp of SYSTEM_HEAP_ORDER_FLAGS) {
      expect(gfp & __GFP_MOVABLE).toBe(0);
      expect(gfp & __GFP_ZERO).not.toBe(0);
    }
  });
});

describe('decomposition (invariants 31-33)', () => {
  const sizes = [1, 4096, 4097, 15 * 4096, 16 * 4096, 17 * 4096, MiB - 1, MiB, MiB + 64 * KiB + 4096, 10 * MiB + 1, 3 * MiB + 5 * 64 * KiB + 7 * 4096];
  it.each(sizes)('len %i: chunk bytes = PAGE_ALIGN(len), greedy orders, never increasing', (len) => {
    const machine = boot();
    const buf = alloc(machine, 'system', len);
    const pages = Math.ceil(len / PAGE_SIZE);
    expect(buf.sizeBytes).toBe(pages * PAGE_SIZE);
    expect(buf.chunks.reduce((sum, c) => sum + 2 ** c.order * PAGE_SIZE, 0)).toBe(pages * PAGE_SIZE);
    expect(orders(buf)).toEqual(greedy(pages));
    for (const chunk of buf.chunks) expect(chunk.pfn % 2 ** chunk.order).toBe(0);
  });
});

describe('fallback without reclaim for orders 8 and 4 (invariant 34)', () => {
  it('under fragmentation a 1 MiB buffer falls back to order 0 and no order stays above a smaller one', () => {
    const machine = boot({ memMiB: 32 });
    const pfns = fillWithOrder0(machine, 'filler', true);
    for (const pfn of pfns) if (pfn % 2 === 0) machine.buddy.freePages(pfn, 0);
    const stalls = machine.events.get('allocstall');
    const buf = alloc(machine, 'system', MiB);
    expect(orders(buf)).toEqual(Array.from({ length: 256 }, () => 0));
    expect(machine.events.get('allocstall')).toBe(stalls);
  });

  it('direct reclaim runs the shrinkers only for order-0 requests', () => {
    const machine = boot({ memMiB: 32 });
    const pfns = fillWithOrder0(machine);
    const held = pfns.splice(0, 512);
    const seen: Gfp[] = [];
    const registered = machine.shrinkers.register({
      name: 'hog',
      countObjects: (sc) => {
        seen.push(sc.gfp);
        return held.length;
      },
      scanObjects: (sc) => {
        let freed = 0;
        while (freed < sc.nrToScan && held.length > 0) {
          machine.buddy.freePages(held.pop() as number, 0);
          freed++;
        }
        return freed;
      },
    });
    expect(registered.ok).toBe(true);
    const buf = alloc(machine, 'system', 64 * KiB);
    expect(orders(buf)).toEqual(Array.from({ length: 16 }, () => 0));
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([LOW_ORDER_GFP]));
  });
});

describe('failure frees everything (invariant 35)', () => {
  it('page_alloc failing from the third chunk on leaves the machine as it was', () => {
    const machine = boot({ env: envWith(new NthConsultFaults('page_alloc', 3)) });
    const before = freePages(machine);
    const result = machine.heaps.dmaHeapIoctlAlloc('system', { lenBytes: BigInt(2 * MiB + 64 * KiB + 4096), fdFlags: 2, heapFlags: 0n });
    expect(result.ok ? 'ok' : result.errno).toBe('ENOMEM');
    expect(freePages(machine)).toBe(before);
    expect(machine.heaps.buffers.live()).toEqual([]);
    expect(machine.events.get('pgalloc_fail')).toBe(2);
  });

  it('a fatal signal before the fourth chunk is EINTR and frees the three chunks already taken', () => {
    const machine = boot({ env: envWith(new NthConsultFaults('fatal_signal', 4)) });
    const before = freePages(machine);
    const result = machine.heaps.dmaHeapIoctlAlloc('system', { lenBytes: BigInt(5 * MiB), fdFlags: 2, heapFlags: 0n });
    expect(result.ok ? 'ok' : result.errno).toBe('EINTR');
    expect(freePages(machine)).toBe(before);
    expect(machine.events.get('heap_alloc_fail')).toBe(1);
  });

  it('an allocation larger than free memory (under the cap) fails with ENOMEM and keeps nothing', () => {
    const machine = boot({ memMiB: 64, heaps: { system: { sizeCap: false } } });
    const before = freePages(machine);
    const result = machine.heaps.dmaHeapIoctlAlloc('system', { lenBytes: BigInt(70 * MiB), fdFlags: 2, heapFlags: 0n });
    expect(result.ok ? 'ok' : result.errno).toBe('ENOMEM');
    expect(freePages(machine)).toBe(before);
  });
});

describe('zeroed hand-out (invariant 36, M23)', () => {
  it('fresh pages are zero even where a previous owner wrote', () => {
    const machine = boot();
    const first = alloc(machine, 'system', 2 * MiB);
    scribble(first);
    first.close();
    const second = alloc(machine, 'system', 2 * MiB);
    expect(readsZero(second)).toBe(true);
  });

  it.each([
    ['shrinker pools, synchronous zeroing', { pool: 'shrinker' }],
    ['static pools, deferred free', { pool: 'static', deferredFree: true }],
    ['ttm pools, deferred free', { pool: 'shrinker', shrinkerStyle: 'ttm', deferredFree: true }],
  ])('pool pages are zero after a previous owner wrote: %s', (_name, system) => {
    const machine = boot({ heaps: { system } });
    const first = alloc(machine, 'system', MiB + 64 * KiB + 8 * KiB);
    scribble(first);
    first.close();
    machine.tick();
    const hits = machine.events.get('pool_hit');
    const second = alloc(machine, 'system', MiB + 64 * KiB + 8 * KiB);
    expect(machine.events.get('pool_hit') - hits).toBe(4);
    expect(readsZero(second)).toBe(true);
  });

  it('a dirty block in a pool is an assertion failure, never a hand-out', () => {
    const machine = boot({ heaps: { system: { pool: 'shrinker' } } });
    const first = alloc(machine, 'system', 4096);
    const pfn = first.chunks[0]?.pfn ?? -1;
    first.close();
    machine.buddy.table.content[machine.buddy.table.pageIndex(pfn)] = 99;
    expect(() => machine.heaps.dmaHeapIoctlAlloc('system', { lenBytes: 4096n, fdFlags: 2, heapFlags: 0n })).toThrow(/non-zero/);
  });
});

describe('release (invariant 37, M18)', () => {
  it('frees exactly the allocated pages, each chunk at its order', () => {
    const machine = boot();
    const before = freePages(machine);
    const bufs = [alloc(machine, 'system', 3 * MiB + 7 * 4096), alloc(machine, 'system', 17 * 4096), alloc(machine, 'system', 1)];
    const used = bufs.reduce((sum, b) => sum + b.pageCount, 0);
    expect(freePages(machine)).toBe(before - used);
    for (const buf of bufs) buf.close();
    expect(freePages(machine)).toBe(before);
  });
});

describe('placement and attributes', () => {
  it('never takes pages from a CMA pageblock, even when CMA is most of free memory', () => {
    const machine = boot({ memMiB: 64, cmdline: 'cma=32M' });
    const filler = fillWithOrder0(machine);
    for (const pfn of filler.slice(0, 1024)) machine.buddy.freePages(pfn, 0);
    const buf = alloc(machine, 'system', 2 * MiB);
    for (let i = 0; i < buf.pageCount; i++) expect(machine.buddy.pageblockMigratetype(buf.pfnAt(i))).not.toBe(MIGRATE_CMA);
  });

  it('caps a single allocation at half of RAM with ENOMEM (ION), and lets it through without the cap', () => {
    const machine = boot();
    const half = Math.floor(machine.buddy.managedPages() / 2);
    const over = machine.heaps.dmaHeapIoctlAlloc('system', { lenBytes: BigInt((half + 1) * PAGE_SIZE), fdFlags: 2, heapFlags: 0n });
    expect(over.ok ? 'ok' : over.errno).toBe('ENOMEM');
    expect(machine.events.get('pgalloc')).toBe(0);
    expect(alloc(machine, 'system', half * PAGE_SIZE).pageCount).toBe(half);
    const uncapped = boot({ heaps: { system: { sizeCap: false } } });
    expect(alloc(uncapped, 'system', (half + 1) * PAGE_SIZE).pageCount).toBe(half + 1);
  });

  it('variants hand out pages with their caching attribute; pages go back to the allocator write-back', () => {
    const machine = boot({ heaps: { system: { variants: [{ name: 'system-uncached', caching: 'uncached' }, { name: 'system-wc', caching: 'write-combined' }] } } });
    expect(machine.heaps.names()).toEqual(['system', 'system-uncached', 'system-wc']);
    const uc = alloc(machine, 'system-uncached', 64 * KiB + 4096);
    const wc = alloc(machine, 'system-wc', 4096);
    const wb = alloc(machine, 'system', 4096);
    const table = machine.buddy.table;
    expect(uc.chunks.map((c) => cacheAttrOf(table, c.pfn))).toEqual([CACHE_UC, CACHE_UC]);
    expect(cacheAttrOf(table, wc.chunks[0]?.pfn ?? 0)).toBe(CACHE_WC);
    expect(cacheAttrOf(table, wb.chunks[0]?.pfn ?? 0)).toBe(CACHE_WB);
    const ucPfn = uc.chunks[1]?.pfn ?? 0;
    uc.close();
    expect(cacheAttrOf(table, ucPfn)).toBe(CACHE_WB);
  });
});
