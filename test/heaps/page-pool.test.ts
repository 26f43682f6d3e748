// Page pools against invariants 47-52 and 54: per-order conservation, hits and misses, caching-type isolation, the ION/Android and TTM shrinker contracts (count, scan, SHRINK_EMPTY), TTM's limit after free, and the static ring that nothing shrinks.
import { describe, expect, it } from 'vitest';
import type { DmaBuf } from '../../src/heaps/dma-buf.ts';
import { cacheAttrOf, SHRINK_EMPTY as HEAPS_SHRINK_EMPTY, type PagePoolSet } from '../../src/heaps/page-pool.ts';
import { SystemHeap, type SystemHeapStats } from '../../src/heaps/system-heap.ts';
import { GFP_KERNEL } from '../../src/mem/gfp.ts';
import { CACHE_UC, CACHE_WB } from '../../src/mem/page-state.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { SHRINK_EMPTY } from '../../src/reclaim/shrinker.ts';
import { alloc, boot, freePages, KiB, MiB } from './heap-fixtures.ts';

const SC = { gfp: GFP_KERNEL, nrToScan: 0, isKswapd: false };

function systemParts(machine: Machine): { pools: PagePoolSet; stats: SystemHeapStats } {
  const heap = machine.heaps.get('system');
  if (!(heap instanceof SystemHeap) || heap.pools === undefined) throw new Error('no pools');
  return { pools: heap.pools, stats: heap.stats };
}

/** Pages of `order` in live buffers. */
function livePages(machine: Machine, order: number): number {
  return machine.heaps.buffers.live().flatMap((b) => b.chunks).filter((c) => c.order === order).length * 2 ** order;
}

describe('conservation per order (invariant 47)', () => {
  it('obtained = pooled + in use + returned, for every order, through allocs, frees, static overflow and shrinking', () => {
    const machine = boot({ heaps: { system: { pool: 'static', staticPoolEntries: 2 } } });
    const { pools, stats } = systemParts(machine);
    const check = (): void => {
      for (const order of [8, 4, 0]) {
        const obtained = stats.obtainedPages(order);
        const returned = stats.returnedPages(order) + pools.returnedPages(order);
        expect(obtained, `order ${order}`).toBe(pools.pooledPages(order) + livePages(machine, order) + returned);
      }
    };
    const bufs: DmaBuf[] = [];
    for (const len of [3 * MiB + 5 * 64 * KiB + 3 * 4096, MiB, 64 * KiB, 4096, 2 * MiB]) {
      bufs.push(alloc(machine, 'system', len));
      check();
    }
    for (const buf of bufs.splice(0, 3)) {
      buf.close();
      check();
    }
    bufs.push(alloc(machine, 'system', 5 * MiB));
    check();
    for (const buf of bufs) buf.close();
    check();
    expect(pools.pooledPages(8)).toBe(2 * 256);
  });
});

describe('hits, misses and caching isolation (invariant 48)', () => {
  it('a matching (order, caching) pool serves the request; a different caching never does', () => {
    const machine = boot({ heaps: { system: { pool: 'shrinker', variants: [{ name: 'system-uncached', caching: 'uncached' }] } } });
    const { pools } = systemParts(machine);
    alloc(machine, 'system-uncached', 64 * KiB + 4096).close();
    expect(pools.pooledPages(4, CACHE_UC)).toBe(16);
    expect(pools.pooledPages(0, CACHE_UC)).toBe(1);
    const pgalloc = machine.events.get('pgalloc');
    const misses = machine.events.get('pool_miss');
    const cached = alloc(machine, 'system', 64 * KiB);
    expect(machine.events.get('pool_miss') - misses).toBe(1);
    expect(machine.events.get('pgalloc')).toBeGreaterThan(pgalloc);
    expect(pools.pooledPages(4, CACHE_UC)).toBe(16);
    expect(cacheAttrOf(machine.buddy.table, cached.chunks[0]?.pfn ?? 0)).toBe(CACHE_WB);
    const pooledPfn = pools.pooledBlocks(4, CACHE_UC)[0];
    const hits = machine.events.get('pool_hit');
    const uncached = alloc(machine, 'system-uncached', 64 * KiB);
    expect(machine.events.get('pool_hit') - hits).toBe(1);
    expect(uncached.chunks[0]?.pfn).toBe(pooledPfn);
    expect(pools.pooledPages(4, CACHE_UC)).toBe(0);
    expect(cacheAttrOf(machine.buddy.table, pooledPfn ?? 0)).toBe(CACHE_UC);
  });

  it('an order never takes from another order\'s pool', () => {
    const machine = boot({ heaps: { system: { pool: 'shrinker' } } });
    const { pools } = systemParts(machine);
    alloc(machine, 'system', MiB).close();
    const buf = alloc(machine, 'system', 64 * KiB);
    expect(buf.chunks.map((c) => c.order)).toEqual([4]);
    expect(pools.pooledPages(8)).toBe(256);
  });

  it('pooled pages keep their caching attribute and get write-back when shrunk to the allocator', () => {
    const machine = boot({ heaps: { system: { pool: 'shrinker', variants: [{ name: 'uc', caching: 'uncached' }] } } });
    const { pools } = systemParts(machine);
    const buf = alloc(machine, 'uc', 4096);
    const pfn = buf.chunks[0]?.pfn ?? 0;
    buf.close();
    expect(cacheAttrOf(machine.buddy.table, pfn)).toBe(CACHE_UC);
    expect(pools.scanObjects({ ...SC, nrToScan: 1 })).toBe(1);
    expect(cacheAttrOf(machine.buddy.table, pfn)).toBe(CACHE_WB);
  });
});

describe('ION/Android-style shrinker (invariants 49-50)', () => {
  it('count is the pooled pages (0 when empty); scan(0) frees nothing; scan(n) frees until >= n, newest pool first', () => {
    const machine = boot({ heaps: { system: { pool: 'shrinker' } } });
    const { pools } = systemParts(machine);
    expect(pools.countObjects(SC)).toBe(0);
    alloc(machine, 'system', 2 * MiB + 2 * 64 * KiB + 3 * 4096).close();
    expect(pools.countObjects(SC)).toBe(512 + 32 + 3);
    expect(machine.shrinkers.count('dmabuf-page-pool', GFP_KERNEL)).toEqual({ ok: true, value: 547 });
    expect(pools.scanObjects({ ...SC, nrToScan: 0 })).toBe(0);
    expect(pools.scanObjects({ ...SC, nrToScan: 2 })).toBe(2);
    expect(pools.pooledPages(0)).toBe(1);
    expect(pools.scanObjects({ ...SC, nrToScan: 5 })).toBe(1 + 16);
    expect(pools.countObjects(SC)).toBe(547 - 19);
    expect(pools.scanObjects({ ...SC, nrToScan: 10_000 })).toBe(528);
    expect(pools.countObjects(SC)).toBe(0);
  });
});

describe('TTM-style shrinker (invariants 49, 50, 52; M32)', () => {
  it('count is SHRINK_EMPTY when empty; scan frees about one entry round-robin, at least one while any is pooled', () => {
    expect(HEAPS_SHRINK_EMPTY).toBe(SHRINK_EMPTY);
    const machine = boot({ heaps: { system: { pool: 'shrinker', shrinkerStyle: 'ttm' } } });
    const { pools } = systemParts(machine);
    expect(pools.countObjects(SC)).toBe(SHRINK_EMPTY);
    alloc(machine, 'system', MiB + 4096).close();
    expect(pools.countObjects(SC)).toBe(257);
    expect(pools.scanObjects({ ...SC, nrToScan: 128 })).toBe(256);
    expect(pools.scanObjects({ ...SC, nrToScan: 128 })).toBe(1);
    expect(pools.countObjects(SC)).toBe(SHRINK_EMPTY);
    expect(pools.scanObjects({ ...SC, nrToScan: 128 })).toBe(0);
  });

  it('after a free the pools hold at most page_pool_size pages', () => {
    const machine = boot({ heaps: { system: { pool: 'shrinker', shrinkerStyle: 'ttm', poolLimit: '1M' } } });
    const { pools } = systemParts(machine);
    const before = freePages(machine);
    const a = alloc(machine, 'system', 3 * MiB);
    const b = alloc(machine, 'system', 64 * KiB);
    a.close();
    expect(pools.pooledPages()).toBeLessThanOrEqual(256);
    b.close();
    expect(pools.pooledPages()).toBeLessThanOrEqual(256);
    expect(freePages(machine) + pools.pooledPages()).toBe(before);
  });

  it('takes the most recently pooled block first (LIFO)', () => {
    const machine = boot({ heaps: { system: { pool: 'shrinker', shrinkerStyle: 'ttm' } } });
    const { pools } = systemParts(machine);
    const a = alloc(machine, 'system', 4096);
    const b = alloc(machine, 'system', 4096);
    const [pa, pb] = [a.chunks[0]?.pfn, b.chunks[0]?.pfn];
    a.close();
    b.close();
    expect(pools.pooledBlocks(0, CACHE_WB)).toEqual([pb, pa]);
    expect(alloc(machine, 'system', 4096).chunks[0]?.pfn).toBe(pb);
  });
});

describe('static pools (invariant 54)', () => {
  it('are not registered as a shrinker, so neither pressure nor a shrink frees them; a full ring frees to the allocator', () => {
    const machine = boot({ heaps: { system: { pool: 'static', staticPoolEntries: 1 } } });
    const { pools } = systemParts(machine);
    expect(pools.isShrinkerControlled).toBe(false);
    expect(machine.shrinkers.names()).toEqual([]);
    const a = alloc(machine, 'system', 4096);
    const b = alloc(machine, 'system', 4096);
    a.close();
    b.close();
    expect(pools.pooledPages(0)).toBe(1);
    expect(pools.returnedPages(0)).toBe(1);
    expect(machine.pressure.apply(10_000).freedPages).toBe(0);
    expect(pools.pooledPages(0)).toBe(1);
  });
});

describe('failure with pools', () => {
  it('a failed allocation puts pool blocks back in their exact places', () => {
    const machine = boot({ heaps: { system: { pool: 'shrinker', sizeCap: false } } });
    const { pools } = systemParts(machine);
    const a = alloc(machine, 'system', MiB);
    const b = alloc(machine, 'system', MiB);
    a.close();
    b.close();
    const blocks = pools.pooledBlocks(8, CACHE_WB);
    const free = freePages(machine);
    const result = machine.heaps.dmaHeapIoctlAlloc('system', { lenBytes: BigInt(200 * MiB), fdFlags: 2, heapFlags: 0n });
    expect(result.ok).toBe(false);
    expect(pools.pooledBlocks(8, CACHE_WB)).toEqual(blocks);
    expect(freePages(machine)).toBe(free);
  });
});

describe('drain', () => {
  it('gives every pooled page back to the allocator (the end-of-run oracle)', () => {
    const machine = boot({ heaps: { system: { pool: 'shrinker', shrinkerStyle: 'ttm' } } });
    const { pools } = systemParts(machine);
    const before = freePages(machine);
    alloc(machine, 'system', 2 * MiB + 64 * KiB + 4096).close();
    expect(pools.drain()).toBe(512 + 16 + 1);
    expect(pools.pooledPages()).toBe(0);
    expect(freePages(machine)).toBe(before);
  });
});
