// Property-harness benchmarks: checked ops/s (every invariant on, the swarm's audit cadence, boot and end-state oracle included) against unchecked ops/s for the same scenarios, and the overhead ratio.
import * as fc from 'fast-check';
import { scenarioArbitrary } from '../properties/arbitraries/scenario.ts';
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
  return rows;
}
