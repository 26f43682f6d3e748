// A scenario by value (machine config JSON, machine seed, audit cadence, swarm weights, ops), how it runs, and its readable report.
import type { MachineFactory } from './harness-machine.ts';
import { INVARIANTS } from './invariants/failure.ts';
import { describeOp, OP_KINDS, type Op } from './ops/registry.ts';
import { runSequence, type RunFailure, type RunResult } from './run-sequence.ts';

/** The swarm of one run: everything drawn before the ops. */
export interface Swarm {
  /** The machine config in the JSON form `--config` accepts. */
  readonly config: Readonly<Record<string, unknown>>;
  /** The machine's Rng seed. */
  readonly seed: string;
  /** Audit after every `auditEvery` ops (and always at the end). */
  readonly auditEvery: number;
  /** Op kind weights; 0 = switched off for this run. */
  readonly weights: Readonly<Record<string, number>>;
}

/** A complete, replayable run. */
export interface Scenario extends Swarm {
  readonly ops: readonly Op[];
}

/** Runs a scenario through the one interpreter. */
export function runScenario(scenario: Scenario, options: { machineFactory?: MachineFactory; record?: boolean; finish?: boolean } = {}): RunResult {
  return runSequence({
    config: scenario.config, seed: scenario.seed, ops: scenario.ops, auditEvery: scenario.auditEvery,
    ...(options.machineFactory === undefined ? {} : { machineFactory: options.machineFactory }),
    ...(options.record === undefined ? {} : { record: options.record }),
    ...(options.finish === undefined ? {} : { finish: options.finish }),
  });
}

/** `allocPages=40 freePages=12 getPage=off ...`. */
export function formatWeights(weights: Readonly<Record<string, number>>): string {
  return OP_KINDS.map((kind) => `${kind}=${(weights[kind] ?? 0) === 0 ? 'off' : weights[kind]}`).join(' ');
}

/** `expected`/`actual` lines of a failure's details, when it has them. */
export function formatExpectedActual(failure: RunFailure): string[] {
  const lines: string[] = [];
  if ('expected' in failure.details) lines.push(`  expected: ${JSON.stringify(failure.details['expected'])}`);
  if ('actual' in failure.details) lines.push(`  actual:   ${JSON.stringify(failure.details['actual'])}`);
  return lines;
}

/** `zeroed-pages at op 2 (every page of a __GFP_ZERO allocation reads as zero): MESSAGE`. */
export function formatFailureLine(failure: RunFailure): string {
  const where = failure.phase === 'boot' ? 'at boot' : failure.phase === 'end' ? 'in the end-state oracle' : `at op ${failure.opIndex}${failure.phase === 'audit' ? ' (audit)' : ''}`;
  return `${failure.invariant} ${where} (${INVARIANTS[failure.invariant]}): ${failure.message}`;
}

/**
 * The failure report: seed, swarm (machine config and weights), the op list one op per line (with
 * resolved targets and results when `result` has records), and the broken invariant.
 */
export function formatScenario(scenario: Scenario, result?: RunResult): string {
  const lines = [
    `machine seed: ${scenario.seed}`,
    `machine config: ${JSON.stringify(scenario.config)}`,
    `swarm: ${formatWeights(scenario.weights)}; audit every ${scenario.auditEvery} ops`,
    `ops (${scenario.ops.length}):`,
  ];
  const width = String(Math.max(scenario.ops.length - 1, 0)).length;
  scenario.ops.forEach((op, index) => {
    const record = result?.records[index];
    lines.push(`  ${String(index).padStart(width)}  ${record === undefined ? describeOp(op) : record.text}`);
  });
  const failure = result?.failure;
  if (failure !== undefined && failure !== null) lines.push(`broken invariant: ${formatFailureLine(failure)}`, ...formatExpectedActual(failure));
  else if (result !== undefined) lines.push('no invariant broken');
  return `${lines.join('\n')}\n`;
}
