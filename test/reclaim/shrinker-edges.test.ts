// ShrinkerRegistry edges: register/unregister/count errors with their exact details, the shrink_control each entry point passes, do_shrink_slab's batch 0, nr_deferred >> priority and "tight on memory" scans, hashInto, and the contract asserts.
import { describe, expect, it } from 'vitest';
import { StateHasher } from '../../src/base/hash.ts';
import { GFP_KERNEL, GFP_NOFS } from '../../src/mem/gfp.ts';
import { VmEvents } from '../../src/mem/vm-events.ts';
import { DEF_PRIORITY, SHRINK_BATCH, SHRINK_EMPTY, SHRINK_STOP, ShrinkerRegistry, type Shrinker } from '../../src/reclaim/shrinker.ts';
import { cache } from './reclaim-fixtures.ts';
import { assertionMessage } from '../base/assertion-message.ts';

function registry(): ShrinkerRegistry {
  return new ShrinkerRegistry(new VmEvents());
}

/** A shrinker whose count_objects and scan_objects return fixed (possibly broken) values. */
function fixed(name: string, count: number, scan: number): Shrinker {
  return { name, countObjects: () => count, scanObjects: () => scan };
}

function digest(reg: ShrinkerRegistry): string {
  const hasher = new StateHasher();
  reg.hashInto(hasher);
  return hasher.digestHex();
}

describe('register_shrinker / unregister_shrinker', () => {
  it('a taken name is EEXIST with the name in the detail, and the registry is unchanged', () => {
    const reg = registry();
    expect(reg.register(cache('a', 1)).ok).toBe(true);
    expect(reg.register(cache('a', 2))).toEqual({ ok: false, errno: 'EEXIST', detail: 'a shrinker named "a" is already registered' });
    expect(reg.names()).toEqual(['a']);
  });

  it.each([
    ['a negative batch', { batch: -1 }],
    ['a fractional batch', { batch: 1.5 }],
    ['a negative seeks', { seeks: -1 }],
    ['a fractional seeks', { seeks: 2.5 }],
  ])('%s is EINVAL and the shrinker is not registered', (_what, options) => {
    const reg = registry();
    expect(reg.register(cache('bad', 10, options))).toEqual({ ok: false, errno: 'EINVAL', detail: 'shrinker "bad": batch and seeks must be whole numbers >= 0' });
    expect(reg.names()).toEqual([]);
  });

  it('batch 0 and seeks 0 are valid (SHRINK_BATCH; trim without a seek cost)', () => {
    const reg = registry();
    expect(reg.register(cache('zero', 10, { batch: 0, seeks: 0 }))).toEqual({ ok: true, value: undefined });
    expect(reg.names()).toEqual(['zero']);
  });

  it('unregistering the first-registered shrinker works; an unknown name is ENOENT with the name in the detail', () => {
    const reg = registry();
    for (const name of ['first', 'second', 'third']) reg.register(cache(name, 1));
    expect(reg.unregister('first')).toEqual({ ok: true, value: undefined });
    expect(reg.names()).toEqual(['second', 'third']);
    expect(reg.unregister('first')).toEqual({ ok: false, errno: 'ENOENT', detail: 'no shrinker named "first"' });
    expect(reg.names()).toEqual(['second', 'third']);
  });
});

describe('count_objects outside reclaim', () => {
  it('count() asks the named shrinker with the given gfp, nr_to_scan 0 and not as kswapd; SHRINK_EMPTY passes through', () => {
    const reg = registry();
    const c = cache('c', 42);
    reg.register(c);
    reg.register(fixed('empty', SHRINK_EMPTY, 0));
    expect(reg.count('c', GFP_NOFS)).toEqual({ ok: true, value: 42 });
    expect(c.countControls).toEqual([{ gfp: GFP_NOFS, nrToScan: 0, isKswapd: false }]);
    expect(reg.count('empty', GFP_KERNEL)).toEqual({ ok: true, value: SHRINK_EMPTY });
  });

  it('count() of an unknown shrinker is ENOENT with the name in the detail', () => {
    const reg = registry();
    reg.register(cache('c', 1));
    expect(reg.count('nope', GFP_KERNEL)).toEqual({ ok: false, errno: 'ENOENT', detail: 'no shrinker named "nope"' });
  });

  it('totalFreeable() asks every shrinker with the given gfp, nr_to_scan 0 and not as kswapd', () => {
    const reg = registry();
    const a = cache('a', 3);
    const b = cache('b', 4);
    reg.register(a);
    reg.register(b);
    expect(reg.totalFreeable(GFP_NOFS)).toBe(7);
    expect([...a.countControls, ...b.countControls]).toEqual([
      { gfp: GFP_NOFS, nrToScan: 0, isKswapd: false },
      { gfp: GFP_NOFS, nrToScan: 0, isKswapd: false },
    ]);
  });
});

describe('shrink_slab: shrink_control and priority', () => {
  it('runs as a direct reclaimer unless told it is kswapd (current_is_kswapd() in sc)', () => {
    const reg = registry();
    // seeks 0: delta = freeable / 2 = 50 at any priority, one batch of 50.
    const c = cache('c', 100, { seeks: 0, batch: 50 });
    reg.register(c);
    expect(reg.shrinkSlab(GFP_NOFS, DEF_PRIORITY)).toBe(50);
    expect(c.countControls).toEqual([{ gfp: GFP_NOFS, nrToScan: 0, isKswapd: false }]);
    expect(c.scanControls).toEqual([{ gfp: GFP_NOFS, nrToScan: 50, isKswapd: false }]);
    const kswapd = registry();
    const k = cache('k', 100, { seeks: 0, batch: 50 });
    kswapd.register(k);
    expect(kswapd.shrinkSlab(GFP_KERNEL, DEF_PRIORITY, true)).toBe(50);
    expect(k.countControls).toEqual([{ gfp: GFP_KERNEL, nrToScan: 0, isKswapd: true }]);
    expect(k.scanControls).toEqual([{ gfp: GFP_KERNEL, nrToScan: 50, isKswapd: true }]);
  });

  it.each([-1, DEF_PRIORITY + 1, 1.5])('priority %s is outside DEF_PRIORITY..0: an AssertionError before any shrinker is visited', (priority) => {
    const reg = registry();
    const c = cache('c', 1000);
    reg.register(c);
    expect(assertionMessage(() => reg.shrinkSlab(GFP_KERNEL, priority))).toBe(`shrinkSlab: bad priority ${priority}`);
    expect(c.countControls).toEqual([]);
  });
});

describe('do_shrink_slab', () => {
  it('batch 0 means SHRINK_BATCH (batch_size = shrinker->batch ?: SHRINK_BATCH)', () => {
    const reg = registry();
    const c = cache('zero', 300, { batch: 0 });
    reg.register(c);
    // delta = (300 >> 0) * 4 / 2 = 600, total_scan = min(600, 2 * 300); 4 batches, 88 left over (< batch, < freeable).
    expect(reg.shrinkSlab(GFP_KERNEL, 0)).toBe(300);
    expect(c.scans).toEqual([SHRINK_BATCH, SHRINK_BATCH, SHRINK_BATCH, SHRINK_BATCH]);
    expect(reg.deferredWork('zero')).toBe(88);
  });

  it('carried-over work is scaled down by the priority: total_scan = (nr_deferred >> priority) + delta', () => {
    const reg = registry();
    const c = cache('c', 1000, { batch: 100 });
    reg.register(c);
    // priority 3: delta = (1000 >> 3) * 4 / 2 = 250; two batches; nr_deferred = 250 - 200 = 50.
    expect(reg.shrinkSlab(GFP_KERNEL, 3)).toBe(200);
    expect(c.scans).toEqual([100, 100]);
    expect(reg.deferredWork('c')).toBe(50);
    // priority 1: delta = (800 >> 1) * 4 / 2 = 800; total_scan = (50 >> 1) + 800 = 825: eight batches, 25 left.
    expect(reg.shrinkSlab(GFP_KERNEL, 1)).toBe(800);
    expect(c.scans.slice(2)).toEqual([100, 100, 100, 100, 100, 100, 100, 100]);
    // next_deferred = nr + delta - scanned = 50 + 800 - 800.
    expect(reg.deferredWork('c')).toBe(50);
  });

  it('below one batch a cache is still scanned whole when total_scan reaches freeable ("tight on memory")', () => {
    const reg = registry();
    const c = cache('small', 50);
    reg.register(c);
    // priority 2: delta = (50 >> 2) * 4 / 2 = 24: below SHRINK_BATCH and below freeable, so no scan; 24 deferred.
    expect(reg.shrinkSlab(GFP_KERNEL, 2)).toBe(0);
    expect(c.scans).toEqual([]);
    expect(reg.deferredWork('small')).toBe(24);
    const other = registry();
    const d = cache('exact', 50);
    other.register(d);
    // priority 1 on a fresh cache: total_scan = delta = 50 == freeable: one scan of all 50.
    expect(other.shrinkSlab(GFP_KERNEL, 1)).toBe(50);
    expect(d.scans).toEqual([50]);
    expect(other.deferredWork('exact')).toBe(0);
  });

  it('deferredWork of an unknown shrinker is 0', () => {
    const reg = registry();
    reg.register(cache('c', 1000, { batch: 1000 }));
    // priority 6: delta = (1000 >> 6) * 4 / 2 = 30, below one batch and below freeable: all of it deferred.
    reg.shrinkSlab(GFP_KERNEL, 6);
    expect(reg.deferredWork('c')).toBe(30);
    expect(reg.deferredWork('nope')).toBe(0);
  });
});

describe('shrinker debugfs scan (scanOne)', () => {
  it('passes nr_to_scan and the gfp, not as kswapd', () => {
    const reg = registry();
    const c = cache('c', 50);
    reg.register(c);
    expect(reg.scanOne('c', 20, GFP_KERNEL)).toEqual({ ok: true, value: { countBefore: 50, freedPages: 20, countAfter: 30 } });
    expect(c.scanControls).toEqual([{ gfp: GFP_KERNEL, nrToScan: 20, isKswapd: false }]);
  });

  it('an unknown name is ENOENT with the name in the detail', () => {
    const reg = registry();
    expect(reg.scanOne('ghost', 1, GFP_KERNEL)).toEqual({ ok: false, errno: 'ENOENT', detail: 'no shrinker named "ghost"' });
  });

  it.each([-1, 2.5])('nr_to_scan %s is an AssertionError and nothing is scanned', (nrToScan) => {
    const reg = registry();
    const c = cache('c', 50);
    reg.register(c);
    expect(assertionMessage(() => reg.scanOne('c', nrToScan, GFP_KERNEL))).toBe(`scanOne: bad nrToScan ${nrToScan}`);
    expect(c.scans).toEqual([]);
  });
});

describe('callback contract', () => {
  it.each([-3, 2.5])('scan_objects returning %s (neither a count nor SHRINK_STOP) is an AssertionError', (ret) => {
    const reg = registry();
    reg.register(fixed('broken', 10, ret));
    expect(assertionMessage(() => reg.shrinkSlab(GFP_KERNEL, 0))).toBe(`shrinker broken: scan returned ${ret}`);
    expect(assertionMessage(() => reg.scanOne('broken', 5, GFP_KERNEL))).toBe(`shrinker broken: scan returned ${ret}`);
  });

  it('SHRINK_STOP from scan_objects is accepted and frees nothing', () => {
    const reg = registry();
    reg.register(fixed('stop', 10, SHRINK_STOP));
    expect(reg.shrinkSlab(GFP_KERNEL, 0)).toBe(0);
    expect(reg.scanOne('stop', 5, GFP_KERNEL)).toEqual({ ok: true, value: { countBefore: 10, freedPages: 0, countAfter: 10 } });
  });

  it.each([-3, 2.5])('count_objects returning %s (neither a count nor SHRINK_EMPTY) is an AssertionError', (count) => {
    const reg = registry();
    reg.register(fixed('broken', count, 0));
    expect(assertionMessage(() => reg.shrinkSlab(GFP_KERNEL, 0))).toBe(`shrinker broken: count returned ${count}`);
  });
});

describe('hashInto', () => {
  it('feeds every name and nr_deferred: equal registries hash equal, a different name or deferred work does not', () => {
    const build = (name: string, shrink: boolean): ShrinkerRegistry => {
      const reg = registry();
      reg.register(cache(name, 1000, { batch: 1000 }));
      if (shrink) reg.shrinkSlab(GFP_KERNEL, 6);
      return reg;
    };
    expect(digest(build('a', false))).toBe(digest(build('a', false)));
    expect(digest(build('a', false))).not.toBe(digest(build('b', false)));
    const shrunk = build('a', true);
    expect(shrunk.deferredWork('a')).toBe(30);
    expect(digest(shrunk)).not.toBe(digest(build('a', false)));
  });
});
