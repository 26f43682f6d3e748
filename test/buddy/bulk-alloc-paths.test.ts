// __alloc_pages_bulk's branches: nr_pages <= 0, the single-page `failed:` path versus the per-CPU bulk loop, the fault site and __GFP_NOFAIL, PGALLOC accounting, the local-zone choice and a per-CPU list running dry (Linux 6.1 mm/page_alloc.c).
import { describe, expect, it } from 'vitest';
import type { Pfn } from '../../src/base/units.ts';
import { ZONE_NORMAL } from '../../src/buddy/zone.ts';
import { __GFP_DMA32, __GFP_NOFAIL, GFP_KERNEL } from '../../src/mem/gfp.ts';
import { bank, layout, mib, rig, type Rig } from './buddy-fixtures.ts';

const nulls = (slotCount: number): (Pfn | null)[] => new Array<Pfn | null>(slotCount).fill(null);
const zoneKinds = (r: Rig, pfns: readonly (Pfn | null)[]): string[] => pfns.map((pfn) => `${r.allocator.zoneOf(pfn as Pfn).node}/${r.allocator.zoneOf(pfn as Pfn).kind}`);

describe('what reaches the bulk loop', () => {
  it('a negative page count returns at once (nr_pages <= 0), counting no bulk request', () => {
    const r = rig();
    expect(r.allocator.allocPagesBulk(GFP_KERNEL, -1, [], { owner: r.owner })).toBe(0);
    expect(r.events.get('bulk_alloc')).toBe(0);
  });

  it('the last missing page goes through the single-page allocator, whose rmqueue_pcplist halves free_factor', () => {
    const r = rig();
    const pcp = r.allocator.zones[0]!.pcp;
    pcp.freeFactors[0] = 4;
    expect(r.allocator.allocPagesBulk(GFP_KERNEL, 2, [7, null], { owner: r.owner })).toBe(2);
    expect(pcp.freeFactors[0]).toBe(2);
  });

  it('two or more missing pages go through the bulk loop (__rmqueue_pcplist), which leaves free_factor alone', () => {
    const r = rig();
    const pcp = r.allocator.zones[0]!.pcp;
    pcp.freeFactors[0] = 4;
    expect(r.allocator.allocPagesBulk(GFP_KERNEL, 3, [7, null, null], { owner: r.owner })).toBe(3);
    expect(pcp.freeFactors[0]).toBe(4);
  });

  it('__GFP_NOFAIL never consults the page_alloc fault site (should_fail_alloc_page), so an armed fault stays armed', () => {
    const r = rig();
    r.env.faults.arm('page_alloc', 1);
    expect(r.allocator.allocPagesBulk(GFP_KERNEL | __GFP_NOFAIL, 3, nulls(3), { owner: r.owner })).toBe(3);
    expect(r.allocator.allocPages(GFP_KERNEL, 0, { owner: r.owner }).ok).toBe(false);
  });
});

describe('accounting', () => {
  it('a complete bulk call counts PGALLOC by the pages it took (nr_account) and no partial result', () => {
    const r = rig();
    const slots = nulls(6);
    expect(r.allocator.allocPagesBulk(GFP_KERNEL, 6, slots, { owner: r.owner })).toBe(6);
    expect(new Set(slots).size).toBe(6);
    expect(r.events.get('pgalloc')).toBe(6);
    expect(r.events.get('bulk_alloc_partial')).toBe(0);
    r.expectSound();
  });
});

describe('the local zone the bulk loop fills from', () => {
  it('skips zones the request may not use: __GFP_DMA32 fills from ZONE_DMA32 although ZONE_NORMAL comes first in the zonelist', () => {
    const r = rig(layout({ banks: [bank('dma32', 0, 'DMA32', 0, mib(64)), bank('normal', 0, 'Normal', mib(64), mib(128))] }));
    const slots = nulls(8);
    expect(r.allocator.allocPagesBulk(GFP_KERNEL | __GFP_DMA32, 8, slots, { owner: r.owner })).toBe(8);
    expect(new Set(zoneKinds(r, slots))).toEqual(new Set(['0/DMA32']));
  });

  /** Node 0: DMA32 [0, 16 MiB) and Normal [16, 32 MiB), the Normal zone entirely in use; node 1: Normal [32, 48 MiB). */
  function numa(): Rig {
    const r = rig(layout({ banks: [bank('dma32', 0, 'DMA32', 0, mib(16)), bank('normal0', 0, 'Normal', mib(16), mib(32)), bank('normal1', 1, 'Normal', mib(32), mib(48))] }));
    expect(r.allocator.takeFreeRange(mib(16), mib(32), r.owner)).toBe(true);
    return r;
  }

  it('moves on to another zone of the preferred node when the preferred zone misses low watermark + nr_pages', () => {
    const r = numa();
    const slots = nulls(8);
    expect(r.allocator.allocPagesBulk(GFP_KERNEL, 8, slots, { owner: r.owner, preferredNode: 0 })).toBe(8);
    expect(new Set(zoneKinds(r, slots))).toEqual(new Set(['0/DMA32']));
  });

  it('never fills from a remote node: reaching one falls back to a single page (goto failed)', () => {
    const r = numa();
    expect(r.allocator.takeFreeRange(0, mib(16), r.owner)).toBe(true);
    const slots = nulls(8);
    expect(r.allocator.allocPagesBulk(GFP_KERNEL, 8, slots, { owner: r.owner, preferredNode: 0 })).toBe(1);
    expect(zoneKinds(r, slots.slice(0, 1))).toEqual(['1/Normal']);
    expect(slots.slice(1).every((slot) => slot === null)).toBe(true);
    expect(r.events.get('bulk_alloc_partial')).toBe(1);
  });
});

describe('a per-CPU list that runs dry', () => {
  /** DMA32 [0, 64 MiB) with free memory; Normal [64, 128 MiB) with only `freePages` free and its watermarks forced open. */
  function dryNormal(freePages: number): Rig {
    const r = rig(layout({ banks: [bank('dma32', 0, 'DMA32', 0, mib(64)), bank('normal', 0, 'Normal', mib(64), mib(128))] }));
    const normal = r.allocator.zones[1]!;
    expect(normal.kind).toBe('Normal');
    expect(r.allocator.takeFreeRange(mib(64), mib(128) - freePages, r.owner)).toBe(true);
    normal.watermarks.fill(0);
    normal.lowmemReserve[ZONE_NORMAL] = -100000;
    return r;
  }

  it('after some pages, ends the bulk call there without a single-page attempt elsewhere', () => {
    const r = dryNormal(600);
    const slots = nulls(1000);
    expect(r.allocator.allocPagesBulk(GFP_KERNEL, 1000, slots, { owner: r.owner })).toBe(600);
    expect(new Set(zoneKinds(r, slots.slice(0, 600)))).toEqual(new Set(['0/Normal']));
    expect(slots.slice(600).every((slot) => slot === null)).toBe(true);
  });

  it('before the first page, tries one page through the whole zonelist instead (if (!nr_account) goto failed_irq)', () => {
    const r = dryNormal(0);
    const slots = nulls(10);
    expect(r.allocator.allocPagesBulk(GFP_KERNEL, 10, slots, { owner: r.owner })).toBe(1);
    expect(zoneKinds(r, slots.slice(0, 1))).toEqual(['0/DMA32']);
  });
});
