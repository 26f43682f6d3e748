// Cheap snapshots (O(pools)) of the counters behind the heaps — pool pages per (order, caching), pages obtained and returned per order, deferred-list length, CPA pool blocks and traffic — taken before and after an op to check the flows between them.
import type { PageCount } from '../../../src/base/units.ts';
import { CACHE_UC, CACHE_WB, CACHE_WC, type CacheAttr } from '../../../src/mem/page-state.ts';
import type { HarnessMachine } from '../../harness-machine.ts';
import { FAMILY_ORDERS, pooledPagesOf, returnedPagesOf, type HeapCatalog, type SystemFamily } from './heap-catalog.ts';

/** One system family's counters. Arrays are indexed like FAMILY_ORDERS; `pooled[o][c]` by caching attribute. */
export interface FamilySnapshot {
  readonly pooled: readonly (readonly PageCount[])[];
  readonly obtained: readonly PageCount[];
  readonly returned: readonly PageCount[];
  readonly listNrPages: PageCount;
  readonly itemCount: number;
}

/** One CPA pool's counters. */
export interface CpaSnapshot {
  readonly blocks: number;
  readonly obtainedBlocks: number;
  readonly returnedBlocks: number;
  readonly refillPending: boolean;
}

/** Everything a heap flow check compares. */
export interface HeapSnapshot {
  readonly families: readonly FamilySnapshot[];
  readonly cpa: readonly CpaSnapshot[];
  readonly nowNs: number;
  readonly shrinkerScans: number;
  readonly allocFailures: number;
  /** managed − free − isolated free − per-CPU. */
  readonly allocatedPages: PageCount;
}

/** The three caching attributes pools may exist for (write-back, write-combined, uncached). */
export const CACHINGS: readonly CacheAttr[] = [CACHE_WB, CACHE_WC, CACHE_UC];

function familySnapshot(family: SystemFamily): FamilySnapshot {
  return {
    pooled: FAMILY_ORDERS.map((order) => CACHINGS.map((caching) => (family.cachings.includes(caching) ? pooledPagesOf(family, order, caching) : 0))),
    obtained: FAMILY_ORDERS.map((order) => family.stats.obtainedPages(order)),
    returned: FAMILY_ORDERS.map((order) => returnedPagesOf(family, order)),
    listNrPages: family.deferred?.listNrPages ?? 0,
    itemCount: family.deferred?.itemCount ?? 0,
  };
}

/** Pages the page allocator has handed out: managed − free − isolated free − per-CPU. */
export function allocatedPagesOf(machine: HarnessMachine): PageCount {
  const buddy = machine.buddy;
  return buddy.managedPages() - buddy.nrFreePages() - buddy.nrIsolatedFreePages() - buddy.pcpPages();
}

/** Takes the snapshot (O(families × orders × cachings + CPA pools)). */
export function takeHeapSnapshot(machine: HarnessMachine, catalog: HeapCatalog): HeapSnapshot {
  return {
    families: catalog.families.map(familySnapshot),
    cpa: catalog.cpaPools.map((pool) => ({
      blocks: pool.blockCount, obtainedBlocks: pool.traffic.obtainedBlocks, returnedBlocks: pool.traffic.returnedBlocks, refillPending: pool.isRefillPending,
    })),
    nowNs: machine.env.clock.nowNs(),
    shrinkerScans: machine.events.get('shrinker_scan'),
    allocFailures: machine.events.get('pgalloc_fail'),
    allocatedPages: allocatedPagesOf(machine),
  };
}
