// Minimization of a failing op list: chunk removal (ddmin-style halves, quarters, ... down to single ops) first, so a 5,000-op failure collapses in a few dozen runs, then fast-check's own shrinker on each remaining op, repeated while either step still helps.
import type * as fc from 'fast-check';
import type { MachineFactory } from './harness-machine.ts';
import type { InvariantName } from './invariants/failure.ts';
import type { Op } from './ops/registry.ts';
import { runSequence, type FailurePhase, type RunResult } from './run-sequence.ts';
import type { Scenario } from './scenario.ts';

/** A candidate's verdict: does it still fail the same way, and how many of its items the failing run reached. */
export interface Verdict {
  readonly fails: boolean;
  /** Items up to and including the failing one; undefined keeps them all (an end-state failure needs every op). */
  readonly keep?: number;
}

/** One item being minimized and, when it came from fast-check, its value with the shrink context. */
export interface ShrinkItem<T> {
  readonly item: T;
  readonly value?: fc.Value<T>;
}

/** The state of a minimization in progress. */
interface Search<T> {
  items: ShrinkItem<T>[];
  tests: number;
  readonly test: (items: readonly T[]) => Verdict;
  readonly expired: () => boolean;
  readonly adjust?: RemovalAdjuster<T>;
  /** `items` without their shrink values, rebuilt only when the list changed (adjusters cache by its identity). */
  view?: { readonly of: ShrinkItem<T>[]; readonly items: T[] };
}

/**
 * For a removal that broke the failure, a second candidate: the items without `[start, start+count)`
 * with later items rewritten (e.g. symbolic targets shifted so they still name the same allocation),
 * or undefined when there is nothing to rewrite.
 */
export type RemovalAdjuster<T> = (items: readonly T[], start: number, count: number) => T[] | undefined;

/** Most shrink candidates tried per item and round (fast-check streams can be long). */
const CANDIDATES_PER_ITEM = 64;
/** Rounds of (chunk removal, per-item shrinking) at most. */
const ROUNDS_MAX = 4;

function attempt<T>(search: Search<T>, candidate: ShrinkItem<T>[]): boolean {
  search.tests++;
  const verdict = search.test(candidate.map((entry) => entry.item));
  if (!verdict.fails) return false;
  search.items = verdict.keep === undefined ? candidate : candidate.slice(0, verdict.keep);
  return true;
}

/** The adjusted variant of a removal; items the adjuster left as they were keep their shrink values. */
function adjustedRemoval<T>(search: Search<T>, start: number, chunk: number): ShrinkItem<T>[] | undefined {
  if (search.view?.of !== search.items) search.view = { of: search.items, items: search.items.map((entry) => entry.item) };
  const rewritten = search.adjust?.(search.view.items, start, chunk);
  if (rewritten === undefined) return undefined;
  const kept = [...search.items.slice(0, start), ...search.items.slice(start + chunk)];
  return rewritten.map((item, index) => (kept[index]?.item === item ? kept[index] : { item }));
}

/** One pass removing `chunk` consecutive items at a time, left to right; true when anything went. */
function removalPass<T>(search: Search<T>, chunk: number): boolean | 'expired' {
  let removed = false;
  for (let start = 0; start < search.items.length;) {
    if (search.expired()) return 'expired';
    const candidate = [...search.items.slice(0, start), ...search.items.slice(start + chunk)];
    const adjusted = (): ShrinkItem<T>[] | undefined => adjustedRemoval(search, start, chunk);
    if (attempt(search, candidate)) removed = true;
    else if (tryAdjusted(search, adjusted)) removed = true;
    else start += chunk;
  }
  return removed;
}

function tryAdjusted<T>(search: Search<T>, adjusted: () => ShrinkItem<T>[] | undefined): boolean {
  if (search.adjust === undefined || search.expired()) return false;
  const candidate = adjusted();
  return candidate !== undefined && attempt(search, candidate);
}

/**
 * ddmin-style chunk removal: the empty list, then chunks of half the list, a quarter, ... and single
 * items, the last pass repeated until nothing more goes. Returns false when the budget ran out.
 */
function removeChunks<T>(search: Search<T>): boolean {
  if (search.items.length > 0 && attempt(search, [])) return true;
  for (let chunk = Math.max(1, Math.ceil(search.items.length / 2)); ;) {
    const removed = removalPass(search, chunk);
    if (removed === 'expired') return false;
    if (chunk === 1 && !removed) return true;
    chunk = Math.max(1, Math.ceil(chunk / 2));
  }
}

function shrinkStream<T>(arbitrary: fc.Arbitrary<T>, entry: ShrinkItem<T>): Iterable<fc.Value<T>> {
  if (entry.value !== undefined) return arbitrary.shrink(entry.value.value, entry.value.context);
  return arbitrary.canShrinkWithoutContext(entry.item) ? arbitrary.shrink(entry.item, undefined) : [];
}

/** Shrinks item `index` with fast-check until no candidate still fails; true when it changed. */
function shrinkItem<T>(search: Search<T>, arbitrary: fc.Arbitrary<T>, index: number): boolean | 'expired' {
  let changed = false;
  for (let progressed = true; progressed && index < search.items.length;) {
    progressed = false;
    let tried = 0;
    for (const candidate of shrinkStream(arbitrary, search.items[index] as ShrinkItem<T>)) {
      if (search.expired()) return 'expired';
      if (++tried > CANDIDATES_PER_ITEM) break;
      const next = [...search.items];
      next[index] = { item: candidate.value, value: candidate };
      if (attempt(search, next)) {
        progressed = changed = true;
        break;
      }
    }
  }
  return changed;
}

/** Per-item shrinking over the whole list; undefined when the budget ran out. */
function shrinkItems<T>(search: Search<T>, arbitrary: fc.Arbitrary<T>): boolean | undefined {
  let changed = false;
  for (let index = 0; index < search.items.length; index++) {
    const outcome = shrinkItem(search, arbitrary, index);
    if (outcome === 'expired') return undefined;
    changed ||= outcome;
  }
  return changed;
}

/** What a generic minimization ended with. */
export interface MinimizedItems<T> {
  readonly items: T[];
  /** Candidates tested. */
  readonly tests: number;
  /** False when `expired` cut it short (the items are the smallest failing list found by then). */
  readonly complete: boolean;
}

/**
 * Minimizes `items` for `test`: chunk removal, then, when an arbitrary is given, per-item fast-check
 * shrinking, alternating while either helps. When the items given do not fail, they come back as they
 * are with `complete` false.
 */
export function minimizeItems<T>(
  items: readonly ShrinkItem<T>[], test: (items: readonly T[]) => Verdict, expired: () => boolean,
  arbitrary?: fc.Arbitrary<T>, adjust?: RemovalAdjuster<T>,
): MinimizedItems<T> {
  const search: Search<T> = { items: [...items], tests: 0, test, expired, ...(adjust === undefined ? {} : { adjust }) };
  const done = (complete: boolean): MinimizedItems<T> => ({ items: search.items.map((entry) => entry.item), tests: search.tests, complete });
  // The full list first: it must fail (else the test is not deterministic) and tells where to cut the tail.
  if (!attempt(search, search.items)) return done(false);
  for (let round = 0; round < ROUNDS_MAX; round++) {
    if (!removeChunks(search)) return done(false);
    if (arbitrary === undefined) return done(true);
    const changed = shrinkItems(search, arbitrary);
    if (changed === undefined) return done(false);
    if (!changed) return done(true);
  }
  return done(removeChunks(search));
}

/** The failure to keep while minimizing: the same invariant must break. */
export interface MinimizeTarget {
  readonly invariant: InvariantName;
  readonly phase: FailurePhase;
}

/** Runs a candidate op list (counting its ops) and returns the run. */
type CandidateRunner = (ops: readonly Op[], extra: { readonly record?: boolean; readonly finish?: boolean }) => RunResult;

/** Live allocations before each op and after the last (index ops.length), from a recorded run. */
function liveBefore(run: CandidateRunner, ops: readonly Op[]): number[] {
  const live = [0];
  for (const record of run(ops, { record: true, finish: false }).records) live.push(record.facts.live);
  while (live.length <= ops.length) live.push(live[live.length - 1] as number);
  return live;
}

/**
 * Symbolic targets name the n-th live allocation (modulo the number live), so removing ops that left
 * `d` more allocations live moves every later allocation down by `d`. The variant takes each later
 * `target` modulo the live count it saw, minus `d`: right for allocations made after the removed
 * ops, and tested like any candidate.
 */
function targetShifter(run: CandidateRunner): RemovalAdjuster<Op> {
  let cachedFor: readonly Op[] | undefined;
  let live: number[] = [];
  return (ops, start, count) => {
    if (cachedFor !== ops) [cachedFor, live] = [ops, liveBefore(run, ops)];
    const shift = (live[start + count] as number) - (live[start] as number);
    if (shift <= 0) return undefined;
    let changed = false;
    const later = ops.slice(start + count).map((op, offset) => {
      const target = (op as { readonly target?: unknown }).target;
      const liveThen = live[start + count + offset] as number;
      if (typeof target !== 'number' || liveThen === 0) return op;
      const shifted = Math.max(0, (target % liveThen) - shift);
      if (shifted === target) return op;
      changed = true;
      return { ...op, target: shifted } as Op;
    });
    return changed ? [...ops.slice(0, start), ...later] : undefined;
  };
}

/** A failing scenario to minimize. */
export interface MinimizeOptions {
  readonly scenario: Scenario;
  readonly target: MinimizeTarget;
  /** Per op, the fast-check value it was generated from (enables shrinking each op). */
  readonly opValues?: readonly fc.Value<Op>[];
  /** The arbitrary the ops came from. */
  readonly opArbitrary?: fc.Arbitrary<Op>;
  readonly machineFactory?: MachineFactory;
  /** True once minimization must stop; the smallest failure found by then is returned. */
  readonly expired: () => boolean;
}

/** A minimized failure. */
export interface MinimizedFailure {
  readonly scenario: Scenario;
  /** The minimized scenario re-run with one record per op. */
  readonly result: RunResult;
  readonly originalOps: number;
  /** Candidate runs tried. */
  readonly runs: number;
  /** Ops those runs executed. */
  readonly opsExecuted: number;
  readonly complete: boolean;
}

/**
 * Minimizes a failing scenario: candidates run through the one interpreter (op-phase targets stop at
 * the failing op, without the end-state oracle), and a candidate counts only when the same invariant
 * breaks, so minimization cannot slide onto a different bug. Deterministic unless `expired` fires.
 */
export function minimizeFailure(options: MinimizeOptions): MinimizedFailure {
  const { scenario, target } = options;
  const machine = options.machineFactory === undefined ? {} : { machineFactory: options.machineFactory };
  let opsExecuted = 0;
  const run: CandidateRunner = (ops, extra) => {
    const result = runSequence({ config: scenario.config, seed: scenario.seed, ops, auditEvery: scenario.auditEvery, ...machine, ...extra });
    opsExecuted += result.opsExecuted;
    return result;
  };
  const test = (ops: readonly Op[]): Verdict => {
    const failure = run(ops, { finish: target.phase !== 'op' }).failure;
    if (failure === null || failure.invariant !== target.invariant) return { fails: false };
    return failure.phase === 'op' || failure.phase === 'audit' ? { fails: true, keep: failure.opIndex + 1 } : { fails: true };
  };
  const items = scenario.ops.map((op, index): ShrinkItem<Op> => {
    const value = options.opValues?.[index];
    return value === undefined ? { item: op } : { item: op, value };
  });
  const minimized = minimizeItems(items, test, options.expired, options.opArbitrary, targetShifter(run));
  const small: Scenario = { ...scenario, ops: minimized.items };
  const result = runSequence({ config: small.config, seed: small.seed, ops: small.ops, auditEvery: small.auditEvery, record: true, ...machine });
  return { scenario: small, result, originalOps: scenario.ops.length, runs: minimized.tests, opsExecuted, complete: minimized.complete };
}
