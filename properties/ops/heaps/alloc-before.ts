// What a heap allocation is compared against afterwards: the heap counters, every vm event, the live dma-bufs, the bitmap of the heap's CMA area and the CPA pools' blocks.
import { bitmapBytes, type AllocBefore } from '../../invariants/heap-failure.ts';
import type { HeapEntry } from './heap-catalog.ts';
import type { HeapLayer } from './heap-layer.ts';
import { takeHeapSnapshot } from './heap-snapshot.ts';

/** AllocBefore plus the bits each CMA area had set. */
export interface AllocSnapshot extends AllocBefore {
  readonly usedBits: ReadonlyMap<string, number>;
}

/** Takes it (O(pools + the area's bits)); the vm events only `withEvents` (an EINVAL must move none). */
export function takeAllocBefore(layer: HeapLayer, entry: HeapEntry, withEvents: boolean): AllocSnapshot {
  const { machine, catalog } = layer;
  const area = entry.area;
  return {
    snapshot: takeHeapSnapshot(machine, catalog),
    events: withEvents ? machine.events.snapshot() : {},
    liveBuffers: machine.heaps.buffers.live().length,
    bitmaps: area === undefined ? new Map() : new Map([[area.name, bitmapBytes(area)]]),
    cpaBlocks: catalog.cpaPools.map((pool) => pool.pooledBlocks()),
    usedBits: area === undefined ? new Map() : new Map([[area.name, area.bitmap.usedBits()]]),
  };
}
