// The one interpreter loop: boots a machine for a scenario, applies each op to the machine and the model, checks invariants per op, at audit points and at the end. vitest, fuzz and replay all run through it.
import { ok, type Result } from '../src/base/errno.ts';
import { createEnv } from '../src/env/env.ts';
import { parseMachineConfig } from '../src/machine/config.ts';
import { defaultMachineFactory, type MachineFactory } from './harness-machine.ts';
import { auditMachine } from './invariants/audit.ts';
import { checkConservation } from './invariants/conservation.ts';
import { checkEndState } from './invariants/end-state.ts';
import { checkFailedOpUnchanged, takeFingerprint } from './invariants/failed-op.ts';
import { fail, type InvariantFailure, type InvariantName } from './invariants/failure.ts';
import { readFreeBlocks, type FreeBlocks } from './invariants/free-blocks.ts';
import { checkLayersAfterOp, releaseLayers } from './invariants/layers.ts';
import { LayoutFacts } from './model/layout-facts.ts';
import { ShadowModel } from './model/shadow-model.ts';
import { releaseHandle } from './ops/buddy/owner-pages.ts';
import { attachHeapLayer } from './ops/heaps/heap-layer.ts';
import type { OpContext, OpOutcome } from './ops/op.ts';
import { applyOp, describeOp, type Op } from './ops/registry.ts';

/** What to run. */
export interface RunSequenceOptions {
  /** The machine config in the JSON form `--config` accepts. */
  readonly config: unknown;
  /** The machine's Rng seed. */
  readonly seed: string;
  readonly ops: readonly Op[];
  /** Run the structural and model audits after every `auditEvery` ops (0: only at the end). */
  readonly auditEvery: number;
  /** Boots the machine (tests inject broken allocators here); default: Machine.create. */
  readonly machineFactory?: MachineFactory;
  /** Keep one record per op (replay transcripts, failure reports). */
  readonly record?: boolean;
  /** False: no invariant checks, no audits, no end-state oracle (the benchmark baseline). Default true. */
  readonly checking?: boolean;
  /**
   * False: stop after the last op, without the end audit, release and end-state oracle (shrinking a
   * failure found at an op needs only the ops up to it). Default true.
   */
  readonly finish?: boolean;
  /** Called once when the run stops (after the end-state oracle when it ran): campaigns read the machine's event counters here. */
  readonly observe?: (ctx: OpContext) => void;
}

/** Model and allocator counters after an op, as transcripts print them. */
export interface RunFacts {
  readonly free: number;
  readonly pcp: number;
  readonly isolated: number;
  readonly allocated: number;
  readonly live: number;
}

/** One applied op. */
export interface OpRecord {
  readonly index: number;
  readonly op: Op;
  /** `allocPages GFP_KERNEL order 3 cpu 1 → #4 pfn 2048`. */
  readonly text: string;
  readonly status: OpOutcome['status'];
  readonly facts: RunFacts;
  /** The machine's event counters after the op (vm-events.ts): replay prints what changed. */
  readonly events?: Readonly<Record<string, number>>;
}

/** Where a failure was found: an op's own or per-op checks, an audit point, the end-state oracle, or booting. */
export type FailurePhase = 'boot' | 'op' | 'audit' | 'end';

/** The first broken invariant of a run. */
export interface RunFailure extends InvariantFailure {
  /** The op after which it was found; ops.length for the end-state oracle, -1 at boot. */
  readonly opIndex: number;
  readonly phase: FailurePhase;
}

/** Per-kind counts of one or many runs. */
export interface KindCounts {
  executed: number;
  skipped: number;
  failed: number;
}

/** What a run did and found. */
export interface RunResult {
  readonly failure: RunFailure | null;
  /** Ops stepped through (skipped ones included). */
  readonly opsExecuted: number;
  readonly kindCounts: Record<string, KindCounts>;
  /** Invariant evaluations performed. */
  readonly checks: number;
  /** One per op when `record` was set. */
  readonly records: OpRecord[];
}

/** A booted run: the context every op works on and the free blocks right after boot. */
export interface StartedRun {
  readonly ctx: OpContext;
  readonly bootBlocks: FreeBlocks;
}

function bootFailure(invariant: InvariantName, message: string): RunResult {
  return { failure: { ...fail(invariant, message), opIndex: -1, phase: 'boot' }, opsExecuted: 0, kindCounts: {}, checks: 0, records: [] };
}

/** Validates the config, boots the machine and builds the model; errors are one line naming the config field. */
export function startRun(options: Pick<RunSequenceOptions, 'config' | 'seed' | 'machineFactory' | 'checking'>): Result<StartedRun> {
  const config = parseMachineConfig(options.config, 'scenario config');
  if (!config.ok) return config;
  const machine = (options.machineFactory ?? defaultMachineFactory)(config.value, createEnv(options.seed));
  if (!machine.ok) return machine;
  const facts = new LayoutFacts(machine.value.layout);
  const ctx: OpContext = {
    machine: machine.value, facts, model: new ShadowModel(facts.pfnBase, facts.pfnEnd),
    checking: options.checking ?? true, checks: 0, spareOwner: 0,
  };
  // Why at boot: heap pools fill in background work (a CPA refill at the first tick), before any heap op.
  attachHeapLayer(ctx);
  return ok({ ctx, bootBlocks: ctx.checking ? readFreeBlocks(machine.value) : { pfns: [], orders: [] } });
}

function factsOf(ctx: OpContext): RunFacts {
  const buddy = ctx.machine.buddy;
  return { free: buddy.nrFreePages(), pcp: buddy.pcpPages(), isolated: buddy.nrIsolatedFreePages(), allocated: ctx.model.allocatedPages, live: ctx.model.live.length };
}

function exceptionFailure(error: unknown): InvariantFailure {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return fail('no-exception', text.replace(/\s*\n\s*/g, ' '), { stack: error instanceof Error ? error.stack : undefined });
}

function countKind(counts: Record<string, KindCounts>, kind: string, outcome: OpOutcome): void {
  const entry = counts[kind] ?? (counts[kind] = { executed: 0, skipped: 0, failed: 0 });
  entry.executed++;
  if (outcome.status === 'skip') entry.skipped++;
  else if (outcome.status === 'errno') entry.failed++;
}

/** How one step went: the op's outcome and, when something broke, what and where. */
interface StepResult {
  readonly outcome: OpOutcome;
  readonly failure?: InvariantFailure;
  readonly phase?: FailurePhase;
}

/** Applies op `index` and runs the per-op checks (and the audit when one is due). */
function step(ctx: OpContext, op: Op, index: number, auditEvery: number): StepResult {
  const before = ctx.checking ? takeFingerprint(ctx) : undefined;
  let outcome: OpOutcome;
  try {
    outcome = applyOp(ctx, op);
  } catch (error) {
    return { outcome: { status: 'ok', detail: 'threw' }, failure: exceptionFailure(error), phase: 'op' };
  }
  if (!ctx.checking) return { outcome };
  const perOp = (outcome.status === 'skip' ? undefined : outcome.failure) ??
    (outcome.status === 'errno' && before !== undefined ? checkFailedOpUnchanged(ctx, before) : undefined) ??
    checkConservation(ctx) ??
    checkLayersAfterOp(ctx);
  if (perOp !== undefined) return { outcome, failure: perOp, phase: 'op' };
  if (auditEvery === 0 || (index + 1) % auditEvery !== 0) return { outcome };
  const audit = auditMachine(ctx);
  return audit === undefined ? { outcome } : { outcome, failure: audit, phase: 'audit' };
}

/** The end: audit, release every live handle (each release checked), drain every CPU, then the end-state oracle. */
export function finishRun(ctx: OpContext, bootBlocks: FreeBlocks): InvariantFailure | undefined {
  try {
    const audit = auditMachine(ctx);
    if (audit !== undefined) return audit;
    const layers = releaseLayers(ctx);
    if (layers !== undefined) return layers;
    for (const handle of [...ctx.model.live]) {
      const failure = releaseHandle(ctx, handle);
      if (failure !== undefined) return failure;
    }
    ctx.machine.buddy.drainAllPages();
    return checkEndState(ctx, bootBlocks);
  } catch (error) {
    return exceptionFailure(error);
  }
}

/** What runStarted needs besides the started run (whose context already says whether it is checking). */
export type RunStartedOptions = Pick<RunSequenceOptions, 'ops' | 'auditEvery' | 'record' | 'finish' | 'observe'>;

/**
 * Runs `options.ops` on a run startRun booted (runSequence is the two in one; the bench times boot and
 * ops apart). Returns the first broken invariant (or null) with counts.
 */
export function runStarted(started: StartedRun, options: RunStartedOptions): RunResult {
  const { ctx, bootBlocks } = started;
  const kindCounts: Record<string, KindCounts> = {};
  const records: OpRecord[] = [];
  const result = (failure: RunFailure | null, opsExecuted: number): RunResult => {
    options.observe?.(ctx);
    return { failure, opsExecuted, kindCounts, checks: ctx.checks, records };
  };
  for (let index = 0; index < options.ops.length; index++) {
    const op = options.ops[index] as Op;
    const { outcome, failure, phase } = step(ctx, op, index, options.auditEvery);
    countKind(kindCounts, op.op, outcome);
    if (options.record === true) records.push({ index, op, text: describeOp(op, outcome), status: outcome.status, facts: factsOf(ctx), events: ctx.machine.events.snapshot() });
    if (failure !== undefined) return result({ ...failure, opIndex: index, phase: phase ?? 'op' }, index + 1);
  }
  if (!ctx.checking || options.finish === false) return result(null, options.ops.length);
  const end = finishRun(ctx, bootBlocks);
  return result(end === undefined ? null : { ...end, opIndex: options.ops.length, phase: 'end' }, options.ops.length);
}

/**
 * Runs `ops` on a fresh machine for `config` and `seed` and returns the first broken invariant (or
 * null) with counts. Deterministic: the same options always give the same result.
 */
export function runSequence(options: RunSequenceOptions): RunResult {
  const started = startRun(options);
  if (!started.ok) return bootFailure('config', started.detail);
  return runStarted(started.value, options);
}
