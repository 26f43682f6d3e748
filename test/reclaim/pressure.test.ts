// Memory pressure: events that ask for N pages back run the shrinkers from priority 12 down until met, then compaction when asked; direct reclaim of a failing allocation runs the shrinkers through the buddy slow path's hook.
import { describe, expect, it } from 'vitest';
import { GFP_KERNEL, GFP_NOWAIT } from '../../src/mem/gfp.ts';
import { SWAP_CLUSTER_MAX } from '../../src/reclaim/pressure.ts';
import { alloc, boot, fillWithOrder0, freePages, MiB } from '../heaps/heap-fixtures.ts';

describe('pressure events', () => {
  it('free shrinker pages until the target is met, stopping at the first priority that meets it', () => {
    const machine = boot({ heaps: { system: { pool: 'shrinker' } } });
    const bufs = [alloc(machine, 'system', 8 * MiB), alloc(machine, 'system', 8 * MiB)];
    for (const buf of bufs) buf.close();
    expect(machine.shrinkers.totalFreeable(GFP_KERNEL)).toBe(4096);
    const report = machine.pressure.apply(256);
    expect(report.freedPages).toBeGreaterThanOrEqual(256);
    expect(report.lastPriority).toBeGreaterThan(0);
    expect(machine.events.get('pressure_event')).toBe(1);
    const all = machine.pressure.apply(100_000);
    expect(all.lastPriority).toBe(0);
    expect(machine.shrinkers.totalFreeable(GFP_KERNEL)).toBe(0);
    expect(report.freedPages + all.freedPages).toBe(4096);
  });

  it('asking for 0 pages does nothing; with no shrinkers nothing is freed', () => {
    const machine = boot();
    expect(machine.pressure.apply(0)).toEqual({ askedPages: 0, freedPages: 0, lastPriority: 12 });
    expect(machine.pressure.apply(10).freedPages).toBe(0);
  });

  it('runs compaction after the shrinkers when an order is given and a compactor is set', () => {
    const machine = boot();
    const calls: number[] = [];
    machine.pressure.setCompactor({ compact: (order) => { calls.push(order); return { migratedPages: 3, blocksRebuilt: 1 }; } });
    expect(machine.pressure.apply(8).compaction).toBeUndefined();
    expect(machine.pressure.apply(8, { compactOrder: 9 }).compaction).toEqual({ migratedPages: 3, blocksRebuilt: 1 });
    expect(calls).toEqual([9]);
  });
});

describe('direct reclaim', () => {
  it('is installed as the slow path reclaim hook and keeps the other hooks', () => {
    const machine = boot();
    const { hooks } = machine.buddy;
    expect(hooks.compact).toBeTypeOf('function');
    expect(hooks.wakeKswapd).toBeTypeOf('function');
    expect(hooks.reclaim(machine.buddy.zones[0] as never, 0, GFP_KERNEL)).toBe(0);
  });

  it('a failing GFP_KERNEL allocation shrinks the page pools and then succeeds', () => {
    const machine = boot({ memMiB: 32, heaps: { system: { pool: 'shrinker' } } });
    alloc(machine, 'system', 12 * MiB).close();
    const filler = fillWithOrder0(machine);
    expect(filler.length).toBeGreaterThan(0);
    const pooled = machine.shrinkers.totalFreeable(GFP_KERNEL);
    expect(pooled).toBe(3072);
    const owner = machine.owners.register('test', 'victim');
    expect(machine.buddy.allocPages(GFP_NOWAIT, 0, { owner }).ok).toBe(false);
    const stalls = machine.events.get('allocstall');
    const page = machine.buddy.allocPages(GFP_KERNEL, 0, { owner });
    expect(page.ok).toBe(true);
    expect(machine.events.get('allocstall')).toBeGreaterThan(stalls);
    const freed = pooled - machine.shrinkers.totalFreeable(GFP_KERNEL);
    expect(freed).toBeGreaterThanOrEqual(SWAP_CLUSTER_MAX);
    expect(machine.events.get('shrinker_scan')).toBeGreaterThan(0);
  });

  it('reclaim that ran stays done even when the allocation still fails', () => {
    const machine = boot({ memMiB: 32, heaps: { system: { pool: 'shrinker' } } });
    alloc(machine, 'system', 64 * 4096).close();
    fillWithOrder0(machine);
    const before = machine.shrinkers.totalFreeable(GFP_KERNEL);
    const owner = machine.owners.register('test', 'big');
    const result = machine.buddy.allocPages(GFP_KERNEL, 9, { owner });
    expect(result.ok).toBe(false);
    expect(machine.shrinkers.totalFreeable(GFP_KERNEL)).toBeLessThan(before);
    expect(freePages(machine)).toBeGreaterThan(0);
  });
});
