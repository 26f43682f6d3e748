// How the per-CPU lists are walked: the head of a list, free_pcppages_bulk's round-robin past the last list, and rmqueue bypassing the MOVABLE list (which may hold CMA pages) for a movable request without ALLOC_CMA (Linux 6.1 mm/page_alloc.c).
import { describe, expect, it } from 'vitest';
import { ALLOC_CMA, ALLOC_WMARK_LOW } from '../../src/buddy/alloc-flags.ts';
import { rmqueue } from '../../src/buddy/get-page.ts';
import { freePcppagesBulk, NR_PCP_LISTS, orderToPindex } from '../../src/buddy/pcp.ts';
import { __GFP_RECLAIMABLE, GFP_KERNEL } from '../../src/mem/gfp.ts';
import { MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE } from '../../src/mem/migratetype.ts';
import { NO_PAGE } from '../../src/mem/page-table.ts';
import { bank, layout, mib, pcpListPfns, rig } from './buddy-fixtures.ts';

describe('PerCpuPages.firstPfn', () => {
  it('is the head of a (cpu, pindex) list, or NO_PAGE for an empty one (memory starting above PFN 0)', () => {
    const r = rig(layout({ banks: [bank('ram', 0, 'Normal', 4096, 4096 + mib(64))], cpuCount: 2 }));
    r.alloc(GFP_KERNEL, 0, { cpu: 1 });
    const pcp = r.allocator.zones[0]!.pcp;
    const pindex = orderToPindex(MIGRATE_UNMOVABLE, 0);
    const listPfns = pcpListPfns(r.allocator, 1, pindex);
    expect(listPfns.length).toBeGreaterThan(0);
    expect(pcp.firstPfn(1, pindex)).toBe(listPfns[0]);
    expect(pcp.firstPfn(0, pindex)).toBe(NO_PAGE);
  });
});

describe('free_pcppages_bulk round-robin', () => {
  it('starting at an empty list, reaches the last list (order-3 RECLAIMABLE) before wrapping round to the lower ones', () => {
    const r = rig(layout({ pageCount: mib(64) }));
    const zone = r.allocator.zones[0]!;
    r.alloc(GFP_KERNEL | __GFP_RECLAIMABLE, 1);
    r.alloc(GFP_KERNEL | __GFP_RECLAIMABLE, 3);
    const pairsPindex = orderToPindex(MIGRATE_RECLAIMABLE, 1);
    const eightsPindex = orderToPindex(MIGRATE_RECLAIMABLE, 3);
    expect(eightsPindex).toBe(NR_PCP_LISTS - 1);
    const pairPfns = pcpListPfns(r.allocator, 0, pairsPindex);
    expect([pairPfns.length, pcpListPfns(r.allocator, 0, eightsPindex).length]).toEqual([1, 1]);
    // 8 pages starting at the empty order-3 UNMOVABLE list: the walk goes up to the last list before wrapping.
    freePcppagesBulk(zone, 0, 8, orderToPindex(MIGRATE_UNMOVABLE, 3));
    expect(pcpListPfns(r.allocator, 0, eightsPindex)).toEqual([]);
    expect(pcpListPfns(r.allocator, 0, pairsPindex)).toEqual(pairPfns);
    expect(zone.pcp.count(0)).toBe(2);
    r.expectSound();
  });
});

describe('rmqueue and CMA pages on the per-CPU MOVABLE list', () => {
  it('a movable request without ALLOC_CMA goes straight to the buddy lists, leaving a cached CMA page alone', () => {
    const r = rig(layout({ pageCount: mib(16), cma: [{ name: 'cma', pfnStart: 3584, pfnEnd: 4096, orderPerBit: 0 }] }));
    const zone = r.allocator.zones[0]!;
    expect(r.allocator.takeFreeRange(3584, 3585, r.owner)).toBe(true);
    r.allocator.freePages(3584, 0);
    const movablePindex = orderToPindex(MIGRATE_MOVABLE, 0);
    expect(pcpListPfns(r.allocator, 0, movablePindex)).toEqual([3584]);
    const pfn = rmqueue(zone, 0, ALLOC_WMARK_LOW, MIGRATE_MOVABLE, 0);
    expect(pfn >= 0 && pfn < 3584).toBe(true);
    expect(pcpListPfns(r.allocator, 0, movablePindex)).toEqual([3584]);
    expect(rmqueue(zone, 0, ALLOC_WMARK_LOW | ALLOC_CMA, MIGRATE_MOVABLE, 0)).toBe(3584);
  });
});
