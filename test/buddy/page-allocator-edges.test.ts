// PageAllocator edges the other buddy tests leave open: misuse assertions (VM_BUG_ON stand-ins), where a freed block goes (per-CPU list up to order 3, list head above), per-zone counters and drains, the failure detail, and ALLOC_NOFRAGMENT only for a Normal preferred zone (Linux 6.1 mm/page_alloc.c).
import { describe, expect, it } from 'vitest';
import type { Pfn } from '../../src/base/units.ts';
import { __GFP_COMP, __GFP_DMA32, GFP_KERNEL } from '../../src/mem/gfp.ts';
import { MIGRATE_UNMOVABLE } from '../../src/mem/migratetype.ts';
import { bank, freeListPfns, layout, mib, rig } from './buddy-fixtures.ts';

describe('misuse is asserted', () => {
  it.each([
    ['freePages of a head not aligned to the order', (r: ReturnType<typeof rig>) => {
      expect(r.allocator.takeFreeRange(1, 2, r.owner)).toBe(true);
      r.allocator.freePages(1, 1);
    }, /freePages: pfn 1 is not aligned to order 1/],
    ['a reference past the refcount limit', (r: ReturnType<typeof rig>) => {
      const pfn = r.alloc(GFP_KERNEL, 0);
      r.allocator.table.refcount[r.allocator.table.pageIndex(pfn)] = 0xffff;
      r.allocator.getPage(pfn);
    }, /getPage: refcount overflow/],
    ['putPage of a head without references', (r: ReturnType<typeof rig>) => {
      const pfn = r.alloc(GFP_KERNEL, 0);
      r.allocator.table.refcount[r.allocator.table.pageIndex(pfn)] = 0;
      r.allocator.putPage(pfn);
    }, /putPage: pfn \d+ has no reference/],
    ['getPage outside memory', (r: ReturnType<typeof rig>) => r.allocator.getPage(mib(64) + 5), /getPage: pfn \d+ outside memory/],
    ['bulk allocation with fewer slots than pages', (r: ReturnType<typeof rig>) => r.allocator.allocPagesBulk(GFP_KERNEL, 3, [null, null], { owner: r.owner }), /2 slots for 3 pages/],
    ['bulk allocation of a fractional count', (r: ReturnType<typeof rig>) => r.allocator.allocPagesBulk(GFP_KERNEL, 1.5, [null, null], { owner: r.owner }), /slots for 1.5 pages/],
    ['takeFreeRange of an empty range', (r: ReturnType<typeof rig>) => r.allocator.takeFreeRange(64, 64, r.owner), /empty or spans zones/],
    ['freeRange of a free page', (r: ReturnType<typeof rig>) => r.allocator.freeRange(0, 1), /freeRange: pfn 0 is not allocated/],
    ['freeRange outside memory', (r: ReturnType<typeof rig>) => r.allocator.freeRange(mib(64), mib(64) + 1), /freeRange: pfn \d+ is not allocated/],
    ['freeRange inside a compound page', (r: ReturnType<typeof rig>) => {
      const pfn = r.alloc(GFP_KERNEL | __GFP_COMP, 2);
      r.allocator.freeRange(pfn, pfn + 1);
    }, /part of a compound page/],
    ['a negative CPU', (r: ReturnType<typeof rig>) => r.allocator.allocPages(GFP_KERNEL, 0, { owner: r.owner, cpu: -1 }), /bad cpu -1/],
    ['a fractional CPU', (r: ReturnType<typeof rig>) => r.allocator.allocPages(GFP_KERNEL, 0, { owner: r.owner, cpu: 0.5 }), /bad cpu 0.5/],
    ['a negative order', (r: ReturnType<typeof rig>) => r.allocator.allocPages(GFP_KERNEL, -1, { owner: r.owner }), /bad order -1/],
    ['a fractional order', (r: ReturnType<typeof rig>) => r.allocator.allocPages(GFP_KERNEL, 0.5, { owner: r.owner }), /bad order 0.5/],
    ['a zone index the machine does not have', (r: ReturnType<typeof rig>) => r.allocator.nrFreePages(3), /no zone 3/],
  ] as const)('%s', (_what, misuse, message) => {
    const r = rig(layout({ pageCount: mib(64), cpuCount: 2 }));
    expect(() => misuse(r)).toThrow(message);
  });
});

describe('where a freed block goes', () => {
  it('an order-3 block goes to the per-CPU lists (pcp_allowed_order), an order-4 block straight to the buddy list head', () => {
    const r = rig(layout({ pageCount: mib(64) }));
    const eight = r.alloc(GFP_KERNEL, 3);
    const cached = r.allocator.pcpPages();
    r.allocator.freePages(eight, 3);
    expect(r.allocator.pcpPages()).toBe(cached + 8);
    // Two order-4 blocks whose buddies stay allocated; the one freed last heads the order-4 list.
    const blocks: Pfn[] = Array.from({ length: 4 }, () => r.alloc(GFP_KERNEL, 4));
    r.allocator.freePages(blocks[0]!, 4);
    r.allocator.freePages(blocks[2]!, 4);
    expect(freeListPfns(r.allocator, 4, MIGRATE_UNMOVABLE).slice(0, 2)).toEqual([blocks[2], blocks[0]]);
  });
});

describe('per-zone counters and drains', () => {
  const twoZones = () => rig(layout({ banks: [bank('dma32', 0, 'DMA32', 0, mib(64)), bank('normal', 0, 'Normal', mib(64), mib(128))] }));

  it('pcpPages and drainLocalPages can name one zone', () => {
    const r = twoZones();
    r.alloc(GFP_KERNEL | __GFP_DMA32, 0);
    r.alloc(GFP_KERNEL, 0);
    const [dma32, normal] = [r.allocator.pcpPages(0), r.allocator.pcpPages(1)];
    expect(dma32).toBeGreaterThan(0);
    expect(normal).toBeGreaterThan(0);
    expect(r.allocator.pcpPages()).toBe(dma32 + normal);
    r.allocator.drainLocalPages(0, r.allocator.zones[1]);
    expect([r.allocator.pcpPages(0), r.allocator.pcpPages(1)]).toEqual([dma32, 0]);
  });

  it('a failed allocation says which request failed', () => {
    const r = rig(layout({ pageCount: mib(16) }));
    expect(r.allocator.takeFreeRange(0, mib(16), r.owner)).toBe(true);
    expect(r.allocator.allocPages(GFP_KERNEL, 2, { owner: r.owner })).toMatchObject({ ok: false, detail: expect.stringMatching(/^order-2 GFP_KERNEL.* allocation failed$/) });
  });
});

describe('alloc_flags_nofragment', () => {
  it('sets ALLOC_NOFRAGMENT only for a ZONE_NORMAL preferred zone: a DMA32 request fragments DMA32 before spreading to DMA', () => {
    const r = rig(layout({ banks: [bank('dma', 0, 'DMA', 0, 4096), bank('dma32', 0, 'DMA32', 4096, 8192)] }));
    for (let pfn = 4096; pfn < 8192; pfn += 512) expect(r.allocator.takeFreeRange(pfn, pfn + 1, r.owner)).toBe(true);
    expect(r.allocator.zoneOf(r.alloc(GFP_KERNEL | __GFP_DMA32, 0)).kind).toBe('DMA32');
  });
});
