// Campaign tallies: what runs did (ops, checks, per-kind outcomes, sometimes events, lengths along the ramp, swarm draws, minimization work), summed per worker and merged across workers and shards.
import { FAULT_SITES } from '../src/env/faults.ts';
import { faultSiteWeightKey } from './ops/buddy/machine-ops.ts';
import type { KindCounts, RunResult } from './run-sequence.ts';
import type { Scenario } from './scenario.ts';
import { tallySometimes, type RunObservation } from './sometimes.ts';

/** Runs, ops and the largest length cap within one quarter of the budget (the ramp, made visible). */
export interface QuarterTally {
  runs: number;
  ops: number;
  capMax: number;
}

/** Additive counts of a set of runs. Every field sums when tallies merge (capMax takes the maximum). */
export interface CampaignTally {
  runs: number;
  opsExecuted: number;
  checks: number;
  kindCounts: Record<string, KindCounts>;
  /** Runs in which each sometimes event fired. */
  sometimes: Record<string, number>;
  /** Runs per op-list length bucket, keyed by the bucket's lower bound (0, 1, 2, 4, 8, ...). */
  lengths: Record<string, number>;
  /** Four entries: the budget's quarters. */
  quarters: QuarterTally[];
  /** Runs whose machine had a CMA area / two banks. */
  withCma: number;
  twoBanks: number;
  /** Runs with each fault site switched on. */
  faultSitesOn: Record<string, number>;
  /** Failing runs (before de-duplication). */
  failingRuns: number;
  minimizeRuns: number;
  minimizeOps: number;
  /** Wall-clock time spent minimizing (the caller's clock; a timing, not a count). */
  minimizeMs: number;
}

/** An empty tally. */
export function emptyTally(): CampaignTally {
  return {
    runs: 0, opsExecuted: 0, checks: 0, kindCounts: {}, sometimes: {}, lengths: {},
    quarters: [0, 1, 2, 3].map(() => ({ runs: 0, ops: 0, capMax: 0 })),
    withCma: 0, twoBanks: 0, faultSitesOn: {}, failingRuns: 0, minimizeRuns: 0, minimizeOps: 0, minimizeMs: 0,
  };
}

/** The length bucket of an op list: 0, or the largest power of two not above it. */
export function lengthBucket(length: number): number {
  return length === 0 ? 0 : 2 ** Math.floor(Math.log2(length));
}

function addCount(into: Record<string, number>, key: string, by: number): void {
  into[key] = (into[key] ?? 0) + by;
}

function addKindCounts(into: Record<string, KindCounts>, from: Readonly<Record<string, KindCounts>>): void {
  for (const [kind, counts] of Object.entries(from)) {
    const entry = into[kind] ?? (into[kind] = { executed: 0, skipped: 0, failed: 0 });
    entry.executed += counts.executed;
    entry.skipped += counts.skipped;
    entry.failed += counts.failed;
  }
}

function tallySwarm(tally: CampaignTally, scenario: Scenario): void {
  const config = scenario.config as { cmdline?: unknown; cma?: unknown; banks?: unknown };
  if (config.cmdline !== undefined || config.cma !== undefined) tally.withCma++;
  if (Array.isArray(config.banks) && config.banks.length > 1) tally.twoBanks++;
  for (const site of FAULT_SITES) if ((scenario.weights[faultSiteWeightKey(site)] ?? 0) > 0) addCount(tally.faultSitesOn, site, 1);
}

/** One explored run. */
export interface RunTallyInput {
  readonly scenario: Scenario;
  readonly result: RunResult;
  readonly observation: RunObservation;
  /** Where in the budget it ran (0..1) and the length cap it was drawn under. */
  readonly progress: number;
  readonly lengthCap: number;
}

/** Adds one explored run to `tally`. */
export function tallyRun(tally: CampaignTally, run: RunTallyInput): void {
  tally.runs++;
  tally.opsExecuted += run.result.opsExecuted;
  tally.checks += run.result.checks;
  addKindCounts(tally.kindCounts, run.result.kindCounts);
  tallySometimes(tally.sometimes, run.observation);
  addCount(tally.lengths, String(lengthBucket(run.scenario.ops.length)), 1);
  const quarter = tally.quarters[Math.min(3, Math.max(0, Math.floor(run.progress * 4)))] as QuarterTally;
  quarter.runs++;
  quarter.ops += run.result.opsExecuted;
  quarter.capMax = Math.max(quarter.capMax, run.lengthCap);
  tallySwarm(tally, run.scenario);
  if (run.result.failure !== null) tally.failingRuns++;
}

/** Adds `from` into `into` (counts sum, caps take the maximum). */
export function mergeTally(into: CampaignTally, from: Readonly<CampaignTally>): void {
  into.runs += from.runs;
  into.opsExecuted += from.opsExecuted;
  into.checks += from.checks;
  addKindCounts(into.kindCounts, from.kindCounts);
  for (const [name, runs] of Object.entries(from.sometimes)) addCount(into.sometimes, name, runs);
  for (const [bucket, runs] of Object.entries(from.lengths)) addCount(into.lengths, bucket, runs);
  from.quarters.forEach((quarter, index) => {
    const target = into.quarters[index] as QuarterTally;
    target.runs += quarter.runs;
    target.ops += quarter.ops;
    target.capMax = Math.max(target.capMax, quarter.capMax);
  });
  into.withCma += from.withCma;
  into.twoBanks += from.twoBanks;
  for (const [site, runs] of Object.entries(from.faultSitesOn)) addCount(into.faultSitesOn, site, runs);
  into.failingRuns += from.failingRuns;
  into.minimizeRuns += from.minimizeRuns;
  into.minimizeOps += from.minimizeOps;
  into.minimizeMs += from.minimizeMs;
}
