// createEnv (src/env/env.ts): a fresh seeded Rng, a clock at zero and no armed faults; environments share nothing.
import { describe, expect, it } from 'vitest';
import { createEnv } from '../../src/env/env.ts';
import { FAULT_SITES } from '../../src/env/faults.ts';
import { createRng } from '../../src/env/rng.ts';

describe('createEnv', () => {
  it('builds the Rng from the seed (numbers as their decimal string)', () => {
    const env = createEnv(99);
    expect(env.rng.seed).toBe('99');
    const reference = createRng('99');
    expect([env.rng.u32(), env.rng.u32()]).toEqual([reference.u32(), reference.u32()]);
  });

  it('starts the clock at 0 and arms no fault site', () => {
    const env = createEnv('fresh');
    expect(env.clock.nowNs()).toBe(0);
    for (const site of FAULT_SITES) {
      expect(env.faults.armedCount(site)).toBe(0);
      expect(env.faults.shouldFail(site)).toBe(false);
    }
  });

  it('gives two environments with one seed the same randomness but separate state', () => {
    const a = createEnv('same');
    const b = createEnv('same');
    expect(a.rng.u32()).toBe(b.rng.u32());
    a.clock.advance(100);
    a.faults.arm('page_alloc', 1);
    expect(b.clock.nowNs()).toBe(0);
    expect(b.faults.shouldFail('page_alloc')).toBe(false);
    expect(a.rng).not.toBe(b.rng);
  });

  it('gives different seeds different randomness', () => {
    expect(createEnv('a').rng.u32()).not.toBe(createEnv('b').rng.u32());
  });
});
