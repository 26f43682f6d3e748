// The docs/heaps.md example, verbatim: a user heap with its own policy (64 KiB blocks only) registered through the package API and driven like the built-in heaps, including from a trace.
import { describe, expect, it } from 'vitest';
import { err, ok, type Result } from '../../src/base/errno.ts';
import { PAGE_SIZE } from '../../src/base/units.ts';
import type { BufferChunk, HeapBuffer } from '../../src/heaps/dma-buf.ts';
import type { DmaHeap, HeapAllocRequest } from '../../src/heaps/dma-heap.ts';
import { createSystemHeaps, DEFAULT_SYSTEM_HEAPS_OPTIONS } from '../../src/heaps/system-heap.ts';
import { __GFP_COMP, __GFP_NORETRY, __GFP_ZERO, GFP_HIGHUSER } from '../../src/mem/gfp.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { createMachineTarget } from '../../src/trace/machine-target.ts';
import { loadTrace } from '../../src/trace/parse.ts';
import { runTrace } from '../../src/trace/run.ts';
import { alloc, boot, freePages, readsZero } from './heap-fixtures.ts';

// --- docs/heaps.md example starts here ---
/** A heap that backs every buffer with order-4 (64 KiB) blocks only: all or nothing. */
function order4Heap(machine: Machine, name = 'order4'): DmaHeap {
  const owner = machine.owners.register('heap', name);
  const gfp = GFP_HIGHUSER | __GFP_ZERO | __GFP_COMP | __GFP_NORETRY;
  const freeAll = (chunks: readonly BufferChunk[]): void => chunks.forEach((c) => machine.buddy.freePages(c.pfn, c.order));
  return {
    name,
    allocate(request: HeapAllocRequest): Result<HeapBuffer> {
      const chunks: BufferChunk[] = [];
      for (let pages = 0; pages < request.pageCount; pages += 16) {
        const pfn = machine.buddy.allocPages(gfp, 4, { owner });
        if (!pfn.ok) {
          freeAll(chunks);
          return err('ENOMEM', `${name}: no order-4 block`);
        }
        chunks.push({ pfn: pfn.value, order: 4 });
      }
      return ok({ chunks, sizeBytes: request.pageCount * PAGE_SIZE, release: () => freeAll(chunks) });
    },
  };
}
// --- docs/heaps.md example ends here ---

// --- docs/heaps.md second example starts here ---
/** Adds `system-ttm`: the system heap's allocation rules with TTM-style pools and deferred freeing. */
function addTtmSystemHeap(machine: Machine): void {
  const env = { buddy: machine.buddy, owners: machine.owners, events: machine.events, faults: machine.env.faults };
  const options = { ...DEFAULT_SYSTEM_HEAPS_OPTIONS, pool: 'shrinker', shrinkerStyle: 'ttm', deferredFree: true } as const;
  const family = createSystemHeaps(env, options, 'system-ttm');
  for (const heap of family.heaps) machine.heaps.add(heap);
  if (family.deferred !== undefined) {
    machine.workers.register(family.deferred);
    machine.shrinkers.register(family.deferred);
  }
  if (family.pools !== undefined) machine.shrinkers.register(family.pools);
}
// --- docs/heaps.md second example ends here ---

describe('a user heap (the docs/heaps.md example)', () => {
  it('registers, allocates whole order-4 blocks, hands out zeroed pages and frees them on release', () => {
    const machine = boot();
    expect(machine.heaps.add(order4Heap(machine)).ok).toBe(true);
    expect(machine.heaps.add(order4Heap(machine))).toMatchObject({ ok: false, errno: 'EINVAL' });
    const before = freePages(machine);
    const buf = alloc(machine, 'order4', 100 * 1024);
    expect(buf.sizeBytes).toBe(25 * PAGE_SIZE);
    expect(buf.chunks.map((c) => c.order)).toEqual([4, 4]);
    expect(readsZero(buf)).toBe(true);
    buf.close();
    expect(freePages(machine)).toBe(before);
  });

  it('is reachable from a trace: dma-heap-alloc and the heap verbs', () => {
    const machine = boot();
    machine.heaps.add(order4Heap(machine));
    const t = createMachineTarget(machine);
    const loaded = loadTrace('dma-heap-alloc order4 4097\nsim heap-alloc order4 1M\nsim heaps', 't.trace', t.sim);
    if (!loaded.ok) throw new Error(loaded.detail);
    expect(runTrace(loaded.value, t).map((line) => line.stdout)).toEqual([
      'ok len=8192 zero=1\n',
      'ok b1 len=1048576 chunks=16 orders=4:16\n',
      'system order4\n',
    ]);
  });

  it('a second system-heap family brings its own pools, deferred list, worker and shrinkers', () => {
    const machine = boot();
    addTtmSystemHeap(machine);
    expect(machine.heaps.names()).toEqual(['system', 'system-ttm']);
    expect(machine.workers.names()).toEqual(['system-ttm:dmabuf-deferred-free']);
    expect(machine.shrinkers.names()).toEqual(['system-ttm:dmabuf-deferred-free', 'system-ttm:dmabuf-page-pool']);
    alloc(machine, 'system-ttm', 64 * 1024).close();
    machine.tick();
    const hits = machine.events.get('pool_hit');
    expect(readsZero(alloc(machine, 'system-ttm', 64 * 1024))).toBe(true);
    expect(machine.events.get('pool_hit') - hits).toBe(1);
    alloc(machine, 'system', 64 * 1024);
    expect(machine.events.get('pool_hit') - hits).toBe(1);
  });
});
