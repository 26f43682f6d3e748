// The shrinker registry: registration order and names, do_shrink_slab's scan target, batching and carried-over work as in Linux 6.1 mm/vmscan.c, SHRINK_EMPTY and SHRINK_STOP, the debugfs-style single scan.
import { describe, expect, it } from 'vitest';
import { GFP_KERNEL } from '../../src/mem/gfp.ts';
import { VmEvents } from '../../src/mem/vm-events.ts';
import { DEF_PRIORITY, SHRINK_BATCH, SHRINK_EMPTY, ShrinkerRegistry, type Shrinker } from '../../src/reclaim/shrinker.ts';
import { cache } from './reclaim-fixtures.ts';

describe('ShrinkerRegistry', () => {
  it('visits shrinkers in registration order; names are unique; unregister forgets one', () => {
    const registry = new ShrinkerRegistry(new VmEvents());
    const order: string[] = [];
    for (const name of ['b', 'a', 'c']) {
      expect(registry.register({ name, countObjects: () => { order.push(name); return 0; }, scanObjects: () => 0 }).ok).toBe(true);
    }
    expect(registry.register({ name: 'a', countObjects: () => 0, scanObjects: () => 0 })).toMatchObject({ ok: false, errno: 'EEXIST' });
    registry.shrinkSlab(GFP_KERNEL, 0);
    expect(order).toEqual(['b', 'a', 'c']);
    expect(registry.unregister('a').ok).toBe(true);
    expect(registry.names()).toEqual(['b', 'c']);
    expect(registry.unregister('a')).toMatchObject({ ok: false, errno: 'ENOENT' });
  });

  it('priority 12 leaves a small cache alone; priority 0 scans it whole in batches of 128', () => {
    const registry = new ShrinkerRegistry(new VmEvents());
    const small = cache('small', 300);
    registry.register(small);
    expect(registry.shrinkSlab(GFP_KERNEL, DEF_PRIORITY)).toBe(0);
    expect(small.scans).toEqual([]);
    expect(registry.shrinkSlab(GFP_KERNEL, 0)).toBe(300);
    expect(small.scans).toEqual([SHRINK_BATCH, SHRINK_BATCH, SHRINK_BATCH, SHRINK_BATCH]);
  });

  it('delta = (freeable >> priority) * 4 / seeks, capped at 2 * freeable, scanned in `batch` steps', () => {
    const registry = new ShrinkerRegistry(new VmEvents());
    const big = cache('big', 100_000, { batch: 1000 });
    registry.register(big);
    const freed = registry.shrinkSlab(GFP_KERNEL, 6);
    const delta = Math.floor((Math.floor(100_000 / 64) * 4) / 2);
    expect(delta).toBe(3124);
    expect(big.scans).toEqual([1000, 1000, 1000]);
    expect(freed).toBe(3000);
    expect(registry.deferredWork('big')).toBe(delta - 3000);
  });

  it('carries unscanned work over to the next visit (nr_deferred >> priority)', () => {
    const registry = new ShrinkerRegistry(new VmEvents());
    const big = cache('big', 100_000, { batch: 1000 });
    registry.register(big);
    registry.shrinkSlab(GFP_KERNEL, 6);
    big.scans.length = 0;
    registry.shrinkSlab(GFP_KERNEL, 0);
    // nr = 124 carried over; delta = 97000 * 4 / 2; total_scan = min(124 + 194000, 2 * 97000).
    expect(big.scans).toHaveLength(194);
    expect(big.left).toBe(0);
    expect(registry.deferredWork('big')).toBe(124);
  });

  it('seeks = 0 trims half of the cache at any priority; SHRINK_EMPTY counts nothing; SHRINK_STOP ends the visit', () => {
    const registry = new ShrinkerRegistry(new VmEvents());
    const cheap = cache('cheap', 1000, { seeks: 0, batch: 100 });
    const empty: Shrinker = { name: 'empty', countObjects: () => SHRINK_EMPTY, scanObjects: () => { throw new Error('never scanned'); } };
    const stuck = cache('stuck', 1000, { stopAfter: 1 });
    for (const s of [cheap, empty, stuck]) registry.register(s);
    expect(registry.shrinkSlab(GFP_KERNEL, DEF_PRIORITY)).toBe(500);
    expect(registry.shrinkSlab(GFP_KERNEL, 0)).toBeGreaterThan(0);
    expect(stuck.scans).toEqual([128, 128]);
    expect(registry.totalFreeable(GFP_KERNEL)).toBe(cheap.left + stuck.left);
  });

  it('scanOne runs one scan_objects with nr_to_scan and reports counts around it', () => {
    const events = new VmEvents();
    const registry = new ShrinkerRegistry(events);
    const c = cache('c', 50);
    registry.register(c);
    expect(registry.scanOne('c', 20, GFP_KERNEL)).toEqual({ ok: true, value: { countBefore: 50, freedPages: 20, countAfter: 30 } });
    expect(registry.scanOne('c', 0, GFP_KERNEL)).toEqual({ ok: true, value: { countBefore: 30, freedPages: 0, countAfter: 30 } });
    expect(c.scans).toEqual([20]);
    expect(events.get('shrinker_scan')).toBe(1);
    expect(registry.scanOne('nope', 1, GFP_KERNEL)).toMatchObject({ ok: false, errno: 'ENOENT' });
  });
});
