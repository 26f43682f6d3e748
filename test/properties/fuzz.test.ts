// One worker's shard in process: run budgets (deterministic), seconds on an injected clock, a single run, stopping, tally hand-over, failures minimized and delivered, and harness exceptions left to crash the worker.
import { describe, expect, it } from 'vitest';
import { ok, type Result } from '../../src/base/errno.ts';
import type { Pfn } from '../../src/base/units.ts';
import { PageAllocator, type AllocOptions } from '../../src/buddy/page-allocator.ts';
import { __GFP_ZERO, type Gfp } from '../../src/mem/gfp.ts';
import { generateRun } from '../../properties/campaign-run.ts';
import { runSeed } from '../../properties/campaign-seeds.ts';
import { emptyTally, mergeTally, type CampaignTally } from '../../properties/campaign-tally.ts';
import { runShard, type FoundFailure, type ShardOptions } from '../../properties/fuzz.ts';
import { failureSignature } from '../../properties/signature.ts';
import { machineWith } from './harness-fixtures.ts';

/** Never zeroes a __GFP_ZERO allocation. */
class NeverZeroes extends PageAllocator {
  override allocPages(gfp: Gfp, order: number, options: AllocOptions): Result<Pfn> {
    return super.allocPages(gfp & ~__GFP_ZERO, order, options);
  }
}

/** A clock that moves `stepMs` on every reading. */
function steppingClock(stepMs: number): () => number {
  let nowMs = 0;
  return () => (nowMs += stepMs);
}

interface Collected {
  readonly tally: CampaignTally;
  readonly tallies: number;
  readonly failures: FoundFailure[];
  readonly started: number[];
  readonly outcome: ReturnType<typeof runShard>;
}

function shard(overrides: Partial<ShardOptions>): Collected {
  const tally = emptyTally();
  const failures: FoundFailure[] = [];
  const started: number[] = [];
  let tallies = 0;
  const outcome = runShard({
    campaignSeed: 9, workerIndex: 1, profile: 'buddy', maxOps: 200, budget: { kind: 'runs', runs: 6 }, firstRun: 0, now: steppingClock(1),
    stopRequested: () => false, minimizeSeconds: 30, flushEveryMs: 1e9,
    onRunStart: (run) => started.push(run), onTally: (delta) => (tallies++, mergeTally(tally, delta)), onFailure: (failure) => failures.push(failure),
    ...overrides,
  });
  return { tally, tallies, failures, started, outcome };
}

describe('runShard', () => {
  it('spends a run budget from firstRun on, deterministically, ramping the length cap with the run index', () => {
    const first = shard({});
    expect(first.outcome).toEqual({ stopped: false, runsDone: 6 });
    expect(first.started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(first.tally.runs).toBe(6);
    expect(first.tallies).toBe(1);
    expect(shard({}).tally).toEqual(first.tally);
    expect(first.tally.quarters.map((quarter) => quarter.capMax)).toEqual([37, 86, 200, 200]);
    expect(first.failures).toEqual([]);
    expect(shard({ firstRun: 4 }).started).toEqual([4, 5]);
  });

  it('without the ramp every run is capped at --max-ops from the first one', () => {
    const flat = shard({ strategy: { swarm: true, ramp: false } });
    expect(flat.tally.quarters.map((quarter) => quarter.capMax)).toEqual([200, 200, 200, 200]);
    expect(flat.tally.opsExecuted).toBeGreaterThan(shard({}).tally.opsExecuted);
  });

  it('announces a failing run before minimizing it, with the ops run so far, beats while alive, and can stop at the first failure', () => {
    const hits: [number, number][] = [];
    let beats = 0;
    const broken = shard({ machineFactory: machineWith(NeverZeroes), budget: { kind: 'runs', runs: 40 }, minimizeSeconds: 1, onHit: (run, ops) => hits.push([run, ops]), onBeat: () => beats++, stopOnFailure: true });
    expect(broken.failures).toHaveLength(1);
    expect(broken.outcome).toEqual({ stopped: true, runsDone: hits[0]![0] + 1 });
    expect(hits).toEqual([[broken.failures[0]!.run, broken.failures[0]!.opsBeforeHit]]);
    expect(broken.failures[0]!.opsBeforeHit).toBeLessThanOrEqual(broken.tally.opsExecuted);
    expect(broken.failures[0]!.opsBeforeHit).toBeGreaterThan(broken.tally.opsExecuted - broken.failures[0]!.originalOps);
    expect(beats).toBeGreaterThan(broken.outcome.runsDone);
  });

  it('spends seconds on the injected clock, counting time spent before a restart', () => {
    expect(shard({ budget: { kind: 'seconds', seconds: 1, elapsedAtStartMs: 0 }, now: steppingClock(100) }).tally.runs).toBeGreaterThanOrEqual(3);
    expect(shard({ budget: { kind: 'seconds', seconds: 1, elapsedAtStartMs: 1000 } }).tally.runs).toBe(0);
  });

  it('re-runs exactly one run at --max-ops for a single budget', () => {
    const single = shard({ budget: { kind: 'single', run: 3 }, firstRun: 3 });
    expect(single.started).toEqual([3]);
    const generated = generateRun(runSeed(9, 1, 3), 'buddy', 200);
    expect(single.tally.opsExecuted).toBe(generated.scenario.ops.length);
  });

  it('stops before the next run once asked, handing over what it has', () => {
    let runs = 0;
    const stopped = shard({ stopRequested: () => runs >= 2, onRunStart: () => void runs++ });
    expect(stopped.outcome).toEqual({ stopped: true, runsDone: 2 });
    expect(stopped.tally.runs).toBe(2);
  });

  it('hands tallies over every flushEveryMs', () => {
    expect(shard({ flushEveryMs: 1 }).tallies).toBe(6);
  });

  it('minimizes each failing run and delivers it with its seed, length cap and signature', () => {
    const { failures, tally } = shard({ machineFactory: machineWith(NeverZeroes), budget: { kind: 'runs', runs: 12 } });
    expect(failures.length).toBeGreaterThan(0);
    expect(tally.failingRuns).toBe(failures.length);
    expect(tally.minimizeRuns).toBeGreaterThan(0);
    const [failure] = failures;
    expect(failure).toMatchObject({ worker: 1, runSeed: runSeed(9, 1, failure!.run), minimizeComplete: true, failure: { invariant: 'zeroed-pages' } });
    expect(failure!.scenario.ops.length).toBeLessThanOrEqual(6);
    expect(failure!.originalOps).toBeGreaterThan(failure!.scenario.ops.length);
    expect(failure!.signature).toBe(failureSignature('zeroed-pages', failure!.scenario.ops));
    expect(failure!.report).toMatch(/broken invariant: zeroed-pages at op \d+/);
    expect(structuredClone(failure)).toEqual(failure);
  });

  it('cuts a minimization short when the campaign stops or the minimization budget is spent, still delivering the failure', () => {
    const options = { machineFactory: machineWith(NeverZeroes), budget: { kind: 'runs', runs: 12 } } as const;
    const failingRun = shard(options).failures[0]!.run;
    const started: number[] = [];
    const stopped = shard({ ...options, onRunStart: (run) => void started.push(run), stopRequested: () => started.includes(failingRun) });
    expect(stopped.failures.map((failure) => [failure.run, failure.minimizeComplete])).toEqual([[failingRun, false]]);
    expect(stopped.outcome).toEqual({ stopped: true, runsDone: failingRun + 1 });
    const hurried = shard({ ...options, minimizeSeconds: 0.001, now: steppingClock(5) });
    expect(hurried.failures.every((failure) => !failure.minimizeComplete)).toBe(true);
  });

  it('lets exceptions from outside the interpreter through (the worker crashes and is restarted after the run)', () => {
    const throwing = (): never => {
      throw new Error('factory exploded');
    };
    expect(() => shard({ machineFactory: throwing })).toThrow('factory exploded');
    expect(() => shard({ machineFactory: () => ok(throwing()) })).toThrow('factory exploded');
  });
});
