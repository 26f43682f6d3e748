// PagePoolSet driven directly: take/untake order per variant (FIFO ION and static rings, LIFO TTM), untake after the FIFO array compacts, TTM's trim to limitPages, scan(0), the static-only ring limit, option and give-time assertions, and what hashInto feeds.
import { describe, expect, it } from 'vitest';
import { StateHasher } from '../../src/base/hash.ts';
import { blockIsZero, PagePoolSet, type PagePoolOptions } from '../../src/heaps/page-pool.ts';
import { GFP_HIGHUSER, GFP_KERNEL, __GFP_ZERO } from '../../src/mem/gfp.ts';
import { CACHE_WB, CACHE_WC } from '../../src/mem/page-state.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { alloc, boot, freePages } from './heap-fixtures.ts';

const SC = { gfp: GFP_KERNEL, nrToScan: 0, isKswapd: false };
const ION: PagePoolOptions = { variant: 'shrinker', style: 'ion', staticEntries: 1024, limitPages: 1 << 20 };
const TTM: PagePoolOptions = { ...ION, style: 'ttm' };
const STATIC_TTM: PagePoolOptions = { ...TTM, variant: 'static' };

interface Rig {
  readonly machine: Machine;
  readonly pools: PagePoolSet;
  /** Allocates `pageCount` zeroed order-0 pages and gives them to the WB order-0 pool in that order. */
  give(pageCount: number): number[];
}

function rig(options: PagePoolOptions, orders: number[] = [0]): Rig {
  const machine = boot({ memMiB: 16 });
  const pools = new PagePoolSet(machine.buddy, machine.owners, machine.events, options, [CACHE_WB], orders);
  const owner = machine.owners.register('test', 'donor');
  return {
    machine,
    pools,
    give: (pageCount) => {
      const pfns: number[] = [];
      for (let i = 0; i < pageCount; i++) {
        const pfn = machine.buddy.allocPages(GFP_HIGHUSER | __GFP_ZERO, 0, { owner });
        if (!pfn.ok) throw new Error(pfn.detail);
        pfns.push(pfn.value);
      }
      pools.giveAll(pfns.map((pfn) => ({ pfn, order: 0 })), CACHE_WB);
      return pfns;
    },
  };
}

function digest(pools: PagePoolSet): string {
  const hasher = new StateHasher();
  pools.hashInto(hasher);
  return hasher.digestHex();
}

describe('take order and pooledBlocks per variant', () => {
  const cases: [string, PagePoolOptions, 'fifo' | 'lifo'][] = [
    ['ION shrinker pools', ION, 'fifo'],
    ['static rings (even with shrinkerStyle ttm)', STATIC_TTM, 'fifo'],
    ['TTM shrinker pools', TTM, 'lifo'],
  ];
  it.each(cases)('%s hand blocks out %s, as pooledBlocks lists them', (_name, options, order) => {
    const { machine, pools, give } = rig(options);
    const pfns = give(3);
    const expected = order === 'fifo' ? pfns : [...pfns].reverse();
    expect(pools.pooledBlocks(0, CACHE_WB)).toEqual(expected);
    const owner = machine.owners.register('test', 'taker');
    expect([0, 1, 2].map(() => pools.take(0, CACHE_WB, owner))).toEqual(expected);
    expect(pools.take(0, CACHE_WB, owner)).toBeNull();
  });

  it.each(cases)('%s: untake puts the block back where the next take finds it', (_name, options) => {
    const { machine, pools, give } = rig(options);
    give(3);
    const before = pools.pooledBlocks(0, CACHE_WB);
    const owner = machine.owners.register('test', 'taker');
    const taken = pools.take(0, CACHE_WB, owner);
    expect(taken).toBe(before[0]);
    pools.untake(taken as number, 0, CACHE_WB);
    expect(pools.pooledBlocks(0, CACHE_WB)).toEqual(before);
    expect(pools.take(0, CACHE_WB, owner)).toBe(taken);
  });

  it('a FIFO pool whose taken prefix was compacted away still untakes to the front', () => {
    const { machine, pools, give } = rig(ION);
    const pfns = give(70);
    const owner = machine.owners.register('test', 'taker');
    let last = 0;
    for (let i = 0; i < 65; i++) last = pools.take(0, CACHE_WB, owner) as number;
    expect(last).toBe(pfns[64]);
    expect(pools.pooledBlocks(0, CACHE_WB)).toEqual(pfns.slice(65));
    pools.untake(last, 0, CACHE_WB);
    expect(pools.pooledBlocks(0, CACHE_WB)).toEqual(pfns.slice(64));
    expect(pools.pooledPages(0)).toBe(6);
  });

  it('a TTM pool emptied by drain() misses on take (no stale block comes back)', () => {
    const { machine, pools, give } = rig(TTM);
    give(2);
    const free = freePages(machine);
    expect(pools.drain()).toBe(2);
    expect(freePages(machine)).toBe(free + 2);
    expect(pools.take(0, CACHE_WB, machine.owners.register('test', 'taker'))).toBeNull();
    expect(pools.scanObjects({ ...SC, nrToScan: 1 })).toBe(0);
  });
});

describe('limits', () => {
  it('TTM shrinker pools trim to exactly limitPages after a give', () => {
    const { pools, give } = rig({ ...TTM, limitPages: 2 });
    give(3);
    expect(pools.pooledPages()).toBe(2);
    expect(pools.returnedPages(0)).toBe(1);
  });

  it.each([['ION shrinker', { ...ION, limitPages: 2 }], ['static ttm-style', { ...STATIC_TTM, limitPages: 2 }]] as const)(
    '%s pools ignore limitPages', (_name, options) => {
      const { pools, give } = rig(options);
      give(3);
      expect(pools.pooledPages()).toBe(3);
    });

  it('only static rings refuse gives beyond staticEntries; a shrinker pool keeps them all', () => {
    const ring = rig({ ...ION, variant: 'static', staticEntries: 1 });
    ring.give(3);
    expect(ring.pools.pooledPages()).toBe(1);
    expect(ring.pools.returnedPages(0)).toBe(2);
    const shrinker = rig({ ...ION, staticEntries: 1 });
    shrinker.give(3);
    expect(shrinker.pools.pooledPages()).toBe(3);
  });
});

describe('scanObjects', () => {
  it.each([['ION', ION], ['TTM', TTM]] as const)('%s: scan(0) frees nothing and counts no pool_shrink', (_name, options) => {
    const { machine, pools, give } = rig(options);
    give(2);
    expect(pools.scanObjects({ ...SC, nrToScan: 0 })).toBe(0);
    expect(pools.pooledPages()).toBe(2);
    expect(machine.events.get('pool_shrink')).toBe(0);
    expect(pools.scanObjects({ ...SC, nrToScan: 1 })).toBe(1);
    expect(machine.events.get('pool_shrink')).toBe(1);
  });
});

describe('assertions', () => {
  const bad: [string, PagePoolOptions][] = [
    ['staticEntries 0', { ...ION, staticEntries: 0 }],
    ['a negative limitPages', { ...ION, limitPages: -1 }],
  ];
  it.each(bad)('refuses options with %s', (_name, options) => {
    const machine = boot({ memMiB: 16 });
    expect(() => new PagePoolSet(machine.buddy, machine.owners, machine.events, options, [CACHE_WB], [0])).toThrow(/^bad pool options \{/);
  });

  it('accepts limitPages 0 and is named dmabuf-page-pool by default', () => {
    const machine = boot({ memMiB: 16 });
    const pools = new PagePoolSet(machine.buddy, machine.owners, machine.events, { ...ION, limitPages: 0 }, [CACHE_WB], [0]);
    expect(pools.name).toBe('dmabuf-page-pool');
    expect(machine.owners.labelOf(pools.owner)).toBe('dmabuf-page-pool');
  });

  it('refuses a non-zero block, a block of another caching type, and an order it has no pool for', () => {
    const { machine, pools } = rig(ION);
    const buf = alloc(machine, 'system', 2 * 4096);
    const map = buf.mmap('rw');
    if (!map.ok) throw new Error(map.detail);
    buf.write(map.value, 0, 1);
    const dirty = buf.pfnAt(0);
    expect(() => pools.giveAll([{ pfn: dirty, order: 0 }], CACHE_WB)).toThrow(new RegExp(`^giving non-zero block ${dirty} to pool cached/o0$`));
    const clean = buf.pfnAt(1);
    expect(() => pools.giveAll([{ pfn: clean, order: 0 }], CACHE_WC)).toThrow(/^no write-combined pool of order 0 \(M25\)$/);
    expect(() => pools.take(4, CACHE_WB, pools.owner)).toThrow(/^no cached pool of order 4 \(M25\)$/);
    const wcPools = new PagePoolSet(machine.buddy, machine.owners, machine.events, ION, [CACHE_WB, CACHE_WC], [0], 'wc-pool');
    expect(() => wcPools.giveAll([{ pfn: clean, order: 0 }], CACHE_WC)).toThrow(new RegExp(`^block ${clean} is cached, pool write-combined/o0$`));
  });
});

describe('blockIsZero', () => {
  it('looks at the 2^order pages of the block and no further', () => {
    const machine = boot({ memMiB: 16 });
    const buf = alloc(machine, 'system', 2 * 4096);
    expect(buf.pfnAt(1)).toBe(buf.pfnAt(0) + 1);
    const map = buf.mmap('rw');
    if (!map.ok) throw new Error(map.detail);
    buf.write(map.value, 1, 1);
    expect(blockIsZero(machine.buddy.table, buf.pfnAt(0), 0)).toBe(true);
    expect(blockIsZero(machine.buddy.table, buf.pfnAt(0), 1)).toBe(false);
  });
});

describe('hashInto', () => {
  it('feeds the pooled blocks, so a pooled page changes the digest', () => {
    const { pools, give } = rig(ION);
    const empty = digest(pools);
    give(1);
    expect(digest(pools)).not.toBe(empty);
  });
});
