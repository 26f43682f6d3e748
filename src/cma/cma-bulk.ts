// cma_alloc_bulk: best-effort allocation of many order-N chunks from one CMA area, after Minchan Kim's unmerged
// "[PATCH 1/4] mm: introduce cma_alloc_bulk API" (Message-Id 20201117181935.3613581-2-minchan@kernel.org,
// Nov 2020; kernel-reference §3.1), with the fail-fast mode expressed as David Hildenbrand's ALLOC_CONTIG_FAST
// (Message-ID a2c33b8f-e4fb-1f1c-7ed0-496a1256ea09@redhat.com; seed 004) instead of __GFP_NORETRY.
//
// As the patch: `*nr_allocated = 0`; EINVAL for an area without pages; nothing requested is success; the LRU-add
// batches and per-CPU page lists are drained once up front; then, while pages are needed, one chunk of
// min(2^max(order, pageblock_order), needed) pages is searched and reserved exactly as cma_alloc does and
// handed to alloc_contig_range(MIGRATE_CMA) in the requested mode. A failed chunk's bits are cleared; EBUSY
// skips the whole chunk (the search resumes at its end, never inside it) where cma_alloc would step by `mask + 1`;
// any other error stops. Divergence: the patch resumes at `(pfn + nr_pages - base_pfn) >> order_per_bit`, which
// truncates into the failed range when it ends inside a bit (order < order_per_bit, the last partial range),
// and when fewer than 2^order_per_bit pages are still needed it yields the failed bit itself: the patch re-probes
// the same busy range forever. pagelab rounds up to the first bit past it (kernel-reference invariant 45). A chunk that succeeds is split
// into order-`order` entries and the search resumes after it. The result is 0 only when everything was
// allocated, else the last error or EBUSY. The caller owns (and must release) every chunk returned, in both cases.
import { assert } from '../base/assert.ts';
import type { Errno } from '../base/errno.ts';
import { PAGEBLOCK_ORDER, type Order, type PageCount, type Pfn } from '../base/units.ts';
import type { ContigMode } from '../contig/alloc-contig.ts';
import type { UserMemory } from '../contig/user-memory.ts';
import type { PageAllocator } from '../buddy/page-allocator.ts';
import { MIGRATE_CMA } from '../mem/migratetype.ts';
import type { OwnerId } from '../mem/owners.ts';
import type { CmaArea, CmaDeps } from './cma-area.ts';
import { cmaBitmapAlignedMask, cmaBitmapAlignedOffset, cmaBitmapPagesToBits } from './cma-bitmap.ts';

/** What cma_alloc_bulk needs beyond cma_alloc: the drains it does up front. */
export interface CmaBulkDeps extends CmaDeps {
  readonly buddy: PageAllocator;
  readonly user: UserMemory;
}

/** One cma_alloc_bulk request. */
export interface CmaBulkRequest {
  /** `align`: each chunk search is aligned to 2^alignOrder pages, as in cma_alloc. */
  readonly alignOrder: number;
  /** Each returned chunk is 2^order pages. */
  readonly order: Order;
  /** How many chunks are wanted. */
  readonly nrRequests: number;
  /** 'fast' (__GFP_NORETRY in the patch): one migration try, no per-range drains. */
  readonly mode: ContigMode;
  /** Who the pages are charged to; default the area's owner. */
  readonly owner?: OwnerId;
}

/** What cma_alloc_bulk hands back: the chunks it got (page_array), how many (*nr_allocated), and its return value. */
export interface CmaBulkResult {
  /** First PFN of each order-`order` chunk, ascending within each contiguous range. */
  readonly chunks: Pfn[];
  readonly nrAllocated: number;
  /** Undefined when all nrRequests chunks were allocated; otherwise EBUSY or the error that stopped the search. */
  readonly errno?: Errno;
}

/** cma_alloc_bulk(area, align, gfp, order, nr_requests, page_array, nr_allocated). See the header. */
export function cmaAllocBulk(area: CmaArea, deps: CmaBulkDeps, request: CmaBulkRequest): CmaBulkResult {
  const { order, nrRequests, alignOrder, mode } = request;
  assert(Number.isInteger(order) && order >= 0 && order < 31 && Number.isSafeInteger(nrRequests) && nrRequests >= 0, () => `cmaAllocBulk: bad order ${order} or count ${nrRequests}`);
  assert(Number.isInteger(alignOrder) && alignOrder >= 0 && alignOrder < 31, () => `cmaAllocBulk: bad align order ${alignOrder}`);
  const chunks: Pfn[] = [];
  if (area.pageCount === 0) return { chunks, nrAllocated: 0, errno: 'EINVAL' };
  let pagesNeeded: PageCount = nrRequests * 2 ** order;
  if (pagesNeeded === 0) return { chunks, nrAllocated: 0 };
  const chunkPages = 2 ** Math.max(order, PAGEBLOCK_ORDER);
  const mask = cmaBitmapAlignedMask(alignOrder, area.orderPerBit);
  const offset = cmaBitmapAlignedOffset(area.basePfn, alignOrder, area.orderPerBit);
  const { bitmap } = area;
  deps.user.lruAddDrainAll();
  deps.buddy.drainAllPages();
  let start = 0;
  let ret: Errno | undefined;
  while (pagesNeeded > 0) {
    const nrPages = Math.min(chunkPages, pagesNeeded);
    const bitmapCount = cmaBitmapPagesToBits(nrPages, area.orderPerBit);
    const bitmapNo = bitmap.findRange(start, bitmapCount, mask, offset);
    if (bitmapNo >= bitmap.bitmapMaxno) break;
    bitmap.reserve(bitmapNo, bitmapCount);
    const pfn = bitmap.pfnOfBit(bitmapNo);
    const got = deps.contig.allocContigRange(pfn, pfn + nrPages, MIGRATE_CMA, mode, request.owner ?? area.owner);
    if (!got.ok) {
      bitmap.clearPages(pfn, nrPages);
      ret = got.errno;
      if (ret !== 'EBUSY') break;
      // Why ceil: the patch's `>>` truncates, so a range ending inside a bit (order < order_per_bit) was re-probed from that bit.
      start = Math.ceil((pfn + nrPages - area.basePfn) / 2 ** area.orderPerBit);
      continue;
    }
    ret = undefined;
    for (let chunk = pfn; chunk < pfn + nrPages; chunk += 2 ** order) chunks.push(chunk);
    pagesNeeded -= nrPages;
    start = bitmapNo + bitmapCount;
  }
  if (ret === undefined && pagesNeeded > 0) ret = 'EBUSY';
  if (chunks.length < nrRequests) deps.events.count('cma_bulk_partial');
  return ret === undefined ? { chunks, nrAllocated: chunks.length } : { chunks, nrAllocated: chunks.length, errno: ret };
}
