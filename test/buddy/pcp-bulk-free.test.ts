// Per-CPU lists at their edges: nr_pcp_high/nr_pcp_free boundaries, free_high for orders 1..3, free_pcppages_bulk's list order and migratetype, the pgfree/pcp_free_bulk counters and the state hash (Linux 6.1 mm/page_alloc.c).
import { describe, expect, it } from 'vitest';
import { StateHasher } from '../../src/base/hash.ts';
import { freePcppagesBulk, nrPcpFree, nrPcpHigh, orderToPindex } from '../../src/buddy/pcp.ts';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from '../../src/mem/gfp.ts';
import { MIGRATE_MOVABLE, MIGRATE_UNMOVABLE } from '../../src/mem/migratetype.ts';
import { freeListPfns, layout, mib, pcpListPfns, rig } from './buddy-fixtures.ts';

describe('nr_pcp_high and nr_pcp_free', () => {
  it('nr_pcp_high is 0 while high-order pages are freed without allocations (free_high)', () => {
    const { allocator } = rig(layout({ pageCount: mib(1024), cpuCount: 4 }));
    const zone = allocator.zones[0]!;
    expect(nrPcpHigh(zone, false)).toBe(321);
    expect(nrPcpHigh(zone, true)).toBe(0);
  });

  it('nr_pcp_free with high == batch clamps to high - batch = 0 (only high < batch frees one page)', () => {
    const { allocator } = rig(layout({ pageCount: mib(1024), cpuCount: 4 }));
    expect(nrPcpFree(allocator.zones[0]!, 0, 63, 63, false)).toBe(0);
  });

  it('free_factor stops growing once the doubled batch reaches high - batch', () => {
    const { allocator } = rig(layout({ pageCount: mib(1024), cpuCount: 4 }));
    const zone = allocator.zones[0]!;
    expect(nrPcpFree(zone, 0, 189, 63, false)).toBe(63);
    expect(zone.pcp.freeFactors[0]).toBe(1);
    expect(nrPcpFree(zone, 0, 189, 63, false)).toBe(126);
    expect(zone.pcp.freeFactors[0]).toBe(1);
  });
});

describe('free_unref_page_commit and free_high', () => {
  it('an order-1..3 free flushes the CPU\'s lists only while free_factor is raised; order 3 is included', () => {
    const r = rig(layout({ pageCount: mib(1024), cpuCount: 4 }));
    const zone = r.allocator.zones[0]!;
    const pair = r.alloc(GFP_KERNEL, 1);
    const eight = r.alloc(GFP_KERNEL, 3);
    expect(zone.pcp.freeFactors[0]).toBe(0);
    const cached = zone.pcp.count(0);
    r.allocator.freePages(pair, 1);
    expect(zone.pcp.count(0)).toBe(cached + 2);
    zone.pcp.freeFactors[0] = 1;
    r.allocator.freePages(eight, 3);
    expect(zone.pcp.count(0)).toBe(0);
    r.expectSound();
  });

  it('counts PGFREE for a page freed to the per-CPU lists', () => {
    const r = rig(layout({ pageCount: mib(64) }));
    const pfn = r.alloc(GFP_KERNEL, 0);
    r.allocator.freePages(pfn, 0);
    expect(r.events.get('pgfree')).toBe(1);
  });
});

describe('free_pcppages_bulk', () => {
  it('drains the requested list first, from its tail, before moving round-robin to the others', () => {
    const r = rig(layout({ pageCount: mib(1024) }));
    const zone = r.allocator.zones[0]!;
    r.alloc(GFP_KERNEL, 0);
    r.alloc(GFP_HIGHUSER_MOVABLE, 0);
    const unmovable = pcpListPfns(r.allocator, 0, orderToPindex(MIGRATE_UNMOVABLE, 0));
    const movable = pcpListPfns(r.allocator, 0, orderToPindex(MIGRATE_MOVABLE, 0));
    expect([unmovable.length, movable.length]).toEqual([62, 62]);
    const bulkBefore = r.events.get('pcp_free_bulk');
    freePcppagesBulk(zone, 0, 10, orderToPindex(MIGRATE_MOVABLE, 0));
    expect(pcpListPfns(r.allocator, 0, orderToPindex(MIGRATE_UNMOVABLE, 0))).toEqual(unmovable);
    expect(pcpListPfns(r.allocator, 0, orderToPindex(MIGRATE_MOVABLE, 0))).toEqual(movable.slice(0, 52));
    expect(r.events.get('pcp_free_bulk')).toBe(bulkBefore + 10);
    freePcppagesBulk(zone, 0, 70, orderToPindex(MIGRATE_MOVABLE, 0));
    expect(pcpListPfns(r.allocator, 0, orderToPindex(MIGRATE_MOVABLE, 0))).toEqual([]);
    expect(pcpListPfns(r.allocator, 0, orderToPindex(MIGRATE_UNMOVABLE, 0))).toEqual(unmovable.slice(0, 44));
    r.expectSound();
  });

  it('frees a page to the migratetype it was cached with, not its pageblock\'s current one (no isolation)', () => {
    const r = rig(layout({ pageCount: mib(16) }));
    const pfn = r.alloc(GFP_HIGHUSER_MOVABLE, 0);
    r.allocator.freePages(pfn, 0);
    expect(r.allocator.pcpPages()).toBeGreaterThan(0);
    r.allocator.setPageblockMigratetype(pfn, MIGRATE_UNMOVABLE);
    r.allocator.drainAllPages();
    const head = pfn - (pfn % 1024);
    expect(freeListPfns(r.allocator, 10, MIGRATE_MOVABLE)).toContain(head);
    expect(freeListPfns(r.allocator, 10, MIGRATE_UNMOVABLE)).not.toContain(head);
  });
});

describe('the per-CPU lists\' state hash', () => {
  it('changes when a list is refilled', () => {
    const r = rig(layout({ pageCount: mib(1024) }));
    const pcp = r.allocator.zones[0]!.pcp;
    const digest = (): string => {
      const hasher = new StateHasher();
      pcp.hashInto(hasher);
      return hasher.digestHex();
    };
    const booted = digest();
    r.alloc(GFP_KERNEL, 0);
    expect(digest()).not.toBe(booted);
  });
});
