// Contig/CMA canaries: the harness run against deliberately broken layers (contig-canaries.ts) must find each bug and shrink it to at most 10 ops, on a swarm focused on the ops that reach it (random weights and machines otherwise).
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cmaMachineConfigArbitrary, cmaOpWeightsArbitrary } from '../../properties/arbitraries/cma-swarm.ts';
import { checkScenarios } from '../../properties/check-scenarios.ts';
import type { InvariantName } from '../../properties/invariants/failure.ts';
import { formatScenario, type Swarm } from '../../properties/scenario.ts';
import { KeepsBitsOnFailure, LeavesIsolated, OldOffsetRegistry, PinsInPlace } from './contig-canaries.ts';
import { machineWithParts, type BrokenParts } from './layer-fixtures.ts';

/** A 64 MiB machine whose platform area starts at 30 MiB: pfn 7680, aligned to 2^9 only (the M1/M2 geometry). */
const UNALIGNED_BASE = { banks: [{ name: 'dram0', base: 0, size: '64M', zone: 'Normal' }], cpus: 2, cma: { areas: [{ name: 'plat', size: '8M', base: '30M', orderPerBit: 1 }] } };

/** CMA swarms whose weights keep `focus` on (at least the given weight); `config` pins the machine. */
function focusedSwarm(focus: Readonly<Record<string, number>>, config?: Record<string, unknown>): fc.Arbitrary<Swarm> {
  return fc.record({
    config: config === undefined ? cmaMachineConfigArbitrary() : fc.constant(config),
    seed: fc.integer({ min: 0, max: 0x7fffffff }).map(String),
    auditEvery: fc.constant(100),
    weights: cmaOpWeightsArbitrary().map((weights) => {
      const focused = { ...weights };
      for (const [kind, weight] of Object.entries(focus)) focused[kind] = Math.max(focused[kind] ?? 0, weight);
      return focused;
    }),
  });
}

/** [name, broken parts, swarm, invariants that may report it first]. */
const CANARIES: readonly (readonly [string, BrokenParts, fc.Arbitrary<Swarm>, readonly InvariantName[]])[] = [
  ['M2: cma_alloc with the pre-2017 aligned offset', { cma: OldOffsetRegistry }, focusedSwarm({ cmaAlloc: 50 }, UNALIGNED_BASE), ['cma-alignment', 'cma-probe-order', 'cma-first-fit']],
  ['M8: cma_alloc keeps the bits of a failed window', { cma: KeepsBitsOnFailure }, focusedSwarm({ cmaAlloc: 50, armFault: 10, 'armFault:fatal_signal': 10 }), ['cma-failure-atomic']],
  ['M10: alloc_contig_range leaves a pageblock isolated on an error path', { contig: LeavesIsolated }, focusedSwarm({ userMap: 50, pin: 50, contigRange: 50 }), ['contig-migratetypes']],
  ['M13: FOLL_LONGTERM pins CMA pages in place', { pins: PinsInPlace }, focusedSwarm({ userMap: 50, pin: 50 }), ['longterm-pin']],
];

describe.each(CANARIES)('canary %s', (_name, parts, swarm, invariants) => {
  it('is found and shrunk to at most 10 ops', () => {
    const outcome = checkScenarios({ seed: 7, numRuns: 100, maxOps: 200, swarm, machineFactory: machineWithParts(parts), shrinkRunsMax: 3000 });
    expect(outcome.failure, 'the harness did not find the canary').not.toBeNull();
    const { scenario, result, shrinkComplete } = outcome.failure!;
    const report = formatScenario(scenario, result);
    expect(invariants, report).toContain(result.failure?.invariant);
    expect(scenario.ops.length, report).toBeLessThanOrEqual(10);
    expect(shrinkComplete).toBe(true);
  });
});
