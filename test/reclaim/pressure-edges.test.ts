// MemoryPressure edges: the do_try_to_free_pages priority loop (exact stop at the target, all 13 priorities when unmet, nothing for 0 pages), the gfp and current_is_kswapd() the shrinkers and compaction see, a cleared compactor, and the page-count assert.
import { describe, expect, it } from 'vitest';
import type { Order } from '../../src/base/units.ts';
import { GFP_KERNEL, GFP_NOFS, type Gfp } from '../../src/mem/gfp.ts';
import { SWAP_CLUSTER_MAX } from '../../src/reclaim/pressure.ts';
import { DEF_PRIORITY } from '../../src/reclaim/shrinker.ts';
import { boot } from '../heaps/heap-fixtures.ts';
import { cache, type RecordingCache } from './reclaim-fixtures.ts';
import { assertionMessage } from '../base/assertion-message.ts';

/**
 * A booted machine (no shrinkers of its own) with one cache of 64 objects and seeks 0: every
 * shrink_slab pass asks for half of what is left (delta = freeable / 2), in batches of 32, so the
 * priority-12 pass frees exactly 32 = SWAP_CLUSTER_MAX pages.
 */
function withHalvingCache(): { machine: ReturnType<typeof boot>; c: RecordingCache } {
  const machine = boot();
  const c = cache('halving', 2 * SWAP_CLUSTER_MAX, { seeks: 0, batch: SWAP_CLUSTER_MAX });
  expect(machine.shrinkers.register(c).ok).toBe(true);
  return { machine, c };
}

describe('the priority loop (do_try_to_free_pages)', () => {
  it('stops at the first priority whose pass frees exactly the target (nr_reclaimed >= nr_to_reclaim)', () => {
    const { machine, c } = withHalvingCache();
    expect(machine.pressure.apply(32)).toEqual({ askedPages: 32, freedPages: 32, lastPriority: DEF_PRIORITY });
    expect(c.scans).toEqual([32]);
    expect(c.countControls).toHaveLength(1);
  });

  it('an unmet target runs shrink_slab at every priority from DEF_PRIORITY down to 0: 13 passes', () => {
    const machine = boot();
    const empty = cache('empty', 0);
    machine.shrinkers.register(empty);
    expect(machine.pressure.apply(5)).toEqual({ askedPages: 5, freedPages: 0, lastPriority: 0 });
    expect(empty.countControls).toHaveLength(DEF_PRIORITY + 1);
  });

  it('asking for 0 pages visits no shrinker at all (but still counts the event)', () => {
    const { machine, c } = withHalvingCache();
    expect(machine.pressure.apply(0)).toEqual({ askedPages: 0, freedPages: 0, lastPriority: DEF_PRIORITY });
    expect(c.countControls).toEqual([]);
    expect(c.left).toBe(64);
    expect(machine.events.get('pressure_event')).toBe(1);
  });

  it.each([-1, 1.5])('a page count of %s is an AssertionError, before the event is counted', (nrPages) => {
    const { machine, c } = withHalvingCache();
    expect(assertionMessage(() => machine.pressure.apply(nrPages))).toBe(`pressure: bad page count ${nrPages}`);
    expect(machine.events.get('pressure_event')).toBe(0);
    expect(c.countControls).toEqual([]);
  });
});

describe('what the shrinkers are told', () => {
  it('a pressure event defaults to GFP_KERNEL, not as kswapd', () => {
    const { machine, c } = withHalvingCache();
    machine.pressure.apply(8);
    expect(c.countControls).toEqual([{ gfp: GFP_KERNEL, nrToScan: 0, isKswapd: false }]);
    expect(c.scanControls).toEqual([{ gfp: GFP_KERNEL, nrToScan: 32, isKswapd: false }]);
  });

  it('a GFP_NOFS event run as kswapd passes GFP_NOFS and current_is_kswapd() to count_objects and scan_objects', () => {
    const { machine, c } = withHalvingCache();
    machine.pressure.apply(8, { gfp: GFP_NOFS, isKswapd: true });
    expect(c.countControls).toEqual([{ gfp: GFP_NOFS, nrToScan: 0, isKswapd: true }]);
    expect(c.scanControls).toEqual([{ gfp: GFP_NOFS, nrToScan: 32, isKswapd: true }]);
  });

  it('direct reclaim (the slow path hook) is never kswapd, uses the allocation gfp, and stops at SWAP_CLUSTER_MAX', () => {
    const { machine, c } = withHalvingCache();
    expect(machine.buddy.hooks.reclaim(machine.buddy.zones[0]!, 0, GFP_NOFS)).toBe(SWAP_CLUSTER_MAX);
    expect(c.countControls).toEqual([{ gfp: GFP_NOFS, nrToScan: 0, isKswapd: false }]);
    expect(c.scanControls).toEqual([{ gfp: GFP_NOFS, nrToScan: 32, isKswapd: false }]);
    expect(c.left).toBe(32);
  });
});

describe('compaction after the shrinkers', () => {
  it('the compactor gets the event order and gfp (GFP_KERNEL by default)', () => {
    const machine = boot();
    const calls: [Order, Gfp][] = [];
    machine.pressure.setCompactor({ compact: (order, gfp) => { calls.push([order, gfp]); return { migratedPages: 0, blocksRebuilt: 0 }; } });
    machine.pressure.apply(0, { compactOrder: 4, gfp: GFP_NOFS });
    machine.pressure.apply(0, { compactOrder: 2 });
    expect(calls).toEqual([[4, GFP_NOFS], [2, GFP_KERNEL]]);
  });

  it('setCompactor(undefined) removes compaction: an event with an order only runs the shrinkers', () => {
    const machine = boot();
    machine.pressure.setCompactor(undefined);
    const compactions = machine.events.get('compact_success');
    const report = machine.pressure.apply(8, { compactOrder: 9 });
    expect(report).toEqual({ askedPages: 8, freedPages: 0, lastPriority: 0 });
    expect(machine.events.get('compact_success')).toBe(compactions);
  });
});
