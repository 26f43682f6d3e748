// System heap and deferred-free details: error details (ION cap, EINTR, ENOMEM), zeroing and pool-hit counters, synchronous zero-and-pool release, TTM's default page_pool_size of half RAM, the deferred list's assertions, counters, shrinker boundary, and which heap hashes the shared pools and list.
import { describe, expect, it } from 'vitest';
import { StateHasher } from '../../src/base/hash.ts';
import { DeferredFreeList, type DfReason } from '../../src/heaps/deferred-free.ts';
import { SystemHeap } from '../../src/heaps/system-heap.ts';
import { GFP_KERNEL } from '../../src/mem/gfp.ts';
import { VmEvents } from '../../src/mem/vm-events.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { alloc, boot, fillWithOrder0, KiB, MiB, RDWR_CLOEXEC, scribble } from './heap-fixtures.ts';

const SC = { gfp: GFP_KERNEL, nrToScan: 0, isKswapd: false };

function systemHeap(machine: Machine, name = 'system'): SystemHeap {
  const heap = machine.heaps.get(name);
  if (!(heap instanceof SystemHeap)) throw new Error(`no system heap ${name}`);
  return heap;
}

function digest(feed: (hasher: StateHasher) => void): string {
  const hasher = new StateHasher();
  feed(hasher);
  return hasher.digestHex();
}

function item(label: string, nrPages: number, log: string[]): { nrPages: number; free: (reason: DfReason) => void; hashInto: (h: StateHasher) => void } {
  return { nrPages, free: (reason) => log.push(`${label}:${reason}`), hashInto: (h) => h.updateString(label) };
}

describe('system heap error details', () => {
  it('the ION cap names the request and half of RAM', () => {
    const machine = boot({ memMiB: 16 });
    const half = Math.floor(machine.buddy.managedPages() / 2);
    const failed = machine.heaps.dmaHeapIoctlAlloc('system', { lenBytes: BigInt((half + 1) * 4096), fdFlags: RDWR_CLOEXEC, heapFlags: 0n });
    expect(failed).toEqual({ ok: false, errno: 'ENOMEM', detail: `${half + 1} pages is more than half of RAM (${half} pages; the ION cap)` });
  });

  it('a fatal signal is EINTR "system: fatal signal pending"', () => {
    const machine = boot({ memMiB: 16 });
    machine.env.faults.arm('fatal_signal', 1);
    const failed = machine.heaps.dmaHeapIoctlAlloc('system', { lenBytes: 4096n, fdFlags: RDWR_CLOEXEC, heapFlags: 0n });
    expect(failed).toEqual({ ok: false, errno: 'EINTR', detail: 'system: fatal signal pending' });
  });

  it('no page at all is ENOMEM naming the order limit and the pages still missing', () => {
    const machine = boot({ memMiB: 16 });
    fillWithOrder0(machine, 'filler', true);
    const failed = machine.heaps.dmaHeapIoctlAlloc('system', { lenBytes: 4096n, fdFlags: RDWR_CLOEXEC, heapFlags: 0n });
    expect(failed).toEqual({ ok: false, errno: 'ENOMEM', detail: 'system: no block of order <= 8 for 1 remaining pages' });
  });
});

describe('system heap counters', () => {
  it('fresh pages count as zeroed in alloc; pooled pages as pool hits; a release with pools but no deferred list zeroes in release', () => {
    const machine = boot({ memMiB: 16, heaps: { system: { pool: 'shrinker' } } });
    const { stats } = systemHeap(machine);
    const buf = alloc(machine, 'system', 64 * KiB + 3 * 4096);
    expect(stats.zeroedInAllocPages).toBe(19);
    scribble(buf);
    buf.close();
    expect(stats.zeroedInReleasePages).toBe(19);
    expect(stats.zeroedInWorkerPages).toBe(0);
    alloc(machine, 'system', 64 * KiB + 4096);
    expect(stats.poolHitPages).toBe(17);
    expect(stats.zeroedInAllocPages).toBe(19);
  });
});

describe('TTM-style pools without poolLimit', () => {
  it('keep at most half of RAM pooled after a free (ttm_global_init\'s page_pool_size)', () => {
    const machine = boot({ memMiB: 16, heaps: { system: { pool: 'shrinker', shrinkerStyle: 'ttm' } } });
    const pools = systemHeap(machine).pools;
    const limit = Math.floor(machine.buddy.managedPages() / 2);
    const a = alloc(machine, 'system', 6 * MiB);
    const b = alloc(machine, 'system', 6 * MiB);
    a.close();
    b.close();
    expect(pools?.pooledPages()).toBeLessThanOrEqual(limit);
    expect(pools?.pooledPages()).toBeGreaterThan(limit - 256);
  });
});

describe('hashing of the shared pools and deferred list', () => {
  it('only the family head feeds them; a variant feeds nothing', () => {
    const machine = boot({ memMiB: 16, heaps: { system: { pool: 'shrinker', deferredFree: true, variants: [{ name: 'system-uncached', caching: 'uncached' }] } } });
    const head = systemHeap(machine);
    const variant = systemHeap(machine, 'system-uncached');
    expect([head.isFamilyHead, variant.isFamilyHead]).toEqual([true, false]);
    const nothing = digest(() => undefined);
    expect(digest((h) => variant.hashInto(h))).toBe(nothing);
    expect(digest((h) => head.hashInto(h))).not.toBe(nothing);
  });

  it('a queued buffer feeds its heap name and PFNs: releasing a different buffer of the same size hashes differently', () => {
    const listDigest = (closeFirst: boolean): string => {
      const machine = boot({ memMiB: 16, heaps: { system: { deferredFree: true } } });
      const a = alloc(machine, 'system', 4096);
      const b = alloc(machine, 'system', 4096);
      (closeFirst ? a : b).close();
      const list = systemHeap(machine).deferred as DeferredFreeList;
      expect([list.itemCount, list.listNrPages]).toEqual([1, 1]);
      return digest((h) => list.hashInto(h));
    };
    expect(listDigest(true)).not.toBe(listDigest(false));
  });
});

describe('DeferredFreeList', () => {
  it('is named dmabuf-deferred-free by default', () => {
    expect(new DeferredFreeList(new VmEvents(), 1).name).toBe('dmabuf-deferred-free');
  });

  it.each([0, -1, 1.5])('refuses a budget of %s pages', (budgetPages) => {
    expect(() => new DeferredFreeList(new VmEvents(), budgetPages)).toThrow(new RegExp(`^deferred free: bad budget ${budgetPages}$`));
  });

  it.each([0, -2, 0.5])('refuses an item of %s pages', (nrPages) => {
    const list = new DeferredFreeList(new VmEvents(), 1);
    expect(() => list.queue(item('x', nrPages, []))).toThrow(new RegExp(`^deferred item of ${nrPages} pages$`));
    expect(list.itemCount).toBe(0);
  });

  it('counts queued items, and pages freed normally or under pressure', () => {
    const events = new VmEvents();
    const list = new DeferredFreeList(events, 1);
    const log: string[] = [];
    list.queue(item('a', 2, log));
    list.queue(item('b', 3, log));
    list.queue(item('c', 4, log));
    expect(events.get('deferred_free_queued')).toBe(3);
    list.freeOneItem('normal');
    list.freeOneItem('under-pressure');
    expect([events.get('deferred_free_zeroed'), events.get('deferred_free_pressure')]).toEqual([4, 3]);
    expect(list.drain()).toBe(2);
    expect(log).toEqual(['c:normal', 'b:under-pressure', 'a:normal']);
  });

  it('the shrinker stops as soon as nr_to_scan pages went', () => {
    const list = new DeferredFreeList(new VmEvents(), 1);
    const log: string[] = [];
    list.queue(item('a', 3, log));
    list.queue(item('b', 3, log));
    expect(list.scanObjects({ ...SC, nrToScan: 3 })).toBe(3);
    expect(list.listNrPages).toBe(3);
    expect(log).toEqual(['b:under-pressure']);
  });

  it('hashInto feeds the items: lists of equal size but different items differ', () => {
    const a = new DeferredFreeList(new VmEvents(), 1);
    const b = new DeferredFreeList(new VmEvents(), 1);
    a.queue(item('x', 1, []));
    b.queue(item('y', 1, []));
    expect(digest((h) => a.hashInto(h))).not.toBe(digest((h) => b.hashInto(h)));
  });
});
