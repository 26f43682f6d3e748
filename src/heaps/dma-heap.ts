// The public heap interface (DmaHeap), the per-machine heap registry and DMA_HEAP_IOCTL_ALLOC; mirrors Linux 6.1 drivers/dma-buf/dma-heap.c (dma_heap_add, dma_heap_ioctl_allocate, dma_heap_buffer_alloc) and include/uapi/linux/dma-heap.h.
//
// Order of checks, as 6.1 runs them: opening /dev/dma_heap/NAME fails with ENOENT for an unknown heap;
// then the ioctl rejects a non-zero input fd, fd_flags outside O_CLOEXEC|O_ACCMODE and any heap_flags
// (EINVAL each, in that order); then len = PAGE_ALIGN(len) in 64-bit arithmetic and a zero result
// (len 0, or a len above 2^64 - 4096 that wraps) is EINVAL; only then does the heap's allocate run.
// dma_heap_add (6.1, before the 6.2 reordering) checks: empty name EINVAL, missing allocate EINVAL,
// duplicate name EINVAL, then a free minor of NUM_HEAP_MINORS (xa_alloc: EBUSY when all are used).
import { assert } from '../base/assert.ts';
import { err, ok, type Result } from '../base/errno.ts';
import type { StateHasher } from '../base/hash.ts';
import { PAGE_SHIFT, PAGE_SIZE } from '../base/units.ts';
import type { PageAllocator } from '../buddy/page-allocator.ts';
import type { FaultInjector } from '../env/faults.ts';
import type { Owners } from '../mem/owners.ts';
import type { PageTable } from '../mem/page-table.ts';
import type { VmEvents } from '../mem/vm-events.ts';
import { DmaBufTable, O_ACCMODE, O_CLOEXEC, type DmaBuf, type HeapBuffer } from './dma-buf.ts';

/** NUM_HEAP_MINORS: at most this many heaps per machine. */
export const NUM_HEAP_MINORS = 128;
/** DMA_HEAP_VALID_FD_FLAGS. */
export const DMA_HEAP_VALID_FD_FLAGS = O_CLOEXEC | O_ACCMODE;
/** DMA_HEAP_VALID_HEAP_FLAGS: no heap flag is defined. */
export const DMA_HEAP_VALID_HEAP_FLAGS = 0n;

const U32_MAX = 0xffff_ffff;
const U64_MASK = (1n << 64n) - 1n;
const PAGE_MASK_BIG = BigInt(PAGE_SIZE - 1);

/** What a heap's allocate receives (the arguments of dma_heap_ops.allocate). */
export interface HeapAllocRequest {
  /** PAGE_ALIGN(len) as the ioctl computed it: > 0 and a multiple of PAGE_SIZE (up to 2^64 - 4096). */
  readonly lenBytes: bigint;
  /** lenBytes / PAGE_SIZE; exact, since it is below 2^52. */
  readonly pageCount: number;
  /** The fd flags (O_ACCMODE and O_CLOEXEC bits only). */
  readonly fdFlags: number;
  /** The heap flags (always 0: the ioctl rejects every flag). */
  readonly heapFlags: bigint;
}

/**
 * A dma-buf heap (struct dma_heap_ops). Implement it to add an allocation policy: `allocate` returns
 * the buffer's pages and its release callback, or an errno (the ioctl returns it unchanged). It must
 * leave the machine as it was when it fails, take pages only through the machine's page allocator
 * (or a pool built on it) and hand out zeroed pages.
 */
export interface DmaHeap {
  /** The device name under /dev/dma_heap/; unique per machine. */
  readonly name: string;
  /** dma_heap_ops.allocate. */
  allocate(request: HeapAllocRequest): Result<HeapBuffer>;
  /** Feeds the heap's own state (pools, counters) to the machine state hash; optional. */
  hashInto?(hasher: StateHasher): void;
}

/** What a heap implementation gets from its machine: the page allocator, owners, counters and fault sites. */
export interface HeapEnv {
  readonly buddy: PageAllocator;
  readonly owners: Owners;
  readonly events: VmEvents;
  readonly faults: FaultInjector;
}

/** struct dma_heap_allocation_data as userspace fills it in. */
export interface DmaHeapAllocArgs {
  /** __u64 len. */
  readonly lenBytes: bigint;
  /** __u32 fd: must be 0 on input (default 0). */
  readonly fd?: number;
  /** __u32 fd_flags. */
  readonly fdFlags: number;
  /** __u64 heap_flags. */
  readonly heapFlags: bigint;
}

/** PAGE_ALIGN(len) in unsigned 64-bit arithmetic (so it wraps to 0 above 2^64 - PAGE_SIZE). */
export function pageAlignU64(lenBytes: bigint): bigint {
  return (lenBytes + PAGE_MASK_BIG) & ~PAGE_MASK_BIG & U64_MASK;
}

/** The heaps of one machine (the minors of /dev/dma_heap) and its live dma-bufs. */
export class DmaHeapRegistry {
  /** Every live dma-buf (db_list). */
  readonly buffers: DmaBufTable;
  private readonly heaps = new Map<string, DmaHeap>();

  constructor(table: PageTable, private readonly events: VmEvents) {
    this.buffers = new DmaBufTable(table);
  }

  /** dma_heap_add(): registers `heap` as /dev/dma_heap/NAME (6.1 order of checks, see the header). */
  add(heap: DmaHeap): Result<void> {
    if (heap.name === '') return err('EINVAL', 'cannot add a heap without a name');
    if (typeof heap.allocate !== 'function') return err('EINVAL', `heap "${heap.name}" has no allocate operation`);
    if (this.heaps.has(heap.name)) return err('EINVAL', `already registered heap named ${heap.name}`);
    if (this.heaps.size >= NUM_HEAP_MINORS) return err('EBUSY', `all ${NUM_HEAP_MINORS} dma-heap minors are in use`);
    this.heaps.set(heap.name, heap);
    return ok(undefined);
  }

  /** The heap named `name`, if registered. */
  get(name: string): DmaHeap | undefined {
    return this.heaps.get(name);
  }

  /** Heap names in registration order (minor order). */
  names(): string[] {
    return [...this.heaps.keys()];
  }

  /**
   * open("/dev/dma_heap/NAME") + DMA_HEAP_IOCTL_ALLOC: the 6.1 checks in order (see the header),
   * then the heap's allocate with PAGE_ALIGN(len); on success a dma-buf with one open fd.
   */
  dmaHeapIoctlAlloc(heapName: string, args: DmaHeapAllocArgs): Result<DmaBuf> {
    assertU64(args.lenBytes, 'len');
    assertU64(args.heapFlags, 'heap_flags');
    assert(Number.isInteger(args.fdFlags) && args.fdFlags >= 0 && args.fdFlags <= U32_MAX, () => `fd_flags ${args.fdFlags} is not a u32`);
    const heap = this.heaps.get(heapName);
    if (heap === undefined) return err('ENOENT', `/dev/dma_heap/${heapName}: no such heap`);
    if ((args.fd ?? 0) !== 0) return err('EINVAL', `fd must be 0 on input (got ${args.fd})`);
    if ((args.fdFlags & ~DMA_HEAP_VALID_FD_FLAGS) !== 0) return err('EINVAL', `fd_flags 0x${args.fdFlags.toString(16)} outside O_CLOEXEC|O_ACCMODE`);
    if ((args.heapFlags & ~DMA_HEAP_VALID_HEAP_FLAGS) !== 0n) return err('EINVAL', `heap_flags 0x${args.heapFlags.toString(16)}: no heap flag is valid`);
    const lenBytes = pageAlignU64(args.lenBytes);
    if (lenBytes === 0n) return err('EINVAL', `len ${args.lenBytes} is 0 after PAGE_ALIGN`);
    const request = { lenBytes, pageCount: Number(lenBytes >> BigInt(PAGE_SHIFT)), fdFlags: args.fdFlags, heapFlags: args.heapFlags };
    const allocated = heap.allocate(request);
    if (!allocated.ok) {
      this.events.count('heap_alloc_fail');
      return allocated;
    }
    this.events.count('heap_alloc');
    return ok(this.buffers.export(heap.name, this.countingRelease(allocated.value), args.fdFlags));
  }

  /** Feeds live buffers and every heap's own state, in registration order, to `hasher`. */
  hashInto(hasher: StateHasher): void {
    this.buffers.hashInto(hasher);
    for (const heap of this.heaps.values()) {
      hasher.updateString(heap.name);
      heap.hashInto?.(hasher);
    }
  }

  private countingRelease(backing: HeapBuffer): HeapBuffer {
    return {
      chunks: backing.chunks,
      sizeBytes: backing.sizeBytes,
      release: () => {
        this.events.count('heap_release');
        backing.release();
      },
    };
  }
}

function assertU64(value: bigint, what: string): void {
  assert(value >= 0n && value <= U64_MASK, () => `${what} ${value} is not a u64`);
}
