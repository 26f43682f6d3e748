// Every heap invariant shown firing: on a crafted bad state (a page poked behind the model's back, a synthetic hand-out) or through runSequence with a deliberately broken heap or pool.
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '../../src/base/units.ts';
import { CpaHeap, CpaPool } from '../../src/heaps/cpa-pool.ts';
import { DEFAULT_SYSTEM_HEAPS_OPTIONS, HIGH_ORDER_GFP, LOW_ORDER_GFP, SYSTEM_HEAP_ORDER_FLAGS } from '../../src/heaps/system-heap.ts';
import { GFP_KERNEL } from '../../src/mem/gfp.ts';
import { CACHE_UC, PG_CACHE_SHIFT } from '../../src/mem/page-state.ts';
import { checkIoctlRejected, type AllocBefore } from '../../properties/invariants/heap-failure.ts';
import { checkBufferShape, checkNoHighOrderReclaim, type Handout } from '../../properties/invariants/heap-handout.ts';
import type { ModelChunk } from '../../properties/model/heap-model.ts';
import { entryOf, type HeapEntry } from '../../properties/ops/heaps/heap-catalog.ts';
import { heapLayerOf, type HeapLayer } from '../../properties/ops/heaps/heap-layer.ts';
import { takeHeapSnapshot } from '../../properties/ops/heaps/heap-snapshot.ts';
import type { OpContext } from '../../properties/ops/op.ts';
import { applyOp, type Op } from '../../properties/ops/registry.ts';
import { runSequence, startRun } from '../../properties/run-sequence.ts';
import { CanarySystemHeap, heapEnv, machineWithHeaps } from './heap-canary-fixtures.ts';

const CONFIG = {
  banks: [{ name: 'dram0', base: 0, size: '16M', zone: 'Normal' }], cpus: 1, cmdline: 'cma=4M',
  heaps: { system: { pool: 'shrinker' }, chunk: [{ name: 'chunk', area: 'reserved', chunkSize: '64K' }] },
};

/** A run context after `ops` (each checked), with its heap layer. */
function after(ops: Op[], config: unknown = CONFIG): { ctx: OpContext; layer: HeapLayer } {
  const run = startRun({ config, seed: 'crafted' });
  if (!run.ok) throw new Error(run.detail);
  const { ctx } = run.value;
  const layer = heapLayerOf(ctx) as HeapLayer;
  for (const op of ops) {
    const outcome = applyOp(ctx, op);
    const failure = (outcome.status === 'skip' ? undefined : outcome.failure) ?? layer.afterOp(ctx);
    if (failure !== undefined) throw new Error(failure.message);
  }
  return { ctx, layer };
}

const ALLOC_CLOSE: Op[] = [{ op: 'heapAlloc', heap: 0, len: '65536', fdFlags: 2 }, { op: 'bufClose', buf: 0 }];

function pooledPfn(layer: HeapLayer): number {
  return layer.catalog.families[0]?.pools?.pooledBlocks(4, 0)[0] as number;
}

function handout(layer: HeapLayer, name: string, chunks: ModelChunk[], overrides: Partial<Handout> = {}): Handout {
  const pages = chunks.reduce((sum, chunk) => sum + 2 ** chunk.order, 0);
  return { entry: entryOf(layer.catalog, name) as HeapEntry, alignedPages: pages, sizeBytes: pages * PAGE_SIZE, chunks, caching: 0, usedBitsBefore: new Map(), plentiful: false, ...overrides };
}

describe('the heap audit', () => {
  it('heap-zeroed fires on a pooled page holding data, pool-hit-miss on one of another caching', () => {
    const dirty = after(ALLOC_CLOSE);
    const table = dirty.ctx.machine.buddy.table;
    table.content[table.pageIndex(pooledPfn(dirty.layer) + 3)] = 77;
    expect(dirty.layer.audit(dirty.ctx)?.invariant).toBe('heap-zeroed');
    const uncached = after(ALLOC_CLOSE);
    const index = uncached.ctx.machine.buddy.table.pageIndex(pooledPfn(uncached.layer));
    uncached.ctx.machine.buddy.table.flags[index] = (uncached.ctx.machine.buddy.table.flags[index] as number) | (CACHE_UC << PG_CACHE_SHIFT);
    expect(uncached.layer.audit(uncached.ctx)?.invariant).toBe('pool-hit-miss');
  });

  it('heap-release fires on a heap page no buffer holds; buffer-content on a buffer page changed behind its owner', () => {
    const leak = after([]);
    const owner = leak.ctx.machine.owners.register('heap', 'stray');
    expect(leak.ctx.machine.buddy.allocPages(GFP_KERNEL, 0, { owner }).ok).toBe(true);
    expect(leak.layer.audit(leak.ctx)?.invariant).toBe('heap-release');
    const live = after([{ op: 'heapAlloc', heap: 0, len: '8192', fdFlags: 2 }, { op: 'bufMap', buf: 0, access: 'rw' }]);
    const buf = live.layer.bufOf(live.layer.model.buffers[0] as never);
    const table = live.ctx.machine.buddy.table;
    table.content[table.pageIndex(buf.pfnAt(1))] = 9;
    expect(live.layer.audit(live.ctx)?.invariant).toBe('buffer-content');
    const read = applyOp(live.ctx, { op: 'bufRead', map: 0, offset: 0, pages: 2 });
    expect(read.status === 'ok' ? read.failure?.invariant : read.status).toBe('buffer-content');
  });
});

describe('the after-op flows', () => {
  it('pool-conservation fires when a pooled block leaves the pool behind the model', () => {
    const { ctx, layer } = after(ALLOC_CLOSE);
    const owner = ctx.machine.owners.register('heap', 'thief');
    expect(layer.catalog.families[0]?.pools?.take(4, 0, owner)).not.toBeNull();
    expect(layer.afterOp(ctx)?.invariant).toBe('pool-conservation');
  });

  it('deferred-free fires when the list holds an item the model never queued', () => {
    const { ctx, layer } = after([], { ...CONFIG, heaps: { system: { deferredFree: true } } });
    layer.catalog.families[0]?.deferred?.queue({ nrPages: 3, free: () => undefined, hashInto: () => undefined });
    expect(layer.afterOp(ctx)?.invariant).toBe('deferred-free');
  });

  it('static-pool fires when a static ring is registered as a shrinker', () => {
    const { ctx, layer } = after(ALLOC_CLOSE, { ...CONFIG, heaps: { system: { pool: 'static' } } });
    const pools = layer.catalog.families[0]?.pools;
    if (pools === undefined) throw new Error('no pools');
    expect(ctx.machine.shrinkers?.register(pools).ok).toBe(true);
    expect(layer.afterOp(ctx)?.invariant).toBe('static-pool');
  });

  it('cpa-watermarks fires on a CPA pool that keeps blocks past its high-mark', () => {
    class Hoarding extends CpaPool {
      override putBlock(pfn: number): void {
        this.untakeBlock(pfn, true);
      }
    }
    const factory = machineWithHeaps((machine) => {
      const env = { buddy: machine.buddy, owners: machine.owners, events: machine.events, faults: machine.env.faults };
      const pool = new Hoarding(env, { name: 'hoard', order: 4, lowmark: 0, fillmark: 0, highmark: 0, alignOrder: 0 });
      machine.shrinkers.register(pool);
      return new Map([['hoard', new CpaHeap(env, pool)]]);
    });
    const result = runSequence({ config: CONFIG, seed: 'hoard', ops: [{ op: 'heapAlloc', heap: 3, len: '4096', fdFlags: 2 }, { op: 'bufClose', buf: 0 }], auditEvery: 0, machineFactory: factory });
    expect(result.failure?.invariant).toBe('cpa-watermarks');
  });
});

describe('hand-out checks on synthetic buffers', () => {
  it('heap-size and heap-orders fire on wrong sizes, increasing orders and a non-greedy split of plentiful memory', () => {
    const { ctx, layer } = after([]);
    expect(checkBufferShape(ctx, handout(layer, 'system', [{ pfn: 0, order: 4 }], { sizeBytes: 4096 }))?.invariant).toBe('heap-size');
    expect(checkBufferShape(ctx, handout(layer, 'system', [{ pfn: 0, order: 0 }, { pfn: 16, order: 4 }]))?.invariant).toBe('heap-orders');
    const split = Array.from({ length: 16 }, (_, i) => ({ pfn: 1024 + 16 * i, order: 4 }));
    expect(checkBufferShape(ctx, handout(layer, 'system', split))).toBeUndefined();
    expect(checkBufferShape(ctx, handout(layer, 'system', split, { plentiful: true }))?.invariant).toBe('heap-orders');
  });

  it('cma-heap-alignment and chunk-heap-shape fire on misaligned or miscounted CMA buffers', () => {
    const { ctx, layer } = after([]);
    const area = entryOf(layer.catalog, 'reserved')?.area;
    if (area === undefined) throw new Error('no area');
    const range = Array.from({ length: 4 }, (_, i) => ({ pfn: area.basePfn + 1 + i, order: 0 }));
    expect(checkBufferShape(ctx, handout(layer, 'reserved', range))?.invariant).toBe('cma-heap-alignment');
    expect(checkBufferShape(ctx, handout(layer, 'chunk', [{ pfn: area.basePfn, order: 4 }], { alignedPages: 17, sizeBytes: 32 * PAGE_SIZE }))?.invariant).toBe('heap-size');
    expect(checkBufferShape(ctx, handout(layer, 'chunk', [{ pfn: area.basePfn + 16, order: 4 }]))?.invariant).toBe('chunk-heap-shape');
  });

  it('heap-no-reclaim fires when a system heap with the pre-6.4 order_flags lets an order-4 request reclaim under pressure', () => {
    const factory = machineWithHeaps((machine) => new Map([['system', new CanarySystemHeap(heapEnv(machine), DEFAULT_SYSTEM_HEAPS_OPTIONS, { leak: false, orderFlags: [HIGH_ORDER_GFP, LOW_ORDER_GFP, LOW_ORDER_GFP] })]]));
    const ops: Op[] = [
      { op: 'hogGrow', hog: 0, pages: 3400, pattern: 'dense', pinnedPct: 0, longtermPct: 0 }, { op: 'hogGrow', hog: 1, pages: 61, pattern: 'dense', pinnedPct: 0, longtermPct: 0 },
      { op: 'heapAlloc', heap: 0, len: '65536', fdFlags: 2 },
    ];
    const config = { banks: [{ name: 'dram0', base: 0, size: '16M', zone: 'Normal' }], cpus: 1 };
    expect(runSequence({ config, seed: 's', ops, auditEvery: 0, machineFactory: factory }).failure?.invariant).toBe('heap-no-reclaim');
    expect(runSequence({ config, seed: 's', ops, auditEvery: 0 }).failure).toBeNull();
  });

  it('predicted-outcome fires when a system heap never checks fatal_signal_pending() (M21)', () => {
    const factory = machineWithHeaps((machine) => new Map([['system', new CanarySystemHeap(heapEnv(machine), DEFAULT_SYSTEM_HEAPS_OPTIONS, { leak: false, orderFlags: SYSTEM_HEAP_ORDER_FLAGS, ignoresSignal: true })]]));
    const ops: Op[] = [{ op: 'armFault', site: 'fatal_signal', count: 1 }, { op: 'heapAlloc', heap: 0, len: '1048576', fdFlags: 2 }];
    const result = runSequence({ config: CONFIG, seed: 's', ops, auditEvery: 0, machineFactory: factory });
    expect(result.failure?.invariant).toBe('predicted-outcome');
    expect(result.failure?.opIndex).toBe(1);
  });

  it('heap-no-reclaim fires on an order-4 reclaim; heap-ioctl on an invalid request that went through', () => {
    const { ctx, layer } = after([]);
    expect(checkNoHighOrderReclaim(ctx, 'system', [{ kind: 'reclaim', order: 0 }])).toBeUndefined();
    expect(checkNoHighOrderReclaim(ctx, 'system', [{ kind: 'compact', order: 4 }])?.invariant).toBe('heap-no-reclaim');
    const before: AllocBefore = { snapshot: takeHeapSnapshot(ctx.machine, layer.catalog), events: ctx.machine.events.snapshot(), liveBuffers: 0, bitmaps: new Map(), cpaBlocks: [] };
    expect(checkIoctlRejected(ctx, 'len 0', 'ok', before, before)?.invariant).toBe('heap-ioctl');
    expect(checkIoctlRejected(ctx, 'len 0', 'EINVAL', before, before)).toBeUndefined();
  });
});
