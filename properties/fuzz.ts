// One worker's share of a fuzz campaign: runs seeded from (campaign seed, worker, run), lengths along the ramp, each checked run tallied, each failure minimized and handed over; time, stopping and delivery are injected.
import type { MachineFactory } from './harness-machine.ts';
import type { ProfileName } from './campaign-profile.ts';
import { generateRun, lengthCapAt, type GeneratedRun } from './campaign-run.ts';
import { runSeed } from './campaign-seeds.ts';
import { emptyTally, tallyRun, type CampaignTally } from './campaign-tally.ts';
import { minimizeFailure } from './minimize.ts';
import { runSequence, type RunFailure, type RunResult } from './run-sequence.ts';
import { formatScenario, type Scenario } from './scenario.ts';
import { failureSignature } from './signature.ts';
import { observeMachine, type RunObservation } from './sometimes.ts';

/** How much of the campaign this worker runs. */
export type ShardBudget =
  /** Runs 0..runs-1 of this worker; the ramp follows the run index. */
  | { readonly kind: 'runs'; readonly runs: number }
  /** Until the campaign's seconds are spent (`elapsedAtStartMs` of them were before this worker started); the ramp follows the clock. */
  | { readonly kind: 'seconds'; readonly seconds: number; readonly elapsedAtStartMs: number }
  /** Exactly run `run`, at full length (--max-ops): the replay of one campaign run. */
  | { readonly kind: 'single'; readonly run: number };

/** Everything a shard needs; time and stopping come only through `now` and `stopRequested`. */
export interface ShardOptions {
  readonly campaignSeed: number;
  readonly workerIndex: number;
  readonly profile: ProfileName;
  readonly maxOps: number;
  readonly budget: ShardBudget;
  /** The first run index (a restarted worker continues after the run that crashed it). */
  readonly firstRun: number;
  /** Milliseconds, monotonic. */
  readonly now: () => number;
  /** True once the campaign is stopping (Ctrl-C): the current minimization ends early, no new run starts. */
  readonly stopRequested: () => boolean;
  /** Longest minimization of one failure; the smallest failure by then is kept. */
  readonly minimizeSeconds: number;
  /** Tallies are handed over at least this often (and at the end). */
  readonly flushEveryMs: number;
  readonly machineFactory?: MachineFactory;
  /** Called before each run (a crash is attributed to the last run started). */
  readonly onRunStart?: (run: number, lengthCap: number) => void;
  readonly onTally: (tally: CampaignTally) => void;
  readonly onFailure: (failure: FoundFailure) => void;
}

/** A minimized failure as a worker hands it over (structured-clone safe). */
export interface FoundFailure {
  readonly worker: number;
  readonly run: number;
  readonly runSeed: number;
  readonly lengthCap: number;
  /** The minimized scenario. */
  readonly scenario: Scenario;
  readonly failure: RunFailure;
  readonly signature: string;
  readonly originalOps: number;
  readonly minimizeRuns: number;
  readonly minimizeComplete: boolean;
  readonly minimizeMs: number;
  /** formatScenario of the minimized scenario and its recorded re-run. */
  readonly report: string;
}

/** Where run `run` sits in the budget, or undefined once the budget is spent. */
interface RunSlot {
  readonly progress: number;
  readonly lengthCap: number;
}

function slotOf(options: ShardOptions, run: number, shardElapsedMs: number): RunSlot | undefined {
  const { budget, maxOps } = options;
  if (budget.kind === 'single') return run === budget.run ? { progress: 1, lengthCap: maxOps } : undefined;
  if (budget.kind === 'runs') return run < budget.runs ? { progress: run / budget.runs, lengthCap: lengthCapAt(run / budget.runs, maxOps) } : undefined;
  const elapsedMs = budget.elapsedAtStartMs + shardElapsedMs;
  const budgetMs = budget.seconds * 1000;
  return elapsedMs < budgetMs ? { progress: elapsedMs / budgetMs, lengthCap: lengthCapAt(elapsedMs / budgetMs, maxOps) } : undefined;
}

/** Runs a generated scenario with every check on and observes the machine at the end. */
function explore(generated: GeneratedRun, machineFactory: MachineFactory | undefined): { result: RunResult; observation: RunObservation } {
  const { scenario } = generated;
  let machineSide: Omit<RunObservation, 'kindCounts'> = { events: {}, faultsFired: {} };
  const result = runSequence({
    config: scenario.config, seed: scenario.seed, ops: scenario.ops, auditEvery: scenario.auditEvery,
    ...(machineFactory === undefined ? {} : { machineFactory }),
    observe: (ctx) => (machineSide = observeMachine(ctx)),
  });
  return { result, observation: { ...machineSide, kindCounts: result.kindCounts } };
}

/** Minimizes a failing run within the budget and describes it for the supervisor. */
function minimizeRun(options: ShardOptions, generated: GeneratedRun, failure: RunFailure, run: number, slot: RunSlot, tally: CampaignTally): FoundFailure {
  const startedMs = options.now();
  const limitMs = options.minimizeSeconds * 1000;
  const minimized = minimizeFailure({
    scenario: generated.scenario, target: failure, opValues: generated.opValues, opArbitrary: generated.opArbitrary,
    ...(options.machineFactory === undefined ? {} : { machineFactory: options.machineFactory }),
    expired: () => options.stopRequested() || options.now() - startedMs > limitMs,
  });
  const minimizeMs = options.now() - startedMs;
  tally.minimizeRuns += minimized.runs;
  tally.minimizeOps += minimized.opsExecuted;
  tally.minimizeMs += minimizeMs;
  const kept = minimized.result.failure ?? failure;
  return {
    worker: options.workerIndex, run, runSeed: runSeed(options.campaignSeed, options.workerIndex, run), lengthCap: slot.lengthCap,
    scenario: minimized.scenario, failure: kept, signature: failureSignature(kept.invariant, minimized.scenario.ops),
    originalOps: minimized.originalOps, minimizeRuns: minimized.runs, minimizeComplete: minimized.complete, minimizeMs,
    report: formatScenario(minimized.scenario, minimized.result),
  };
}

/**
 * Runs this worker's share: for each run index, the seed runSeed(campaign, worker, run), a length cap
 * from the ramp, a checked run, and on failure a minimization handed to `onFailure`; tallies go to
 * `onTally` every `flushEveryMs` and at the end. Returns whether it stopped early. Exceptions from
 * the harness itself are not caught: they crash the worker, and the supervisor reports the run.
 */
export function runShard(options: ShardOptions): { readonly stopped: boolean; readonly runsDone: number } {
  const startedMs = options.now();
  let tally = emptyTally();
  let flushedMs = startedMs;
  let runsDone = 0;
  const flush = (): void => {
    if (tally.runs > 0 || tally.minimizeRuns > 0) options.onTally(tally);
    tally = emptyTally();
    flushedMs = options.now();
  };
  for (let run = options.firstRun; ; run++) {
    if (options.stopRequested()) {
      flush();
      return { stopped: true, runsDone };
    }
    const slot = slotOf(options, run, options.now() - startedMs);
    if (slot === undefined) break;
    options.onRunStart?.(run, slot.lengthCap);
    const generated = generateRun(runSeed(options.campaignSeed, options.workerIndex, run), options.profile, slot.lengthCap);
    const { result, observation } = explore(generated, options.machineFactory);
    tallyRun(tally, { scenario: generated.scenario, result, observation, progress: slot.progress, lengthCap: slot.lengthCap });
    runsDone++;
    if (result.failure !== null) options.onFailure(minimizeRun(options, generated, result.failure, run, slot, tally));
    if (options.now() - flushedMs >= options.flushEveryMs) flush();
  }
  flush();
  return { stopped: false, runsDone };
}
