// Canaries: the harness run against deliberately broken allocators (PageAllocator subclasses defined here, never a bug flag in src/) must find each bug and shrink it to a short sequence.
import { describe, expect, it } from 'vitest';
import { ok, type Result } from '../src/base/errno.ts';
import { PAGE_ALLOC_COSTLY_ORDER, type Pfn } from '../src/base/units.ts';
import { PageAllocator, type AllocOptions, type PageAllocatorEnv } from '../src/buddy/page-allocator.ts';
import { __GFP_MOVABLE, __GFP_ZERO, type Gfp } from '../src/mem/gfp.ts';
import { PAGE_FREE } from '../src/mem/page-state.ts';
import type { PlatformLayout } from '../src/mem/platform.ts';
import { checkScenarios } from '../properties/check-scenarios.ts';
import { formatScenario } from '../properties/scenario.ts';
import { machineWith, type AllocatorClass } from './properties/harness-fixtures.ts';

/**
 * Forgets __GFP_ZERO for the orders the per-CPU lists serve (<= PAGE_ALLOC_COSTLY_ORDER), as if
 * prep_new_page were skipped on the pcp fast path: a recycled page keeps its previous owner's data.
 */
class ForgetsZeroOnPcpOrders extends PageAllocator {
  override allocPages(gfp: Gfp, order: number, options: AllocOptions): Result<Pfn> {
    return super.allocPages(order <= PAGE_ALLOC_COSTLY_ORDER ? gfp & ~__GFP_ZERO : gfp, order, options);
  }
}

/**
 * Serves order-0 requests without __GFP_MOVABLE from the first free page of a CMA area, as if
 * MIGRATE_CMA were in the unmovable fallback list.
 */
class CmaForUnmovable extends PageAllocator {
  constructor(private readonly platform: PlatformLayout, env: PageAllocatorEnv) {
    super(platform, env);
  }

  override allocPages(gfp: Gfp, order: number, options: AllocOptions): Result<Pfn> {
    if (order === 0 && (gfp & __GFP_MOVABLE) === 0) {
      for (const area of this.platform.cma) {
        for (let pfn = area.pfnStart; pfn < area.pfnEnd; pfn++) {
          if (this.table.state[this.table.pageIndex(pfn)] === PAGE_FREE && this.takeFreeRange(pfn, pfn + 1, options.owner)) return ok(pfn);
        }
      }
    }
    return super.allocPages(gfp, order, options);
  }
}

const CANARIES: readonly (readonly [string, AllocatorClass, string])[] = [
  ['forgets __GFP_ZERO on per-CPU orders', ForgetsZeroOnPcpOrders, 'zeroed-pages'],
  ['hands CMA pages to unmovable requests', CmaForUnmovable, 'cma-migratetype'],
];

describe.each(CANARIES)('canary: an allocator that %s', (_name, allocatorClass, invariant) => {
  it.each([1, 2])('is found and shrunk to at most 10 ops (fast-check seed %i)', (seed) => {
    const outcome = checkScenarios({ seed, numRuns: 200, maxOps: 2000, machineFactory: machineWith(allocatorClass) });
    expect(outcome.failure, 'the harness did not find the canary').not.toBeNull();
    const { scenario, result, shrinkComplete } = outcome.failure!;
    const report = formatScenario(scenario, result);
    expect(result.failure?.invariant, report).toBe(invariant);
    expect(scenario.ops.length, report).toBeLessThanOrEqual(10);
    expect(shrinkComplete).toBe(true);
    expect(report).toContain(`broken invariant: ${invariant}`);
  });
});
