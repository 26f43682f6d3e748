// Per-CPU lists: refill by batch, LIFO reuse, bulk free from the tail with free_factor escalation, drain, CMA/ISOLATE routing, per-CPU separation.
import { describe, expect, it } from 'vitest';
import { nrPcpFree, orderToPindex } from '../../src/buddy/pcp.ts';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from '../../src/mem/gfp.ts';
import { MIGRATE_CMA, MIGRATE_ISOLATE, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE } from '../../src/mem/migratetype.ts';
import { PAGE_FREE, PAGE_PCP } from '../../src/mem/page-state.ts';
import { freeListPfns, layout, mib, pcpListPfns, rig } from './buddy-fixtures.ts';

describe('per-CPU page lists', () => {
  it('refills an empty list with `batch` pages from the buddy lists and serves from the head', () => {
    const r = rig(layout({ pageCount: mib(1024), cpuCount: 4 }));
    const zone = r.allocator.zones[0]!;
    expect(zone.pcp.batch).toBe(63);
    const first = r.alloc(GFP_KERNEL, 0);
    expect(zone.pcp.count(0)).toBe(62);
    expect(r.events.get('pcp_refill')).toBe(1);
    const list = pcpListPfns(r.allocator, 0, orderToPindex(MIGRATE_UNMOVABLE, 0));
    expect(list[0]).toBe(first + 1);
    expect(r.allocator.pageState(list[0]!)).toBe(PAGE_PCP);
    r.expectSound();
  });

  it('refills high orders with max(batch >> order, 2) blocks', () => {
    const r = rig(layout({ pageCount: mib(1024), cpuCount: 4 }));
    r.alloc(GFP_KERNEL, 3);
    expect(r.allocator.pcpPages(0, 0)).toBe((Math.floor(63 / 8) - 1) * 8);
    r.alloc(GFP_KERNEL, 2);
    expect(pcpListPfns(r.allocator, 0, orderToPindex(MIGRATE_UNMOVABLE, 2)).length).toBe(Math.floor(63 / 4) - 1);
    r.expectSound();
  });

  it('reuses the most recently freed page first (LIFO at the head)', () => {
    const r = rig(layout({ pageCount: mib(1024) }));
    const a = r.alloc(GFP_KERNEL, 0);
    const b = r.alloc(GFP_KERNEL, 0);
    r.allocator.freePages(a, 0);
    r.allocator.freePages(b, 0);
    expect(r.alloc(GFP_KERNEL, 0)).toBe(b);
    expect(r.alloc(GFP_KERNEL, 0)).toBe(a);
  });

  it('bulk-frees when count reaches high, doubling the batch while frees continue (free_factor)', () => {
    const r = rig(layout({ pageCount: mib(1024), cpuCount: 4 }));
    const zone = r.allocator.zones[0]!;
    const { high, batch } = zone.pcp;
    expect([high, batch]).toEqual([321, 63]);
    const pages = Array.from({ length: 1000 }, () => r.alloc(GFP_KERNEL, 0));
    const countsAfterBulk: number[] = [];
    let bulkFrees = r.events.get('pcp_free_bulk');
    for (const pfn of pages) {
      r.allocator.freePages(pfn, 0);
      if (r.events.get('pcp_free_bulk') !== bulkFrees) countsAfterBulk.push(zone.pcp.count(0));
      bulkFrees = r.events.get('pcp_free_bulk');
    }
    expect(countsAfterBulk.slice(0, 4)).toEqual([321 - 63, 321 - 126, 321 - 252, 321 - 258]);
    expect(zone.pcp.freeFactors[0]).toBe(3);
    r.alloc(GFP_KERNEL, 0);
    expect(zone.pcp.freeFactors[0]).toBe(1);
    r.expectSound();
  });

  it('nr_pcp_free clamps to [batch, high - batch] and frees one page when high < batch', () => {
    const r = rig(layout({ pageCount: mib(1024), cpuCount: 4 }));
    const zone = r.allocator.zones[0]!;
    zone.pcp.freeFactors[0] = 10;
    expect(nrPcpFree(zone, 0, 321, 63, false)).toBe(258);
    zone.pcp.freeFactors[0] = 0;
    expect(nrPcpFree(zone, 0, 100, 63, false)).toBe(37);
    expect(nrPcpFree(zone, 0, 10, 63, false)).toBe(1);
  });

  it('frees high-order pages straight back while free_factor is raised (free_high)', () => {
    const r = rig(layout({ pageCount: mib(1024), cpuCount: 4 }));
    const zone = r.allocator.zones[0]!;
    const blocks = Array.from({ length: 4 }, () => r.alloc(GFP_KERNEL, 1));
    zone.pcp.freeFactors[0] = 1;
    r.allocator.freePages(blocks[0]!, 1);
    expect(zone.pcp.count(0)).toBe(0);
    r.expectSound();
  });

  it('drains every CPU back to the buddy lists, which merge completely', () => {
    const r = rig(layout({ pageCount: mib(1024), cpuCount: 4 }));
    const before = r.allocator.nrFreePages();
    for (let cpu = 0; cpu < 4; cpu++) {
      const pfn = r.alloc(GFP_KERNEL, 0, { cpu });
      r.allocator.freePages(pfn, 0, cpu);
    }
    expect(r.allocator.pcpPages()).toBe(4 * 63);
    r.allocator.drainLocalPages(2);
    expect(r.allocator.pcpPages(0, 2)).toBe(0);
    r.allocator.drainAllPages();
    expect(r.allocator.pcpPages()).toBe(0);
    expect(r.allocator.nrFreePages()).toBe(before);
    expect(r.allocator.nrFreeBlocks(0, 10)).toBe(mib(1024) / 1024);
    expect(r.events.get('pcp_drain')).toBe(4);
    r.expectSound();
  });

  it('keeps CMA pages on the MOVABLE list but returns them to the CMA free list', () => {
    const r = rig(layout({ pageCount: mib(64), cma: [{ name: 'cma', pfnStart: 0, pfnEnd: mib(48), orderPerBit: 0 }] }));
    const pfn = r.alloc(GFP_HIGHUSER_MOVABLE, 0);
    expect(r.allocator.pageblockMigratetype(pfn)).toBe(MIGRATE_CMA);
    r.allocator.freePages(pfn, 0);
    const movableList = pcpListPfns(r.allocator, 0, orderToPindex(MIGRATE_MOVABLE, 0));
    expect(movableList[0]).toBe(pfn);
    expect(r.allocator.table.mapIndex[r.allocator.table.pageIndex(pfn)]).toBe(MIGRATE_CMA);
    r.allocator.drainAllPages();
    expect(r.allocator.nrFreeCmaPages()).toBe(mib(48));
    r.expectSound();
  });

  it('sends pages of isolated pageblocks straight to the ISOLATE free list', () => {
    const r = rig(layout({ pageCount: mib(64) }));
    const pfn = r.alloc(GFP_KERNEL, 0);
    r.allocator.drainAllPages();
    r.allocator.setPageblockMigratetype(pfn, MIGRATE_ISOLATE);
    r.allocator.moveFreePagesBlock(pfn, MIGRATE_ISOLATE);
    r.allocator.freePages(pfn, 0);
    expect(r.allocator.pcpPages()).toBe(0);
    expect(r.allocator.pageState(pfn)).toBe(PAGE_FREE);
    expect(r.allocator.nrIsolatedFreePages()).toBe(512);
    expect(freeListPfns(r.allocator, 9, MIGRATE_ISOLATE)).toEqual([pfn - (pfn % 512)]);
    r.expectSound();
  });

  it('keeps each CPU\'s lists separate', () => {
    const r = rig(layout({ pageCount: mib(1024), cpuCount: 2 }));
    const a = r.alloc(GFP_KERNEL, 0, { cpu: 1 });
    r.allocator.freePages(a, 0, 1);
    expect(r.allocator.pcpPages(0, 0)).toBe(0);
    expect(r.allocator.pcpPages(0, 1)).toBe(63);
    expect(r.alloc(GFP_KERNEL, 0, { cpu: 1 })).toBe(a);
    expect(() => r.alloc(GFP_KERNEL, 0, { cpu: 2 })).toThrow(/bad cpu/);
  });
});
