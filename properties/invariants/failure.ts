// What a broken invariant looks like (name, one-line message, expected-vs-actual details) and the catalogue of invariant names.

/** Every invariant the harness checks, with the one line a report prints about it. Names are stable: corpus signatures use them. */
export const INVARIANTS = {
  'no-exception': 'the simulator never throws (an AssertionError is a broken internal invariant)',
  'config': 'the scenario config boots',
  'no-double-ownership': 'no page is owned by two live allocations',
  'alignment': 'an order-k block starts at a multiple of 2^k pages',
  'managed-memory': 'allocations lie in managed memory (inside a bank, not boot-reserved)',
  'cma-migratetype': 'requests without __GFP_MOVABLE never receive MIGRATE_CMA pages',
  'zone-placement': 'only __GFP_MOVABLE|__GFP_HIGHMEM requests receive ZONE_MOVABLE pages',
  'zeroed-pages': 'every page of a __GFP_ZERO allocation reads as zero',
  'content-integrity': 'a live allocation keeps its owner and the data its owner wrote',
  'page-state': 'the allocator reports pages allocated/free as the model predicts, with the predicted refcount',
  'predicted-outcome': 'requests the model knows must fail do fail (order > MAX_PAGE_ORDER, an armed page_alloc fault), with ENOMEM',
  'bulk-contract': 'alloc_pages_bulk fills only null slots, returns r with slots [0, r) set and later null slots untouched',
  'conservation': 'free + isolated free + per-CPU + allocated pages == managed pages',
  'failed-op-unchanged': 'a failed operation leaves allocations and page counts as they were',
  'drain': 'a drained CPU holds no per-CPU pages',
  'structural': 'the structural checker (checkBuddy) finds nothing',
  'model-agreement': 'every page the model assigns to a live allocation is allocated to it, and no other harness page is',
  'end-state': 'after freeing everything and draining, memory is back to the boot free state, fully merged',
  'user-pages': 'every mapped slot keeps its owner, content and predicted references wherever migration moved it; munmap frees what nothing else holds',
  'cma-bits-claimed': 'kernel-reference 1: a successful cma_alloc sets exactly ceil(n / 2^opb) bits at (pfn - base) >> opb, all clear before',
  'cma-bitmap': 'kernel-reference 2: the area bitmap holds exactly the live allocations\' bits (no overlap, popcount == Σ ceil(n_i / 2^opb))',
  'cma-containment': 'kernel-reference 3: base_pfn <= pfn and pfn + n <= base_pfn + count',
  'cma-alignment': 'kernel-reference 4: align > opb ⇒ pfn % 2^align == 0 for any base; otherwise (pfn - base) % 2^opb == 0',
  'cma-early-failure': 'kernel-reference 5: n == 0 or ceil(n / 2^opb) > maxno fails without any alloc_contig_range call',
  'cma-first-fit': 'kernel-reference 6: with nothing busy in the first aligned window, cma_alloc takes it',
  'cma-probe-order': 'kernel-reference 7: probes strictly increase; the first is the first fit, each next the first fit at or after b + mask + 1; no wrap-around',
  'cma-retry-errno': 'kernel-reference 8: only EBUSY makes cma_alloc try another window; ENOMEM and EINTR end the call',
  'cma-failure-atomic': 'kernel-reference 9: a failed cma_alloc leaves the bitmap and the area\'s pageblock migratetypes as they were',
  'cma-release': 'kernel-reference 10: cma_release of a live allocation returns true, frees its pages and clears exactly its bits',
  'cma-invalid-release': 'kernel-reference 11: cma_release of NULL or a pfn outside the area returns false and changes nothing',
  'cma-counters': 'kernel-reference 12: success/fail/release page counters and vm events, debugfs used == popcount << opb, maxchunk == longest clear run << opb',
  'cma-partial-bit': 'kernel-reference 13: the pages past n in the last bit are not taken and stay free if they were',
  'contig-range': 'kernel-reference 16: after alloc_contig_range succeeds every page is the caller\'s; movable pages that were there live outside the isolated pageblocks with their content and owner',
  'contig-unmovable': 'kernel-reference 17: an unmovable page (or a CMA pageblock for a non-CMA caller) in the range gives EBUSY with nothing migrated',
  'contig-pinned': 'kernel-reference 18: a pinned page in the range gives EBUSY after at most 5 migration rounds per batch (1 in fast mode), nothing allocated',
  'contig-isolated': 'kernel-reference 19: an already-isolated pageblock gives EBUSY',
  'contig-migratetypes': 'kernel-reference 20: after any return every pageblock of the range has its migratetype back and no page that was free is taken (surplus back in the buddy)',
  'contig-no-target': 'kernel-reference 21: ENOMEM only when pages needed a migration target that could not be allocated',
  'contig-errno': 'alloc_contig_range fails only with EBUSY, ENOMEM, EINVAL or EINTR, and with EINTR exactly when a pending fatal signal was consumed',
  'contig-candidates': 'kernel-reference 22: alloc_contig_pages tries only ALIGN(zone_start, nr) + k·nr, whole in one zone, without holes or reserved pages',
  'longterm-pin': 'kernel-reference 23: after a FOLL_LONGTERM pin of n pages, n pages are pinned, none in CMA/ISOLATE/ZONE_MOVABLE (with the 2020 switch: pinned in place)',
  'cma-bulk-contract': 'kernel-reference 45: 0 <= nrAllocated <= nrRequests, success iff all; chunks aligned, inside the area, disjoint; a failed chunk is never probed again',
  'cma-bulk-fast': 'kernel-reference 46: fast mode drains nothing per range and migrates each batch at most once',
  'heap-size': 'kernel-reference 31: a buffer is PAGE_ALIGN(len) (chunk heap: ALIGN(len, chunk); CPA: rounded to 2^align_order pages) and its chunks cover exactly that',
  'heap-orders': 'kernel-reference 32-33: system-heap chunk orders are in {8, 4, 0}, never increase, order k only while 2^k pages remain; the greedy decomposition when memory is plentiful',
  'heap-no-reclaim': 'kernel-reference 34: the system heap\'s order-8 and order-4 requests never enter direct reclaim or compaction (6.4 flags)',
  'heap-failure-atomic': 'kernel-reference 35: a failed heap allocation (ENOMEM, EINTR) frees everything it obtained: pages, pool entries, CMA bits and counters as before, no dma-buf',
  'heap-zeroed': 'kernel-reference 36: every page of a newly handed-out buffer reads zero, from any heap and any pool',
  'heap-release': 'kernel-reference 37: the last reference releases exactly the buffer\'s pages, each chunk at its order, to a pool, the deferred list or the page allocator',
  'cma-heap-alignment': 'kernel-reference 38: a CMA-heap buffer is one range of the area aligned to 2^min(get_order(size), 8) (or the bit size), with its bits set',
  'heap-ioctl': 'kernel-reference 40-41, 43: bad len (0, wrap), fd, fd_flags or heap_flags is EINVAL before any allocation with no side effect; duplicate or empty heap names EINVAL, at most 128 heaps',
  'chunk-heap-shape': 'kernel-reference 44: a chunk-heap buffer is exactly ceil(len / chunk) aligned 2^order chunks of its area, or ENOMEM with none kept',
  'buffer-disjoint': 'no page is in two buffers, in a buffer and a pool or deferred list, or in a buffer and another layer\'s allocation',
  'buffer-content': 'a buffer\'s pages keep their owner and read back what was written through its mappings',
  'buffer-refs': 'dma-buf references and access follow the fd flags: dup/close/mmap/attach counts, EBADF once no fd is open, EACCES per OPEN_FMODE, EINVAL past the size',
  'pool-conservation': 'kernel-reference 47: per (family, order, caching) pool + in use + deferred + returned == obtained, with the pools\' and heaps\' own counters; CPA blocks likewise',
  'pool-hit-miss': 'kernel-reference 48: an allocation takes from the matching (order, caching) pool while it has entries and allocates fresh only on a miss; other pools are untouched; pages carry their caching',
  'shrinker-count': 'kernel-reference 49: a shrinker counts exactly the pages it holds (pools, deferred list, CPA pool); SHRINK_EMPTY or 0 when none',
  'shrinker-scan': 'kernel-reference 50: scan(n > 0) returns the pages it freed, the count drops by exactly that and the pages are free; scan(0) frees nothing; per-style amounts',
  'ttm-pool-limit': 'kernel-reference 52: TTM-style pools hold at most page_pool_size pages after any free',
  'deferred-free': 'kernel-reference 53: the deferred list frees items newest first and counts exactly its pages; an idle worker leaves it empty; under pressure pages go to the page allocator, never a pool',
  'static-pool': 'kernel-reference 54: a static (net page_pool) ring has no shrinker, never shrinks under pressure and holds at most its ring size',
  'cpa-watermarks': 'kernel-reference 55: a CPA pool below its low-mark refills towards the fill-mark each tick until full or an allocation fails; frees at the high-mark go to the system',
  'hog': 'a memory hog maps exactly the pages it reports, and a failed grow keeps none of its pages',
} as const;

/** The name of an invariant. */
export type InvariantName = keyof typeof INVARIANTS;

/** A broken invariant: its name, one readable line, and the facts behind it (`expected`/`actual` when there is a comparison). */
export interface InvariantFailure {
  readonly invariant: InvariantName;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** Builds a failure; `details` usually carries `expected` and `actual`. */
export function fail(invariant: InvariantName, message: string, details: Readonly<Record<string, unknown>> = {}): InvariantFailure {
  return { invariant, message, details };
}

/** True when `name` is a known invariant name (corpus validation). */
export function isInvariantName(name: string): name is InvariantName {
  return Object.prototype.hasOwnProperty.call(INVARIANTS, name);
}
