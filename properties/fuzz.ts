// The single-process fuzz loop behind `pagelab fuzz`: batches of swarm scenarios through fast-check within a budget, each failure shrunk, recorded in the corpus (once per signature) and the search continued.
import type { MachineFactory } from './harness-machine.ts';
import { checkScenarios, type CheckOutcome, type Counterexample } from './check-scenarios.ts';
import { corpusEntryFor, failureSignature, writeCorpusEntry } from './corpus.ts';
import type { InvariantName } from './invariants/failure.ts';
import type { KindCounts, RunResult } from './run-sequence.ts';
import { formatScenario, type Scenario } from './scenario.ts';

/** How long to search: wall-clock seconds (measured with the injected clock) or a number of scenarios. */
export type FuzzBudget = { readonly kind: 'seconds'; readonly seconds: number } | { readonly kind: 'runs'; readonly runs: number };

/** Everything the loop needs; time comes only from `now`. */
export interface FuzzOptions {
  readonly budget: FuzzBudget;
  /** Milliseconds from some fixed origin (the CLI passes its monotonic clock). */
  readonly now: () => number;
  /** Base seed; batch i searches with a seed derived from it, so the same seed and budget in runs repeat exactly. */
  readonly seed: number;
  readonly maxOps: number;
  /** Where new failures are written (nothing is written when absent). */
  readonly corpusDir?: string;
  readonly pagelabVersion: string;
  /** Recorded in entries, e.g. `pagelab fuzz --seed 42`. */
  readonly foundBy: string;
  /** Timestamp text for entries (the caller's clock). */
  readonly createdAt?: () => string;
  readonly machineFactory?: MachineFactory;
  /** Scenarios per fast-check batch (default 10): the budget is checked between batches. */
  readonly batchRuns?: number;
  /** Longest time spent shrinking one failure, in seconds (default 20); the smallest failure by then is kept. */
  readonly shrinkSeconds?: number;
  /** Called after every exploring (not shrinking) run. */
  readonly onRun?: (run: number, scenario: Scenario, result: RunResult) => void;
  /** Called when a failure was minimized. */
  readonly onFailure?: (failure: FuzzFailure) => void;
}

/** A minimized failure the loop found. */
export interface FuzzFailure {
  readonly invariant: InvariantName;
  readonly message: string;
  readonly opIndex: number;
  /** Length of the minimized op list. */
  readonly opCount: number;
  readonly signature: string;
  /** The corpus file (written now, or already there); absent without a corpus directory. */
  readonly corpusPath?: string;
  /** Not in the corpus before and not seen earlier in this session. */
  readonly isNew: boolean;
  /** The fast-check seed of the batch that found it. */
  readonly batchSeed: number;
  readonly shrinkRuns: number;
  /** False when the shrink budget ran out before fast-check finished. */
  readonly shrinkComplete: boolean;
  /** formatScenario of the minimized scenario. */
  readonly report: string;
}

/** What a fuzz session did. */
export interface FuzzSummary {
  readonly seed: number;
  readonly runs: number;
  /** Ops of exploring runs. */
  readonly opsExecuted: number;
  readonly shrinkRuns: number;
  readonly shrinkOps: number;
  readonly elapsedMs: number;
  /** All ops (exploring and shrinking) per second of the session. */
  readonly opsPerSecond: number;
  readonly kindCounts: Record<string, KindCounts>;
  /** Invariant evaluations of exploring runs. */
  readonly checks: number;
  /** How the swarm drew machines: runs with a CMA area, with two banks, and the mean op-list length. */
  readonly swarm: { readonly withCma: number; readonly twoBanks: number; readonly meanOps: number };
  readonly failures: FuzzFailure[];
  readonly newFailures: number;
}

/** Default scenarios per batch. */
const BATCH_RUNS = 10;
/** Default shrink time per failure. */
const SHRINK_SECONDS = 20;

interface Tally {
  runs: number;
  opsExecuted: number;
  shrinkRuns: number;
  shrinkOps: number;
  checks: number;
  withCma: number;
  twoBanks: number;
  readonly kindCounts: Record<string, KindCounts>;
}

function addCounts(into: Record<string, KindCounts>, from: Readonly<Record<string, KindCounts>>): void {
  for (const [kind, counts] of Object.entries(from)) {
    const entry = into[kind] ?? (into[kind] = { executed: 0, skipped: 0, failed: 0 });
    entry.executed += counts.executed;
    entry.skipped += counts.skipped;
    entry.failed += counts.failed;
  }
}

function tallyRun(tally: Tally, scenario: Scenario, result: RunResult, shrinking: boolean): void {
  if (shrinking) {
    tally.shrinkRuns++;
    tally.shrinkOps += result.opsExecuted;
    return;
  }
  tally.runs++;
  tally.opsExecuted += result.opsExecuted;
  tally.checks += result.checks;
  addCounts(tally.kindCounts, result.kindCounts);
  const config = scenario.config as { cmdline?: unknown; cma?: unknown; banks?: unknown };
  if (config.cmdline !== undefined || config.cma !== undefined) tally.withCma++;
  if (Array.isArray(config.banks) && config.banks.length > 1) tally.twoBanks++;
}

/** Batch `index`'s fast-check seed: spread over 32 bits, a pure function of the base seed. */
export function batchSeed(seed: number, index: number): number {
  return (seed + Math.imul(index, 0x9e3779b1)) | 0;
}

function recordFailure(options: FuzzOptions, found: Counterexample, seed: number, seen: Set<string>): FuzzFailure {
  const failure = found.result.failure;
  if (failure === null) throw new Error('a counterexample that no longer fails (the interpreter is not deterministic)');
  const signature = failureSignature(failure.invariant, found.scenario.ops);
  const firstInSession = !seen.has(signature);
  seen.add(signature);
  let corpusPath: string | undefined;
  let written = false;
  if (options.corpusDir !== undefined) {
    const entry = corpusEntryFor({
      scenario: found.scenario, failure, pagelabVersion: options.pagelabVersion, foundBy: options.foundBy,
      ...(options.createdAt === undefined ? {} : { createdAt: options.createdAt() }),
    });
    ({ path: corpusPath, written } = writeCorpusEntry(options.corpusDir, entry));
  }
  return {
    invariant: failure.invariant, message: failure.message, opIndex: failure.opIndex, opCount: found.scenario.ops.length, signature,
    ...(corpusPath === undefined ? {} : { corpusPath }),
    isNew: options.corpusDir === undefined ? firstInSession : written,
    batchSeed: seed, shrinkRuns: found.shrinkRuns, shrinkComplete: found.shrinkComplete, report: formatScenario(found.scenario, found.result),
  };
}

function budgetLeft(options: FuzzOptions, startedMs: number, runs: number): number {
  if (options.budget.kind === 'runs') return options.budget.runs - runs;
  return options.now() - startedMs < options.budget.seconds * 1000 ? Number.POSITIVE_INFINITY : 0;
}

/** Runs the fuzz loop until the budget is spent and returns what it did and found. */
export function runFuzz(options: FuzzOptions): FuzzSummary {
  const startedMs = options.now();
  const tally: Tally = { runs: 0, opsExecuted: 0, shrinkRuns: 0, shrinkOps: 0, checks: 0, withCma: 0, twoBanks: 0, kindCounts: {} };
  const failures: FuzzFailure[] = [];
  const seen = new Set<string>();
  for (let batch = 0; ; batch++) {
    const left = budgetLeft(options, startedMs, tally.runs);
    if (left <= 0) break;
    const seed = batchSeed(options.seed, batch);
    let shrinkStartedMs: number | undefined;
    const shrinkMs = (options.shrinkSeconds ?? SHRINK_SECONDS) * 1000;
    const outcome: CheckOutcome = checkScenarios({
      shrinkExpired: () => {
        shrinkStartedMs ??= options.now();
        return options.now() - shrinkStartedMs > shrinkMs;
      },
      seed, numRuns: Math.min(options.batchRuns ?? BATCH_RUNS, left), maxOps: options.maxOps,
      ...(options.machineFactory === undefined ? {} : { machineFactory: options.machineFactory }),
      onRun: (scenario, result, shrinking) => {
        tallyRun(tally, scenario, result, shrinking);
        if (!shrinking) options.onRun?.(tally.runs, scenario, result);
      },
    });
    if (outcome.failure === null) continue;
    const failure = recordFailure(options, outcome.failure, seed, seen);
    failures.push(failure);
    options.onFailure?.(failure);
  }
  const elapsedMs = options.now() - startedMs;
  const allOps = tally.opsExecuted + tally.shrinkOps;
  return {
    seed: options.seed, runs: tally.runs, opsExecuted: tally.opsExecuted, shrinkRuns: tally.shrinkRuns, shrinkOps: tally.shrinkOps,
    elapsedMs, opsPerSecond: elapsedMs > 0 ? Math.round((allOps / elapsedMs) * 1000) : 0,
    kindCounts: tally.kindCounts, checks: tally.checks,
    swarm: { withCma: tally.withCma, twoBanks: tally.twoBanks, meanOps: tally.runs === 0 ? 0 : Math.round(tally.opsExecuted / tally.runs) },
    failures, newFailures: failures.filter((failure) => failure.isNew).length,
  };
}
