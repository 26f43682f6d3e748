// Which zones a request may use and in what order it walks them: gfp_zone(), the nodemask, the preferred zone, the zones the slow path reclaims, and ALLOC_NOFRAGMENT's local-node rule (Linux 6.1 mm/page_alloc.c).
import { describe, expect, it, vi } from 'vitest';
import { gfpZone } from '../../src/buddy/alloc-context.ts';
import { ZONE_DMA, ZONE_DMA32, ZONE_MOVABLE, ZONE_NORMAL, type Zone } from '../../src/buddy/zone.ts';
import type { Pfn } from '../../src/base/units.ts';
import {
  __GFP_DMA, __GFP_DMA32, __GFP_HIGHMEM, __GFP_MOVABLE, GFP_HIGHUSER, GFP_HIGHUSER_MOVABLE, GFP_KERNEL,
} from '../../src/mem/gfp.ts';
import { bank, layout, rig, type Rig } from './buddy-fixtures.ts';

const zoneOf = (r: Rig, pfn: Pfn): string => `${r.allocator.zoneOf(pfn).node}/${r.allocator.zoneOf(pfn).kind}`;

describe('gfp_zone (GFP_ZONE_TABLE without HIGHMEM)', () => {
  it.each([
    ['GFP_KERNEL', GFP_KERNEL, ZONE_NORMAL],
    ['GFP_KERNEL | __GFP_DMA', GFP_KERNEL | __GFP_DMA, ZONE_DMA],
    ['GFP_KERNEL | __GFP_DMA32', GFP_KERNEL | __GFP_DMA32, ZONE_DMA32],
    ['__GFP_MOVABLE without __GFP_HIGHMEM', GFP_KERNEL | __GFP_MOVABLE, ZONE_NORMAL],
    ['__GFP_HIGHMEM without __GFP_MOVABLE (GFP_HIGHUSER)', GFP_HIGHUSER, ZONE_NORMAL],
    ['GFP_HIGHUSER_MOVABLE', GFP_HIGHUSER_MOVABLE, ZONE_MOVABLE],
    ['__GFP_DMA32 | __GFP_HIGHMEM | __GFP_MOVABLE', __GFP_DMA32 | __GFP_HIGHMEM | __GFP_MOVABLE, ZONE_DMA32],
    ['__GFP_DMA | __GFP_MOVABLE', __GFP_DMA | __GFP_MOVABLE, ZONE_DMA],
  ])('%s (gfp %d) -> zone index %d', (_name, gfp, zone) => {
    expect(gfpZone(gfp)).toBe(zone);
  });

  it('__GFP_DMA together with __GFP_DMA32 is GFP_ZONE_BAD (a VM_BUG_ON)', () => {
    expect(() => gfpZone(GFP_KERNEL | __GFP_DMA | __GFP_DMA32)).toThrow(/both __GFP_DMA and __GFP_DMA32/);
  });

  it('a request no zone of the machine can serve fails at once (first_zones_zonelist finds no zone)', () => {
    const r = rig(layout());
    expect(r.allocator.allocPages(GFP_KERNEL | __GFP_DMA, 0, { owner: r.owner })).toMatchObject({ ok: false, detail: expect.stringMatching(/no zone allowed/) });
  });
});

describe('the nodemask', () => {
  it('restricts the walk to its nodes even when the preferred node has free memory', () => {
    const r = rig(layout({ banks: [bank('n0', 0, 'Normal', 0, 4096), bank('n1', 1, 'Normal', 4096, 8192)] }));
    expect(zoneOf(r, r.alloc(GFP_KERNEL, 0, { preferredNode: 0, nodes: [1] }))).toBe('1/Normal');
    expect(zoneOf(r, r.alloc(GFP_KERNEL, 4, { preferredNode: 0, nodes: [1] }))).toBe('1/Normal');
  });
});

describe('the slow path works on the request\'s zones only', () => {
  it('a GFP_DMA32 request wakes kswapd for and reclaims from ZONE_DMA32, never ZONE_NORMAL', () => {
    const r = rig(layout({ banks: [bank('dma32', 0, 'DMA32', 0, 4096), bank('normal', 0, 'Normal', 4096, 8192)] }));
    expect(r.allocator.takeFreeRange(0, 4096, r.owner)).toBe(true);
    const hooks = { wakeKswapd: vi.fn((_zone: Zone) => undefined), compact: vi.fn(() => false), reclaim: vi.fn((_zone: Zone) => 0) };
    r.allocator.setSlowPathHooks(hooks);
    expect(r.allocator.allocPages(GFP_KERNEL | __GFP_DMA32, 0, { owner: r.owner }).ok).toBe(false);
    expect(hooks.wakeKswapd).toHaveBeenCalled();
    expect(hooks.reclaim).toHaveBeenCalled();
    expect(new Set([...hooks.wakeKswapd.mock.calls, ...hooks.reclaim.mock.calls].map(([zone]) => zone.kind))).toEqual(new Set(['DMA32']));
  });

  it('without a reclaim layer, direct compaction reports COMPACT_SKIPPED (no compact_stall)', () => {
    const r = rig(layout({ pageCount: 4096 }));
    expect(r.allocator.takeFreeRange(0, 4096 - 64, r.owner)).toBe(true);
    expect(r.allocator.allocPages(GFP_KERNEL, 2, { owner: r.owner }).ok).toBe(false);
    expect(r.events.get('allocstall')).toBeGreaterThan(0);
    expect(r.events.get('compact_stall')).toBe(0);
  });
});

describe('ALLOC_NOFRAGMENT (alloc_flags_nofragment, commit 6bb154504f8b)', () => {
  // Node 0: DMA32 + Normal; node 1: Normal. Every pageblock of node 0's Normal zone has one page in use.
  function fragmentedNormal(): Rig {
    const r = rig(layout({ banks: [bank('dma32', 0, 'DMA32', 0, 4096), bank('n0', 0, 'Normal', 4096, 8192), bank('n1', 1, 'Normal', 8192, 12288)] }));
    for (let pfn = 4096; pfn < 8192; pfn += 512) expect(r.allocator.takeFreeRange(pfn, pfn + 1, r.owner)).toBe(true);
    return r;
  }

  it('spreads to a lower zone of the local node before fragmenting the preferred zone', () => {
    const r = fragmentedNormal();
    expect(zoneOf(r, r.alloc(GFP_KERNEL, 0))).toBe('0/DMA32');
  });

  it('is dropped inside get_page_from_freelist, before the remote node and without entering the slow path', () => {
    const r = fragmentedNormal();
    expect(r.allocator.takeFreeRange(0, 4096, r.owner)).toBe(true);
    expect(zoneOf(r, r.alloc(GFP_KERNEL, 0))).toBe('0/Normal');
    expect(r.events.get('alloc_steal_block')).toBe(1);
    expect(r.events.get('kswapd_wake')).toBe(0);
    expect(r.events.get('allocstall')).toBe(0);
  });
});
