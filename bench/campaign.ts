// Campaign benchmarks: checked ops/s of a real `pagelab fuzz` campaign with 1 and 2 worker threads (total and per worker), time to minimize a failure found deep in a 5,000-op run, and process memory over a campaign (short window by default; PAGELAB_BENCH_LONG=1 runs the 10-minute one).
import type { Result } from '../src/base/errno.ts';
import type { Pfn } from '../src/base/units.ts';
import { PageAllocator, type AllocOptions } from '../src/buddy/page-allocator.ts';
import { __GFP_ZERO, type Gfp } from '../src/mem/gfp.ts';
import type { CampaignPlan } from '../src/cli/campaign/plan.ts';
import { threadSpawner } from '../src/cli/campaign/spawn.ts';
import { Supervisor, type SupervisorOutcome } from '../src/cli/campaign/supervisor.ts';
import { generateRun } from '../properties/campaign-run.ts';
import { runSeed } from '../properties/campaign-seeds.ts';
import type { MachineFactory } from '../properties/harness-machine.ts';
import { machineWith } from '../properties/machine-with.ts';
import { minimizeFailure } from '../properties/minimize.ts';
import { runSequence, type RunFailure } from '../properties/run-sequence.ts';
import type { BenchRow } from './bench-row.ts';

/** Seconds of each throughput campaign. */
const THROUGHPUT_SECONDS = 15;
/** Seconds of the memory campaign: short by default, 600 with PAGELAB_BENCH_LONG=1. */
const MEMORY_SECONDS = process.env['PAGELAB_BENCH_LONG'] === '1' ? 600 : 30;
/** Length of the failing run to minimize, and how deep in it the failure must be. */
const FAILING_RUN_OPS = 5000;
const FAILURE_DEPTH_MIN = 2500;

/** Forgets __GFP_ZERO at order 7 only: rare enough that a random run finds it thousands of ops in. */
class ForgetsZeroAtOrder7 extends PageAllocator {
  override allocPages(gfp: Gfp, order: number, options: AllocOptions): Result<Pfn> {
    return super.allocPages(order === 7 ? gfp & ~__GFP_ZERO : gfp, order, options);
  }
}

function campaignPlan(workers: number, seconds: number): CampaignPlan {
  return { seed: 20261121, workers, profile: 'buddy', maxOps: 4000, budget: { kind: 'seconds', seconds }, minimizeSeconds: 30 };
}

async function campaign(workers: number, seconds: number, onSecond?: () => void): Promise<SupervisorOutcome> {
  const supervisor = new Supervisor({ plan: campaignPlan(workers, seconds), spawn: threadSpawner(), now: () => performance.now(), onFailure: () => undefined });
  const timer = onSecond === undefined ? undefined : setInterval(onSecond, 1000);
  try {
    return await supervisor.run();
  } finally {
    if (timer !== undefined) clearInterval(timer);
  }
}

async function throughputRows(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const workers of [1, 2]) {
    const outcome = await campaign(workers, THROUGHPUT_SECONDS);
    const total = Math.round((outcome.tally.opsExecuted / outcome.elapsedMs) * 1000);
    const perWorker = outcome.opsPerWorker.map((ops) => Math.round((ops / outcome.elapsedMs) * 1000));
    const note = `${THROUGHPUT_SECONDS} s campaign, profile buddy, ramp to 4000 ops, ${outcome.tally.runs} runs`;
    rows.push({ name: `campaign checked ops, ${workers} worker${workers === 1 ? '' : 's'} total`, value: total, unit: 'ops/s', note });
    rows.push({ name: `campaign checked ops, ${workers} worker${workers === 1 ? '' : 's'} per worker`, value: Math.round(total / workers), unit: 'ops/s', note: `each: ${perWorker.join(', ')}` });
  }
  return rows;
}

/** The first run of a fixed campaign seed whose failure is at least FAILURE_DEPTH_MIN ops deep. */
function deepFailure(factory: MachineFactory): { run: ReturnType<typeof generateRun>; failure: RunFailure } {
  for (let index = 0; index < 500; index++) {
    const run = generateRun(runSeed(7, 0, index), 'buddy', FAILING_RUN_OPS);
    const { scenario } = run;
    const failure = runSequence({ config: scenario.config, seed: scenario.seed, ops: scenario.ops, auditEvery: scenario.auditEvery, machineFactory: factory }).failure;
    if (failure !== null && failure.opIndex >= FAILURE_DEPTH_MIN) return { run, failure };
  }
  throw new Error(`no failure at least ${FAILURE_DEPTH_MIN} ops deep in 500 runs`);
}

function minimizeRows(): BenchRow[] {
  const factory = machineWith(ForgetsZeroAtOrder7);
  const { run, failure } = deepFailure(factory);
  const started = performance.now();
  const minimized = minimizeFailure({ scenario: run.scenario, target: failure, opValues: run.opValues, opArbitrary: run.opArbitrary, machineFactory: factory, expired: () => false });
  const elapsedMs = Math.round(performance.now() - started);
  const note = `failure at op ${failure.opIndex} of a ${run.scenario.ops.length}-op run → ${minimized.scenario.ops.length} ops, ${minimized.runs} candidate runs`;
  return [
    { name: 'minimize a failure from a 5,000-op run', value: elapsedMs, unit: 'ms', note },
    { name: 'minimized failure length', value: minimized.scenario.ops.length, unit: 'ops', note: `from ${failure.opIndex + 1} ops up to the failure` },
  ];
}

async function memoryRows(): Promise<BenchRow[]> {
  const samples: number[] = [];
  const outcome = await campaign(2, MEMORY_SECONDS, () => samples.push(process.memoryUsage().rss));
  const third = Math.max(1, Math.floor(samples.length / 3));
  const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
  const earlyMiB = mean(samples.slice(third, 2 * third)) / 2 ** 20;
  const lateMiB = mean(samples.slice(-third)) / 2 ** 20;
  const window = MEMORY_SECONDS === 600 ? '10-minute campaign' : `${MEMORY_SECONDS} s campaign (short window; PAGELAB_BENCH_LONG=1 runs 10 minutes)`;
  return [
    { name: 'campaign RSS, middle third', value: Math.round(earlyMiB), unit: 'MiB', note: `${window}, 2 workers, ${outcome.tally.runs} runs` },
    { name: 'campaign RSS, last third', value: Math.round(lateMiB), unit: 'MiB', note: `max ${Math.round(Math.max(...samples) / 2 ** 20)} MiB` },
    { name: 'campaign RSS growth, last vs middle third', value: Math.round(((lateMiB - earlyMiB) / earlyMiB) * 1000) / 10, unit: '%', note: 'flat: within a few %' },
    { name: 'campaign worker heap peak', value: Math.round(outcome.peakHeapBytes / 2 ** 20), unit: 'MiB', note: 'largest V8 heap a worker reported' },
  ];
}

/** Runs the campaign benchmarks. */
export async function benchCampaign(): Promise<BenchRow[]> {
  return [...(await throughputRows()), ...minimizeRows(), ...(await memoryRows())];
}
