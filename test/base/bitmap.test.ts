// Bitmap against hand-worked cases and, with fast-check, against bit-by-bit reference implementations.
import fc from 'fast-check';
import { describe, expect, inject, it } from 'vitest';
import { AssertionError } from '../../src/base/assert.ts';
import { Bitmap } from '../../src/base/bitmap.ts';

const seed = Number(inject('pagelabSeed'));

function fromBits(bits: readonly boolean[]): Bitmap {
  const bitmap = new Bitmap(bits.length);
  bits.forEach((bit, index) => {
    if (bit) bitmap.set(index, 1);
  });
  return bitmap;
}

function naiveNext(bits: readonly boolean[], size: number, start: number, want: boolean): number {
  for (let index = start; index < size; index++) if (bits[index] === want) return index;
  return size;
}

function naiveLongestZeroRun(bits: readonly boolean[]): number {
  let longest = 0;
  let run = 0;
  for (const bit of bits) {
    run = bit ? 0 : run + 1;
    longest = Math.max(longest, run);
  }
  return longest;
}

/** lib/bitmap.c's loop, literally, over a boolean array. */
function naiveFindNextZeroAreaOff(bits: readonly boolean[], size: number, start: number, nr: number, mask: number, offset: number): number {
  let from = start;
  for (;;) {
    const zero = naiveNext(bits, size, from, false);
    const index = Math.ceil((zero + offset) / (mask + 1)) * (mask + 1) - offset;
    const end = index + nr;
    if (end > size) return end;
    const busy = naiveNext(bits, end, index, true);
    if (busy >= end) return index;
    from = busy + 1;
  }
}

/** What the search means: the lowest c >= start with (c + offset) aligned and [c, c + nr) clear. */
function bruteForceFirstFit(bits: readonly boolean[], size: number, start: number, nr: number, mask: number, offset: number): number | undefined {
  for (let c = start; c + nr <= size; c++) {
    if ((c + offset) % (mask + 1) !== 0) continue;
    if (bits.slice(c, c + nr).every((bit) => !bit)) return c;
  }
  return undefined;
}

const bitsArb = fc.array(fc.boolean(), { minLength: 0, maxLength: 300 });
const searchArb = fc.record({
  start: fc.nat(320),
  nr: fc.nat(40),
  alignOrder: fc.nat(6),
  offset: fc.nat(70),
});

describe('Bitmap set/clear/test', () => {
  it('sets and clears ranges across word boundaries', () => {
    const bitmap = new Bitmap(100);
    bitmap.set(30, 40);
    expect(bitmap.test(29)).toBe(false);
    expect(bitmap.test(30)).toBe(true);
    expect(bitmap.test(69)).toBe(true);
    expect(bitmap.test(70)).toBe(false);
    expect(bitmap.weight(100)).toBe(40);
    bitmap.clear(32, 32);
    expect(bitmap.weight(100)).toBe(8);
    expect(Array.from(bitmap.toU32Words(100))).toEqual([0xc0000000, 0, 0x3f, 0]);
  });

  it('accepts zero-length ranges and whole words', () => {
    const bitmap = new Bitmap(64);
    bitmap.set(64, 0);
    bitmap.set(0, 64);
    expect(Array.from(bitmap.toU32Words(64))).toEqual([0xffffffff, 0xffffffff]);
    bitmap.clear(0, 32);
    expect(Array.from(bitmap.toU32Words(64))).toEqual([0, 0xffffffff]);
  });

  it('asserts on ranges outside the bitmap', () => {
    const bitmap = new Bitmap(10);
    expect(() => bitmap.set(5, 6)).toThrow(AssertionError);
    expect(() => bitmap.clear(-1, 1)).toThrow(AssertionError);
    expect(() => bitmap.test(10)).toThrow(AssertionError);
    expect(() => bitmap.weight(11)).toThrow(AssertionError);
  });
});

describe('Bitmap find_next_bit / find_next_zero_bit', () => {
  it('returns size when nothing is found or start >= size', () => {
    const bitmap = new Bitmap(70);
    expect(bitmap.findNextBit(70, 0)).toBe(70);
    expect(bitmap.findNextZeroBit(70, 70)).toBe(70);
    expect(bitmap.findNextZeroBit(50, 60)).toBe(50);
    bitmap.set(0, 70);
    expect(bitmap.findNextZeroBit(70, 0)).toBe(70);
    expect(bitmap.findNextBit(70, 69)).toBe(69);
  });

  it('never reports a bit at or beyond size', () => {
    const bitmap = new Bitmap(64);
    bitmap.set(40, 1);
    expect(bitmap.findNextBit(40, 0)).toBe(40);
    expect(bitmap.findNextBit(64, 33)).toBe(40);
    expect(bitmap.findNextZeroBit(35, 0)).toBe(0);
  });
});

describe('Bitmap.findNextZeroAreaOff (lib/bitmap.c)', () => {
  it('is first fit from start with aligned candidates', () => {
    const bitmap = new Bitmap(64);
    bitmap.set(0, 3);
    expect(bitmap.findNextZeroAreaOff(64, 0, 4, 0, 0)).toBe(3);
    expect(bitmap.findNextZeroAreaOff(64, 0, 4, 7, 0)).toBe(8);
    expect(bitmap.findNextZeroAreaOff(64, 0, 4, 7, 2)).toBe(6);
  });

  it('restarts after the first set bit inside the window', () => {
    const bitmap = new Bitmap(64);
    bitmap.set(10, 1);
    bitmap.set(12, 1);
    expect(bitmap.findNextZeroAreaOff(64, 0, 16, 0, 0)).toBe(13);
  });

  it('returns end > size on failure and never wraps around', () => {
    const bitmap = new Bitmap(32);
    bitmap.set(20, 1);
    expect(bitmap.findNextZeroAreaOff(32, 21, 12, 0, 0)).toBe(33);
    expect(bitmap.findNextZeroAreaOff(32, 0, 33, 0, 0)).toBe(33);
    expect(bitmap.findNextZeroAreaOff(32, 40, 1, 0, 0)).toBe(33);
  });

  it('with nr 0 returns size on a full bitmap (what cma_alloc then treats as failure)', () => {
    const bitmap = new Bitmap(32);
    bitmap.set(0, 32);
    expect(bitmap.findNextZeroAreaOff(32, 0, 0, 0, 0)).toBe(32);
  });

  it('asserts on masks that are not 2^k - 1', () => {
    expect(() => new Bitmap(8).findNextZeroAreaOff(8, 0, 1, 5, 0)).toThrow(AssertionError);
  });

  it('matches the literal loop over a boolean array (property)', () => {
    fc.assert(
      fc.property(bitsArb, searchArb, (bits, s) => {
        const mask = 2 ** s.alignOrder - 1;
        const actual = fromBits(bits).findNextZeroAreaOff(bits.length, s.start, s.nr, mask, s.offset);
        expect(actual).toBe(naiveFindNextZeroAreaOff(bits, bits.length, s.start, s.nr, mask, s.offset));
      }),
      { seed, numRuns: 400 },
    );
  });

  it('finds the lowest aligned clear window at or after start, or overruns (property)', () => {
    fc.assert(
      fc.property(bitsArb, searchArb, (bits, s) => {
        const nr = s.nr + 1;
        const mask = 2 ** s.alignOrder - 1;
        const actual = fromBits(bits).findNextZeroAreaOff(bits.length, s.start, nr, mask, s.offset);
        const expected = bruteForceFirstFit(bits, bits.length, s.start, nr, mask, s.offset);
        if (expected === undefined) expect(actual).toBeGreaterThan(bits.length);
        else expect(actual).toBe(expected);
      }),
      { seed, numRuns: 400 },
    );
  });
});

describe('Bitmap weight / longestZeroRun / toU32Words', () => {
  it('counts only bits below size and finds the longest clear run', () => {
    const bitmap = new Bitmap(96);
    bitmap.set(10, 5);
    bitmap.set(70, 2);
    expect(bitmap.weight(96)).toBe(7);
    expect(bitmap.weight(12)).toBe(2);
    expect(bitmap.longestZeroRun(96)).toBe(55);
    expect(bitmap.longestZeroRun(60)).toBe(45);
    bitmap.set(0, 96);
    expect(bitmap.longestZeroRun(96)).toBe(0);
  });

  it('masks the bits beyond bitCount in the last word (bitmap_to_arr32)', () => {
    const bitmap = new Bitmap(40);
    bitmap.set(0, 40);
    expect(Array.from(bitmap.toU32Words(36))).toEqual([0xffffffff, 0xf]);
    expect(Array.from(bitmap.toU32Words(0))).toEqual([]);
  });

  it('agrees with a boolean-array model after random set/clear sequences (property)', () => {
    const opArb = fc.record({ set: fc.boolean(), start: fc.nat(200), count: fc.nat(80) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.array(opArb, { maxLength: 30 }), (size, ops) => {
        const bitmap = new Bitmap(size);
        const model: boolean[] = new Array<boolean>(size).fill(false);
        for (const op of ops) {
          const start = Math.min(op.start, size);
          const count = Math.min(op.count, size - start);
          if (op.set) bitmap.set(start, count);
          else bitmap.clear(start, count);
          model.fill(op.set, start, start + count);
        }
        expect(bitmap.weight(size)).toBe(model.filter((bit) => bit).length);
        expect(bitmap.longestZeroRun(size)).toBe(naiveLongestZeroRun(model));
        for (let start = 0; start <= size; start += 7) {
          expect(bitmap.findNextBit(size, start)).toBe(naiveNext(model, size, start, true));
          expect(bitmap.findNextZeroBit(size, start)).toBe(naiveNext(model, size, start, false));
        }
      }),
      { seed, numRuns: 300 },
    );
  });
});
