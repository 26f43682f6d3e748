// The heap op module: every op kind that drives the dma-buf heaps, their buffers, reclaim and the memory hog, in the order listings print them.
import { bufAttachSpec, bufCloseSpec, bufDetachSpec, bufDupSpec } from './heaps/buf-fd.ts';
import { bufMapSpec, bufReadSpec, bufUnmapSpec, bufWriteSpec } from './heaps/buf-map.ts';
import { heapAddSpec } from './heaps/heap-add.ts';
import { heapAllocSpec } from './heaps/heap-alloc.ts';
import { hogGrowSpec, hogReleaseSpec, hogShrinkSpec } from './heaps/hog-ops.ts';
import { pressureSpec, shrinkSpec } from './heaps/reclaim-ops.ts';

/** The heap layer's op specs (tick and armFault, shared with the buddy layer, drive its workers and fatal signals). */
export const HEAP_OP_SPECS = [
  heapAllocSpec, bufDupSpec, bufCloseSpec, bufMapSpec, bufUnmapSpec, bufWriteSpec, bufReadSpec, bufAttachSpec, bufDetachSpec,
  pressureSpec, shrinkSpec, hogGrowSpec, hogShrinkSpec, hogReleaseSpec, heapAddSpec,
] as const;

/** Op kinds that create buffers. */
export const HEAP_ALLOCATING_KINDS: readonly string[] = [heapAllocSpec.kind];
