// The scenario generator: a swarm (machine config, seed, audit cadence, op weights) that never shrinks, then a long op list that shrinks well.
import * as fc from 'fast-check';
import { opArbitrary, type Op } from '../ops/registry.ts';
import type { Scenario, Swarm } from '../scenario.ts';
import { FailurePrefixArbitrary } from './failure-prefix.ts';
import { machineConfigArbitrary } from './machine-config.ts';
import { opWeightsArbitrary } from './op-weights.ts';

/** How long generated op lists are. */
export interface ScenarioShape {
  /** Upper bound of the op list length; lengths are uniform in 0..maxOps (fast-check's `size: 'max'`). */
  readonly maxOps: number;
  /** Overrides the machine config generator (tests pin a machine). */
  readonly config?: fc.Arbitrary<Record<string, unknown>>;
  /** Overrides the whole swarm (a profile's weights and fault sites, a heaps-heavy machine); `config` is then ignored. */
  readonly swarm?: fc.Arbitrary<Swarm>;
  /** For an op list a run just failed on, the index of the failing op (lets shrinking cut the ops after it first). */
  readonly failedAt?: (ops: readonly Op[]) => number | undefined;
}

/** Audit cadences a run may draw. */
export const AUDIT_CADENCES: readonly number[] = [100, 250, 500, 1000, 2000];

/** One run's swarm. */
export function swarmArbitrary(shape: ScenarioShape): fc.Arbitrary<Swarm> {
  return fc.record({
    config: shape.config ?? machineConfigArbitrary(),
    seed: fc.integer({ min: 0, max: 0x7fffffff }).map(String),
    auditEvery: fc.constantFrom(...AUDIT_CADENCES),
    weights: opWeightsArbitrary(),
  });
}

/**
 * Scenarios: the swarm is drawn first and wrapped in fc.noShrink, so once a failure is found the
 * shrinker keeps the same machine and weights and works only on the op list. The list's minimum
 * length is 0 (not hundreds) so it can shrink to the few ops that matter (with a minimum of 1,
 * fast-check's recursive step could never drop the last op); fast-check's array
 * shrinker drops prefixes by halving and then recurses past each kept op, so a long list shrinks
 * in O(kept ops × log length) runs; with `failedAt`, the ops after the failing one go first
 * (FailurePrefixArbitrary), since the run never reached them.
 */
export function scenarioArbitrary(shape: ScenarioShape): fc.Arbitrary<Scenario> {
  return fc.noShrink(shape.swarm ?? swarmArbitrary(shape)).chain((swarm) => {
    const ops = fc.array(opArbitrary(swarm), { minLength: 0, maxLength: shape.maxOps, size: 'max' });
    const list = shape.failedAt === undefined ? ops : new FailurePrefixArbitrary(ops, shape.failedAt);
    return list.map((opList): Scenario => ({ ...swarm, ops: opList }));
  });
}
