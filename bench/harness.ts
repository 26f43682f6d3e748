// Property-harness benchmarks: checked ops/s (every invariant on, the swarm's audit cadence, boot and end-state oracle included) against unchecked ops/s for the same scenarios, and the overhead ratio.
import * as fc from 'fast-check';
import { cmaOpWeightsArbitrary } from '../properties/arbitraries/cma-swarm.ts';
import { heapsHeavySwarmArbitrary } from '../properties/arbitraries/heaps-swarm.ts';
import { AUDIT_CADENCES, scenarioArbitrary } from '../properties/arbitraries/scenario.ts';
import { runSequence } from '../properties/run-sequence.ts';
import type { Scenario } from '../properties/scenario.ts';
import type { BenchRow } from './bench-row.ts';

/** The machines measured: the small default-like machine the target is set on, and the largest swarm machine. */
const MACHINES: readonly { readonly label: string; readonly config: Record<string, unknown> }[] = [
  { label: '64 MiB', config: { banks: [{ name: 'dram0', base: 0, size: '64M', zone: 'Normal' }], cpus: 2, cmdline: 'cma=8M' } },
  { label: '256 MiB', config: { banks: [{ name: 'dram0', base: 0, size: '256M', zone: 'Normal' }], cpus: 4, cmdline: 'cma=16M' } },
];

/** Scenarios per measurement (lengths uniform in 0..2000 ops, swarm weights). */
const SCENARIO_COUNT = 60;

/** The CMA-heavy machine: 64 MiB, cma=16M, an 8 MiB area at a base aligned to 2 MiB only, a 4 MiB fallback area, one device on both. */
const CMA_MACHINE: Record<string, unknown> = {
  banks: [{ name: 'dram0', base: 0, size: '64M', zone: 'Normal' }], cpus: 2, cmdline: 'cma=16M',
  cma: { areas: [{ name: 'plat', size: '8M', base: '30M', orderPerBit: 1 }, { name: 'plat2', size: '4M', orderPerBit: 2 }] },
  devices: [{ name: 'dev0', cma: ['plat', 'plat2'] }],
};
/** Scenarios of the CMA-heavy row (its ops cost more: isolation, migration). */
const CMA_SCENARIO_COUNT = 20;

/** CMA-heavy scenarios: the contig/CMA swarm weights (properties/arbitraries/cma-swarm.ts) on CMA_MACHINE. */
function cmaScenarios(): Scenario[] {
  const swarm = fc.record({ config: fc.constant(CMA_MACHINE), seed: fc.integer({ min: 0, max: 0x7fffffff }).map(String), auditEvery: fc.constantFrom(...AUDIT_CADENCES), weights: cmaOpWeightsArbitrary() });
  return fc.sample(scenarioArbitrary({ maxOps: 2000, swarm }), { numRuns: CMA_SCENARIO_COUNT, seed: 42 });
}

/** The heaps-heavy machine: 64 MiB, cma=8M, shrinker pools with deferred free, an uncached variant, a small CPA pool, a chunk heap. */
const HEAPS_MACHINE: Record<string, unknown> = {
  banks: [{ name: 'dram0', base: 0, size: '64M', zone: 'Normal' }], cpus: 2, cmdline: 'cma=8M',
  heaps: {
    system: { pool: 'shrinker', shrinkerStyle: 'ion', deferredFree: true, zeroBudgetPerTick: '64K', variants: [{ name: 'system-uncached', caching: 'uncached' }] },
    cpa: [{ name: 'cpa', order: 4, lowmark: 2, fillmark: 4, highmark: 8 }],
    chunk: [{ name: 'chunk', area: 'reserved', chunkSize: '64K' }],
  },
};
/** Scenarios of the heaps-heavy row. */
const HEAPS_SCENARIO_COUNT = 20;

/** Heaps-heavy scenarios: the heaps profile's swarm with buffer kinds weighted up (properties/arbitraries/heaps-swarm.ts) on HEAPS_MACHINE. */
function heapsScenarios(): Scenario[] {
  return fc.sample(scenarioArbitrary({ maxOps: 2000, swarm: heapsHeavySwarmArbitrary(fc.constant(HEAPS_MACHINE)) }), { numRuns: HEAPS_SCENARIO_COUNT, seed: 42 });
}

/** Ops per second over every scenario, each run `checking` or not. */
function opsPerSecond(scenarios: readonly Scenario[], checking: boolean): number {
  let ops = 0;
  const started = performance.now();
  for (const scenario of scenarios) {
    const result = runSequence({ config: scenario.config, seed: scenario.seed, ops: scenario.ops, auditEvery: scenario.auditEvery, checking });
    if (result.failure !== null) throw new Error(`bench scenario failed: ${result.failure.invariant}: ${result.failure.message}`);
    ops += result.opsExecuted;
  }
  return Math.round(ops / ((performance.now() - started) / 1000));
}

/** Runs the harness benchmarks and returns the measurements. */
export async function benchHarness(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const machine of MACHINES) {
    const scenarios = fc.sample(scenarioArbitrary({ maxOps: 2000, config: fc.constant(machine.config) }), { numRuns: SCENARIO_COUNT, seed: 42 });
    opsPerSecond(scenarios, true);
    const checked = opsPerSecond(scenarios, true);
    const unchecked = opsPerSecond(scenarios, false);
    rows.push({ name: `harness checked ops ${machine.label}`, value: checked, unit: 'ops/s', note: 'all invariants, swarm audit cadence, boot + end-state oracle' });
    rows.push({ name: `harness unchecked ops ${machine.label}`, value: unchecked, unit: 'ops/s', note: 'same scenarios, model bookkeeping only' });
    rows.push({ name: `harness check overhead ${machine.label}`, value: Math.round((unchecked / checked) * 100) / 100, unit: '×', note: 'unchecked / checked' });
    await Promise.resolve();
  }
  const cma = cmaScenarios();
  opsPerSecond(cma, true);
  rows.push({ name: 'harness checked ops 64 MiB CMA-heavy', value: opsPerSecond(cma, true), unit: 'ops/s', note: 'contig/CMA swarm, cma=16M + 2 platform areas, invariants 1-23, 45, 46' });
  rows.push({ name: 'harness unchecked ops 64 MiB CMA-heavy', value: opsPerSecond(cma, false), unit: 'ops/s', note: 'same scenarios, model bookkeeping only' });
  const heaps = heapsScenarios();
  opsPerSecond(heaps, true);
  rows.push({ name: 'harness checked ops 64 MiB heaps-heavy', value: opsPerSecond(heaps, true), unit: 'ops/s', note: 'heaps swarm: every heap kind, pools, deferred free, CPA, hogs, pressure; invariants 31-55' });
  rows.push({ name: 'harness unchecked ops 64 MiB heaps-heavy', value: opsPerSecond(heaps, false), unit: 'ops/s', note: 'same scenarios, model bookkeeping only' });
  return rows;
}
