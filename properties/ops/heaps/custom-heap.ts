// A heap registered through the package API at run time (docs/heaps.md "Register your own heap"): order-4 blocks only, all or nothing, zeroed by __GFP_ZERO; the harness reaches it like a built-in heap and checks it with the generic rules.
import { err, ok, type Result } from '../../../src/base/errno.ts';
import { PAGE_SIZE } from '../../../src/base/units.ts';
import type { BufferChunk, HeapBuffer } from '../../../src/heaps/dma-buf.ts';
import type { DmaHeap, HeapAllocRequest } from '../../../src/heaps/dma-heap.ts';
import { __GFP_COMP, __GFP_NORETRY, __GFP_ZERO, GFP_HIGHUSER } from '../../../src/mem/gfp.ts';
import type { HarnessMachine } from '../../harness-machine.ts';

/** Pages per block of the custom heap (order 4, 64 KiB). */
export const CUSTOM_BLOCK_ORDER = 4;

/** The order-4 heap of the docs, named `name`, on `machine`'s page allocator. */
export function order4Heap(machine: HarnessMachine, name: string): DmaHeap {
  const owner = machine.owners.register('heap', name);
  const gfp = GFP_HIGHUSER | __GFP_ZERO | __GFP_COMP | __GFP_NORETRY;
  const freeAll = (chunks: readonly BufferChunk[]): void => chunks.forEach((chunk) => machine.buddy.freePages(chunk.pfn, chunk.order));
  return {
    name,
    allocate(request: HeapAllocRequest): Result<HeapBuffer> {
      const chunks: BufferChunk[] = [];
      for (let pages = 0; pages < request.pageCount; pages += 2 ** CUSTOM_BLOCK_ORDER) {
        const pfn = machine.buddy.allocPages(gfp, CUSTOM_BLOCK_ORDER, { owner });
        if (!pfn.ok) {
          freeAll(chunks);
          return err('ENOMEM', `${name}: no order-4 block`);
        }
        chunks.push({ pfn: pfn.value, order: CUSTOM_BLOCK_ORDER });
      }
      return ok({ chunks, sizeBytes: request.pageCount * PAGE_SIZE, release: () => freeAll(chunks) });
    },
  };
}
