// CMA bitmap arithmetic: the worked examples of kernel-reference §1.2, the 6.1 cma_alloc probe order, and the debugfs views.
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/base/assert.ts';
import {
  CmaBitmap,
  cmaBitmapAlignedMask,
  cmaBitmapAlignedOffset,
  cmaBitmapMaxno,
  cmaBitmapPagesToBits,
} from '../../src/cma/cma-bitmap.ts';

type AcrResult = 0 | 'EBUSY' | 'ENOMEM';

/** The 6.1 cma_alloc loop exactly as CmaBitmap's TSDoc specifies, with alloc_contig_range stubbed. */
function cmaAllocLoop(area: CmaBitmap, count: number, align: number, acr: (pfn: number) => AcrResult) {
  const probes: number[] = [];
  if (count === 0) return { pfn: undefined, probes };
  const mask = cmaBitmapAlignedMask(align, area.orderPerBit);
  const offset = cmaBitmapAlignedOffset(area.basePfn, align, area.orderPerBit);
  const bitmapCount = cmaBitmapPagesToBits(count, area.orderPerBit);
  if (bitmapCount > area.bitmapMaxno) return { pfn: undefined, probes };
  let start = 0;
  for (;;) {
    const bitmapNo = area.findRange(start, bitmapCount, mask, offset);
    if (bitmapNo >= area.bitmapMaxno) return { pfn: undefined, probes };
    area.reserve(bitmapNo, bitmapCount);
    const pfn = area.pfnOfBit(bitmapNo);
    probes.push(pfn);
    const ret = acr(pfn);
    if (ret === 0) return { pfn, probes };
    area.clearPages(pfn, count);
    if (ret !== 'EBUSY') return { pfn: undefined, probes };
    start = bitmapNo + mask + 1;
  }
}

describe('cma_bitmap_* helpers', () => {
  it('maxno and pages_to_bits round the right way', () => {
    expect(cmaBitmapMaxno(4096, 0)).toBe(4096);
    expect(cmaBitmapMaxno(4096, 2)).toBe(1024);
    expect(cmaBitmapPagesToBits(5, 0)).toBe(5);
    expect(cmaBitmapPagesToBits(5, 2)).toBe(2);
    expect(cmaBitmapPagesToBits(8, 2)).toBe(2);
    expect(cmaBitmapPagesToBits(9, 2)).toBe(3);
    expect(cmaBitmapPagesToBits(0, 3)).toBe(0);
  });

  it('aligned mask is 0 when the alignment is within one bit', () => {
    expect(cmaBitmapAlignedMask(0, 0)).toBe(0);
    expect(cmaBitmapAlignedMask(4, 0)).toBe(15);
    expect(cmaBitmapAlignedMask(2, 2)).toBe(0);
    expect(cmaBitmapAlignedMask(1, 2)).toBe(0);
    expect(cmaBitmapAlignedMask(12, 1)).toBe(2047);
  });

  it('aligned offset is the distance back to the previous boundary, in bits', () => {
    expect(cmaBitmapAlignedOffset(0x102, 4, 0)).toBe(2);
    expect(cmaBitmapAlignedOffset(0x2f800, 13, 0)).toBe(0x1800);
    expect(cmaBitmapAlignedOffset(0x2f800, 12, 1)).toBe(0x400);
    expect(cmaBitmapAlignedOffset(0x2f800, 0, 0)).toBe(0);
  });
});

describe('kernel-reference §1.2 worked examples', () => {
  it('base_pfn 0x102, align 4: first pfn 0x110, after -EBUSY 0x120', () => {
    const area = new CmaBitmap(0x102, 1024, 0);
    const { pfn, probes } = cmaAllocLoop(area, 1, 4, (p) => (p === 0x110 ? 'EBUSY' : 0));
    expect(probes).toEqual([0x110, 0x120]);
    expect(pfn).toBe(0x120);
    expect(area.usedBits()).toBe(1);
    expect(area.isBitSet(30)).toBe(true);
  });

  it("Doug Berger: base 0x2f800, align 13 gives pfn 0x30000; the old forward offset would give 0x31000", () => {
    const area = new CmaBitmap(0x2f800, 0x4000, 0);
    const mask = cmaBitmapAlignedMask(13, 0);
    const correct = area.findRange(0, 16, mask, cmaBitmapAlignedOffset(0x2f800, 13, 0));
    expect(area.pfnOfBit(correct)).toBe(0x30000);
    const buggyOffset = 0x30000 - 0x2f800;
    const buggy = area.findRange(0, 16, mask, buggyOffset);
    expect(area.pfnOfBit(buggy)).toBe(0x31000);
    expect(0x31000 % 2 ** 13).not.toBe(0);
  });

  it('Danesh Petigara: opb 1, base 0x2f800, align 12 gives offset 0x400 and an aligned pfn', () => {
    const area = new CmaBitmap(0x2f800, 0x4000, 1);
    const { pfn } = cmaAllocLoop(area, 8, 12, () => 0);
    expect(pfn).toBe(0x30000);
    expect((pfn ?? 1) % 2 ** 12).toBe(0);
  });
});

describe('cma_alloc loop (6.1) over CmaBitmap', () => {
  it('retries at bitmap_no + mask + 1 after -EBUSY, windows may overlap, never goes back', () => {
    const area = new CmaBitmap(0, 256, 0);
    const busy = new Set([0, 16, 32]);
    const { pfn, probes } = cmaAllocLoop(area, 40, 4, (p) => (busy.has(p) ? 'EBUSY' : 0));
    expect(probes).toEqual([0, 16, 32, 48]);
    expect(pfn).toBe(48);
    expect(area.usedPages()).toBe(40);
  });

  it('skips windows that overlap reserved bits and fails without wrap-around', () => {
    const area = new CmaBitmap(0, 64, 0);
    area.reserve(8, 4);
    const { pfn, probes } = cmaAllocLoop(area, 8, 3, () => 'EBUSY');
    expect(probes).toEqual([0, 16, 24, 32, 40, 48, 56]);
    expect(pfn).toBeUndefined();
    expect(area.usedBits()).toBe(4);
  });

  it('stops at the first error other than -EBUSY and leaves the bitmap as it was', () => {
    const area = new CmaBitmap(0, 64, 0);
    const { pfn, probes } = cmaAllocLoop(area, 8, 0, () => 'ENOMEM');
    expect(probes).toEqual([0]);
    expect(pfn).toBeUndefined();
    expect(area.usedBits()).toBe(0);
  });

  it('fails before any probe for count 0 or more bits than the area has', () => {
    const area = new CmaBitmap(0, 64, 2);
    expect(cmaAllocLoop(area, 0, 0, () => 0).probes).toEqual([]);
    expect(cmaAllocLoop(area, 65, 0, () => 0).probes).toEqual([]);
    expect(cmaAllocLoop(area, 64, 0, () => 0).pfn).toBe(0);
  });
});

describe('order_per_bit > 0: partial last bit, used and maxchunk (M3, M4)', () => {
  it('reserves whole bits for a partial request and clears them by page count', () => {
    const area = new CmaBitmap(0x1000, 64, 2);
    expect(area.bitmapMaxno).toBe(16);
    const { pfn } = cmaAllocLoop(area, 5, 0, () => 0);
    expect(pfn).toBe(0x1000);
    expect(area.usedBits()).toBe(2);
    expect(area.usedPages()).toBe(8);
    const next = cmaAllocLoop(area, 1, 0, () => 0).pfn;
    expect(next).toBe(0x1008);
    area.clearPages(0x1000, 5);
    expect(area.usedPages()).toBe(4);
    area.clearPages(0x1008, 1);
    expect(area.usedPages()).toBe(0);
  });

  it('used weighs maxno bits and maxchunk scans maxno bits, both shifted by opb', () => {
    const area = new CmaBitmap(0, 64, 2);
    expect(area.maxchunkPages()).toBe(64);
    area.reserve(4, 2);
    expect(area.usedPages()).toBe(8);
    expect(area.maxchunkPages()).toBe(40);
    area.reserve(0, 4);
    area.reserve(6, 10);
    expect(area.usedPages()).toBe(64);
    expect(area.maxchunkPages()).toBe(0);
  });
});

describe('CmaBitmap guards', () => {
  it('asserts on reserving bits already in use or outside the area', () => {
    const area = new CmaBitmap(0, 64, 0);
    area.reserve(10, 5);
    expect(() => area.reserve(14, 2)).toThrow(AssertionError);
    expect(() => area.reserve(60, 5)).toThrow(AssertionError);
  });

  it('asserts on clearing pages below the base or past the end', () => {
    const area = new CmaBitmap(100, 64, 0);
    expect(() => area.clearPages(99, 1)).toThrow(AssertionError);
    expect(() => area.clearPages(150, 20)).toThrow(AssertionError);
  });
});

describe('cat bitmap (debugfs u32 array)', () => {
  it('prints 128 words for a 16 MiB area (4096 bits)', () => {
    const area = new CmaBitmap(0x40000, 4096, 0);
    expect(area.bitmapWordsText()).toBe(`${new Array(128).fill('0').join(' ')}\n`);
    area.reserve(0, 4);
    area.reserve(32, 32);
    area.reserve(4095, 1);
    const words = area.bitmapWordsText().trimEnd().split(' ');
    expect(words).toHaveLength(128);
    expect(words.slice(0, 3)).toEqual(['15', '4294967295', '0']);
    expect(words[127]).toBe('2147483648');
    expect(area.bitmapWordsText().endsWith('2147483648\n')).toBe(true);
  });

  it('rounds a partial last word up and prints nothing for a 0-bit area', () => {
    expect(new CmaBitmap(0, 40, 0).bitmapWordsText()).toBe('0 0\n');
    expect(new CmaBitmap(0, 1024, 2).bitmapWordsText().split(' ')).toHaveLength(8);
    expect(new CmaBitmap(0, 0, 0).bitmapWordsText()).toBe('');
  });
});
