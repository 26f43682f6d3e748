// The only source of randomness in the simulator: a seeded Rng interface over seedrandom's alea generator.
import seedrandom from 'seedrandom';
import { assert } from '../base/assert.ts';

/** Seeded randomness, passed explicitly to whatever needs it. */
export interface Rng {
  /** The seed this generator was built from (printed with every failure). */
  readonly seed: string;
  /** A uniform 32-bit unsigned integer. */
  u32(): number;
  /** A uniform integer in [minInclusive, maxInclusive]. */
  int(minInclusive: number, maxInclusive: number): number;
  /** True with probability `probability` (0..1). */
  chance(probability: number): boolean;
  /** A uniform element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** An independent generator derived from this seed and `label` (same inputs, same stream). */
  fork(label: string): Rng;
}

class AleaRng implements Rng {
  private readonly prng: seedrandom.PRNG;

  constructor(readonly seed: string) {
    this.prng = seedrandom.alea(seed);
  }

  u32(): number {
    return this.prng.int32() >>> 0;
  }

  int(minInclusive: number, maxInclusive: number): number {
    assert(Number.isSafeInteger(minInclusive) && Number.isSafeInteger(maxInclusive), 'Rng.int bounds must be integers');
    assert(minInclusive <= maxInclusive, () => `Rng.int: empty range [${minInclusive}, ${maxInclusive}]`);
    return minInclusive + Math.floor(this.prng.double() * (maxInclusive - minInclusive + 1));
  }

  chance(probability: number): boolean {
    return this.prng.double() < probability;
  }

  pick<T>(items: readonly T[]): T {
    assert(items.length > 0, 'Rng.pick from an empty array');
    return items[this.int(0, items.length - 1)] as T;
  }

  fork(label: string): Rng {
    return new AleaRng(`${this.seed}/${label}`);
  }
}

/** Builds the seeded generator; the same seed always yields the same stream on any machine. */
export function createRng(seed: string | number): Rng {
  return new AleaRng(String(seed));
}
