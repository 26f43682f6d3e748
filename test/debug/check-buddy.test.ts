// checkBuddy: silent on sound allocators (random workloads included), and every check fires on deliberately corrupted state.
import { describe, expect, it } from 'vitest';
import { freeListSlot } from '../../src/buddy/free-area.ts';
import { orderToPindex } from '../../src/buddy/pcp.ts';
import type { Pfn } from '../../src/base/units.ts';
import { checkBuddy } from '../../src/debug/check-buddy.ts';
import { __GFP_COMP, GFP_ATOMIC, GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from '../../src/mem/gfp.ts';
import { MIGRATE_CMA, MIGRATE_ISOLATE, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE } from '../../src/mem/migratetype.ts';
import { PAGE_ABSENT, PAGE_ALLOCATED, PAGE_FREE, PAGE_PCP, PAGE_RESERVED, PG_BUDDY, PG_HEAD } from '../../src/mem/page-state.ts';
import { bank, freeListPfns, layout, mib, pcpListPfns, rig, type Rig } from '../buddy/buddy-fixtures.ts';

/** A small machine with allocations, per-CPU pages, a CMA area and a reservation. */
function busy(): Rig & { order0: Pfn; order2: Pfn; compound: Pfn } {
  const r = rig(layout({ pageCount: mib(64), cma: [{ name: 'cma', pfnStart: mib(32), pfnEnd: mib(48), orderPerBit: 0 }], reserved: [{ label: 'k', pfnStart: 0, pfnEnd: 16 }] }));
  const order0 = r.alloc(GFP_KERNEL, 0);
  const order2 = r.alloc(GFP_KERNEL, 2);
  const compound = r.alloc(GFP_HIGHUSER_MOVABLE | __GFP_COMP, 3);
  r.alloc(GFP_HIGHUSER_MOVABLE, 0);
  return Object.assign(r, { order0, order2, compound });
}

function expectViolation(r: Rig, pattern: RegExp): void {
  const violations = checkBuddy(r.allocator);
  expect(violations.some((violation) => pattern.test(violation)), violations.join('\n') || '(no violations)').toBe(true);
}

function firstBlock(r: Rig, mt = MIGRATE_MOVABLE): { pfn: Pfn; order: number } {
  for (let order = 10; order >= 0; order--) {
    const pfns = freeListPfns(r.allocator, order, mt);
    if (pfns.length > 0) return { pfn: pfns[0]!, order };
  }
  throw new Error('no free block');
}

describe('checkBuddy on sound state', () => {
  it('finds nothing after boot and after a random workload', () => {
    const r = busy();
    r.expectSound();
    const rng = r.env.rng.fork('workload');
    const live: [Pfn, number][] = [];
    for (let i = 0; i < 2000; i++) {
      if (live.length > 0 && rng.chance(0.5)) {
        const [pfn, order] = live.splice(rng.int(0, live.length - 1), 1)[0]!;
        r.allocator.freePages(pfn, order);
      } else {
        const order = rng.int(0, 10);
        const result = r.allocator.allocPages(rng.pick([GFP_KERNEL, GFP_HIGHUSER_MOVABLE, GFP_ATOMIC]), order, { owner: r.owner });
        if (result.ok) live.push([result.value, order]);
      }
      if (i % 250 === 0) r.expectSound();
    }
    r.expectSound();
    for (const [pfn, order] of live) r.allocator.freePages(pfn, order);
    r.allocator.drainAllPages();
    r.expectSound();
  });
});

describe('checkBuddy catches corruption', () => {
  it('list links: broken prev, wrong tail, cycles, wild links', () => {
    const r = busy();
    const { pfn, order } = firstBlock(r);
    const t = r.allocator.table;
    const lists = r.allocator.zones[0]!.freeArea.lists;
    const slot = freeListSlot(order, MIGRATE_MOVABLE);
    t.prev[t.pageIndex(pfn)] = 5;
    expectViolation(r, /broken prev link/);
    t.prev[t.pageIndex(pfn)] = -1;
    const savedTail = lists.tails[slot]!;
    lists.tails[slot] = 3;
    expectViolation(r, /tail does not match/);
    lists.tails[slot] = savedTail;
    t.next[savedTail] = t.pageIndex(pfn);
    expectViolation(r, /broken prev link/);
    t.next[savedTail] = 10 ** 9;
    expectViolation(r, /outside the page table/);
  });

  it('list lengths against block counts', () => {
    const r = busy();
    const { order } = firstBlock(r);
    r.allocator.zones[0]!.freeArea.blockCounts[freeListSlot(order, MIGRATE_MOVABLE)]! += 1;
    expectViolation(r, /blocks, count says/);
  });

  it('free block heads: PG_BUDDY, order, list type, order bound', () => {
    const r = busy();
    const { pfn } = firstBlock(r);
    const t = r.allocator.table;
    const index = t.pageIndex(pfn);
    t.flags[index] = t.flags[index]! & ~PG_BUDDY;
    expectViolation(r, /head is not PG_BUDDY/);
    t.flags[index] = t.flags[index]! | PG_BUDDY;
    t.mapIndex[index] = MIGRATE_UNMOVABLE;
    expectViolation(r, /records list mt/);
    t.mapIndex[index] = MIGRATE_MOVABLE;
    const saved = t.order[index]!;
    t.order[index] = 11;
    expectViolation(r, /records order 11/);
    expectViolation(r, /above MAX_PAGE_ORDER/);
    t.order[index] = saved;
    r.expectSound();
  });

  it('free block heads: alignment, zone bounds, page states, overlap', () => {
    const r = rig(layout({ banks: [bank('a', 0, 'Normal', 0, 2048), bank('b', 1, 'Normal', 2048, 4096)] }));
    const area = r.allocator.zones[0]!.freeArea;
    const t = r.allocator.table;
    area.lists.addTail(freeListSlot(1, MIGRATE_MOVABLE), t.pageIndex(3));
    area.blockCounts[freeListSlot(1, MIGRATE_MOVABLE)]! += 1;
    t.order[3] = 1;
    expectViolation(r, /pfn 3 order 1: not aligned/);
    expectViolation(r, /page 3 is in two blocks/);
    const s = rig(layout({ banks: [bank('a', 0, 'Normal', 0, 2048), bank('b', 1, 'Normal', 2048, 4096)] }));
    const zone1Block = freeListPfns(s.allocator, 10, MIGRATE_MOVABLE, 1)[0]!;
    s.allocator.zones[1]!.freeArea.lists.remove(freeListSlot(10, MIGRATE_MOVABLE), s.allocator.table.pageIndex(zone1Block));
    s.allocator.zones[0]!.freeArea.lists.addTail(freeListSlot(10, MIGRATE_MOVABLE), s.allocator.table.pageIndex(zone1Block));
    expectViolation(s, /not inside the zone/);
    const u = busy();
    const { pfn } = firstBlock(u);
    u.allocator.table.state[u.allocator.table.pageIndex(pfn + 1)] = PAGE_ALLOCATED;
    expectViolation(u, /has state 4, expected 2/);
  });

  it('free pages outside any block and stray PG_BUDDY flags', () => {
    const r = busy();
    const t = r.allocator.table;
    t.state[t.pageIndex(r.order0)] = PAGE_FREE;
    expectViolation(r, new RegExp(`free page ${r.order0} is in 0 free blocks`));
    const s = busy();
    s.allocator.table.flags[s.allocator.table.pageIndex(s.order2 + 1)]! |= PG_BUDDY;
    expectViolation(s, /is PG_BUDDY but heads no listed block/);
  });

  it('CMA and ISOLATE list placement', () => {
    const r = busy();
    const zone = r.allocator.zones[0]!;
    const { pfn } = firstBlock(r);
    zone.freeArea.moveToFreeList(pfn, MIGRATE_CMA);
    expectViolation(r, /on a CMA list but pageblock/);
    zone.freeArea.moveToFreeList(pfn, MIGRATE_ISOLATE);
    expectViolation(r, /on an ISOLATE list but pageblock/);
    const s = busy();
    const other = firstBlock(s);
    s.allocator.setPageblockMigratetype(other.pfn, MIGRATE_ISOLATE);
    expectViolation(s, /in isolated pageblock .* is on mt 1/);
  });

  it('free counters against a recount', () => {
    for (const [field, pattern] of [['nrFreePages', /NR_FREE_PAGES is/], ['nrFreeCmaPages', /NR_FREE_CMA_PAGES is/], ['nrIsolatedFreePages', /isolated free is/]] as const) {
      const r = busy();
      r.allocator.zones[0]!.freeArea[field] += 1;
      expectViolation(r, pattern);
    }
  });

  it('per-CPU lists: counts, page states, orders, orphans', () => {
    const r = busy();
    const pcp = r.allocator.zones[0]!.pcp;
    pcp.counts[0]! += 1;
    expectViolation(r, /pcp count of cpu 0 is/);
    const s = busy();
    const t = s.allocator.table;
    const cached = pcpListPfns(s.allocator, 0, orderToPindex(MIGRATE_UNMOVABLE, 0))[0]!;
    t.state[t.pageIndex(cached)] = PAGE_ALLOCATED;
    expectViolation(s, new RegExp(`page ${cached} has state 4, expected 3`));
    t.state[t.pageIndex(cached)] = PAGE_PCP;
    t.order[t.pageIndex(cached)] = 2;
    expectViolation(s, /pcp entry .* head records order 2/);
    const u = busy();
    u.allocator.table.state[u.allocator.table.pageIndex(u.order0)] = PAGE_PCP;
    expectViolation(u, new RegExp(`pcp page ${u.order0} is on 0 lists`));
  });

  it('maximal merging (invariant 26)', () => {
    const r = rig(layout({ pageCount: 2048 }));
    const area = r.allocator.zones[0]!.freeArea;
    area.delFromFreeList(0);
    area.addToFreeList(0, 9, MIGRATE_MOVABLE);
    area.addToFreeList(512, 9, MIGRATE_MOVABLE);
    expectViolation(r, /free buddies 0 and 512 of order 9 were not merged/);
  });

  it('conservation (invariant 25) and boot reservations', () => {
    const r = busy();
    r.allocator.table.state[r.allocator.table.pageIndex(r.order0)] = PAGE_RESERVED;
    expectViolation(r, /conservation: free .* managed/);
    expectViolation(r, /17 reserved pages, boot reserved 16/);
  });

  it('allocation heads and tails', () => {
    const cases: [(r: ReturnType<typeof busy>) => void, RegExp][] = [
      [(r) => { r.allocator.table.refcount[r.allocator.table.pageIndex(r.order2)] = 0; }, /has refcount 0/],
      [(r) => { r.allocator.table.owner[r.allocator.table.pageIndex(r.order0)] = 0; }, /has no owner/],
      [(r) => { r.allocator.table.owner[r.allocator.table.pageIndex(r.order2 + 3)] = 9; }, /owned by 9, head by/],
      [(r) => { r.allocator.table.refcount[r.allocator.table.pageIndex(r.compound + 1)] = 1; }, /tail page .* has refcount 1/],
      [(r) => { r.allocator.table.flags[r.allocator.table.pageIndex(r.compound + 2)]! |= PG_HEAD; }, /lies inside another allocation/],
      [(r) => { r.allocator.table.flags[r.allocator.table.pageIndex(r.order2 + 1)] = 0; r.allocator.table.order[r.allocator.table.pageIndex(r.order2)] = 0; }, /belongs to no allocation/],
      [(r) => { r.allocator.table.state[r.allocator.table.pageIndex(r.compound + 7)] = PAGE_FREE; }, /tail not allocated/],
      [(r) => { r.allocator.table.order[r.allocator.table.pageIndex(r.order2)] = 5; }, /order 5 is unaligned/],
      [(r) => { const { pfn } = firstBlock(r); r.allocator.table.owner[r.allocator.table.pageIndex(pfn + 1)] = 3; }, /has an owner, reference or pin/],
      [(r) => { const { pfn } = firstBlock(r); r.allocator.table.flags[r.allocator.table.pageIndex(pfn + 1)]! |= PG_HEAD; }, /carries allocation flags/],
      [(r) => { r.allocator.table.state[r.allocator.table.pageIndex(5)] = PAGE_ABSENT; }, /inside the zone is absent/],
    ];
    for (const [corrupt, pattern] of cases) {
      const r = busy();
      corrupt(r);
      expectViolation(r, pattern);
    }
  });

  it('isolated-pageblock count and pageblock migratetypes', () => {
    const r = busy();
    r.allocator.zones[0]!.nrIsolatePageblock = 2;
    expectViolation(r, /nr_isolate_pageblock is 2, 0 pageblocks/);
    const s = busy();
    s.allocator.table.pageblockMt[3] = 9;
    expectViolation(s, /invalid migratetype 9/);
  });

  it('stops at 200 violations', () => {
    const r = busy();
    r.allocator.table.flags.fill(PG_BUDDY);
    expect(checkBuddy(r.allocator).length).toBe(200);
  });
});
