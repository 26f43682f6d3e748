// CPA pool flows beyond the watermark contract: exact refill to the fill-mark, no refill unless woken, a refill that finds no block, the low-mark boundary, hit/miss/refill/shrink counters, rollback order of a failed allocation, option assertions and hashInto.
import { describe, expect, it } from 'vitest';
import { StateHasher } from '../../src/base/hash.ts';
import { CpaHeap, CpaPool, type CpaPoolOptions } from '../../src/heaps/cpa-pool.ts';
import { GFP_KERNEL } from '../../src/mem/gfp.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { alloc, boot, fillWithOrder0, MiB, RDWR_CLOEXEC } from './heap-fixtures.ts';

const SC = { gfp: GFP_KERNEL, nrToScan: 0, isKswapd: false };
const JUNO_LIKE = { name: 'cpa', order: 9, lowmark: 2, fillmark: 4, highmark: 6, alignOrder: 0 };

function cpa(machine: Machine): CpaHeap {
  const heap = machine.heaps.get('cpa');
  if (!(heap instanceof CpaHeap)) throw new Error('no cpa heap');
  return heap;
}

function envOf(machine: Machine): ConstructorParameters<typeof CpaPool>[0] {
  return { buddy: machine.buddy, owners: machine.owners, events: machine.events, faults: machine.env.faults };
}

function digest(heap: CpaHeap): string {
  const hasher = new StateHasher();
  heap.hashInto(hasher);
  return hasher.digestHex();
}

describe('refill', () => {
  it('fills exactly to the fill-mark, one cpa_refill per block', () => {
    const machine = boot({ heaps: { cpa: [JUNO_LIKE] } });
    const { pool } = cpa(machine);
    machine.tick();
    expect(pool.blockCount).toBe(4);
    expect(machine.events.get('cpa_refill')).toBe(4);
    alloc(machine, 'cpa', 6 * MiB);
    expect(pool.blockCount).toBe(1);
    machine.tick();
    expect(pool.blockCount).toBe(4);
    expect(machine.events.get('cpa_refill')).toBe(7);
  });

  it('an allocation leaving exactly lowmark blocks does not wake the refill, and an unwoken refill does nothing', () => {
    const machine = boot({ heaps: { cpa: [JUNO_LIKE] } });
    const { pool } = cpa(machine);
    machine.tick();
    alloc(machine, 'cpa', 4 * MiB);
    expect(pool.blockCount).toBe(2);
    expect(pool.isRefillPending).toBe(false);
    machine.tick();
    expect(pool.blockCount).toBe(2);
    expect(pool.traffic.obtainedBlocks).toBe(4);
  });

  it('a refill that finds no order-9 block stops at once and stays pending', () => {
    const machine = boot({ heaps: { cpa: [JUNO_LIKE] } });
    const { pool } = cpa(machine);
    fillWithOrder0(machine, 'filler', true);
    machine.tick();
    expect(pool.blockCount).toBe(0);
    expect(pool.pooledBlocks()).toEqual([]);
    expect(pool.isRefillPending).toBe(true);
    expect(machine.events.get('cpa_refill')).toBe(0);
  });
});

describe('counters', () => {
  it('a pooled block is a pool_hit, an empty pool a pool_miss; the shrinker counts pool_shrink pages', () => {
    const machine = boot({ heaps: { cpa: [JUNO_LIKE] } });
    const { pool } = cpa(machine);
    alloc(machine, 'cpa', 2 * MiB);
    expect([machine.events.get('pool_hit'), machine.events.get('pool_miss')]).toEqual([0, 1]);
    machine.tick();
    alloc(machine, 'cpa', 2 * MiB);
    expect([machine.events.get('pool_hit'), machine.events.get('pool_miss')]).toEqual([1, 1]);
    expect(pool.scanObjects({ ...SC, nrToScan: 600 })).toBe(1024);
    expect(machine.events.get('pool_shrink')).toBe(1024);
  });
});

describe('a failed allocation', () => {
  it('gives pooled blocks back in the order they were pooled and names the shortfall', () => {
    const machine = boot({ heaps: { cpa: [JUNO_LIKE] } });
    const { pool } = cpa(machine);
    machine.tick();
    const pooled = pool.pooledBlocks();
    expect(pooled.length).toBe(4);
    fillWithOrder0(machine, 'filler', true);
    const result = machine.heaps.dmaHeapIoctlAlloc('cpa', { lenBytes: BigInt(10 * MiB), fdFlags: RDWR_CLOEXEC, heapFlags: 0n });
    expect(result).toEqual({ ok: false, errno: 'ENOMEM', detail: 'cpa: only 4 of 5 order-9 blocks available' });
    expect(pool.pooledBlocks()).toEqual(pooled);
  });

  it('a request for more blocks than the zone manages is ENOMEM before any block is taken', () => {
    const machine = boot({ heaps: { cpa: [JUNO_LIKE] } });
    const managed = machine.buddy.managedPages();
    const result = machine.heaps.dmaHeapIoctlAlloc('cpa', { lenBytes: 128n * BigInt(MiB), fdFlags: RDWR_CLOEXEC, heapFlags: 0n });
    expect(result).toEqual({ ok: false, errno: 'ENOMEM', detail: `cpa: 64 order-9 blocks exceed the ${managed} managed pages` });
    expect(machine.events.get('pool_miss')).toBe(0);
  });
});

describe('options', () => {
  const bad: [string, Partial<CpaPoolOptions>][] = [
    ['order 0', { order: 0 }],
    ['a negative alignOrder', { alignOrder: -1 }],
    ['a negative lowmark', { lowmark: -1, fillmark: 0 }],
    ['lowmark above fillmark', { lowmark: 5 }],
    ['fillmark above highmark', { fillmark: 7 }],
  ];
  it.each(bad)('refuses %s', (_name, patch) => {
    const machine = boot();
    expect(() => new CpaPool(envOf(machine), { ...JUNO_LIKE, ...patch })).toThrow(/^bad CPA pool options \{/);
  });

  it('accepts equal watermarks and order 1', () => {
    const machine = boot();
    const pool = new CpaPool(envOf(machine), { ...JUNO_LIKE, order: 1, lowmark: 3, fillmark: 3, highmark: 3 });
    expect(pool.name).toBe('cpa-pool:cpa');
  });
});

describe('invariant checks', () => {
  it('a pooled block that is no longer zero is caught when it is handed out', () => {
    const machine = boot({ heaps: { cpa: [JUNO_LIKE] } });
    const { pool } = cpa(machine);
    machine.tick();
    const next = pool.pooledBlocks().at(-1) as number;
    const table = machine.buddy.table;
    // A stray store into a pooled page (the M23 hazard the assertion guards).
    table.content[table.pageIndex(next)] = 7;
    expect(() => pool.takeBlock(pool.owner)).toThrow(new RegExp(`^cpa-pool:cpa holds non-zero block ${next}$`));
  });
});

describe('hashInto', () => {
  it('the heap feeds its pool blocks and refill state', () => {
    const machine = boot({ heaps: { cpa: [JUNO_LIKE] } });
    const before = digest(cpa(machine));
    machine.tick();
    expect(digest(cpa(machine))).not.toBe(before);
  });
});
