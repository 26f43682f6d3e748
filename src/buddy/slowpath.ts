// The allocation slow path: __alloc_pages_slowpath and its helpers (gfp_to_alloc_flags, kswapd wake, direct compaction and reclaim, retry policy) of Linux 6.1.
//
// Divergences, all deliberate: reclaim, compaction and kswapd are hooks (SlowPathHooks) called per
// allowed zone; a compaction hook returning false stands for COMPACT_SKIPPED; should_compact_retry is
// reduced to "retry while compaction progresses (16 times, 4 for costly orders), else raise the
// priority twice"; there is no OOM killer, so where Linux would call out_of_memory() the request
// fails (counted as oom_fail); __GFP_NOFAIL gets one last ALLOC_HARDER attempt and then fails
// instead of looping forever; and the whole retry loop is capped at MAX_SLOWPATH_ROUNDS so a hook
// that always reports progress cannot livelock a deterministic simulation.
import { PAGE_ALLOC_COSTLY_ORDER, type Pfn } from '../base/units.ts';
import {
  __GFP_ATOMIC, __GFP_DIRECT_RECLAIM, __GFP_HIGH, __GFP_KSWAPD_RECLAIM, __GFP_MEMALLOC, __GFP_NOFAIL, __GFP_NOMEMALLOC,
  __GFP_NORETRY, __GFP_RETRY_MAYFAIL, __GFP_THISNODE, type Gfp,
} from '../mem/gfp.ts';
import { gfpMigratetype, MIGRATE_MOVABLE } from '../mem/migratetype.ts';
import { NO_PAGE } from '../mem/page-table.ts';
import { allowedZones, firstAllowedZone, type AllocatorCore, type AllocContext } from './alloc-context.ts';
import { ALLOC_CMA, ALLOC_CPUSET, ALLOC_HARDER, ALLOC_KSWAPD, ALLOC_NO_WATERMARKS, ALLOC_WMARK_MIN } from './alloc-flags.ts';
import { unreserveHighatomicPageblock } from './fallback.ts';
import { getPageFromFreelist } from './get-page.ts';
import { zoneWatermarkOk } from './watermarks.ts';
import { ZONE_NORMAL } from './zone.ts';

/** MAX_RECLAIM_RETRIES: no-progress reclaim rounds before giving up. */
export const MAX_RECLAIM_RETRIES = 16;
/** MAX_COMPACT_RETRIES: compaction rounds with progress before giving up. */
export const MAX_COMPACT_RETRIES = 16;
/** Safety cap on slow-path rounds (not in Linux; see the header). */
export const MAX_SLOWPATH_ROUNDS = 4 * MAX_RECLAIM_RETRIES;

/** gfp_to_alloc_flags_cma(): only movable requests may use CMA pageblocks. */
export function gfpToAllocFlagsCma(gfp: Gfp, allocFlags: number): number {
  return gfpMigratetype(gfp) === MIGRATE_MOVABLE ? allocFlags | ALLOC_CMA : allocFlags;
}

/** gfp_to_alloc_flags(): min watermark, __GFP_HIGH and kswapd bits, ALLOC_HARDER for __GFP_ATOMIC. */
export function gfpToAllocFlags(gfp: Gfp): number {
  let allocFlags = ALLOC_WMARK_MIN | ALLOC_CPUSET;
  allocFlags |= gfp & (__GFP_HIGH | __GFP_KSWAPD_RECLAIM);
  if ((gfp & __GFP_ATOMIC) !== 0) {
    if ((gfp & __GFP_NOMEMALLOC) === 0) allocFlags |= ALLOC_HARDER;
    allocFlags &= ~ALLOC_CPUSET;
  }
  return gfpToAllocFlagsCma(gfp, allocFlags);
}

/** __gfp_pfmemalloc_flags(): only __GFP_MEMALLOC grants reserves here (no PF_MEMALLOC tasks, no OOM victims). */
function gfpPfmemallocFlags(gfp: Gfp): number {
  if ((gfp & __GFP_NOMEMALLOC) !== 0) return 0;
  return (gfp & __GFP_MEMALLOC) !== 0 ? ALLOC_NO_WATERMARKS : 0;
}

/** wake_all_kswapds(): one wake per node in the zonelist. */
function wakeAllKswapds(core: AllocatorCore, ac: AllocContext): void {
  let lastNode = -1;
  for (const zone of allowedZones(ac)) {
    if (zone.managedPages === 0 || zone.node === lastNode) continue;
    lastNode = zone.node;
    core.events.count('kswapd_wake');
    core.hooks.wakeKswapd(zone);
  }
}

/** __alloc_pages_direct_compact(): runs the compaction hook (order > 0 only), then retries the freelists. */
function directCompact(core: AllocatorCore, ac: AllocContext, allocFlags: number): Pfn {
  ac.compactProgress = false;
  if (ac.order === 0) return NO_PAGE;
  for (const zone of allowedZones(ac)) {
    if (core.hooks.compact(zone, ac.order, ac.gfp)) {
      ac.compactProgress = true;
      break;
    }
  }
  if (!ac.compactProgress) return NO_PAGE;
  core.events.count('compact_stall');
  return getPageFromFreelist(core, ac, allocFlags);
}

/** __alloc_pages_direct_reclaim(): reclaim, retry; on failure unreserve highatomic, drain the per-CPU lists, retry once more. */
function directReclaim(core: AllocatorCore, ac: AllocContext, allocFlags: number): Pfn {
  core.events.count('allocstall');
  let progress = 0;
  for (const zone of allowedZones(ac)) progress += core.hooks.reclaim(zone, ac.order, ac.gfp);
  ac.didSomeProgress = progress;
  if (progress === 0) return NO_PAGE;
  let pfn = getPageFromFreelist(core, ac, allocFlags);
  if (pfn !== NO_PAGE) return pfn;
  unreserveHighatomicPageblock(allowedZones(ac), ac.migratetype, false);
  core.drainAllPages();
  pfn = getPageFromFreelist(core, ac, allocFlags);
  return pfn;
}

/** Retry counters of one slow-path run. */
interface RetryState {
  noProgressLoops: number;
  compactionRetries: number;
  compactPriority: number;
}

/**
 * should_reclaim_retry(): keep going while reclaim progresses (for orders <= 3) and some zone would
 * pass its min watermark if everything reclaimable were freed; after MAX_RECLAIM_RETRIES rounds
 * without progress, only a forced highatomic unreserve buys another round.
 */
function shouldReclaimRetry(core: AllocatorCore, ac: AllocContext, allocFlags: number, state: RetryState): boolean {
  if (ac.didSomeProgress > 0 && ac.order <= PAGE_ALLOC_COSTLY_ORDER) state.noProgressLoops = 0;
  else state.noProgressLoops++;
  if (state.noProgressLoops > MAX_RECLAIM_RETRIES) return unreserveHighatomicPageblock(allowedZones(ac), ac.migratetype, true);
  for (const zone of allowedZones(ac)) {
    const available = (core.hooks.reclaimablePages?.(zone) ?? 0) + zone.freeArea.nrFreePages;
    if (zoneWatermarkOk(zone, ac.order, zone.minWatermark, ac.highestZoneIdx, allocFlags, available)) return true;
  }
  return false;
}

/** should_compact_retry(), simplified: retry while compaction progresses, else step the priority up (ASYNC → SYNC_LIGHT → SYNC_FULL). */
function shouldCompactRetry(ac: AllocContext, state: RetryState): boolean {
  if (ac.order === 0) return false;
  const costly = ac.order > PAGE_ALLOC_COSTLY_ORDER;
  if (ac.compactProgress) {
    state.compactionRetries++;
    return state.compactionRetries <= (costly ? MAX_COMPACT_RETRIES / 4 : MAX_COMPACT_RETRIES);
  }
  const minPriority = costly ? 1 : 0;
  if (state.compactPriority <= minPriority) return false;
  state.compactPriority--;
  state.compactionRetries = 0;
  return true;
}

/** Would __alloc_pages_may_oom() have called out_of_memory() for this request? */
function wouldOomKill(ac: AllocContext): boolean {
  if (ac.order > PAGE_ALLOC_COSTLY_ORDER) return false;
  if ((ac.gfp & (__GFP_RETRY_MAYFAIL | __GFP_THISNODE)) !== 0) return false;
  return ac.highestZoneIdx >= ZONE_NORMAL;
}

/** The first attempt at the adjusted flags, plus the early direct compaction for costly or unmovable high orders. */
function slowpathFirstAttempt(core: AllocatorCore, ac: AllocContext, allocFlags: number): Pfn | 'give-up' {
  if ((allocFlags & ALLOC_KSWAPD) !== 0) wakeAllKswapds(core, ac);
  const pfn = getPageFromFreelist(core, ac, allocFlags);
  if (pfn !== NO_PAGE) return pfn;
  const costly = ac.order > PAGE_ALLOC_COSTLY_ORDER;
  const canDirectReclaim = (ac.gfp & __GFP_DIRECT_RECLAIM) !== 0;
  if (!canDirectReclaim || !(costly || (ac.order > 0 && ac.migratetype !== MIGRATE_MOVABLE)) || gfpPfmemallocFlags(ac.gfp) !== 0) return NO_PAGE;
  const compacted = directCompact(core, ac, allocFlags);
  if (compacted !== NO_PAGE) return compacted;
  // Why: a costly __GFP_NORETRY request whose compaction was skipped gives up rather than reclaim.
  if (costly && (ac.gfp & __GFP_NORETRY) !== 0 && !ac.compactProgress) return 'give-up';
  return NO_PAGE;
}

/** One round of the retry: label of __alloc_pages_slowpath. Returns a PFN, 'retry' or 'give-up'. */
function slowpathRound(core: AllocatorCore, ac: AllocContext, allocFlags: number, state: RetryState): Pfn | 'retry' | 'give-up' {
  if ((allocFlags & ALLOC_KSWAPD) !== 0) wakeAllKswapds(core, ac);
  let pfn = getPageFromFreelist(core, ac, allocFlags);
  if (pfn !== NO_PAGE) return pfn;
  if ((ac.gfp & __GFP_DIRECT_RECLAIM) === 0) return 'give-up';
  pfn = directReclaim(core, ac, allocFlags);
  if (pfn !== NO_PAGE) return pfn;
  pfn = directCompact(core, ac, allocFlags);
  if (pfn !== NO_PAGE) return pfn;
  if ((ac.gfp & __GFP_NORETRY) !== 0) return 'give-up';
  if (ac.order > PAGE_ALLOC_COSTLY_ORDER && (ac.gfp & __GFP_RETRY_MAYFAIL) === 0) return 'give-up';
  if (shouldReclaimRetry(core, ac, allocFlags, state)) return 'retry';
  if (ac.didSomeProgress > 0 && shouldCompactRetry(ac, state)) return 'retry';
  if (wouldOomKill(ac)) core.events.count('oom_fail');
  return 'give-up';
}

/** The __GFP_NOFAIL last resort: __alloc_pages_cpuset_fallback() with ALLOC_HARDER (Linux would then loop forever). */
function nofailLastResort(core: AllocatorCore, ac: AllocContext): Pfn {
  if ((ac.gfp & __GFP_NOFAIL) === 0 || (ac.gfp & __GFP_DIRECT_RECLAIM) === 0) return NO_PAGE;
  return getPageFromFreelist(core, ac, ALLOC_HARDER);
}

/** Adjusts flags and nodemask for reserves (ALLOC_NO_WATERMARKS) and for requests that ignore cpusets. */
function adjustForReserves(ac: AllocContext, allocFlags: number): number {
  const reserveFlags = gfpPfmemallocFlags(ac.gfp);
  if (reserveFlags !== 0) allocFlags = gfpToAllocFlagsCma(ac.gfp, reserveFlags);
  if ((allocFlags & ALLOC_CPUSET) === 0 || reserveFlags !== 0) {
    ac.nodes = undefined;
    ac.preferredZone = firstAllowedZone(ac);
  }
  return allocFlags;
}

/**
 * __alloc_pages_slowpath(): after the fast path missed the low watermark: wake kswapd, retry at the
 * min watermark with ALLOC_HIGH/ALLOC_HARDER as the gfp allows, then (with __GFP_DIRECT_RECLAIM)
 * direct reclaim and compaction with bounded retries. Returns NO_PAGE when the request fails.
 */
export function allocPagesSlowpath(core: AllocatorCore, ac: AllocContext): Pfn {
  // Why: __GFP_ATOMIC with direct reclaim is a caller bug; Linux warns and drops __GFP_ATOMIC.
  if ((ac.gfp & (__GFP_ATOMIC | __GFP_DIRECT_RECLAIM)) === (__GFP_ATOMIC | __GFP_DIRECT_RECLAIM)) ac.gfp &= ~__GFP_ATOMIC;
  let allocFlags = gfpToAllocFlags(ac.gfp);
  ac.preferredZone = firstAllowedZone(ac);
  if (ac.preferredZone === null) return NO_PAGE;
  const first = slowpathFirstAttempt(core, ac, allocFlags);
  if (first === 'give-up') return nofailLastResort(core, ac);
  if (first !== NO_PAGE) return first;
  const state: RetryState = { noProgressLoops: 0, compactionRetries: 0, compactPriority: 2 };
  for (let round = 0; ; round++) {
    // Why: Linux would keep looping while reclaim claims progress; a simulation must end (counted like an OOM).
    if (round === MAX_SLOWPATH_ROUNDS) {
      if (wouldOomKill(ac)) core.events.count('oom_fail');
      break;
    }
    allocFlags = adjustForReserves(ac, allocFlags);
    const outcome = slowpathRound(core, ac, allocFlags, state);
    if (outcome === 'give-up') break;
    if (outcome !== 'retry') return outcome;
  }
  return nofailLastResort(core, ac);
}
