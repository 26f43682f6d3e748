// The machine's dma-buf heaps as the harness sees them: each registered heap classified (system family, CMA, chunk, CPA, custom) with read-only views of the pools, deferred list and counters behind it.
//
// Everything here reads public accessors of src/heaps (pooledPages, pooledBlocks, returnedPages,
// listNrPages, the CPA pool's blocks and traffic, SystemHeapStats); nothing changes machine state.
import type { Order, PageCount } from '../../../src/base/units.ts';
import type { CmaArea } from '../../../src/cma/cma-area.ts';
import { ChunkHeap } from '../../../src/heaps/chunk-heap.ts';
import { CmaHeap } from '../../../src/heaps/cma-heap.ts';
import { CpaHeap, type CpaPool } from '../../../src/heaps/cpa-pool.ts';
import type { DeferredFreeList } from '../../../src/heaps/deferred-free.ts';
import type { DmaHeap, DmaHeapRegistry } from '../../../src/heaps/dma-heap.ts';
import type { PagePoolSet } from '../../../src/heaps/page-pool.ts';
import { CACHE_WB, type CacheAttr } from '../../../src/mem/page-state.ts';
import { SYSTEM_HEAP_ORDERS, SystemHeap, type SystemHeapStats } from '../../../src/heaps/system-heap.ts';
import type { HeapKind } from '../../model/heap-model.ts';

/** A system-heap family: the heaps that share one set of pools, one deferred list and one stats object. */
export interface SystemFamily {
  /** The family head's name ("system"): the key of its deferred list in the model. */
  readonly name: string;
  readonly heaps: SystemHeap[];
  readonly pools: PagePoolSet | undefined;
  readonly deferred: DeferredFreeList | undefined;
  readonly stats: SystemHeapStats;
  /** Caching attributes the family's pools exist for (cached first). */
  readonly cachings: CacheAttr[];
}

/** One registered heap, classified. */
export interface HeapEntry {
  readonly name: string;
  readonly kind: HeapKind;
  readonly heap: DmaHeap;
  /** The caching attribute its pages carry (system-heap variants; write-back for every other heap). */
  readonly caching: CacheAttr;
  /** System heaps: the family. */
  readonly family?: SystemFamily;
  /** CMA and chunk heaps: the area. */
  readonly area?: CmaArea;
  /** Chunk heaps: the chunk order. */
  readonly chunkOrder?: Order;
  /** CPA heaps: the pool. */
  readonly cpa?: CpaPool;
}

/** The heaps of one machine, in minor order, with their families and CPA pools. */
export interface HeapCatalog {
  readonly entries: HeapEntry[];
  readonly families: SystemFamily[];
  readonly cpaPools: CpaPool[];
  /** Heap count when built (a heap registered later makes it stale). */
  readonly heapCount: number;
}

function buildFamilies(heaps: readonly SystemHeap[]): SystemFamily[] {
  const families: SystemFamily[] = [];
  for (const heap of heaps) {
    const family = families.find((each) => each.stats === heap.stats);
    if (family === undefined) {
      const head = heaps.find((each) => each.stats === heap.stats && each.isFamilyHead) ?? heap;
      families.push({ name: head.name, heaps: [heap], pools: heap.pools, deferred: heap.deferred, stats: heap.stats, cachings: [heap.cacheAttr] });
      continue;
    }
    family.heaps.push(heap);
    if (!family.cachings.includes(heap.cacheAttr)) family.cachings.push(heap.cacheAttr);
  }
  for (const family of families) family.cachings.sort((a, b) => a - b);
  return families;
}

function classify(heap: DmaHeap, families: readonly SystemFamily[]): HeapEntry {
  const base = { name: heap.name, heap, caching: CACHE_WB as CacheAttr };
  if (heap instanceof SystemHeap) return { ...base, kind: 'system', caching: heap.cacheAttr, family: families.find((each) => each.stats === heap.stats) as SystemFamily };
  if (heap instanceof ChunkHeap) return { ...base, kind: 'chunk', area: heap.area, chunkOrder: heap.order };
  if (heap instanceof CmaHeap) return { ...base, kind: 'cma', area: heap.area };
  if (heap instanceof CpaHeap) return { ...base, kind: 'cpa', cpa: heap.pool };
  return { ...base, kind: 'custom' };
}

/** Classifies every heap of `registry` in minor order. */
export function buildHeapCatalog(registry: DmaHeapRegistry): HeapCatalog {
  const names = registry.names();
  const heaps = names.map((name) => registry.get(name) as DmaHeap);
  const families = buildFamilies(heaps.filter((heap): heap is SystemHeap => heap instanceof SystemHeap));
  const entries = heaps.map((heap) => classify(heap, families));
  const cpaPools = entries.flatMap((entry) => (entry.cpa === undefined ? [] : [entry.cpa]));
  return { entries, families, cpaPools, heapCount: names.length };
}

/** The orders a system family's pools exist for. */
export const FAMILY_ORDERS: readonly Order[] = SYSTEM_HEAP_ORDERS;

/** Pages a family's pools hold for one (order, caching), or for every caching when absent. */
export function pooledPagesOf(family: SystemFamily, order: Order, caching?: CacheAttr): PageCount {
  return family.pools === undefined ? 0 : family.pools.pooledPages(order, caching);
}

/** Pages of `order` a family gave back to the page allocator (its heaps' own frees plus its pools'). */
export function returnedPagesOf(family: SystemFamily, order: Order): PageCount {
  return family.stats.returnedPages(order) + (family.pools?.returnedPages(order) ?? 0);
}

/** Pages every pool of the family holds. */
export function familyPooledPages(family: SystemFamily): PageCount {
  return family.pools?.pooledPages() ?? 0;
}

/** Pages of a CPA pool's blocks. */
export function cpaBlockPages(pool: CpaPool): PageCount {
  return 2 ** pool.options.order;
}

/** The catalogue entry of heap `name`, or undefined. */
export function entryOf(catalog: HeapCatalog, name: string): HeapEntry | undefined {
  return catalog.entries.find((entry) => entry.name === name);
}
