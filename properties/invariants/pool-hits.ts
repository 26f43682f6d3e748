// Invariant 48 on a successful system-heap allocation during which no shrinker ran: each order takes from the matching (order, caching) pool while it has entries and allocates fresh pages only for the rest; pools of other cachings are untouched.
import { FAMILY_ORDERS } from '../ops/heaps/heap-catalog.ts';
import { CACHINGS, type HeapSnapshot } from '../ops/heaps/heap-snapshot.ts';
import type { ModelChunk } from '../model/heap-model.ts';
import type { OpContext } from '../ops/op.ts';
import { fail, type InvariantFailure } from './failure.ts';

/** The allocation as the check sees it. */
export interface PoolUse {
  readonly heapName: string;
  readonly familyIndex: number;
  readonly caching: number;
  readonly chunks: readonly ModelChunk[];
  readonly before: HeapSnapshot;
  readonly after: HeapSnapshot;
}

function chunksOfOrder(chunks: readonly ModelChunk[], order: number): number {
  return chunks.filter((chunk) => chunk.order === order).length;
}

/** Checks hits, misses and caching isolation; skipped (undefined) when a shrinker ran during the call. */
export function checkPoolHits(ctx: OpContext, use: PoolUse): InvariantFailure | undefined {
  if (use.after.shrinkerScans !== use.before.shrinkerScans) return undefined;
  ctx.checks += 2;
  const was = use.before.families[use.familyIndex];
  const now = use.after.families[use.familyIndex];
  if (was === undefined || now === undefined) return undefined;
  for (const [o, order] of FAMILY_ORDERS.entries()) {
    for (const caching of CACHINGS) {
      const before = was.pooled[o]?.[caching] ?? 0;
      const after = now.pooled[o]?.[caching] ?? 0;
      if (caching !== use.caching && before !== after) {
        return fail('pool-hit-miss', `${use.heapName} (caching ${use.caching}) changed the order-${order} pool of caching ${caching}: ${before} → ${after} pages`, { order, caching, expected: before, actual: after });
      }
    }
    const entries = (was.pooled[o]?.[use.caching] ?? 0) / 2 ** order;
    const hits = ((was.pooled[o]?.[use.caching] ?? 0) - (now.pooled[o]?.[use.caching] ?? 0)) / 2 ** order;
    const wanted = chunksOfOrder(use.chunks, order);
    const fresh = ((now.obtained[o] ?? 0) - (was.obtained[o] ?? 0)) / 2 ** order;
    if (hits === Math.min(wanted, entries) && fresh === wanted - hits) continue;
    return fail('pool-hit-miss', `${use.heapName}: ${wanted} order-${order} chunks with ${entries} pooled entries took ${hits} from the pool and ${fresh} fresh`, {
      order, expected: { hits: Math.min(wanted, entries), fresh: wanted - Math.min(wanted, entries) }, actual: { hits, fresh },
    });
  }
  return undefined;
}
