// One worker's share of a fuzz campaign: runs seeded from (campaign seed, worker, run), lengths along the ramp (or at full length), each checked run tallied, each failure announced when hit, then minimized and handed over; time, stopping, liveness beats and delivery are injected.
import type { MachineFactory } from './harness-machine.ts';
import type { ProfileName } from './campaign-profile.ts';
import { DEFAULT_STRATEGY, generateRun, lengthCapAt, type GeneratedRun, type GenerationStrategy } from './campaign-run.ts';
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
  /** Swarm testing and the length ramp on or off (default DEFAULT_STRATEGY: both on). */
  readonly strategy?: GenerationStrategy;
  /** End the shard right after its first failure is handed over (reported as stopped). */
  readonly stopOnFailure?: boolean;
  /** Called before each run (a crash is attributed to the last run started). */
  readonly onRunStart?: (run: number, lengthCap: number) => void;
  /** Called when a run fails, before it is minimized, with the ops this shard executed up to the failing one. */
  readonly onHit?: (run: number, opsBeforeHit: number) => void;
  /** Called at every run start and between minimization candidates: the shard is alive (a hang watchdog watches it). */
  readonly onBeat?: () => void;
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
  /** Exploring ops this shard executed before and in the failing run, up to the op that broke (minimization excluded). */
  readonly opsBeforeHit: number;
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
  const ramp = (options.strategy ?? DEFAULT_STRATEGY).ramp;
  const at = (progress: number): RunSlot => ({ progress, lengthCap: ramp ? lengthCapAt(progress, maxOps) : maxOps });
  if (budget.kind === 'single') return run === budget.run ? { progress: 1, lengthCap: maxOps } : undefined;
  if (budget.kind === 'runs') return run < budget.runs ? at(run / budget.runs) : undefined;
  const elapsedMs = budget.elapsedAtStartMs + shardElapsedMs;
  const budgetMs = budget.seconds * 1000;
  return elapsedMs < budgetMs ? at(elapsedMs / budgetMs) : undefined;
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
function minimizeRun(options: ShardOptions, generated: GeneratedRun, failure: RunFailure, hit: { readonly run: number; readonly opsBeforeHit: number }, slot: RunSlot, tally: CampaignTally): FoundFailure {
  const { run, opsBeforeHit } = hit;
  const startedMs = options.now();
  const limitMs = options.minimizeSeconds * 1000;
  const minimized = minimizeFailure({
    scenario: generated.scenario, target: failure, opValues: generated.opValues, opArbitrary: generated.opArbitrary,
    ...(options.machineFactory === undefined ? {} : { machineFactory: options.machineFactory }),
    expired: () => {
      options.onBeat?.();
      return options.stopRequested() || options.now() - startedMs > limitMs;
    },
  });
  const minimizeMs = options.now() - startedMs;
  tally.minimizeRuns += minimized.runs;
  tally.minimizeOps += minimized.opsExecuted;
  tally.minimizeMs += minimizeMs;
  const kept = minimized.result.failure ?? failure;
  return {
    worker: options.workerIndex, run, runSeed: runSeed(options.campaignSeed, options.workerIndex, run), lengthCap: slot.lengthCap,
    scenario: minimized.scenario, failure: kept, signature: failureSignature(kept.invariant, minimized.scenario.ops),
    originalOps: minimized.originalOps, opsBeforeHit, minimizeRuns: minimized.runs, minimizeComplete: minimized.complete, minimizeMs,
    report: formatScenario(minimized.scenario, minimized.result),
  };
}

/**
 * Runs this worker's share: for each run index, the seed runSeed(campaign, worker, run), a length cap
 * from the ramp (--max-ops with the ramp off), a checked run, and on failure `onHit` at once, then a
 * minimization handed to `onFailure`; tallies go to
 * `onTally` every `flushEveryMs` and at the end. Returns whether it stopped early. Exceptions from
 * the harness itself are not caught: they crash the worker, and the supervisor reports the run.
 */
export function runShard(options: ShardOptions): { readonly stopped: boolean; readonly runsDone: number } {
  const startedMs = options.now();
  let tally = emptyTally();
  let flushedMs = startedMs;
  let runsDone = 0;
  let opsDone = 0;
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
    options.onBeat?.();
    const generated = generateRun(runSeed(options.campaignSeed, options.workerIndex, run), options.profile, slot.lengthCap, options.strategy ?? DEFAULT_STRATEGY);
    const { result, observation } = explore(generated, options.machineFactory);
    tallyRun(tally, { scenario: generated.scenario, result, observation, progress: slot.progress, lengthCap: slot.lengthCap });
    runsDone++;
    opsDone += result.opsExecuted;
    if (result.failure !== null) {
      options.onHit?.(run, opsDone);
      options.onFailure(minimizeRun(options, generated, result.failure, { run, opsBeforeHit: opsDone }, slot, tally));
      if (options.stopOnFailure === true) {
        flush();
        return { stopped: true, runsDone };
      }
    }
    if (options.now() - flushedMs >= options.flushEveryMs) flush();
  }
  flush();
  return { stopped: false, runsDone };
}
