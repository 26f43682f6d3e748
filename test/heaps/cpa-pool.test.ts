// The CPA-style pool against invariant 55: refill to the fill-mark once below the low-mark (in tick only), frees at the high-mark go to the system, the shrinker gives blocks back, buffers are whole zeroed blocks.
import { describe, expect, it } from 'vitest';
import { CPA_GFP, CpaHeap } from '../../src/heaps/cpa-pool.ts';
import { __GFP_COMP, __GFP_MOVABLE, GFP_KERNEL } from '../../src/mem/gfp.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { alloc, boot, freePages, KiB, MiB, readsZero, scribble } from './heap-fixtures.ts';

const SC = { gfp: GFP_KERNEL, nrToScan: 0, isKswapd: false };
const JUNO_LIKE = { name: 'cpa', order: 9, lowmark: 2, fillmark: 4, highmark: 6 };

function cpa(machine: Machine, name = 'cpa'): CpaHeap {
  const heap = machine.heaps.get(name);
  if (!(heap instanceof CpaHeap)) throw new Error('no cpa heap');
  return heap;
}

describe('CPA pool watermarks (invariant 55)', () => {
  it('registers heap, refill worker and shrinker; fills to the fill-mark on the first tick, not before', () => {
    const machine = boot({ heaps: { cpa: [JUNO_LIKE] } });
    const { pool } = cpa(machine);
    expect(machine.heaps.names()).toEqual(['system', 'cpa']);
    expect(machine.workers.names()).toEqual(['cpa-refill:cpa']);
    expect(machine.shrinkers.names()).toEqual(['cpa-pool:cpa']);
    expect(pool.blockCount).toBe(0);
    machine.tick();
    expect(pool.blockCount).toBe(4);
    expect(pool.isRefillPending).toBe(false);
    expect(CPA_GFP & __GFP_COMP).not.toBe(0);
    expect(CPA_GFP & __GFP_MOVABLE).toBe(0);
  });

  it('an allocation that leaves fewer than lowmark blocks wakes the refill, which restores at least fillmark', () => {
    const machine = boot({ heaps: { cpa: [JUNO_LIKE] } });
    const { pool } = cpa(machine);
    machine.tick();
    const a = alloc(machine, 'cpa', 2 * MiB);
    expect(pool.blockCount).toBe(3);
    expect(pool.isRefillPending).toBe(false);
    const b = alloc(machine, 'cpa', 4 * MiB);
    expect(pool.blockCount).toBe(1);
    expect(pool.isRefillPending).toBe(true);
    machine.tick();
    expect(pool.blockCount).toBeGreaterThanOrEqual(4);
    expect(a.chunks.length + b.chunks.length).toBe(3);
  });

  it('a free while the pool holds highmark blocks goes to the system; below it the block is zeroed into the pool', () => {
    const machine = boot({ heaps: { cpa: [{ ...JUNO_LIKE, lowmark: 0, fillmark: 0, highmark: 1 }] } });
    const { pool } = cpa(machine);
    const before = freePages(machine);
    const a = alloc(machine, 'cpa', 2 * MiB);
    const b = alloc(machine, 'cpa', 2 * MiB);
    scribble(a);
    a.close();
    expect(pool.blockCount).toBe(1);
    b.close();
    expect(pool.blockCount).toBe(1);
    expect(machine.events.get('cpa_overflow_free')).toBe(1);
    expect(freePages(machine)).toBe(before - 512);
    expect(readsZero(alloc(machine, 'cpa', 4096))).toBe(true);
  });

  it('rounds buffers up to align_order and backs them with whole blocks (a short last block is allowed)', () => {
    const machine = boot({ heaps: { cpa: [{ ...JUNO_LIKE, alignOrder: 4 }] } });
    machine.tick();
    const buf = alloc(machine, 'cpa', 2 * MiB + 3 * KiB);
    expect(buf.sizeBytes).toBe(2 * MiB + 64 * KiB);
    expect(buf.chunks.map((c) => c.order)).toEqual([9, 9]);
    for (const chunk of buf.chunks) expect(chunk.pfn % 512).toBe(0);
    expect(alloc(machine, 'cpa', 1024).sizeBytes).toBe(64 * KiB);
  });

  it('the shrinker counts pooled pages and frees blocks until it covered the request', () => {
    const machine = boot({ heaps: { cpa: [JUNO_LIKE] } });
    const { pool } = cpa(machine);
    machine.tick();
    expect(pool.countObjects(SC)).toBe(4 * 512);
    expect(pool.scanObjects({ ...SC, nrToScan: 600 })).toBe(1024);
    expect(pool.countObjects(SC)).toBe(2 * 512);
    expect(machine.pressure.apply(5000).freedPages).toBe(1024);
    expect(pool.blockCount).toBe(0);
  });

  it('fails with ENOMEM and keeps nothing when blocks run out', () => {
    const machine = boot({ memMiB: 32, heaps: { cpa: [JUNO_LIKE] } });
    machine.tick();
    const { pool } = cpa(machine);
    const blocks = pool.blockCount;
    const free = freePages(machine);
    const managedMiB = (machine.buddy.managedPages() * 4) / 1024;
    const result = machine.heaps.dmaHeapIoctlAlloc('cpa', { lenBytes: BigInt(Math.floor(managedMiB / 2) * 2 * MiB), fdFlags: 2, heapFlags: 0n });
    expect(result.ok ? 'ok' : result.errno).toBe('ENOMEM');
    expect(machine.events.get('pgalloc_fail')).toBeGreaterThan(0);
    expect(pool.blockCount).toBe(blocks);
    expect(freePages(machine)).toBe(free);
  });

  it('refuses a request larger than the managed memory with ENOMEM before taking any block', () => {
    const machine = boot({ memMiB: 32, heaps: { cpa: [JUNO_LIKE] } });
    machine.tick();
    const hash = machine.stateHash();
    const result = machine.heaps.dmaHeapIoctlAlloc('cpa', { lenBytes: 2n ** 40n, fdFlags: 2, heapFlags: 0n });
    expect(result.ok ? 'ok' : result.errno).toBe('ENOMEM');
    expect(machine.events.get('pgalloc_fail')).toBe(0);
    expect(machine.stateHash()).toBe(hash);
  });
});
