// The environment bundle a Machine receives: its randomness, its clock and its fault sites, and nothing else ambient.
import { ManualClock, type Clock } from './clock.ts';
import { FaultInjector } from './faults.ts';
import { createRng, type Rng } from './rng.ts';

export interface Env {
  readonly rng: Rng;
  readonly clock: Clock;
  readonly faults: FaultInjector;
}

/** A fresh environment for `seed`: the seeded Rng, a clock at time zero, no faults armed. */
export function createEnv(seed: string | number): Env {
  return { rng: createRng(seed), clock: new ManualClock(), faults: new FaultInjector() };
}
