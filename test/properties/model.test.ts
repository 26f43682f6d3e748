// The shadow model and layout facts: page ownership, tail dropping, extra references, symbolic target resolution, and per-PFN facts from the layout.
import { describe, expect, it } from 'vitest';
import { GFP_KERNEL, __GFP_COMP } from '../../src/mem/gfp.ts';
import { FACT_CMA, FACT_MANAGED, FACT_MOVABLE_ZONE, LayoutFacts } from '../../properties/model/layout-facts.ts';
import { expectedRefcount } from '../../properties/model/handle.ts';
import { ShadowModel } from '../../properties/model/shadow-model.ts';

function model(): ShadowModel {
  return new ShadowModel(1000, 2000);
}

describe('ShadowModel', () => {
  it('records allocations page by page and forgets them', () => {
    const m = model();
    const a = m.add({ pfn: 1024, order: 3, owner: 7, gfp: GFP_KERNEL, compound: false, cpu: 0 });
    const b = m.add({ pfn: 1032, order: 0, owner: 8, gfp: GFP_KERNEL, compound: false, cpu: 1 });
    expect([a.id, b.id, m.nextId]).toEqual([1, 2, 3]);
    expect(m.allocatedPages).toBe(9);
    expect(m.ownerOf(1031)).toBe(a);
    expect(m.ownerOf(1032)).toBe(b);
    expect(m.ownerOf(1033)).toBeUndefined();
    expect(m.ownerOf(5)).toBeUndefined();
    expect(m.harnessOwners).toEqual(new Set([7, 8]));
    m.remove(a);
    expect(m.live).toEqual([b]);
    expect(m.allocatedPages).toBe(1);
    expect(m.ownerOf(1024)).toBeUndefined();
    expect(m.handle(1)).toBe(a);
  });

  it('drops the tails of a non-compound block and keeps the head at order 0', () => {
    const m = model();
    const h = m.add({ pfn: 1024, order: 2, owner: 1, gfp: GFP_KERNEL, compound: false, cpu: 0 });
    m.dropTails(h);
    expect([h.order, h.pageCount, m.allocatedPages]).toEqual([0, 1, 1]);
    expect(m.ownerOf(1025)).toBeUndefined();
    expect(m.ownerOf(1024)).toBe(h);
    const compound = m.add({ pfn: 1028, order: 2, owner: 1, gfp: GFP_KERNEL | __GFP_COMP, compound: true, cpu: 0 });
    expect(() => m.dropTails(compound)).toThrow(/no tails/);
  });

  it('tracks extra references and the handles holding them', () => {
    const m = model();
    const h = m.add({ pfn: 1024, order: 0, owner: 1, gfp: GFP_KERNEL, compound: false, cpu: 0 });
    m.addExtraRef(h);
    m.addExtraRef(h);
    expect(m.extraRefHolders).toEqual([h]);
    expect(expectedRefcount(h)).toBe(3);
    expect(() => m.remove(h)).toThrow(/extra references/);
    m.dropExtraRef(h);
    m.dropExtraRef(h);
    expect(m.extraRefHolders).toEqual([]);
    expect(() => m.dropExtraRef(h)).toThrow(/no extra reference/);
  });

  it('resolves symbolic targets modulo the candidates, skipping those an op cannot act on', () => {
    const m = model();
    const handles = [0, 1, 2].map((i) => m.add({ pfn: 1024 + i, order: 0, owner: 1, gfp: GFP_KERNEL, compound: false, cpu: 0 }));
    expect(m.pick(m.live, 4)).toBe(handles[1]);
    expect(m.pick(m.live, 4, (h) => h.id !== 2)).toBe(handles[2]);
    expect(m.pick(m.live, 2, (h) => h.id === 1)).toBe(handles[0]);
    expect(m.pick(m.live, 0, () => false)).toBeUndefined();
    expect(m.pick(m.extraRefHolders, 9)).toBeUndefined();
  });
});

describe('LayoutFacts', () => {
  it('marks managed, CMA and ZONE_MOVABLE pages from the layout alone', () => {
    const facts = new LayoutFacts({
      banks: [
        { name: 'a', node: 0, zoneKind: 'Normal', pfnStart: 0, pfnEnd: 4096 },
        { name: 'b', node: 0, zoneKind: 'Movable', pfnStart: 8192, pfnEnd: 12288 },
      ],
      reserved: [{ label: 'kernel', pfnStart: 0, pfnEnd: 512 }],
      cma: [{ name: 'reserved', pfnStart: 2048, pfnEnd: 3072, orderPerBit: 0 }],
      cpuCount: 1,
      watermarkScaleFactor: 10,
    });
    expect(facts.factsOf(100)).toBe(0);
    expect(facts.factsOf(600)).toBe(FACT_MANAGED);
    expect(facts.factsOf(2048)).toBe(FACT_MANAGED | FACT_CMA);
    expect(facts.factsOf(5000)).toBe(0);
    expect(facts.factsOf(9000)).toBe(FACT_MANAGED | FACT_MOVABLE_ZONE);
    expect(facts.factsOf(99999)).toBe(0);
    expect(facts.cmaAreaOf(2500)).toBe('reserved');
    expect(facts.cmaAreaOf(600)).toBeUndefined();
    expect(facts.managedPages).toBe(4096 - 512 + 4096);
  });
});
