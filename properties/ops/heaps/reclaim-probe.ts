// A read-only probe on the page allocator's slow-path hooks: while armed, it records the order of every direct-reclaim and direct-compaction call (invariant 34: the system heap's order-8 and order-4 requests never reclaim or compact). It forwards every call unchanged.
import type { Order } from '../../../src/base/units.ts';
import type { PageAllocator } from '../../../src/buddy/page-allocator.ts';

/** What the probe saw while armed. */
export interface ReclaimProbe {
  /** Record from now on (clears what was recorded). */
  arm(): void;
  /** Stop recording; returns the (kind, order) of every call since arm(). */
  disarm(): readonly ProbedCall[];
}

/** One slow-path call: direct reclaim or direct compaction for an order. */
export interface ProbedCall {
  readonly kind: 'reclaim' | 'compact';
  readonly order: Order;
}

/** Wraps `buddy`'s current reclaim and compaction hooks with a recorder; returns the probe. */
export function installReclaimProbe(buddy: PageAllocator): ReclaimProbe {
  const hooks = buddy.hooks;
  let calls: ProbedCall[] | undefined;
  buddy.setSlowPathHooks({
    ...hooks,
    reclaim: (zone, order, gfp) => {
      calls?.push({ kind: 'reclaim', order });
      return hooks.reclaim(zone, order, gfp);
    },
    compact: (zone, order, gfp) => {
      calls?.push({ kind: 'compact', order });
      return hooks.compact(zone, order, gfp);
    },
  });
  return {
    arm: () => {
      calls = [];
    },
    disarm: () => {
      const seen = calls ?? [];
      calls = undefined;
      return seen;
    },
  };
}
