// The runtime CMA area: cma_alloc, cma_release/cma_pages_valid and the counters of Linux 6.1 mm/cma.c
// (CMA_ALLOC_SUCCESS/CMA_ALLOC_FAIL vm events, mm/cma_sysfs.c nr_pages_succeeded/nr_pages_failed), built on CmaBitmap
// and alloc_contig_range(MIGRATE_CMA).
//
// Divergence: `nrPagesReleased` (sysfs release_pages_success, added after 6.1) is kept as well; 6.1 has no
// such file. cma_alloc's per-area lock and the global cma_mutex are not modelled: operations do not interleave.
import { assert } from '../base/assert.ts';
import { err, ok, type Errno, type Result } from '../base/errno.ts';
import type { StateHasher } from '../base/hash.ts';
import type { PageCount, Pfn } from '../base/units.ts';
import type { ContigAllocator } from '../contig/alloc-contig.ts';
import { MIGRATE_CMA } from '../mem/migratetype.ts';
import type { OwnerId } from '../mem/owners.ts';
import { NO_PAGE } from '../mem/page-table.ts';
import type { VmEvents } from '../mem/vm-events.ts';
import { cmaBitmapAlignedMask, cmaBitmapAlignedOffset, cmaBitmapPagesToBits, CmaBitmap } from './cma-bitmap.ts';

const U64 = 64;

/** What an area needs from the machine. */
export interface CmaDeps {
  readonly contig: ContigAllocator;
  readonly events: VmEvents;
}

/** One cma_alloc request. */
export interface CmaAllocRequest {
  /** `count`: pages to allocate (an unsigned long in Linux; 0 fails). */
  readonly pageCount: PageCount;
  /** `align`: the result is aligned to 2^alignOrder pages (physically, whatever the base). */
  readonly alignOrder: number;
  /** `no_warn`: only silences Linux's failure report. */
  readonly noWarn?: boolean;
  /** Who the pages are charged to; default the area's own owner. */
  readonly owner?: OwnerId;
}

/** A CMA area with its bitmap and counters. Build them with CmaRegistry. */
export class CmaArea {
  readonly name: string;
  readonly bitmap: CmaBitmap;
  /** The owner cma_alloc charges pages to when the caller names none. */
  readonly owner: OwnerId;
  /** sysfs alloc_pages_success (u64). */
  nrPagesSucceeded = 0n;
  /** sysfs alloc_pages_fail (u64). */
  nrPagesFailed = 0n;
  /** sysfs release_pages_success (u64; not in 6.1, see the header). */
  nrPagesReleased = 0n;
  /** Bitmap indices the latest cma_alloc tried, in order (diagnostics; not machine state). */
  lastProbes: readonly number[] = [];

  constructor(name: string, basePfn: Pfn, pageCount: PageCount, orderPerBit: number, owner: OwnerId) {
    this.name = name;
    this.bitmap = new CmaBitmap(basePfn, pageCount, orderPerBit);
    this.owner = owner;
  }

  /** base_pfn. */
  get basePfn(): Pfn {
    return this.bitmap.basePfn;
  }

  /** count: pages in the area. */
  get pageCount(): PageCount {
    return this.bitmap.pageCount;
  }

  /** order_per_bit. */
  get orderPerBit(): number {
    return this.bitmap.orderPerBit;
  }

  /** One past the last PFN of the area. */
  get pfnEnd(): Pfn {
    return this.bitmap.basePfn + this.bitmap.pageCount;
  }

  /** cma_sysfs_account_success_pages(). */
  accountSuccess(events: VmEvents, pageCount: PageCount): void {
    events.count('cma_alloc_success');
    this.nrPagesSucceeded = BigInt.asUintN(U64, this.nrPagesSucceeded + BigInt(pageCount));
  }

  /**
   * The `out:` label of a failed cma_alloc: CMA_ALLOC_FAIL and nr_pages_failed += count. `countPages` is the
   * unsigned long count, so a negative debugfs `int` arrives here wrapped to 2^64 - n.
   */
  accountFailure(events: VmEvents, countPages: bigint | number): void {
    events.count('cma_alloc_fail');
    this.nrPagesFailed = BigInt.asUintN(U64, this.nrPagesFailed + BigInt(countPages));
  }

  /** Feeds the bitmap and counters to `hasher`. */
  hashInto(hasher: StateHasher): void {
    hasher.updateString(this.name);
    hasher.updateString(this.bitmap.bitmapWordsText());
    hasher.updateString(`${this.nrPagesSucceeded} ${this.nrPagesFailed} ${this.nrPagesReleased}`);
  }
}

function failed(area: CmaArea, deps: CmaDeps, pageCount: PageCount, errno: Errno, detail: string): Result<never> {
  area.accountFailure(deps.events, pageCount);
  return err(errno, `cma_alloc(${area.name}, ${pageCount}): ${detail}`);
}

/**
 * cma_alloc(area, count, align, no_warn) exactly as 6.1: no pages or count 0 fails at once; a request of more
 * bits than the area has fails without touching the bitmap; otherwise each first-fit aligned window
 * (bitmap_find_next_zero_area_off with the aligned mask and offset, from `start`, no wrap-around) is reserved
 * in the bitmap BEFORE alloc_contig_range(pfn, pfn + count, MIGRATE_CMA) runs, cleared again when that fails,
 * and only an EBUSY moves on, to `bitmap_no + mask + 1`. ENOMEM/EINTR end the call. The error's errno is the
 * last `ret` (ENOMEM when no window was left to try). Only `count` pages are taken: the rest of the last bit
 * stays free in the buddy allocator and reserved in the bitmap.
 */
export function cmaAlloc(area: CmaArea, deps: CmaDeps, request: CmaAllocRequest): Result<Pfn> {
  const { pageCount, alignOrder } = request;
  assert(Number.isSafeInteger(pageCount) && pageCount >= 0, () => `cmaAlloc: bad page count ${pageCount}`);
  assert(Number.isInteger(alignOrder) && alignOrder >= 0 && alignOrder < 31, () => `cmaAlloc: bad align order ${alignOrder}`);
  const { bitmap } = area;
  area.lastProbes = [];
  if (area.pageCount === 0) return failed(area, deps, pageCount, 'ENOMEM', 'area has no pages');
  if (pageCount === 0) return failed(area, deps, pageCount, 'ENOMEM', 'count is 0');
  const mask = cmaBitmapAlignedMask(alignOrder, area.orderPerBit);
  const offset = cmaBitmapAlignedOffset(area.basePfn, alignOrder, area.orderPerBit);
  const bitmapCount = cmaBitmapPagesToBits(pageCount, area.orderPerBit);
  if (bitmapCount > bitmap.bitmapMaxno) return failed(area, deps, pageCount, 'ENOMEM', `${bitmapCount} bits > maxno ${bitmap.bitmapMaxno}`);
  const probes: number[] = [];
  let start = 0;
  let ret: Errno = 'ENOMEM';
  let detail = 'no free aligned window';
  for (;;) {
    const bitmapNo = bitmap.findRange(start, bitmapCount, mask, offset);
    if (bitmapNo >= bitmap.bitmapMaxno) break;
    probes.push(bitmapNo);
    // Why: the bits are claimed before migration so no other allocation can take the window meanwhile (M7).
    bitmap.reserve(bitmapNo, bitmapCount);
    const pfn = bitmap.pfnOfBit(bitmapNo);
    const got = deps.contig.allocContigRange(pfn, pfn + pageCount, MIGRATE_CMA, 'normal', request.owner ?? area.owner);
    if (got.ok) {
      area.lastProbes = probes;
      area.accountSuccess(deps.events, pageCount);
      return ok(pfn);
    }
    bitmap.clearPages(pfn, pageCount);
    ret = got.errno;
    detail = `${got.errno} at pfn ${pfn}: ${got.detail}`;
    if (ret !== 'EBUSY') break;
    deps.events.count('cma_alloc_busy_retry');
    start = bitmapNo + mask + 1;
  }
  area.lastProbes = probes;
  return failed(area, deps, pageCount, ret, detail);
}

/** cma_pages_valid(): `pfn` names pages (not NULL) and starts inside the area; only the start is checked. */
export function cmaPagesValid(area: CmaArea, pfn: Pfn): boolean {
  return pfn !== NO_PAGE && pfn >= area.basePfn && pfn < area.pfnEnd;
}

/**
 * cma_release(area, pages, count): false (and nothing changes) when cma_pages_valid() fails. Otherwise frees
 * the pages with free_contig_range (a page someone else still references only loses the area's reference,
 * which Linux WARNs about), clears their bits, and returns true. A range that starts inside the area
 * but runs past its end is the VM_BUG_ON of 6.1: an assertion here.
 */
export function cmaRelease(area: CmaArea, deps: CmaDeps, pfn: Pfn, pageCount: PageCount): boolean {
  if (!cmaPagesValid(area, pfn)) return false;
  assert(Number.isSafeInteger(pageCount) && pageCount >= 0 && pfn + pageCount <= area.pfnEnd, () => `cma_release(${area.name}): ${pageCount} pages at ${pfn} run past the area end ${area.pfnEnd}`);
  deps.contig.freeContigRange(pfn, pageCount);
  area.bitmap.clearPages(pfn, pageCount);
  area.nrPagesReleased = BigInt.asUintN(U64, area.nrPagesReleased + BigInt(pageCount));
  deps.events.count('cma_release');
  return true;
}
