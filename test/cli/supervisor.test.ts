// The campaign supervisor with fake workers: run shares and shard plans, merged tallies, a crash recorded with its run's seed and the worker restarted after that run, the crash limit, stop and kill, hit stamps, stop-on-failure, the hang watchdog.
import { describe, expect, it } from 'vitest';
import { runSeed } from '../../properties/campaign-seeds.ts';
import { emptyTally } from '../../properties/campaign-tally.ts';
import { CONTROL_STOP, controlSlots, runShare, type CampaignPlan, type ShardPlan } from '../../src/cli/campaign/plan.ts';
import type { WorkerPort } from '../../src/cli/campaign/spawn.ts';
import { Supervisor, type SupervisorOptions } from '../../src/cli/campaign/supervisor.ts';

/** A worker the test drives by hand. */
class FakeWorker implements WorkerPort {
  readonly listeners = { message: [] as ((message: unknown) => void)[], error: [] as ((error: Error) => void)[], exit: [] as ((code: number) => void)[] };
  terminated = false;

  constructor(readonly plan: ShardPlan) {}

  onMessage(listener: (message: unknown) => void): void {
    this.listeners.message.push(listener);
  }

  onError(listener: (error: Error) => void): void {
    this.listeners.error.push(listener);
  }

  onExit(listener: (code: number) => void): void {
    this.listeners.exit.push(listener);
  }

  terminate(): void {
    this.terminated = true;
  }

  /** Marks run `run` (length cap `cap`) as started, as runShardPlan does through the control words. */
  startRun(run: number, cap: number): void {
    const words = new Int32Array(this.plan.control);
    Atomics.store(words, controlSlots(this.plan.workerIndex).run, run);
    Atomics.store(words, controlSlots(this.plan.workerIndex).cap, cap);
  }

  /** Bumps the beat word, as runShardPlan does at each run start and minimization candidate. */
  beat(): void {
    Atomics.add(new Int32Array(this.plan.control), controlSlots(this.plan.workerIndex).beat, 1);
  }

  post(message: unknown): void {
    this.listeners.message.forEach((listener) => listener(message));
  }

  tally(runs: number, ops: number): void {
    this.listeners.message.forEach((listener) => listener({ type: 'tally', tally: { ...emptyTally(), runs, opsExecuted: ops }, heapUsedBytes: ops }));
  }

  finish(): void {
    this.listeners.message.forEach((listener) => listener({ type: 'done', stopped: false }));
    this.listeners.exit.forEach((listener) => listener(0));
  }

  crash(message: string): void {
    this.listeners.error.forEach((listener) => listener(new Error(message)));
    this.listeners.exit.forEach((listener) => listener(1));
  }
}

const PLAN: CampaignPlan = { seed: 77, workers: 2, profile: 'buddy', maxOps: 400, budget: { kind: 'runs', runs: 11 }, minimizeSeconds: 5 };

function supervised(overrides: Partial<SupervisorOptions> = {}): { supervisor: Supervisor; workers: FakeWorker[]; crashes: unknown[] } {
  const workers: FakeWorker[] = [];
  const crashes: unknown[] = [];
  let nowMs = 0;
  const supervisor = new Supervisor({
    plan: PLAN, now: () => (nowMs += 10), onFailure: () => undefined, onCrash: (crash) => crashes.push(crash),
    spawn: (plan) => {
      const worker = new FakeWorker(plan);
      workers.push(worker);
      return worker;
    },
    ...overrides,
  });
  return { supervisor, workers, crashes };
}

describe('Supervisor', () => {
  it('splits a run budget into shares and merges what the workers hand over', async () => {
    expect([0, 1, 2].map((worker) => runShare(11, 3, worker))).toEqual([4, 4, 3]);
    const { supervisor, workers } = supervised();
    const running = supervisor.run();
    expect(workers.map((worker) => [worker.plan.workerIndex, worker.plan.firstRun, worker.plan.budget])).toEqual([[0, 0, { kind: 'runs', runs: 6 }], [1, 0, { kind: 'runs', runs: 5 }]]);
    expect(workers[0]!.plan).toMatchObject({ campaignSeed: 77, profile: 'buddy', maxOps: 400, minimizeSeconds: 5 });
    workers[0]!.startRun(2, 120);
    expect(supervisor.snapshot()).toMatchObject({ runs: 0, lengthCap: 120, crashes: 0 });
    workers[0]!.tally(6, 600);
    workers[1]!.tally(5, 400);
    workers.forEach((worker) => worker.finish());
    const outcome = await running;
    expect(outcome).toMatchObject({ opsPerWorker: [600, 400], crashes: [], restarts: 0, peakHeapBytes: 600, interrupted: false });
    expect(outcome.tally.runs).toBe(11);
  });

  it('records a crash with the seed of its run and restarts the worker after that run (not after the last run of its share)', async () => {
    const { supervisor, workers, crashes } = supervised();
    const running = supervisor.run();
    workers[0]!.startRun(3, 90);
    workers[0]!.crash('boom');
    expect(crashes).toEqual([{
      worker: 0, run: 3, runSeed: runSeed(77, 0, 3), lengthCap: 90, message: 'Error: boom', rerun: 'npx pagelab fuzz --seed 77 --profile buddy --worker 0 --run 3 --max-ops 90',
      timing: { elapsedMs: expect.any(Number) as number, opsExecuted: 0 },
    }]);
    expect(workers).toHaveLength(3);
    expect(workers[2]!.plan).toMatchObject({ workerIndex: 0, firstRun: 4, budget: { kind: 'runs', runs: 6 } });
    workers[2]!.startRun(4, 100);
    workers[2]!.crash('boom again');
    expect(workers[3]!.plan.firstRun).toBe(5);
    workers[3]!.startRun(5, 100);
    workers[3]!.crash('the last run of its share');
    expect(workers).toHaveLength(4);
    workers[1]!.finish();
    const outcome = await running;
    expect(outcome.restarts).toBe(2);
    expect(outcome.crashes.map((crash) => crash.run)).toEqual([3, 4, 5]);
  });

  it('gives a worker up after CRASH_LIMIT crashes in a row, and a worker that exits without done crashed too', async () => {
    const { supervisor, workers, crashes } = supervised({ crashLimitPerWorker: 2, plan: { ...PLAN, budget: { kind: 'runs', runs: 40 } } });
    const running = supervisor.run();
    workers[0]!.startRun(0, 16);
    workers[0]!.listeners.exit.forEach((listener) => listener(7));
    expect(crashes).toMatchObject([{ worker: 0, run: 0, message: 'worker exited with code 7' }]);
    const restarted = workers[2]!;
    restarted.startRun(1, 16);
    restarted.crash('still broken');
    expect(workers).toHaveLength(3);
    workers[1]!.finish();
    expect((await running).crashes).toHaveLength(2);
  });

  it('stop raises the stop word and marks the campaign interrupted; kill terminates without reporting crashes', async () => {
    const { supervisor, workers, crashes } = supervised({ plan: { ...PLAN, budget: { kind: 'seconds', seconds: 60 } } });
    const running = supervisor.run();
    expect(workers[0]!.plan.budget).toMatchObject({ kind: 'seconds', seconds: 60 });
    supervisor.stop();
    expect(Atomics.load(new Int32Array(workers[0]!.plan.control), CONTROL_STOP)).toBe(1);
    workers[0]!.finish();
    supervisor.kill();
    expect(workers[1]!.terminated).toBe(true);
    workers[1]!.listeners.exit.forEach((listener) => listener(1));
    const outcome = await running;
    expect(outcome.interrupted).toBe(true);
    expect(crashes).toEqual([]);
  });

  it('a single-run plan runs one worker with the run\'s worker index, never restarted', async () => {
    const { supervisor, workers, crashes } = supervised({ plan: { ...PLAN, budget: { kind: 'single', worker: 3, run: 9 } } });
    const running = supervisor.run();
    expect(workers.map((worker) => [worker.plan.workerIndex, worker.plan.firstRun, worker.plan.budget])).toEqual([[3, 9, { kind: 'single', run: 9 }]]);
    workers[0]!.startRun(9, 400);
    workers[0]!.crash('boom');
    await running;
    expect(crashes).toHaveLength(1);
    expect(workers).toHaveLength(1);
  });

  it('stamps a failure with the moment its run was hit, and with stopOnFailure ends the campaign there (not as an interruption)', async () => {
    const failures: [number, number][] = [];
    const { supervisor, workers } = supervised({ stopOnFailure: true, onFailure: (found, hitMs) => failures.push([found.run, hitMs]), plan: { ...PLAN, budget: { kind: 'seconds', seconds: 60 } } });
    const running = supervisor.run();
    expect(workers[0]!.plan.stopOnFailure).toBe(true);
    workers[0]!.post({ type: 'hit', run: 2, opsBeforeHit: 123 });
    const afterHitMs = supervisor.snapshot().elapsedMs;
    workers[0]!.post({ type: 'failure', failure: { worker: 0, run: 2 } });
    expect(failures).toHaveLength(1);
    expect(failures[0]![1]).toBeGreaterThan(0);
    expect(failures[0]![1]).toBeLessThan(afterHitMs);
    expect(Atomics.load(new Int32Array(workers[0]!.plan.control), CONTROL_STOP)).toBe(1);
    workers.forEach((worker) => worker.finish());
    expect(await running).toMatchObject({ interrupted: false, stoppedAtFailure: true });
  });

  it('the hang watchdog leaves a booting worker alone, then ends one whose beat word stands still for hangMs and reports its run as a crash', async () => {
    let nowMs = 0;
    let tick: (() => void) | undefined;
    const { supervisor, workers, crashes } = supervised({
      now: () => nowMs, hangMs: 5000, every: (callback) => ((tick = callback), () => (tick = undefined)), plan: { ...PLAN, budget: { kind: 'runs', runs: 4 } },
    });
    const running = supervisor.run();
    nowMs = 9000;
    tick?.();
    expect(workers.map((worker) => worker.terminated)).toEqual([false, false]);
    nowMs = 0;
    workers[0]!.startRun(1, 50);
    workers[0]!.beat();
    workers[1]!.beat();
    tick?.();
    nowMs = 3000;
    workers[0]!.beat();
    tick?.();
    workers[1]!.beat();
    nowMs = 7000;
    tick?.();
    expect(workers.map((worker) => worker.terminated)).toEqual([false, false]);
    nowMs = 8000;
    tick?.();
    expect(workers.map((worker) => worker.terminated)).toEqual([true, false]);
    workers[0]!.listeners.exit.forEach((listener) => listener(1));
    expect(crashes).toMatchObject([{ worker: 0, run: 1, message: expect.stringMatching(/^Error: hang: no progress for 5\.0 s/) as string }]);
    workers.slice(1).forEach((worker) => worker.finish());
    await running;
    expect(tick).toBeUndefined();
  });
});
