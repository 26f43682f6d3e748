// A Linux-style bitmap over a Uint32Array, scanned a word at a time. Mirrors Linux 6.1 lib/bitmap.c
// (__bitmap_set, __bitmap_clear, __bitmap_weight, bitmap_find_next_zero_area_off, bitmap_to_arr32)
// and include/linux/find.h (find_next_bit, find_next_zero_bit).
import { assert } from './assert.ts';

const WORD_BITS = 32;
const WORD_SHIFT = 5;
const FULL_WORD = 0xffffffff;
/** Bit counts stay below 2^31 so that `bit >>> 5` and `bit & 31` are exact. */
const MAX_BIT_COUNT = 2 ** 31;

/** BITMAP_FIRST_WORD_MASK(start): the bits at and above `start % 32`. */
function firstWordMask(start: number): number {
  return (FULL_WORD << (start & (WORD_BITS - 1))) >>> 0;
}

/** BITMAP_LAST_WORD_MASK(nbits): the bits below `nbits % 32` (all 32 when nbits is a multiple of 32). */
function lastWordMask(nbits: number): number {
  return FULL_WORD >>> (-nbits & (WORD_BITS - 1));
}

/** Index of the lowest set bit of a non-zero 32-bit word (__ffs). */
function lowestSetBit(word: number): number {
  return 31 - Math.clz32(word & -word);
}

/** Population count of a 32-bit word (hweight32). */
function popcount32(word: number): number {
  let w = word - ((word >>> 1) & 0x55555555);
  w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
  w = (w + (w >>> 4)) & 0x0f0f0f0f;
  return Math.imul(w, 0x01010101) >>> 24;
}

/** True when `mask + 1` is a power of two (0, 1, 3, 7, ...): the only masks CMA passes. */
function isLowBitMask(mask: number): boolean {
  return Number.isSafeInteger(mask) && mask >= 0 && Number.isInteger(Math.log2(mask + 1));
}

/** __ALIGN_MASK(value, mask) for masks of the form 2^k - 1, exact beyond 32 bits. */
function alignUpMask(value: number, mask: number): number {
  const step = mask + 1;
  return Math.ceil(value / step) * step;
}

/**
 * A fixed-size bitmap with Linux bit numbering: bit `b` lives in word `b >> 5` at position `b & 31`,
 * which is also how a little-endian `unsigned long` bitmap reads as u32 words (debugfs u32 arrays).
 * The `size` arguments bound a scan the way Linux's `size`/`nbits` do; they may not exceed `bitCount`.
 */
export class Bitmap {
  readonly bitCount: number;
  private readonly words: Uint32Array;

  /** A zeroed bitmap of `bitCount` bits (bitmap_zalloc). */
  constructor(bitCount: number) {
    assert(Number.isInteger(bitCount) && bitCount >= 0 && bitCount < MAX_BIT_COUNT, () => `Bitmap: bad bitCount ${bitCount}`);
    this.bitCount = bitCount;
    this.words = new Uint32Array(Math.ceil(bitCount / WORD_BITS));
  }

  /** bitmap_set: sets bits [start, start + count). */
  set(start: number, count: number): void {
    this.checkRange('set', start, count);
    this.applyMask(start, count, (index, mask) => {
      this.words[index] = (this.words[index] ?? 0) | mask;
    });
  }

  /** bitmap_clear: clears bits [start, start + count). */
  clear(start: number, count: number): void {
    this.checkRange('clear', start, count);
    this.applyMask(start, count, (index, mask) => {
      this.words[index] = (this.words[index] ?? 0) & ~mask;
    });
  }

  /** test_bit: whether `bit` is set. */
  test(bit: number): boolean {
    assert(Number.isInteger(bit) && bit >= 0 && bit < this.bitCount, () => `Bitmap.test: bit ${bit} outside ${this.bitCount}`);
    return (((this.words[bit >>> WORD_SHIFT] ?? 0) >>> (bit & (WORD_BITS - 1))) & 1) === 1;
  }

  /** find_next_bit: the first set bit in [start, size), or `size` when there is none. */
  findNextBit(size: number, start: number): number {
    return this.findNext(size, start, 0);
  }

  /** find_next_zero_bit: the first clear bit in [start, size), or `size` when there is none. */
  findNextZeroBit(size: number, start: number): number {
    return this.findNext(size, start, FULL_WORD);
  }

  /**
   * bitmap_find_next_zero_area_off, exactly as lib/bitmap.c: first fit at or after `start`, no
   * wrap-around. Each candidate is `__ALIGN_MASK(index + alignOffset, alignMask) - alignOffset` for
   * the next clear bit `index`; a set bit `i` inside the window restarts the search at `i + 1`.
   * Returns the start of a clear run of `nr` bits, or a value `end > size` (the end of the window
   * that overran) when none fits; with `nr == 0` on a full bitmap it returns `size` itself.
   * `alignMask` must be 2^k - 1 (the only form CMA uses).
   */
  findNextZeroAreaOff(size: number, start: number, nr: number, alignMask: number, alignOffset: number): number {
    this.checkSize('findNextZeroAreaOff', size);
    assert(Number.isInteger(nr) && nr >= 0 && nr < 2 ** 32, () => `findNextZeroAreaOff: nr ${nr} is not an unsigned int`);
    assert(isLowBitMask(alignMask), () => `findNextZeroAreaOff: alignMask ${alignMask} is not 2^k - 1`);
    assert(Number.isSafeInteger(alignOffset) && alignOffset >= 0, () => `findNextZeroAreaOff: bad alignOffset ${alignOffset}`);
    let from = start;
    for (;;) {
      const index = alignUpMask(this.findNextZeroBit(size, from) + alignOffset, alignMask) - alignOffset;
      const end = index + nr;
      if (end > size) return end;
      const busy = this.findNextBit(end, index);
      if (busy >= end) return index;
      from = busy + 1;
    }
  }

  /** bitmap_weight: the number of set bits in [0, size). */
  weight(size: number): number {
    this.checkSize('weight', size);
    const fullWords = size >>> WORD_SHIFT;
    let count = 0;
    for (let index = 0; index < fullWords; index++) count += popcount32(this.words[index] ?? 0);
    if (size & (WORD_BITS - 1)) count += popcount32((this.words[fullWords] ?? 0) & lastWordMask(size));
    return count;
  }

  /**
   * The longest run of clear bits in [0, size), found the way cma_maxchunk_get (6.1) walks the
   * bitmap: alternate find_next_zero_bit / find_next_bit until the zero search reaches `size`.
   */
  longestZeroRun(size: number): number {
    this.checkSize('longestZeroRun', size);
    let longest = 0;
    let end = 0;
    for (;;) {
      const start = this.findNextZeroBit(size, end);
      if (start >= size) return longest;
      end = this.findNextBit(size, start);
      longest = Math.max(longest, end - start);
    }
  }

  /**
   * bitmap_to_arr32: the first DIV_ROUND_UP(bitCount, 32) words as u32 values, with bits at and
   * above `bitCount` in the last word cleared. Returns a copy.
   */
  toU32Words(bitCount: number): Uint32Array {
    this.checkSize('toU32Words', bitCount);
    const words = this.words.slice(0, Math.ceil(bitCount / WORD_BITS));
    const last = words.length - 1;
    if (last >= 0) words[last] = (words[last] ?? 0) & lastWordMask(bitCount);
    return words;
  }

  private findNext(size: number, start: number, invert: number): number {
    this.checkSize('findNext', size);
    assert(Number.isInteger(start) && start >= 0, () => `Bitmap.findNext: bad start ${start}`);
    if (start >= size) return size;
    let index = start >>> WORD_SHIFT;
    let word = ((this.words[index] ?? 0) ^ invert) & firstWordMask(start);
    for (;;) {
      if (word !== 0) return Math.min(index * WORD_BITS + lowestSetBit(word), size);
      index++;
      if (index * WORD_BITS >= size) return size;
      word = (this.words[index] ?? 0) ^ invert;
    }
  }

  /** The word walk shared by __bitmap_set and __bitmap_clear. */
  private applyMask(start: number, count: number, apply: (index: number, mask: number) => void): void {
    if (count === 0) return;
    const end = start + count;
    let index = start >>> WORD_SHIFT;
    let remaining = count;
    let bitsInWord = WORD_BITS - (start & (WORD_BITS - 1));
    let mask = firstWordMask(start);
    while (remaining >= bitsInWord) {
      apply(index, mask);
      remaining -= bitsInWord;
      bitsInWord = WORD_BITS;
      mask = FULL_WORD;
      index++;
    }
    if (remaining > 0) apply(index, mask & lastWordMask(end));
  }

  private checkRange(what: string, start: number, count: number): void {
    assert(
      Number.isInteger(start) && Number.isInteger(count) && start >= 0 && count >= 0 && start + count <= this.bitCount,
      () => `Bitmap.${what}: [${start}, ${start + count}) outside ${this.bitCount} bits`,
    );
  }

  private checkSize(what: string, size: number): void {
    assert(Number.isInteger(size) && size >= 0 && size <= this.bitCount, () => `Bitmap.${what}: size ${size} outside ${this.bitCount} bits`);
  }
}
