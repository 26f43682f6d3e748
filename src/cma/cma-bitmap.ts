// The CMA area bitmap and its arithmetic, allocator-free: Linux 6.1 mm/cma.c (cma_bitmap_aligned_mask,
// cma_bitmap_aligned_offset, cma_bitmap_pages_to_bits, cma_clear_bitmap), mm/cma.h (cma_bitmap_maxno)
// and mm/cma_debug.c (cma_used_get, cma_maxchunk_get, the debugfs u32 array behind `cat bitmap`).
import { assert } from '../base/assert.ts';
import { Bitmap } from '../base/bitmap.ts';
import type { PageCount, Pfn } from '../base/units.ts';

function assertCount(what: string, value: number): void {
  assert(Number.isSafeInteger(value) && value >= 0, () => `${what}: expected a non-negative integer, got ${value}`);
}

/** cma_bitmap_maxno: the number of bitmap bits, `count >> order_per_bit`. */
export function cmaBitmapMaxno(pageCount: PageCount, orderPerBit: number): number {
  assertCount('cmaBitmapMaxno pageCount', pageCount);
  assertCount('cmaBitmapMaxno orderPerBit', orderPerBit);
  return Math.floor(pageCount / 2 ** orderPerBit);
}

/** cma_bitmap_pages_to_bits: `ALIGN(pages, 1 << opb) >> opb`, i.e. ceil(pages / 2^opb). */
export function cmaBitmapPagesToBits(pageCount: PageCount, orderPerBit: number): number {
  assertCount('cmaBitmapPagesToBits pageCount', pageCount);
  assertCount('cmaBitmapPagesToBits orderPerBit', orderPerBit);
  return Math.ceil(pageCount / 2 ** orderPerBit);
}

/** cma_bitmap_aligned_mask: 0 when `alignOrder <= opb`, else `(1 << (alignOrder - opb)) - 1`. */
export function cmaBitmapAlignedMask(alignOrder: number, orderPerBit: number): number {
  assertCount('cmaBitmapAlignedMask alignOrder', alignOrder);
  assertCount('cmaBitmapAlignedMask orderPerBit', orderPerBit);
  if (alignOrder <= orderPerBit) return 0;
  return 2 ** (alignOrder - orderPerBit) - 1;
}

/**
 * cma_bitmap_aligned_offset, the current formula (Doug Berger's 2017 fix):
 * `(base_pfn & ((1 << alignOrder) - 1)) >> opb` — the distance back from `basePfn` to the previous
 * 2^alignOrder boundary, in bits. Adding it before aligning the bit index makes the resulting PFN
 * (not the bit index) 2^alignOrder-aligned.
 */
export function cmaBitmapAlignedOffset(basePfn: Pfn, alignOrder: number, orderPerBit: number): number {
  assertCount('cmaBitmapAlignedOffset basePfn', basePfn);
  assertCount('cmaBitmapAlignedOffset alignOrder', alignOrder);
  assertCount('cmaBitmapAlignedOffset orderPerBit', orderPerBit);
  return Math.floor((basePfn % 2 ** alignOrder) / 2 ** orderPerBit);
}

/**
 * One CMA area's bitmap: bit `b` covers pages [basePfn + b·2^opb, basePfn + (b+1)·2^opb).
 *
 * The allocation loop lives elsewhere (it needs alloc_contig_range). It MUST follow Linux 6.1
 * `cma_alloc(cma, count, align, no_warn)` exactly:
 *
 * ```
 * if (!cma || !cma->count || !cma->bitmap) goto out;      // NULL, counted as CMA_ALLOC_FAIL
 * if (!count) goto out;                                   // NULL, counted as CMA_ALLOC_FAIL
 * mask = cmaBitmapAlignedMask(align, opb); offset = cmaBitmapAlignedOffset(base_pfn, align, opb);
 * maxno = bitmapMaxno; bitmap_count = cmaBitmapPagesToBits(count, opb);
 * if (bitmap_count > maxno) goto out;                     // NULL, no alloc_contig_range call
 * start = 0; ret = -ENOMEM;
 * for (;;) {
 *   bitmap_no = findRange(start, bitmap_count, mask, offset);
 *   if (bitmap_no >= maxno) break;                        // no window left: fail with ret
 *   reserve(bitmap_no, bitmap_count);                     // BEFORE migration (M7)
 *   pfn = base_pfn + (bitmap_no << opb);
 *   ret = alloc_contig_range(pfn, pfn + count, MIGRATE_CMA, GFP_KERNEL | (no_warn ? __GFP_NOWARN : 0));
 *   if (ret == 0) { page = pfn; break; }                  // only `count` pages taken; the rest of
 *                                                         // the last bit stays free in the buddy
 *   clearPages(pfn, count);                               // undo the reservation (M8)
 *   if (ret != -EBUSY) break;                             // -ENOMEM, -EINTR: give up (M9)
 *   start = bitmap_no + mask + 1;                         // next aligned window, never back (M5)
 * }
 * out: page ? (CMA_ALLOC_SUCCESS, nr_pages_succeeded += count)
 *           : (CMA_ALLOC_FAIL, nr_pages_failed += count if cma)
 * ```
 *
 * `cma_release(cma, pages, count)`: false if `!cma || !pages` or the start PFN is outside
 * [base_pfn, base_pfn + count) (only the start is checked; `pfn + count > end` is a VM_BUG_ON),
 * otherwise `free_contig_range(pfn, count)`, then `clearPages(pfn, count)`, and true.
 */
export class CmaBitmap {
  readonly basePfn: Pfn;
  readonly pageCount: PageCount;
  readonly orderPerBit: number;
  /** cma_bitmap_maxno: the number of bits. */
  readonly bitmapMaxno: number;
  private readonly bits: Bitmap;

  /** An empty bitmap for an area of `pageCount` pages at `basePfn`. */
  constructor(basePfn: Pfn, pageCount: PageCount, orderPerBit: number) {
    assertCount('CmaBitmap basePfn', basePfn);
    this.basePfn = basePfn;
    this.pageCount = pageCount;
    this.orderPerBit = orderPerBit;
    this.bitmapMaxno = cmaBitmapMaxno(pageCount, orderPerBit);
    this.bits = new Bitmap(this.bitmapMaxno);
  }

  /**
   * bitmap_find_next_zero_area_off(bitmap, maxno, start, bitmapCount, mask, offset): the first
   * aligned clear window at or after bit `start`. A result `>= bitmapMaxno` means none.
   */
  findRange(start: number, bitmapCount: number, mask: number, offset: number): number {
    return this.bits.findNextZeroAreaOff(this.bitmapMaxno, start, bitmapCount, mask, offset);
  }

  /** bitmap_set(bitmap, bitmapNo, bitmapCount); asserts the bits were clear and inside the area. */
  reserve(bitmapNo: number, bitmapCount: number): void {
    const end = bitmapNo + bitmapCount;
    assert(bitmapNo >= 0 && end <= this.bitmapMaxno, () => `CmaBitmap.reserve: bits [${bitmapNo}, ${end}) outside ${this.bitmapMaxno}`);
    assert(this.bits.findNextBit(end, bitmapNo) === end, () => `CmaBitmap.reserve: bits [${bitmapNo}, ${end}) already in use`);
    this.bits.set(bitmapNo, bitmapCount);
  }

  /**
   * cma_clear_bitmap(cma, pfn, count): clears `cmaBitmapPagesToBits(pageCount)` bits from
   * `(pfn - base_pfn) >> opb`. Like Linux it does not check the bits were set.
   */
  clearPages(pfn: Pfn, pageCount: PageCount): void {
    assert(pfn >= this.basePfn, () => `CmaBitmap.clearPages: pfn ${pfn} below base ${this.basePfn}`);
    const bitmapNo = Math.floor((pfn - this.basePfn) / 2 ** this.orderPerBit);
    const bitmapCount = cmaBitmapPagesToBits(pageCount, this.orderPerBit);
    assert(bitmapNo + bitmapCount <= this.bitmapMaxno, () => `CmaBitmap.clearPages: ${pageCount} pages at ${pfn} overrun the area`);
    this.bits.clear(bitmapNo, bitmapCount);
  }

  /** The first PFN covered by bit `bitmapNo`: `base_pfn + (bitmapNo << opb)`. */
  pfnOfBit(bitmapNo: number): Pfn {
    return this.basePfn + bitmapNo * 2 ** this.orderPerBit;
  }

  /** test_bit on the area bitmap. */
  isBitSet(bitmapNo: number): boolean {
    return this.bits.test(bitmapNo);
  }

  /** Set bits in the whole bitmap (bitmap_weight over maxno bits). */
  usedBits(): number {
    return this.bits.weight(this.bitmapMaxno);
  }

  /** debugfs `used` in 6.1: `bitmap_weight(bitmap, maxno) << order_per_bit` (weighs maxno bits, not count: M4). */
  usedPages(): PageCount {
    return this.usedBits() * 2 ** this.orderPerBit;
  }

  /** debugfs `maxchunk` in 6.1: the longest clear run, scanned up to maxno bits (not count: M3), `<< order_per_bit`. */
  maxchunkPages(): PageCount {
    return this.bits.longestZeroRun(this.bitmapMaxno) * 2 ** this.orderPerBit;
  }

  /**
   * `cat bitmap` exactly as 6.1 debugfs prints its u32 array (fs/debugfs/file.c u32_format_array):
   * DIV_ROUND_UP(maxno, 32) words, each "%u", separated by one space, the last followed by "\n";
   * the empty string for a 0-bit area. Words are the little-endian view of the bitmap.
   */
  bitmapWordsText(): string {
    const words = this.bits.toU32Words(this.bitmapMaxno);
    if (words.length === 0) return '';
    return `${words.join(' ')}\n`;
  }
}
