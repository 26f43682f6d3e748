// The environment bundle a Machine receives: its randomness and its clock, and nothing else ambient.
import { ManualClock, type Clock } from './clock.ts';
import { createRng, type Rng } from './rng.ts';

export interface Env {
  readonly rng: Rng;
  readonly clock: Clock;
}

/** A fresh environment for `seed`: the seeded Rng and a clock at time zero. */
export function createEnv(seed: string | number): Env {
  return { rng: createRng(seed), clock: new ManualClock() };
}
