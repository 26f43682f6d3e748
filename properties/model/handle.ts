// A live allocation as the model tracks it: its page range, its references and what its owner wrote.
import type { Order, PageCount, Pfn } from '../../src/base/units.ts';
import type { Gfp } from '../../src/mem/gfp.ts';
import type { OwnerId } from '../../src/mem/owners.ts';

/**
 * One live allocation (a "handle", printed `#id`). The owner writes its id into every page as the
 * content tag, so `id` is also the tag the pages must keep while the handle lives.
 */
export interface Handle {
  /** 1, 2, 3, ... in allocation order within a run; also the content tag of its pages. */
  readonly id: number;
  /** First PFN (the allocation head). */
  readonly pfn: Pfn;
  /** The OwnerId the machine charged the pages to. */
  readonly owner: OwnerId;
  /** The gfp mask it was allocated with. */
  readonly gfp: Gfp;
  /** Allocated with __GFP_COMP at order > 0 (put_page frees it whole). */
  readonly compound: boolean;
  /** The CPU its pages are freed on (the CPU that allocated them). */
  readonly cpu: number;
  /** Current order: drops to 0 when a non-compound block's tails were freed early (e320d3012d25). */
  order: Order;
  /** Pages still held: 2^order. */
  pageCount: PageCount;
  /** The allocating caller still holds its reference (freePages has not run yet). */
  ownerRef: boolean;
  /** Extra references taken with getPage and not yet dropped with putPage. */
  extraRefs: number;
}

/** The page refcount the allocator must report on the head: the caller's reference plus the extra ones. */
export function expectedRefcount(handle: Handle): number {
  return (handle.ownerRef ? 1 : 0) + handle.extraRefs;
}
