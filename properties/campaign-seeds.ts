// Campaign seeds: each run's seed derives from (campaign seed, worker index, run index), and a small seeded generator feeds fast-check's Random so a run is generated without fc.check.
import * as fc from 'fast-check';

/** murmur3's 32-bit finalizer: every input bit flips about half of the output bits. */
function mix32(value: number): number {
  let h = value | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/**
 * The seed of run `runIndex` of worker `workerIndex` in a campaign seeded `campaignSeed`: a pure
 * function, so any single run replays without the campaign (`pagelab fuzz --seed S --worker W --run R`).
 */
export function runSeed(campaignSeed: number, workerIndex: number, runIndex: number): number {
  const perWorker = mix32((campaignSeed | 0) ^ Math.imul(workerIndex + 1, 0x9e3779b1));
  return mix32(perWorker ^ Math.imul(runIndex + 1, 0x7feb352d));
}

/** SplitMix32: a tiny, fast generator with a one-word state, shaped as the pure-rand generator fast-check's Random wraps. */
class SplitMix32 {
  constructor(private state: number) {}

  clone(): SplitMix32 {
    return new SplitMix32(this.state);
  }

  next(): number {
    this.state = (this.state + 0x9e3779b9) | 0;
    return mix32(this.state);
  }

  getState(): readonly number[] {
    return [this.state];
  }
}

/** A fast-check Random seeded with `seed`: the same seed draws the same values. */
export function seededRandom(seed: number): fc.Random {
  return new fc.Random(new SplitMix32(seed | 0));
}
