// Deliberately broken heaps for the heap canaries (test-only subclasses, never a bug flag in src/), and a machine factory that swaps them into an otherwise real machine.
import { err, ok, type Result } from '../../src/base/errno.ts';
import { PAGE_SIZE, type Order, type PageCount, type Pfn } from '../../src/base/units.ts';
import { cmaAlloc, cmaRelease } from '../../src/cma/cma-area.ts';
import { cmaAllocBulk } from '../../src/cma/cma-bulk.ts';
import { ChunkHeap } from '../../src/heaps/chunk-heap.ts';
import { CmaHeap, CmaHeapBuffer, cmaHeapAlignOrder } from '../../src/heaps/cma-heap.ts';
import { DeferredFreeList, type DeferredItem, type DfReason } from '../../src/heaps/deferred-free.ts';
import type { BufferChunk, HeapBuffer } from '../../src/heaps/dma-buf.ts';
import { DmaHeapRegistry, type DmaHeap, type HeapAllocRequest, type HeapEnv } from '../../src/heaps/dma-heap.ts';
import { freeBlockToSystem, PagePoolSet, type PoolShrinkControl } from '../../src/heaps/page-pool.ts';
import { DEFAULT_SYSTEM_HEAPS_OPTIONS, SYSTEM_HEAP_ORDERS, SystemHeap, SystemHeapStats, type SystemHeapsOptions } from '../../src/heaps/system-heap.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { Machine as MachineClass } from '../../src/machine/machine.ts';
import { CACHE_WB } from '../../src/mem/page-state.ts';
import type { MachineFactory } from '../../properties/harness-machine.ts';

/** A CMA heap that skips the clear (what the chunk heap patches do): a range keeps its previous owner's data (M23). */
export class NoClearCmaHeap extends CmaHeap {
  private readonly deps: Parameters<typeof cmaAlloc>[1];
  private readonly canaryOwner: number;

  constructor(machine: Machine, base: CmaHeap) {
    const deps = { contig: machine.contig, events: machine.events, buddy: machine.buddy, user: machine.user };
    super(base.area, heapEnv(machine), deps);
    this.deps = deps;
    this.canaryOwner = machine.owners.register('heap', base.name);
  }

  override allocate(request: HeapAllocRequest): Result<CmaHeapBuffer> {
    const pfn = cmaAlloc(this.area, this.deps, { pageCount: request.pageCount, alignOrder: cmaHeapAlignOrder(request.pageCount), owner: this.canaryOwner });
    return pfn.ok ? ok(new CmaHeapBuffer(this, pfn.value, request.pageCount)) : err('ENOMEM', pfn.detail);
  }
}

/**
 * A system heap (no pools) re-written from system_heap_allocate() with a seeded defect: `leak` keeps the
 * chunks already taken when it fails (M35); `orderFlags` replaces the 6.4 order_flags (the pre-6.4
 * {HIGH, LOW, LOW} lets order 4 reclaim); `ignoresSignal` drops the fatal_signal_pending() check (M21).
 */
export class CanarySystemHeap extends SystemHeap {
  private readonly canaryOwner: number;

  constructor(private readonly env: HeapEnv, options: SystemHeapsOptions, private readonly defect: { readonly leak: boolean; readonly orderFlags: readonly number[]; readonly ignoresSignal?: boolean }) {
    super('system', 'cached', { env, options, pools: undefined, deferred: undefined, stats: new SystemHeapStats() }, true);
    this.canaryOwner = env.owners.register('heap', 'system');
  }

  override allocate(request: HeapAllocRequest): Result<HeapBuffer> {
    const chunks: BufferChunk[] = [];
    let remaining = request.pageCount;
    let maxOrder: Order = 8;
    const fail = (errno: 'EINTR' | 'ENOMEM'): Result<never> => {
      if (!this.defect.leak) chunks.forEach((chunk) => this.free(chunk));
      return err(errno, 'canary system heap');
    };
    if (this.options.sizeCap && request.pageCount > Math.floor(this.env.buddy.managedPages() / 2)) return err('ENOMEM', 'cap');
    while (remaining > 0) {
      if (this.defect.ignoresSignal !== true && this.env.faults.shouldFail('fatal_signal')) return fail('EINTR');
      const chunk = this.largest(remaining, maxOrder);
      if (chunk === null) return fail('ENOMEM');
      chunks.push(chunk);
      remaining -= 2 ** chunk.order;
      maxOrder = chunk.order;
    }
    return ok({ chunks, sizeBytes: request.pageCount * PAGE_SIZE, release: () => chunks.forEach((chunk) => this.free(chunk)) });
  }

  private get options(): SystemHeapsOptions {
    return { ...DEFAULT_SYSTEM_HEAPS_OPTIONS, sizeCap: !this.defect.leak };
  }

  private largest(remaining: PageCount, maxOrder: Order): BufferChunk | null {
    for (const [i, order] of SYSTEM_HEAP_ORDERS.entries()) {
      if (remaining < 2 ** order || order > maxOrder) continue;
      const pfn = this.env.buddy.allocPages(this.defect.orderFlags[i] as number, order, { owner: this.canaryOwner });
      if (!pfn.ok) continue;
      this.stats.noteObtained(order);
      return { pfn: pfn.value, order };
    }
    return null;
  }

  private free(chunk: BufferChunk): void {
    freeBlockToSystem(this.env.buddy, chunk.pfn, chunk.order);
    this.stats.noteReturned(chunk.order);
  }
}

/** A deferred-free list whose reported list_nr_pages (and shrinker count) forgets items freed under pressure (M31). */
export class ForgetfulDeferredList extends DeferredFreeList {
  private reported = 0;

  override get listNrPages(): PageCount {
    return this.reported;
  }

  override queue(item: DeferredItem): void {
    super.queue(item);
    this.reported += item.nrPages;
  }

  override freeOneItem(reason: DfReason): PageCount {
    const pages = super.freeOneItem(reason);
    if (reason === 'normal') this.reported -= pages;
    return pages;
  }

  override countObjects(_sc: PoolShrinkControl): number {
    return this.reported;
  }
}

/** A chunk heap that returns ENOMEM without releasing the chunks it already took (M28). */
export class NoRollbackChunkHeap extends ChunkHeap {
  private readonly bulkDeps: Parameters<typeof cmaAllocBulk>[1];
  private readonly canaryOwner: number;

  constructor(machine: Machine, base: ChunkHeap) {
    const deps = { contig: machine.contig, events: machine.events, buddy: machine.buddy, user: machine.user };
    super({ name: base.name, area: base.area.name, chunkSizeBytes: base.chunkSizeBytes }, base.area, heapEnv(machine), deps);
    this.bulkDeps = deps;
    this.canaryOwner = machine.owners.register('heap', base.name);
  }

  override allocate(request: HeapAllocRequest): Result<HeapBuffer> {
    const count = Math.ceil(request.pageCount / 2 ** this.order);
    if (count * 2 ** this.order > this.area.pageCount) return err('ENOMEM', 'larger than the area');
    const chunks = cmaAllocBulk(this.area, this.bulkDeps, { order: this.order, nrRequests: count, alignOrder: this.order, mode: 'normal', owner: this.canaryOwner }).chunks;
    if (chunks.length < count) return err('ENOMEM', `only ${chunks.length} of ${count} chunks (kept)`);
    const table = this.bulkDeps.buddy.table;
    for (const pfn of chunks) table.zeroContent(pfn, 2 ** this.order);
    const release = (): void => chunks.forEach((pfn) => cmaRelease(this.area, this.bulkDeps, pfn, 2 ** this.order));
    return ok({ chunks: chunks.map((pfn: Pfn) => ({ pfn, order: this.order })), sizeBytes: count * this.chunkSizeBytes, release });
  }
}

/** Pools that file a released order-4 block under the order-0 pool (its tail pages are lost: M25). */
export class WrongOrderPools extends PagePoolSet {
  override giveAll(blocks: readonly { readonly pfn: Pfn; readonly order: Order }[], caching: typeof CACHE_WB): void {
    super.giveAll(blocks.map((block) => (block.order === 4 ? { pfn: block.pfn, order: 0 } : block)), caching);
  }
}

/** The heap environment of `machine`. */
export function heapEnv(machine: Machine): HeapEnv {
  return { buddy: machine.buddy, owners: machine.owners, events: machine.events, faults: machine.env.faults };
}

/** A system family made of `heap` only, with optional pools and deferred list registered on the machine. */
export function systemFamily(machine: Machine, options: Partial<SystemHeapsOptions>, parts: { pools?: PagePoolSet; deferred?: DeferredFreeList }): SystemHeap {
  const env = heapEnv(machine);
  const full = { ...DEFAULT_SYSTEM_HEAPS_OPTIONS, ...options };
  const heap = new SystemHeap('system', 'cached', { env, options: full, pools: parts.pools, deferred: parts.deferred, stats: new SystemHeapStats() }, true);
  if (parts.deferred !== undefined) {
    machine.workers.register(parts.deferred);
    machine.shrinkers.register(parts.deferred);
  }
  if (parts.pools?.isShrinkerControlled === true) machine.shrinkers.register(parts.pools);
  return heap;
}

/** Pools of the system heap's orders for write-back pages, of class `poolClass`. */
export function canaryPools(machine: Machine, poolClass: typeof PagePoolSet, options: { variant: 'static' | 'shrinker'; style: 'ion' | 'ttm' }): PagePoolSet {
  return new poolClass(machine.buddy, machine.owners, machine.events, { ...options, staticEntries: 1024, limitPages: machine.buddy.managedPages() }, [CACHE_WB], SYSTEM_HEAP_ORDERS);
}

/**
 * Machines whose heap registry holds the real heaps except those `replace` swaps (by name), then
 * the heaps `replace` returns under new names. The
 * config must leave the replaced heaps' own pools and deferred list off (their workers and
 * shrinkers cannot be unregistered); `replace` registers what its heaps need.
 */
export function machineWithHeaps(replace: (machine: Machine) => ReadonlyMap<string, DmaHeap>): MachineFactory {
  return (config, env) => {
    const real = MachineClass.create(config, env);
    if (!real.ok) return real;
    const machine = real.value;
    const swapped = replace(machine);
    const heaps = new DmaHeapRegistry(machine.buddy.table, machine.events);
    const names = machine.heaps.names();
    const extra = [...swapped.keys()].filter((name) => !names.includes(name));
    for (const name of [...names, ...extra]) {
      const added = heaps.add(swapped.get(name) ?? (machine.heaps.get(name) as DmaHeap));
      if (!added.ok) return added;
    }
    return ok(Object.assign(Object.create(machine) as Machine, { heaps }));
  };
}
