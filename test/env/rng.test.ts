// Rng (src/env/rng.ts): seeded determinism, pinned alea output, fork derivation, and the bounds/edge cases of int, chance and pick.
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/base/assert.ts';
import { createRng, type Rng } from '../../src/env/rng.ts';

function draws(rng: Rng, count: number): number[] {
  return Array.from({ length: count }, () => rng.u32());
}

describe('createRng: the same seed always gives the same stream', () => {
  it('replays an identical u32 sequence for two generators built from one seed', () => {
    expect(draws(createRng('corpus-17'), 64)).toEqual(draws(createRng('corpus-17'), 64));
  });

  it('treats a numeric seed exactly like its decimal string', () => {
    const fromNumber = createRng(42);
    expect(fromNumber.seed).toBe('42');
    expect(draws(fromNumber, 16)).toEqual(draws(createRng('42'), 16));
  });

  it('keeps the seed it was built from, so failures can print it', () => {
    expect(createRng('pagelab').seed).toBe('pagelab');
  });

  it('produces the pinned seedrandom-alea values for seed "pagelab" (stored corpus seeds depend on this stream)', () => {
    const rng = createRng('pagelab');
    expect(draws(rng, 3)).toEqual([762444245, 2766600541, 108807710]);
    expect(rng.int(0, 99)).toBe(55);
    expect(rng.chance(0.5)).toBe(true);
  });

  it('gives different streams for different seeds', () => {
    expect(draws(createRng('1'), 8)).not.toEqual(draws(createRng('2'), 8));
    expect(draws(createRng(''), 8)).not.toEqual(draws(createRng(' '), 8));
  });

  it('returns u32 values as unsigned 32-bit integers', () => {
    const rng = createRng('u32');
    for (const value of draws(rng, 2000)) {
      expect(Number.isInteger(value)).toBe(true);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(2 ** 32);
    }
  });
});

describe('Rng.fork: independent, reproducible derived streams', () => {
  it('derives the child seed as "<seed>/<label>" and replays the same child stream every time', () => {
    const child = createRng(7).fork('heap');
    expect(child.seed).toBe('7/heap');
    expect(draws(child, 2)).toEqual([286419881, 1208131409]);
    expect(draws(createRng(7).fork('heap'), 8)).toEqual(draws(createRng('7/heap'), 8));
  });

  it('gives different streams for different labels and differs from the parent', () => {
    const parent = createRng('p');
    expect(draws(parent.fork('a'), 8)).not.toEqual(draws(parent.fork('b'), 8));
    expect(draws(createRng('p').fork('a'), 8)).not.toEqual(draws(createRng('p'), 8));
  });

  it('does not consume or perturb the parent stream, wherever in the stream it is called', () => {
    const plain = createRng('parent');
    const forking = createRng('parent');
    const expected = draws(plain, 10);
    const got = [...draws(forking, 5)];
    const child = forking.fork('x');
    draws(child, 100);
    got.push(...draws(forking, 5));
    expect(got).toEqual(expected);
  });

  it('derives a fork from the seed only, not from how far the parent has advanced', () => {
    const fresh = createRng('s').fork('w');
    const advanced = createRng('s');
    draws(advanced, 50);
    expect(draws(advanced.fork('w'), 8)).toEqual(draws(fresh, 8));
  });

  it('nests: fork(a).fork(b) is the generator seeded "<seed>/a/b"', () => {
    expect(createRng('s').fork('a').fork('b').seed).toBe('s/a/b');
  });
});

describe('Rng.int: a uniform integer in an inclusive range', () => {
  it('stays within [min, max] and reaches both ends', () => {
    const rng = createRng('int-bounds');
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const value = rng.int(3, 7);
      expect(Number.isInteger(value)).toBe(true);
      expect(value).toBeGreaterThanOrEqual(3);
      expect(value).toBeLessThanOrEqual(7);
      seen.add(value);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7]);
  });

  it('returns the only value of a one-element range', () => {
    const rng = createRng('single');
    for (let i = 0; i < 20; i++) expect(rng.int(9, 9)).toBe(9);
  });

  it('handles negative ranges', () => {
    const rng = createRng('neg');
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(rng.int(-2, 0));
    expect([...seen].sort()).toEqual([-1, -2, 0]);
  });

  it('is roughly uniform (each of 4 buckets gets 20-30 % of 8000 draws)', () => {
    const rng = createRng('uniform');
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 8000; i++) {
      const v = rng.int(0, 3);
      counts[v] = (counts[v] ?? 0) + 1;
    }
    for (const count of counts) {
      expect(count).toBeGreaterThan(1600);
      expect(count).toBeLessThan(2400);
    }
  });

  it('rejects an empty range with an AssertionError naming the bounds', () => {
    const rng = createRng('empty');
    expect(() => rng.int(5, 4)).toThrow(AssertionError);
    expect(() => rng.int(5, 4)).toThrow('Rng.int: empty range [5, 4]');
  });

  it('rejects non-integer and unsafe bounds', () => {
    const rng = createRng('bad');
    expect(() => rng.int(0.5, 3)).toThrow('Rng.int bounds must be integers');
    expect(() => rng.int(0, Number.NaN)).toThrow('Rng.int bounds must be integers');
    expect(() => rng.int(0, Number.POSITIVE_INFINITY)).toThrow('Rng.int bounds must be integers');
    expect(() => rng.int(0, 2 ** 53)).toThrow('Rng.int bounds must be integers');
  });
});

describe('Rng.chance and Rng.pick', () => {
  it('chance(0) is never true and chance(1) is always true', () => {
    const rng = createRng('chance');
    for (let i = 0; i < 1000; i++) {
      expect(rng.chance(0)).toBe(false);
      expect(rng.chance(1)).toBe(true);
    }
  });

  it('chance(p) comes up true about p of the time', () => {
    const rng = createRng('chance-p');
    let hits = 0;
    for (let i = 0; i < 10000; i++) if (rng.chance(0.25)) hits++;
    expect(hits).toBeGreaterThan(2200);
    expect(hits).toBeLessThan(2800);
  });

  it('pick returns every element of the array over enough draws, and only those', () => {
    const rng = createRng('pick');
    const items = ['a', 'b', 'c'] as const;
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) seen.add(rng.pick(items));
    expect([...seen].sort()).toEqual(['a', 'b', 'c']);
  });

  it('pick of a one-element array returns it', () => {
    expect(createRng('one').pick([42])).toBe(42);
  });

  it('pick from an empty array is an AssertionError', () => {
    expect(() => createRng('none').pick([])).toThrow('Rng.pick from an empty array');
  });
});
