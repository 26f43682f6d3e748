// fast-check over scenarios: generates swarm scenarios from a seed, runs each through runScenario, shrinks the first failure and re-runs it with records for the report.
import * as fc from 'fast-check';
import { scenarioArbitrary } from './arbitraries/scenario.ts';
import type { MachineFactory } from './harness-machine.ts';
import type { Op } from './ops/registry.ts';
import type { RunResult } from './run-sequence.ts';
import { runScenario, type Scenario, type Swarm } from './scenario.ts';

/** How to search. */
export interface CheckScenariosOptions {
  /** fast-check's seed (a 32-bit integer): the same seed draws the same scenarios. */
  readonly seed: number;
  readonly numRuns: number;
  /** Op lists are 0..maxOps long. */
  readonly maxOps: number;
  /** Boots each machine (the canary injects a broken allocator). */
  readonly machineFactory?: MachineFactory;
  /** Pins the machine config generator. */
  readonly config?: fc.Arbitrary<Record<string, unknown>>;
  /** Replaces the swarm generator (e.g. a profile's, with a heaps-heavy machine). */
  readonly swarm?: fc.Arbitrary<Swarm>;
  /** Called after every run; `shrinking` is true once a failure was found (the run is a shrink attempt). */
  readonly onRun?: (scenario: Scenario, result: RunResult, shrinking: boolean) => void;
  /** Most shrink runs to spend (default 20000); past it, the smallest failure so far is reported. */
  readonly shrinkRunsMax?: number;
  /** True once shrinking must stop (the fuzz loop's clock); checked before every shrink run. */
  readonly shrinkExpired?: () => boolean;
}

/** Default cap on shrink runs per failure. */
export const SHRINK_RUNS_MAX = 20_000;

/** The minimized failing scenario and its recorded re-run. */
export interface Counterexample {
  readonly scenario: Scenario;
  /** The re-run with one record per op (its failure is the one to report). */
  readonly result: RunResult;
  /** Successful shrink steps fast-check took. */
  readonly shrinkSteps: number;
  /** Runs spent shrinking (attempts that passed included). */
  readonly shrinkRuns: number;
  /** False when the shrink budget ran out first (the scenario is the smallest found by then). */
  readonly shrinkComplete: boolean;
}

/** What a search found. */
export interface CheckOutcome {
  readonly seed: number;
  /** Scenarios run before the failure (or all of them). */
  readonly runs: number;
  readonly failure: Counterexample | null;
}

/**
 * Runs `numRuns` scenarios drawn from `seed`; on the first failure, shrinks the op list (a candidate
 * counts as failing only when the same invariant breaks) and returns the minimized scenario.
 */
export function checkScenarios(options: CheckScenariosOptions): CheckOutcome {
  const machine = options.machineFactory === undefined ? {} : { machineFactory: options.machineFactory };
  let target: { readonly invariant: string; readonly phase: string } | undefined;
  let shrinkRuns = 0;
  let shrinkCut = false;
  const shrinkRunsMax = options.shrinkRunsMax ?? SHRINK_RUNS_MAX;
  // The failing op of each list a run failed on at an op (identity-keyed: fast-check passes the same array to shrink).
  const failingOp = new WeakMap<readonly Op[], number>();
  const shape = { maxOps: options.maxOps, failedAt: (ops: readonly Op[]) => failingOp.get(ops), ...(options.config === undefined ? {} : { config: options.config }), ...(options.swarm === undefined ? {} : { swarm: options.swarm }) };
  const noteFailure = (scenario: Scenario, result: RunResult): void => {
    const failure = result.failure;
    if (failure !== null && failure.phase !== 'end' && failure.opIndex >= 0) failingOp.set(scenario.ops, failure.opIndex);
  };
  const property = fc.property(scenarioArbitrary(shape), (scenario) => {
    if (target === undefined) {
      const result = runScenario(scenario, machine);
      options.onRun?.(scenario, result, false);
      if (result.failure === null) return true;
      target = { invariant: result.failure.invariant, phase: result.failure.phase };
      noteFailure(scenario, result);
      return false;
    }
    // Why: once the budget is spent every further candidate "passes" unrun, so fast-check stops at the smallest failure so far.
    if (shrinkCut || shrinkRuns >= shrinkRunsMax || options.shrinkExpired?.() === true) {
      shrinkCut = true;
      return true;
    }
    shrinkRuns++;
    // A failure at an op needs no end-state oracle to reproduce; skipping it makes each candidate cheap.
    const result = runScenario(scenario, { ...machine, finish: target.phase !== 'op' });
    options.onRun?.(scenario, result, true);
    // Only the same broken invariant counts, so shrinking cannot slide onto a different bug.
    if (result.failure?.invariant !== target.invariant) return true;
    noteFailure(scenario, result);
    return false;
  });
  const details = fc.check(property, { seed: options.seed, numRuns: options.numRuns });
  if (!details.failed) return { seed: options.seed, runs: details.numRuns, failure: null };
  // Why: runSequence catches everything, so a failure without a counterexample is a harness bug (e.g. in a generator).
  if (details.counterexample === null) throw new Error(fc.defaultReportMessage(details) ?? 'fast-check failed without a counterexample');
  const scenario = trimAfterFailure(details.counterexample[0], options.machineFactory);
  const result = runScenario(scenario, { ...machine, record: true });
  return { seed: options.seed, runs: details.numRuns, failure: { scenario, result, shrinkSteps: details.numShrinks, shrinkRuns, shrinkComplete: !shrinkCut } };
}

/**
 * Drops the ops after the failing one: a run stops at its first failure, so they never ran and the
 * shorter list fails the same way (an end-state failure keeps every op).
 */
export function trimAfterFailure(scenario: Scenario, machineFactory?: MachineFactory): Scenario {
  const result = runScenario(scenario, machineFactory === undefined ? {} : { machineFactory });
  const failure = result.failure;
  if (failure === null || failure.phase === 'end' || failure.opIndex < 0) return scenario;
  return { ...scenario, ops: scenario.ops.slice(0, failure.opIndex + 1) };
}

/** A fast-check seed from any text (PAGELAB_SEED): a decimal integer is used as is (32-bit), other text is hashed. */
export function seedFromText(text: string): number {
  if (/^-?\d+$/.test(text.trim())) return Number(BigInt.asIntN(32, BigInt(text.trim())));
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash | 0;
}
