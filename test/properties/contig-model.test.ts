// The contig/CMA model pieces on their own: the bitmap arithmetic of kernel-reference §1.2 (worked examples), first fit over held bits, bulk ranges rebuilt from chunks, LRU-add batches, orphans and page claims.
import { describe, expect, it } from 'vitest';
import { bulkRanges, CmaAreaModel, CmaModel } from '../../properties/model/cma-model.ts';
import { ContigRangeModel, PageClaims } from '../../properties/model/contig-model.ts';
import { layersHeldPages, type ModelLayer } from '../../properties/model/model-layer.ts';
import { UserModel } from '../../properties/model/user-model.ts';

describe('CmaAreaModel', () => {
  it('§1.2 worked examples: base 0x102 align 4 → bit 14, then 30 after EBUSY; Petigara opb 1 align 12 → offset 0x400', () => {
    const area = new CmaAreaModel({ name: 'a', pfnStart: 0x102, pfnEnd: 0x102 + 256, orderPerBit: 0 });
    expect([area.alignedMask(4), area.alignedOffset(4)]).toEqual([15, 2]);
    const first = area.firstFit(0, 1, 15, 2);
    expect(first).toBe(14);
    expect(area.firstFit(first + 15 + 1, 1, 15, 2)).toBe(30);
    const petigara = new CmaAreaModel({ name: 'p', pfnStart: 0x2f800, pfnEnd: 0x2f800 + 8192, orderPerBit: 1 });
    expect([petigara.alignedMask(12), petigara.alignedOffset(12), petigara.alignedMask(1)]).toEqual([2047, 0x400, 0]);
    expect(petigara.pagesToBits(5)).toBe(3);
  });

  it('first fit skips held bits, never wraps, and the longest clear run follows them', () => {
    const area = new CmaAreaModel({ name: 'a', pfnStart: 1024, pfnEnd: 1024 + 64, orderPerBit: 0 });
    area.hold({ pfn: 1024 + 2, pageCount: 3 });
    expect(area.firstFit(0, 4, 0, 0)).toBe(5);
    expect(area.firstFit(0, 2, 0, 0)).toBe(0);
    expect(area.firstFit(60, 8, 0, 0)).toBe(-1);
    expect([area.usedBits, area.longestZeroRun()]).toEqual([3, 59]);
    expect(() => area.hold({ pfn: 1024 + 4, pageCount: 1 })).toThrow(/held twice/);
    area.drop({ pfn: 1024 + 2, pageCount: 3 });
    expect(area.anyHeld(0, 64)).toBe(false);
  });

  it('CmaModel records allocations, their tags and held ranges per area', () => {
    const model = new CmaModel([{ name: 'x', pfnStart: 0, pfnEnd: 512, orderPerBit: 1 }]);
    const area = model.area('x')!;
    const allocation = model.add({ kind: 'alloc', area, owner: 3, alignOrder: 0, ranges: [{ pfn: 0, pageCount: 5 }], releases: [{ pfn: 0, pageCount: 5 }] });
    expect([allocation.id, allocation.pageCount, area.usedBits, model.areaOf(100)?.name]).toEqual([1, 5, 3, 'x']);
    expect(model.heldRanges(area)).toEqual([{ pfn: 0, pageCount: 5 }]);
    model.remove(allocation);
    expect([model.allocations.length, area.usedBits]).toEqual([0, 0]);
  });
});

describe('bulkRanges', () => {
  it('rebuilds the ranges a bulk call reserved: full ranges, breaks at gaps, the last one partial', () => {
    const chunks = [0, 16, 32, 48, 64, 80, 96, 112, 256, 272];
    expect(bulkRanges(chunks, 4, 64)).toEqual([{ pfn: 0, pageCount: 64 }, { pfn: 64, pageCount: 64 }, { pfn: 256, pageCount: 32 }]);
    expect(bulkRanges([], 4, 512)).toEqual([]);
  });
});

describe('UserModel', () => {
  it('knows which pages wait in an LRU-add batch from the batch size, and keeps pinned or batched pages of an unmapped mapping', () => {
    const model = new UserModel(2);
    const mapping = model.addMapping({ owner: 9, pageCount: 3, cpu: 1, backing: 'anon', pfns: [100, 101, 102] });
    expect([model.isPending(1, 102, 2), model.isPending(1, 100, 2), model.isPending(0, 102, 2)]).toEqual([true, false, false]);
    const pin = model.addPin('longterm', mapping, 0, [100]);
    const kept = model.removeMapping(mapping, [100, 101, 102], (cpu, pfn) => model.isPending(cpu, pfn, 1));
    expect(kept).toEqual([100, 102]);
    expect(model.orphans.get(100)).toMatchObject({ pinRefs: 1, longtermRefs: 1 });
    expect(model.removePin(pin)).toEqual([100]);
    expect(model.pruneOrphans(() => false).sort()).toEqual([100, 102]);
    expect(model.mappedPages).toBe(0);
  });
});

describe('claims and layers', () => {
  it('PageClaims names the object holding a page; ContigRangeModel tags ranges apart from CMA allocations', () => {
    const claims = new PageClaims(1000, 2000);
    claims.claim('cma#1', 1200, 4);
    expect([claims.claimOf(1203), claims.claimOf(1204), claims.claimOf(5)]).toEqual(['cma#1', undefined, undefined]);
    claims.release(1200, 4);
    expect(claims.claimOf(1200)).toBeUndefined();
    const ranges = new ContigRangeModel();
    const range = ranges.add({ via: 'pages', pfn: 0, pageCount: 8, owner: 2 });
    expect(range.tag).not.toBe(new CmaModel([]).nextAllocationId);
  });

  it('layersHeldPages sums what every layer holds', () => {
    const layer = (pages: number): ModelLayer => ({
      name: 'x', heldPages: () => pages, ownedPages: () => pages, liveObjects: () => 1, claimOf: () => undefined,
      afterOp: () => undefined, audit: () => undefined, releaseAll: () => undefined,
    });
    expect(layersHeldPages([layer(3), layer(4)])).toBe(7);
  });
});
