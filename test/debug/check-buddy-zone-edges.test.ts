// checkBuddy at zone edges and on exemptions: exact messages, a second zone that does not start at PFN 0, merge exemptions after a highatomic unreserve.
import { describe, expect, it } from 'vitest';
import { freeListSlot } from '../../src/buddy/free-area.ts';
import { orderToPindex } from '../../src/buddy/pcp.ts';
import { checkBuddy } from '../../src/debug/check-buddy.ts';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from '../../src/mem/gfp.ts';
import { MIGRATE_CMA, MIGRATE_ISOLATE, MIGRATE_MOVABLE, MIGRATE_TYPES, MIGRATE_UNMOVABLE, type Migratetype } from '../../src/mem/migratetype.ts';
import { PAGE_ALLOCATED, PAGE_FREE, PAGE_PCP, PG_COMPOUND, PG_HEAD } from '../../src/mem/page-state.ts';
import { bank, freeListPfns, layout, mib, rig, type Rig } from '../buddy/buddy-fixtures.ts';

/** Zone 0 is [0, 1536) on node 0 (its last order-10 span is cut short), zone 1 is [1536, 4096) on node 1. */
function twoZones(): Rig {
  return rig(layout({ banks: [bank('a', 0, 'Normal', 0, 1536), bank('b', 1, 'Normal', 1536, 4096)] }));
}

/** The violations of zone `zoneIndex`, without the zone prefix. */
function violationsOf(r: Rig, zoneIndex: number): string[] {
  const prefix = new RegExp(`^zone ${zoneIndex} \\(node \\d+, \\w+\\): `);
  return checkBuddy(r.allocator).filter((violation) => prefix.test(violation)).map((violation) => violation.replace(prefix, ''));
}

/** Replaces zone 0's order-10 block at PFN 0 (a 2048-page machine) by two order-9 halves on the lists of their pageblocks. */
function splitFirstBlock(r: Rig, halfMts: [Migratetype, Migratetype], order = 9): void {
  const area = r.allocator.zones[0]!.freeArea;
  area.delFromFreeList(0);
  for (const [half, mt] of halfMts.entries()) {
    r.allocator.setPageblockMigratetype(half * 512, mt);
    area.addToFreeList(half * 512, 9, mt);
  }
  if (order === 8) {
    area.delFromFreeList(0);
    area.addToFreeList(0, 8, halfMts[0]);
    area.addToFreeList(256, 8, halfMts[0]);
  }
}

describe('checkBuddy on a second zone that starts above PFN 0', () => {
  it('finds nothing on a sound machine with free, per-CPU and allocated pages in both zones', () => {
    const r = twoZones();
    for (const node of [0, 1]) {
      const pfn = r.alloc(GFP_HIGHUSER_MOVABLE, 0, { preferredNode: node, nodes: [node] });
      r.alloc(GFP_KERNEL, 2, { preferredNode: node, nodes: [node] });
      r.allocator.freePages(pfn, 0);
    }
    expect(r.allocator.table.state[r.allocator.table.pageIndex(1536)]).toBe(PAGE_PCP);
    r.expectSound();
  });

  it('finds nothing when the first pageblocks of zone 1 are isolated (zone 0 does not count them)', () => {
    const r = twoZones();
    for (const pfn of [1536, 2048, 2560]) {
      r.allocator.setPageblockMigratetype(pfn, MIGRATE_ISOLATE);
      r.allocator.moveFreePagesBlock(pfn, MIGRATE_ISOLATE);
    }
    expect(r.allocator.zones[1]!.nrIsolatePageblock).toBe(3);
    r.expectSound();
  });

  it('names the free and the per-CPU page of zone 1 that no block or list covers', () => {
    const r = twoZones();
    const pfn = r.alloc(GFP_KERNEL, 2, { preferredNode: 1, nodes: [1] });
    r.allocator.table.state[r.allocator.table.pageIndex(pfn + 1)] = PAGE_FREE;
    r.allocator.table.state[r.allocator.table.pageIndex(pfn + 2)] = PAGE_PCP;
    const violations = violationsOf(r, 1);
    expect(violations).toContain(`free page ${pfn + 1} is in 0 free blocks`);
    expect(violations).toContain(`pcp page ${pfn + 2} is on 0 lists`);
  });
});

describe('checkBuddy on blocks and entries that leave their zone', () => {
  it('a listed free block that starts in zone 0 and runs past its end', () => {
    const r = twoZones();
    const area = r.allocator.zones[0]!.freeArea;
    area.lists.addTail(freeListSlot(10, MIGRATE_MOVABLE), r.allocator.table.pageIndex(1280));
    expect(violationsOf(r, 0)).toContain('free block pfn 1280 order 10: not inside the zone');
  });

  it('a per-CPU entry from another zone, and one that runs past the zone end', () => {
    const r = twoZones();
    const pcp = r.allocator.zones[0]!.pcp;
    pcp.lists.addTail(pcp.slot(0, orderToPindex(MIGRATE_UNMOVABLE, 0)), r.allocator.table.pageIndex(3000));
    pcp.lists.addTail(pcp.slot(0, orderToPindex(MIGRATE_UNMOVABLE, 3)), r.allocator.table.pageIndex(1532));
    const violations = violationsOf(r, 0);
    expect(violations).toContain('pcp entry pfn 3000 (cpu 0, order 0): not inside the zone');
    expect(violations).toContain('pcp entry pfn 1532 (cpu 0, order 3): not inside the zone');
  });

  it('an aligned allocation head whose order runs past the zone end', () => {
    const r = twoZones();
    const t = r.allocator.table;
    const index = t.pageIndex(1024);
    t.state[index] = PAGE_ALLOCATED;
    t.flags[index] = PG_HEAD;
    t.order[index] = 10;
    t.owner[index] = r.owner;
    t.refcount[index] = 1;
    expect(violationsOf(r, 0)).toContain('allocation head 1024 of order 10 is unaligned or leaves the zone');
  });

  it('a CMA-list block of order 10 whose second pageblock is not CMA', () => {
    const r = rig(layout({ pageCount: mib(64), cma: [{ name: 'cma', pfnStart: mib(32), pfnEnd: mib(48), orderPerBit: 0 }] }));
    const pfn = freeListPfns(r.allocator, 10, MIGRATE_CMA)[0]!;
    r.allocator.setPageblockMigratetype(pfn + 512, MIGRATE_MOVABLE);
    expect(violationsOf(r, 0)).toEqual([`block ${pfn} is on a CMA list but pageblock of ${pfn + 512} is mt ${MIGRATE_MOVABLE}`]);
  });
});

describe('checkBuddy messages name the list and the bound', () => {
  it('a broken free list and a broken per-CPU list are named by order, migratetype, cpu and pindex', () => {
    const r = rig(layout({ pageCount: 4096 }));
    const t = r.allocator.table;
    const [first] = freeListPfns(r.allocator, 10, MIGRATE_MOVABLE);
    const savedPrev = t.prev[t.pageIndex(first!)]!;
    t.prev[t.pageIndex(first!)] = 7;
    expect(violationsOf(r, 0)[0]).toBe(`free list (order 10, mt ${MIGRATE_MOVABLE}): pfn ${first} has a broken prev link`);
    t.prev[t.pageIndex(first!)] = savedPrev;
    const pfn = r.alloc(GFP_KERNEL, 0);
    r.alloc(GFP_KERNEL, 0);
    r.allocator.freePages(pfn, 0);
    const pindex = orderToPindex(MIGRATE_UNMOVABLE, 0);
    t.prev[t.pageIndex(pfn)] = 7;
    expect(violationsOf(r, 0)[0]).toBe(`pcp list (cpu 0, pindex ${pindex}): pfn ${pfn} has a broken prev link`);
  });

  it('links to a negative index and to one index past the page table are both outside it', () => {
    for (const wild of [-5, 4096]) {
      const r = rig(layout({ pageCount: 4096 }));
      const [first] = freeListPfns(r.allocator, 10, MIGRATE_MOVABLE);
      r.allocator.table.next[r.allocator.table.pageIndex(first!)] = wild;
      expect(violationsOf(r, 0)).toContain(`free list (order 10, mt ${MIGRATE_MOVABLE}): link to index ${wild} outside the page table`);
    }
  });

  it('migratetype MIGRATE_TYPES itself is invalid', () => {
    const r = rig(layout({ pageCount: 4096 }));
    r.allocator.table.pageblockMt[2] = MIGRATE_TYPES;
    expect(violationsOf(r, 0)).toContain(`pageblock of 1024 has invalid migratetype ${MIGRATE_TYPES}`);
  });
});

describe('checkBuddy on page ownership outside allocations', () => {
  it('a compound flag on a tail page', () => {
    const r = rig(layout({ pageCount: 4096 }));
    const pfn = r.alloc(GFP_KERNEL, 2);
    r.allocator.table.flags[r.allocator.table.pageIndex(pfn + 2)] = PG_COMPOUND;
    expect(violationsOf(r, 0)).toEqual([`tail page ${pfn + 2} is PG_COMPOUND`]);
  });

  it('a reference or a pin on a free page', () => {
    for (const field of ['refcount', 'pinCount'] as const) {
      const r = rig(layout({ pageCount: 4096 }));
      r.allocator.table[field][r.allocator.table.pageIndex(100)] = 1;
      expect(violationsOf(r, 0)).toEqual([`page 100 (state ${PAGE_FREE}) has an owner, reference or pin`]);
    }
  });

  it('reserved pages may keep an owner and a reference (memblock pages are not audited)', () => {
    const r = rig(layout({ pageCount: 4096, reserved: [{ label: 'k', pfnStart: 0, pfnEnd: 16 }] }));
    r.allocator.table.owner[r.allocator.table.pageIndex(3)] = r.owner;
    r.allocator.table.refcount[r.allocator.table.pageIndex(3)] = 1;
    r.expectSound();
  });
});

describe('checkBuddy merge exemptions (invariant 26)', () => {
  it('pageblock-order buddies of two mergeable types must merge, exactly one report per pair', () => {
    const r = rig(layout({ pageCount: 2048 }));
    splitFirstBlock(r, [MIGRATE_MOVABLE, MIGRATE_UNMOVABLE]);
    expect(violationsOf(r, 0)).toEqual(['free buddies 0 and 512 of order 9 were not merged']);
  });

  it('a movable buddy next to a CMA one is exempt; two CMA buddies are not', () => {
    const mixed = rig(layout({ pageCount: 2048 }));
    splitFirstBlock(mixed, [MIGRATE_MOVABLE, MIGRATE_CMA]);
    expect(violationsOf(mixed, 0)).toEqual([]);
    const cma = rig(layout({ pageCount: 2048 }));
    splitFirstBlock(cma, [MIGRATE_CMA, MIGRATE_CMA]);
    expect(violationsOf(cma, 0)).toEqual(['free buddies 0 and 512 of order 9 were not merged']);
  });

  it('after a highatomic unreserve, pageblock-order pairs are exempt and smaller ones are not', () => {
    const r = rig(layout({ pageCount: 2048 }));
    r.events.count('highatomic_unreserve');
    splitFirstBlock(r, [MIGRATE_MOVABLE, MIGRATE_MOVABLE]);
    expect(violationsOf(r, 0)).toEqual([]);
    const s = rig(layout({ pageCount: 2048 }));
    s.events.count('highatomic_unreserve');
    splitFirstBlock(s, [MIGRATE_MOVABLE, MIGRATE_MOVABLE], 8);
    expect(violationsOf(s, 0)).toEqual(['free buddies 0 and 256 of order 8 were not merged']);
  });
});
