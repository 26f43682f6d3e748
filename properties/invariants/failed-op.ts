// "A failed op changes nothing", checked with a cheap semantic fingerprint taken before every op rather than a full state hash.
//
// Why not Machine.stateHash() before and after each op: it costs O(memory) per op (it would dominate
// the run), and it would be wrong. Linux keeps side effects of a failed allocation that a caller
// cannot observe as "the operation happened": kswapd wake-ups, direct reclaim that ran before the
// allocation gave up (pages freed by shrinkers stay freed), per-CPU lists drained by the slow path
// (pages move from per-CPU lists to the buddy lists), a highatomic pageblock unreserved, pageblocks
// whose migratetype changed while falling back, a consumed fault, vm event counters. What a
// failed operation must not change is what callers own: the fingerprint is the model's allocations
// and the allocator's allocated-page count (managed − free − isolated free − per-CPU), plus the
// isolated-pageblock count (a failed isolation must be undone). The allocated count may drop only
// when shrinkers ran during the op (direct reclaim freeing pool pages); it may never grow.
import { layersLiveObjects, layersOwnedPages } from '../model/model-layer.ts';
import type { OpContext } from '../ops/op.ts';
import { fail, type InvariantFailure } from './failure.ts';

/** What a failed op must leave as it was. */
export interface OpFingerprint {
  readonly liveHandles: number;
  readonly modelAllocatedPages: number;
  readonly realAllocatedPages: number;
  readonly isolatedPageblocks: number;
  /** Shrinker runs so far (vm event shrinker_scan): direct reclaim may legitimately free pages. */
  readonly shrinkerScans: number;
  /** Pages layers hold only through lingering references (model-layer.ts): a drain inside a failed op may free them. */
  readonly lingeringPages: number;
}

/** Takes the fingerprint (O(zones × CPUs)). */
export function takeFingerprint(ctx: OpContext): OpFingerprint {
  const buddy = ctx.machine.buddy;
  let isolatedPageblocks = 0;
  for (const zone of buddy.zones) isolatedPageblocks += zone.nrIsolatePageblock;
  return {
    liveHandles: ctx.model.live.length + layersLiveObjects(ctx.model.layers),
    modelAllocatedPages: ctx.model.allocatedPages + layersOwnedPages(ctx.model.layers),
    realAllocatedPages: buddy.managedPages() - buddy.nrFreePages() - buddy.nrIsolatedFreePages() - buddy.pcpPages(),
    isolatedPageblocks,
    shrinkerScans: ctx.machine.events.get('shrinker_scan'),
    lingeringPages: ctx.model.heldPages - ctx.model.allocatedPages - layersOwnedPages(ctx.model.layers),
  };
}

/** Compares the fingerprint after a failed op with the one before it. */
export function checkFailedOpUnchanged(ctx: OpContext, before: OpFingerprint): InvariantFailure | undefined {
  ctx.checks++;
  const after = takeFingerprint(ctx);
  const reclaimed = after.shrinkerScans !== before.shrinkerScans;
  for (const key of ['liveHandles', 'modelAllocatedPages', 'realAllocatedPages', 'isolatedPageblocks'] as const) {
    if (before[key] === after[key]) continue;
    if (key === 'realAllocatedPages' && reclaimed && after[key] < before[key]) continue;
    if (key === 'realAllocatedPages' && before[key] - after[key] === before.lingeringPages - after.lingeringPages) continue;
    return fail('failed-op-unchanged', `the failed op changed ${key} from ${before[key]} to ${after[key]}`, { field: key, expected: before[key], actual: after[key] });
  }
  return undefined;
}
