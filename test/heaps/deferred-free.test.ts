// The deferred-free list against invariant 53 and M31: LIFO processing, list_nr_pages accounting, the per-tick worker budget, the shrinker contract, and DF_UNDER_PRESSURE sending pages to the page allocator rather than a pool.
import { describe, expect, it } from 'vitest';
import type { StateHasher } from '../../src/base/hash.ts';
import { DeferredFreeList, type DfReason } from '../../src/heaps/deferred-free.ts';
import { SystemHeap } from '../../src/heaps/system-heap.ts';
import { GFP_KERNEL } from '../../src/mem/gfp.ts';
import { VmEvents } from '../../src/mem/vm-events.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { alloc, boot, freePages, KiB, MiB, scribble } from './heap-fixtures.ts';

const SC = { gfp: GFP_KERNEL, nrToScan: 0, isKswapd: false };

function item(label: string, nrPages: number, log: string[]): { nrPages: number; free: (reason: DfReason) => void; hashInto: (h: StateHasher) => void } {
  return { nrPages, free: (reason) => log.push(`${label}:${reason}`), hashInto: (h) => h.updateString(label) };
}

describe('DeferredFreeList', () => {
  it('frees the newest item first and keeps list_nr_pages equal to the sum of the items', () => {
    const list = new DeferredFreeList(new VmEvents(), 1);
    const log: string[] = [];
    list.queue(item('a', 3, log));
    list.queue(item('b', 5, log));
    list.queue(item('c', 1, log));
    expect(list.listNrPages).toBe(9);
    expect(list.freeOneItem('normal')).toBe(1);
    expect(list.listNrPages).toBe(8);
    expect(list.freeOneItem('normal')).toBe(5);
    expect(list.freeOneItem('under-pressure')).toBe(3);
    expect(list.freeOneItem('normal')).toBe(0);
    expect(log).toEqual(['c:normal', 'b:normal', 'a:under-pressure']);
    expect(list.listNrPages).toBe(0);
  });

  it('the worker handles whole items up to its page budget per run, and the list is empty once it is idle', () => {
    const list = new DeferredFreeList(new VmEvents(), 4);
    const log: string[] = [];
    for (const [label, pages] of [['a', 2], ['b', 2], ['c', 3], ['d', 1]] as const) list.queue(item(label, pages, log));
    list.run();
    expect(log).toEqual(['d:normal', 'c:normal']);
    list.run();
    expect(log).toEqual(['d:normal', 'c:normal', 'b:normal', 'a:normal']);
    expect(list.listNrPages).toBe(0);
    list.run();
    expect(log).toHaveLength(4);
  });

  it('count = list_nr_pages; scan(0) = 0; scan(n) frees under pressure until >= n pages went', () => {
    const list = new DeferredFreeList(new VmEvents(), 1);
    const log: string[] = [];
    for (const [label, pages] of [['a', 4], ['b', 4], ['c', 4]] as const) list.queue(item(label, pages, log));
    expect(list.countObjects(SC)).toBe(12);
    expect(list.scanObjects({ ...SC, nrToScan: 0 })).toBe(0);
    expect(list.scanObjects({ ...SC, nrToScan: 5 })).toBe(8);
    expect(list.countObjects(SC)).toBe(4);
    expect(list.scanObjects({ ...SC, nrToScan: 100 })).toBe(4);
    expect(list.countObjects(SC)).toBe(0);
    expect(log).toEqual(['c:under-pressure', 'b:under-pressure', 'a:under-pressure']);
  });
});

function systemHeap(machine: Machine): SystemHeap {
  const heap = machine.heaps.get('system');
  if (!(heap instanceof SystemHeap)) throw new Error('no system heap');
  return heap;
}

describe('deferred freeing in the system heap', () => {
  it('release queues the buffer; the worker in tick() zeroes it into the pools', () => {
    const machine = boot({ heaps: { system: { pool: 'shrinker', deferredFree: true, zeroBudgetPerTick: '1M' } } });
    const heap = systemHeap(machine);
    expect(machine.workers.names()).toEqual(['dmabuf-deferred-free']);
    expect(machine.shrinkers.names()).toEqual(['dmabuf-deferred-free', 'dmabuf-page-pool']);
    const a = alloc(machine, 'system', MiB);
    const b = alloc(machine, 'system', MiB + 64 * KiB);
    scribble(a);
    scribble(b);
    a.close();
    b.close();
    expect(heap.deferred?.listNrPages).toBe(256 + 272);
    expect(heap.pools?.pooledPages()).toBe(0);
    machine.tick();
    expect(heap.deferred?.listNrPages).toBe(256);
    expect(heap.pools?.pooledPages()).toBe(272);
    machine.tick();
    expect(heap.deferred?.listNrPages).toBe(0);
    expect(heap.pools?.pooledPages()).toBe(528);
    expect(heap.stats.zeroedInWorkerPages).toBe(528);
    expect(heap.stats.zeroedInReleasePages).toBe(0);
  });

  it('under pressure the deferred pages go to the page allocator, never to a pool', () => {
    const machine = boot({ heaps: { system: { pool: 'shrinker', deferredFree: true } } });
    const heap = systemHeap(machine);
    const before = freePages(machine);
    const buf = alloc(machine, 'system', 2 * MiB);
    scribble(buf);
    buf.close();
    const report = machine.pressure.apply(512);
    expect(report.freedPages).toBe(512);
    expect(heap.deferred?.listNrPages).toBe(0);
    expect(heap.pools?.pooledPages()).toBe(0);
    expect(freePages(machine)).toBe(before);
    expect(machine.events.get('deferred_free_pressure')).toBe(512);
  });

  it('without pools the worker just frees (no zeroing needed)', () => {
    const machine = boot({ heaps: { system: { deferredFree: true } } });
    const heap = systemHeap(machine);
    const before = freePages(machine);
    alloc(machine, 'system', 64 * KiB).close();
    expect(freePages(machine)).toBe(before - 16);
    machine.tick();
    expect(freePages(machine)).toBe(before);
    expect(heap.stats.zeroedInWorkerPages).toBe(0);
  });
});

describe('state hash and drain', () => {
  it('the same operations give the same hash; pooled and deferred pages are part of it', () => {
    const run = (): Machine => {
      const machine = boot({ heaps: { system: { pool: 'shrinker', deferredFree: true }, cpa: [{ name: 'cpa', lowmark: 1, fillmark: 1, highmark: 2 }] } });
      alloc(machine, 'system', MiB + 4096).close();
      alloc(machine, 'cpa', 4096);
      return machine;
    };
    const [a, b] = [run(), run()];
    expect(a.stateHash()).toBe(b.stateHash());
    const queued = a.stateHash();
    expect(systemHeap(a).deferred?.drain()).toBe(257);
    expect(a.stateHash()).not.toBe(queued);
    const pooled = a.stateHash();
    systemHeap(a).pools?.drain();
    expect(a.stateHash()).not.toBe(pooled);
    a.tick();
    b.tick();
    expect(a.stateHash()).not.toBe(b.stateHash());
  });
});
