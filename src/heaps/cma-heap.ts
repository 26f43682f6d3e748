// The dma-buf CMA heap: one heap per exported CMA area, cma_alloc with align = min(get_order(size), CONFIG_CMA_ALIGNMENT), cleared pages, the page array, cma_release on release; mirrors Linux 6.1 drivers/dma-buf/heaps/cma_heap.c (cma_heap_allocate, cma_heap_dma_buf_release, cma_heap_mmap, cma_heap_vm_fault, __add_cma_heap).
//
// allocate (6.1): size = PAGE_ALIGN(len) (the ioctl already did it), pagecount = size >> PAGE_SHIFT,
// align = get_order(size) capped at CONFIG_CMA_ALIGNMENT (kernel/dma/Kconfig: default 8, range 2..12
// since Paul Cercueil's 2020 change), then cma_alloc(cma, pagecount, align, false); NULL is -ENOMEM
// whatever cma_alloc's own reason was, and cma_alloc has already undone its bitmap reservation (a
// failure only moves the area's fail counter, and keeps pages that migration moved, as Linux does).
// Clearing: 6.1 clears page by page with kmap_atomic and a fatal_signal_pending() check only when the
// first page is highmem; pagelab has no highmem (x86-64), so it is the one memset(page_address(), 0,
// size) with no signal check. Then buffer->pages[pg] = &cma_pages[pg]: the buffer's sg list here is
// that page array (order-0 entries). kmalloc_array/dma_buf_export failures are not modelled.
// Release: cma_release(cma, cma_pages, pagecount).
// mmap: 6.1 refuses a mapping without VM_SHARED|VM_MAYSHARE (EINVAL); every pagelab mapping is
// MAP_SHARED. The 6.1 fault handler rejects only `pgoff > pagecount`, an off-by-one fixed in 2024 by
// T.J. Mercier ("dma-buf: heaps: Fix off-by-one in CMA heap fault handler",
// 20240830192627.2546033-1-tjmercier@google.com, Fixes a5d2d29e24be; reported by Xingyu Jin): a fault
// at pgoff == pagecount reads one entry past the page array. In 6.1 it is reachable only through a
// mapping that mremap() grew past the buffer (VM_DONTEXPAND came later, with 1c1914d6e8c6), because
// dma_buf_mmap_internal rejects any mmap past the size. pagelab has no mremap and DmaBuf.mmap keeps
// that size check, so the off-by-one is unreachable here; CmaHeapBuffer.vmFault models the 6.1 check
// and asserts on the unreachable case.
import { assert } from '../base/assert.ts';
import { err, ok, type Result } from '../base/errno.ts';
import { PAGE_SIZE, type Order, type PageCount, type Pfn } from '../base/units.ts';
import { cmaAlloc, cmaRelease, type CmaArea, type CmaDeps } from '../cma/cma-area.ts';
import type { OwnerId } from '../mem/owners.ts';
import type { BufferChunk, HeapBuffer } from './dma-buf.ts';
import type { DmaHeap, HeapAllocRequest, HeapEnv } from './dma-heap.ts';

/** CONFIG_CMA_ALIGNMENT: the largest alignment order the CMA heap (and dma_alloc_from_contiguous) asks for. */
export const CONFIG_CMA_ALIGNMENT = 8;

/** get_order(pageCount * PAGE_SIZE): the smallest order whose block holds `pageCount` pages (pageCount >= 1). */
export function orderOfPages(pageCount: PageCount): Order {
  assert(Number.isSafeInteger(pageCount) && pageCount >= 1, () => `orderOfPages: bad page count ${pageCount}`);
  let order = 0;
  while (2 ** order < pageCount) order++;
  return order;
}

/** The `align` cma_heap_allocate passes to cma_alloc for a buffer of `pageCount` pages. */
export function cmaHeapAlignOrder(pageCount: PageCount): Order {
  return Math.min(orderOfPages(pageCount), CONFIG_CMA_ALIGNMENT);
}

/** One CMA-heap buffer (struct cma_heap_buffer): a contiguous range and its page array. */
export class CmaHeapBuffer implements HeapBuffer {
  /** buffer->pages: one order-0 entry per page, in order. */
  readonly chunks: readonly BufferChunk[];
  readonly sizeBytes: number;
  private released = false;

  constructor(
    private readonly heap: CmaHeap,
    /** buffer->cma_pages: the first PFN of the range. */
    readonly pfn: Pfn,
    /** buffer->pagecount. */
    readonly pageCount: PageCount,
  ) {
    this.sizeBytes = pageCount * PAGE_SIZE;
    this.chunks = Array.from({ length: pageCount }, (_, pg) => ({ pfn: pfn + pg, order: 0 }));
  }

  /**
   * cma_heap_vm_fault() as in 6.1: `pgoff > pagecount` is SIGBUS (EFAULT here), otherwise the page at
   * pgoff. pgoff == pagecount passes the 6.1 check and would read past the page array; it cannot be
   * reached without mremap (see the header), so it is an assertion.
   */
  vmFault(pgoff: number): Result<Pfn> {
    assert(Number.isSafeInteger(pgoff) && pgoff >= 0, () => `cma_heap_vm_fault: bad pgoff ${pgoff}`);
    if (pgoff > this.pageCount) return err('EFAULT', `VM_FAULT_SIGBUS: pgoff ${pgoff} > pagecount ${this.pageCount}`);
    // Why: the 6.1 off-by-one lets pgoff == pagecount through; only an mremap-grown mapping gets here.
    assert(pgoff < this.pageCount, () => `cma_heap_vm_fault: pgoff ${pgoff} == pagecount passes the 6.1 check and reads past buffer->pages (fixed by T.J. Mercier in 2024)`);
    return ok(this.pfn + pgoff);
  }

  /** cma_heap_dma_buf_release(): cma_release of the whole range, once. */
  release(): void {
    assert(!this.released, () => `${this.heap.name}: buffer at pfn ${this.pfn} released twice`);
    this.released = true;
    this.heap.releaseRange(this.pfn, this.pageCount);
  }
}

/** A CMA heap: /dev/dma_heap/NAME backed by one CMA area (name = cma_get_name()). */
export class CmaHeap implements DmaHeap {
  readonly name: string;
  private readonly owner: OwnerId;

  constructor(readonly area: CmaArea, private readonly env: HeapEnv, private readonly cma: CmaDeps) {
    this.name = area.name;
    this.owner = env.owners.register('heap', area.name);
  }

  /** cma_heap_allocate() (see the header): ENOMEM when the area cannot serve the request. */
  allocate(request: HeapAllocRequest): Result<CmaHeapBuffer> {
    const pageCount = request.pageCount;
    const alignOrder = cmaHeapAlignOrder(pageCount);
    const pfn = cmaAlloc(this.area, this.cma, { pageCount, alignOrder, owner: this.owner });
    if (!pfn.ok) return err('ENOMEM', `${this.name}: ${pfn.detail}`);
    this.env.buddy.table.zeroContent(pfn.value, pageCount);
    return ok(new CmaHeapBuffer(this, pfn.value, pageCount));
  }

  /** cma_release() of a buffer's range; asserts the area took it back. */
  releaseRange(pfn: Pfn, pageCount: PageCount): void {
    const released = cmaRelease(this.area, this.cma, pfn, pageCount);
    assert(released, () => `${this.name}: cma_release refused pfn ${pfn} (${pageCount} pages)`);
  }
}

/**
 * __add_cma_heap() for each area, in the given order (the default area first, then the areas devices
 * export); an area that appears twice gets one heap.
 */
export function createCmaHeaps(areas: readonly CmaArea[], env: HeapEnv, cma: CmaDeps): CmaHeap[] {
  const seen = new Set<string>();
  const heaps: CmaHeap[] = [];
  for (const area of areas) {
    if (seen.has(area.name)) continue;
    seen.add(area.name);
    heaps.push(new CmaHeap(area, env, cma));
  }
  return heaps;
}
