// The vocabulary of per-page state: what a page frame is doing, the flag bits on it, and its caching attribute.

/** PageState values stored in PageTable.state (one byte per page). */
export const PAGE_ABSENT = 0;   // a hole between banks: no page frame exists
export const PAGE_RESERVED = 1; // memblock-reserved at boot (kernel image, firmware): never in the buddy allocator
export const PAGE_FREE = 2;     // inside a free buddy block (the block head also carries PG_BUDDY)
export const PAGE_PCP = 3;      // cached on a per-CPU list (PCP pages are not PageBuddy)
export const PAGE_ALLOCATED = 4; // handed out by the allocator
export type PageState = 0 | 1 | 2 | 3 | 4;
export const PAGE_STATE_NAMES: readonly string[] = ['absent', 'reserved', 'free', 'pcp', 'allocated'];

/** Flag bits stored in PageTable.flags. */
export const PG_BUDDY = 0x01;    // head of a free block; PageTable.order holds its order
export const PG_HEAD = 0x02;     // head of an allocation; PageTable.order holds its order
export const PG_COMPOUND = 0x04; // allocated with __GFP_COMP (compound_order() reports the real order)
export const PG_MOVABLE = 0x08;  // a migratable (LRU) page: migration may move it
export const PG_CACHE_SHIFT = 4; // two bits of caching attribute
export const PG_CACHE_MASK = 0x30;

/** Caching attributes a page can carry (set_pages_wc/uc, reset by set_pages_wb). */
export const CACHE_WB = 0;
export const CACHE_WC = 1;
export const CACHE_UC = 2;
export type CacheAttr = 0 | 1 | 2;
export const CACHE_ATTR_NAMES: readonly string[] = ['cached', 'write-combined', 'uncached'];

/** Content tag 0 means the page reads as all zeroes; any other value names its last writer (DESIGN §3). */
export const CONTENT_ZERO = 0;
