// Bitmap edge cases (src/base/bitmap.ts): word boundaries, partial last words, size/bitCount limits and the exact misuse-assert messages.
import { describe, expect, it } from 'vitest';
import { Bitmap } from '../../src/base/bitmap.ts';
import { assertionMessage } from './assertion-message.ts';

/** The reference: a plain boolean array. */
function modelNext(bits: readonly boolean[], size: number, start: number, want: boolean): number {
  for (let index = start; index < size; index++) if (bits[index] === want) return index;
  return size;
}

const BOUNDARIES = [0, 1, 30, 31, 32, 33, 63, 64, 65, 95, 96, 97];

describe('set/clear against a boolean array at word boundaries', () => {
  it('agrees for every range starting and ending on or next to a word boundary (bitmap_set / bitmap_clear)', () => {
    const size = 97;
    for (const start of BOUNDARIES) {
      for (const end of BOUNDARIES) {
        if (end < start) continue;
        const bitmap = new Bitmap(size);
        const model = new Array<boolean>(size).fill(false);
        bitmap.set(start, end - start);
        model.fill(true, start, end);
        for (let bit = 0; bit < size; bit++) expect(bitmap.test(bit)).toBe(model[bit]);
        // Clear an inner range that starts and ends mid-word, then compare again.
        const clearStart = Math.min(start + 1, end);
        const clearEnd = Math.max(clearStart, end - 1);
        bitmap.clear(clearStart, clearEnd - clearStart);
        model.fill(false, clearStart, clearEnd);
        for (let bit = 0; bit < size; bit++) expect(bitmap.test(bit)).toBe(model[bit]);
        expect(bitmap.weight(size)).toBe(model.filter(Boolean).length);
        for (const from of BOUNDARIES) {
          expect(bitmap.findNextBit(size, from)).toBe(modelNext(model, size, from, true));
          expect(bitmap.findNextZeroBit(size, from)).toBe(modelNext(model, size, from, false));
        }
      }
    }
  });
});

describe('find_next_bit / find_next_zero_bit limits', () => {
  it('returns size for any start at or past size, even one whose word index would wrap a 32-bit shift', () => {
    const bitmap = new Bitmap(64);
    bitmap.set(3, 1);
    // include/linux/find.h: offset >= size returns size. 2^32 + 3 shares its low 32 bits with bit 3.
    expect(bitmap.findNextBit(10, 2 ** 32 + 3)).toBe(10);
    expect(bitmap.findNextZeroBit(10, 2 ** 32 + 4)).toBe(10);
    expect(bitmap.findNextBit(64, 2 ** 32 + 3)).toBe(64);
  });

  it('asserts on a start that is negative or not an integer, naming it', () => {
    const bitmap = new Bitmap(10);
    bitmap.set(1, 1);
    expect(assertionMessage(() => bitmap.findNextBit(10, -1))).toBe('Bitmap.findNext: bad start -1');
    expect(assertionMessage(() => bitmap.findNextZeroBit(10, -1))).toBe('Bitmap.findNext: bad start -1');
    expect(assertionMessage(() => bitmap.findNextBit(10, 1.5))).toBe('Bitmap.findNext: bad start 1.5');
  });

  it('asserts on a size beyond bitCount, negative or fractional, naming the operation', () => {
    const bitmap = new Bitmap(10);
    bitmap.set(0, 10);
    expect(assertionMessage(() => bitmap.findNextBit(11, 0))).toBe('Bitmap.findNext: size 11 outside 10 bits');
    expect(assertionMessage(() => bitmap.findNextZeroBit(-1, 0))).toBe('Bitmap.findNext: size -1 outside 10 bits');
    expect(assertionMessage(() => bitmap.weight(11))).toBe('Bitmap.weight: size 11 outside 10 bits');
    expect(assertionMessage(() => bitmap.weight(1.5))).toBe('Bitmap.weight: size 1.5 outside 10 bits');
    expect(assertionMessage(() => bitmap.longestZeroRun(-1))).toBe('Bitmap.longestZeroRun: size -1 outside 10 bits');
    expect(assertionMessage(() => bitmap.toU32Words(-1))).toBe('Bitmap.toU32Words: size -1 outside 10 bits');
    expect(assertionMessage(() => bitmap.toU32Words(11))).toBe('Bitmap.toU32Words: size 11 outside 10 bits');
  });
});

describe('weight and bitmap_to_arr32 at word boundaries', () => {
  it('weight(size) for a multiple of 32 counts no bit of the following word', () => {
    const bitmap = new Bitmap(96);
    bitmap.set(31, 1);
    bitmap.set(32, 3);
    bitmap.set(64, 1);
    expect(bitmap.weight(0)).toBe(0);
    expect(bitmap.weight(31)).toBe(0);
    expect(bitmap.weight(32)).toBe(1);
    expect(bitmap.weight(33)).toBe(2);
    expect(bitmap.weight(64)).toBe(4);
    expect(bitmap.weight(65)).toBe(5);
  });

  it('returns DIV_ROUND_UP(n, 32) words, masking a partial last word even when it is the only one', () => {
    const bitmap = new Bitmap(96);
    bitmap.set(0, 96);
    expect(Array.from(bitmap.toU32Words(32))).toEqual([0xffffffff]);
    expect(Array.from(bitmap.toU32Words(5))).toEqual([0x1f]);
    expect(Array.from(bitmap.toU32Words(1))).toEqual([0x1]);
    expect(Array.from(bitmap.toU32Words(64))).toEqual([0xffffffff, 0xffffffff]);
    expect(Array.from(bitmap.toU32Words(65))).toEqual([0xffffffff, 0xffffffff, 0x1]);
  });
});

describe('misuse asserts of the bitmap itself', () => {
  it('constructs up to 2^31 - 1 bits and works at the top bit', () => {
    const top = 2 ** 31 - 2;
    const bitmap = new Bitmap(2 ** 31 - 1);
    bitmap.set(top, 1);
    expect(bitmap.test(top)).toBe(true);
    expect(bitmap.test(top - 1)).toBe(false);
    expect(bitmap.findNextBit(bitmap.bitCount, top - 40)).toBe(top);
    expect(bitmap.findNextZeroBit(bitmap.bitCount, top)).toBe(top + 1);
  });

  it('asserts on a bitCount that is negative, fractional or 2^31 and above', () => {
    expect(assertionMessage(() => new Bitmap(-1))).toBe('Bitmap: bad bitCount -1');
    expect(assertionMessage(() => new Bitmap(1.5))).toBe('Bitmap: bad bitCount 1.5');
    expect(assertionMessage(() => new Bitmap(2 ** 31))).toBe(`Bitmap: bad bitCount ${2 ** 31}`);
    expect(assertionMessage(() => new Bitmap(2 ** 40))).toBe(`Bitmap: bad bitCount ${2 ** 40}`);
  });

  it('test(bit) asserts on bits that are negative, fractional or at bitCount', () => {
    const bitmap = new Bitmap(10);
    bitmap.set(0, 10);
    expect(assertionMessage(() => bitmap.test(10))).toBe('Bitmap.test: bit 10 outside 10');
    expect(assertionMessage(() => bitmap.test(-1))).toBe('Bitmap.test: bit -1 outside 10');
    expect(assertionMessage(() => bitmap.test(1.5))).toBe('Bitmap.test: bit 1.5 outside 10');
  });

  it('set/clear assert on ranges outside the bitmap or with fractional or negative ends, naming [start, end)', () => {
    const bitmap = new Bitmap(10);
    expect(assertionMessage(() => bitmap.set(5, 6))).toBe('Bitmap.set: [5, 11) outside 10 bits');
    expect(assertionMessage(() => bitmap.clear(5, 6))).toBe('Bitmap.clear: [5, 11) outside 10 bits');
    expect(assertionMessage(() => bitmap.set(1.5, 2))).toBe('Bitmap.set: [1.5, 3.5) outside 10 bits');
    expect(assertionMessage(() => bitmap.set(0, 1.5))).toBe('Bitmap.set: [0, 1.5) outside 10 bits');
    expect(assertionMessage(() => bitmap.clear(5, -2))).toBe('Bitmap.clear: [5, 3) outside 10 bits');
    expect(assertionMessage(() => bitmap.clear(-1, 1))).toBe('Bitmap.clear: [-1, 0) outside 10 bits');
    expect(bitmap.weight(10)).toBe(0);
  });
});

describe('findNextZeroAreaOff argument checks', () => {
  const bitmap = new Bitmap(8);

  it('asserts on a size beyond bitCount', () => {
    expect(assertionMessage(() => bitmap.findNextZeroAreaOff(9, 0, 1, 0, 0))).toBe('Bitmap.findNextZeroAreaOff: size 9 outside 8 bits');
  });

  it('asserts unless nr is an unsigned int (0 .. 2^32 - 1)', () => {
    expect(bitmap.findNextZeroAreaOff(8, 0, 2 ** 32 - 1, 0, 0)).toBe(2 ** 32 - 1);
    expect(assertionMessage(() => bitmap.findNextZeroAreaOff(8, 0, 2 ** 32, 0, 0))).toBe(
      `findNextZeroAreaOff: nr ${2 ** 32} is not an unsigned int`,
    );
    expect(assertionMessage(() => bitmap.findNextZeroAreaOff(8, 0, -1, 0, 0))).toBe('findNextZeroAreaOff: nr -1 is not an unsigned int');
    expect(assertionMessage(() => bitmap.findNextZeroAreaOff(8, 0, 1.5, 0, 0))).toBe('findNextZeroAreaOff: nr 1.5 is not an unsigned int');
  });

  it('asserts unless alignMask is 2^k - 1 and a safe integer', () => {
    // The largest accepted mask: bit 0 is aligned to every mask, bit 1 rounds up past the bitmap.
    expect(bitmap.findNextZeroAreaOff(8, 0, 1, 2 ** 53 - 1, 0)).toBe(0);
    expect(bitmap.findNextZeroAreaOff(8, 1, 1, 2 ** 32 - 1, 0)).toBe(2 ** 32 + 1);
    expect(assertionMessage(() => bitmap.findNextZeroAreaOff(8, 0, 1, 5, 0))).toBe('findNextZeroAreaOff: alignMask 5 is not 2^k - 1');
    // 2^60 - 1 is not representable: the double 2^60 has log2(2^60 + 1) == 60 but is no safe integer.
    expect(assertionMessage(() => bitmap.findNextZeroAreaOff(8, 0, 1, 2 ** 60, 0))).toBe(
      `findNextZeroAreaOff: alignMask ${2 ** 60} is not 2^k - 1`,
    );
    expect(assertionMessage(() => bitmap.findNextZeroAreaOff(8, 0, 1, -1, 0))).toBe('findNextZeroAreaOff: alignMask -1 is not 2^k - 1');
  });

  it('asserts unless alignOffset is a non-negative safe integer', () => {
    expect(assertionMessage(() => bitmap.findNextZeroAreaOff(8, 0, 1, 3, -1))).toBe('findNextZeroAreaOff: bad alignOffset -1');
    expect(assertionMessage(() => bitmap.findNextZeroAreaOff(8, 0, 1, 3, 1.5))).toBe('findNextZeroAreaOff: bad alignOffset 1.5');
    expect(assertionMessage(() => bitmap.findNextZeroAreaOff(8, 0, 1, 3, 2 ** 53))).toBe(`findNextZeroAreaOff: bad alignOffset ${2 ** 53}`);
  });
});
