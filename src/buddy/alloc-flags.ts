// ALLOC_* flags of Linux 6.1 mm/internal.h (the allocator's internal view of a request), with the same bit values.

/** Index of the watermark an allocation is checked against (the low bits of alloc_flags). */
export const ALLOC_WMARK_MIN = 0;
/** Check against the low watermark (the fast path). */
export const ALLOC_WMARK_LOW = 1;
/** Check against the high watermark. */
export const ALLOC_WMARK_HIGH = 2;
/** Don't check watermarks at all (__GFP_MEMALLOC). */
export const ALLOC_NO_WATERMARKS = 0x04;
/** The watermark-index bits of alloc_flags. */
export const ALLOC_WMARK_MASK = ALLOC_NO_WATERMARKS - 1;
/** An OOM victim's access to reserves; never set here (there is no OOM killer). */
export const ALLOC_OOM = 0x08;
/** Try to alloc harder (GFP_ATOMIC): dips further below min and may use the highatomic reserve. */
export const ALLOC_HARDER = 0x10;
/** __GFP_HIGH: half the min watermark. Same bit as __GFP_HIGH. */
export const ALLOC_HIGH = 0x20;
/** Obey cpuset/nodemask restrictions (cleared for GFP_ATOMIC, which then ignores the nodemask in the slow path). */
export const ALLOC_CPUSET = 0x40;
/** The allocation may use MIGRATE_CMA pageblocks (movable allocations only). */
export const ALLOC_CMA = 0x80;
/** Don't steal from other pageblocks below pageblock_order on the first pass (avoid fragmentation). */
export const ALLOC_NOFRAGMENT = 0x100;
/** Wake kswapd on a watermark miss. Same bit as __GFP_KSWAPD_RECLAIM. */
export const ALLOC_KSWAPD = 0x800;
