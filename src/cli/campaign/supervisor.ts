// The campaign supervisor: starts one worker per shard, merges their tallies, stamps and hands failures on, restarts a worker that crashed or hung (after the run that did it, recorded with its seed), stops at the first failure when asked, and stops or kills them all on request.
import { runSeed } from '../../../properties/campaign-seeds.ts';
import type { CrashRecord } from '../../../properties/campaign-summary.ts';
import { emptyTally, mergeTally, type CampaignTally } from '../../../properties/campaign-tally.ts';
import type { FoundFailure, ShardBudget } from '../../../properties/fuzz.ts';
import { isWorkerMessage, type WorkerMessage } from './messages.ts';
import { CONTROL_STOP, controlSlots, createControl, rerunCommand, runShare, type CampaignPlan, type ShardPlan } from './plan.ts';
import type { SpawnWorker, WorkerPort } from './spawn.ts';

/** Crashes in a row (no run completed in between) after which a worker is not restarted again. */
export const CRASH_LIMIT_PER_WORKER = 5;
/** How often workers hand over their tallies: after every run, so a crash loses nothing but the crashing run. */
export const FLUSH_EVERY_MS = 0;

/** What the supervisor needs. */
export interface SupervisorOptions {
  readonly plan: CampaignPlan;
  readonly spawn: SpawnWorker;
  /** Milliseconds, monotonic. */
  readonly now: () => number;
  /** A minimized failure, with the milliseconds from the campaign's start to the moment its run was hit. */
  readonly onFailure: (failure: FoundFailure, firstHitElapsedMs: number) => void;
  readonly onCrash?: (crash: CrashRecord) => void;
  readonly crashLimitPerWorker?: number;
  readonly flushEveryMs?: number;
  /** End the campaign after the first failure (once minimized) or crash. */
  readonly stopOnFailure?: boolean;
  /** A worker whose beat word does not move for this long is ended and reported as a crash (a hang); needs `every`. */
  readonly hangMs?: number;
  /** Calls `tick` every `everyMs` until the returned function is called (the hang watchdog's clock). */
  readonly every?: (tick: () => void, everyMs: number) => () => void;
}

/** How often the hang watchdog looks at the beat words. */
export const HANG_CHECK_EVERY_MS = 1000;

/** Live numbers for the progress display. */
export interface ProgressSnapshot {
  readonly elapsedMs: number;
  readonly runs: number;
  readonly opsExecuted: number;
  readonly crashes: number;
  /** The largest length cap a worker is running at now. */
  readonly lengthCap: number;
}

/** What a finished campaign did. */
export interface SupervisorOutcome {
  readonly tally: CampaignTally;
  readonly opsPerWorker: readonly number[];
  readonly crashes: readonly CrashRecord[];
  readonly restarts: number;
  readonly peakHeapBytes: number;
  readonly interrupted: boolean;
  /** Ended early by stopOnFailure. */
  readonly stoppedAtFailure: boolean;
  readonly elapsedMs: number;
}

/** One worker slot: how often it crashed in a row, where it (re)started, and whether its current thread said done. */
interface Slot {
  crashesInRow: number;
  firstRun: number;
  done: boolean;
  lastError: Error | undefined;
  port: WorkerPort | undefined;
  /** The beat word when the watchdog last saw it move, and when; `beating` once it moved at all (the thread finished booting). */
  beat: number;
  beatSeenMs: number;
  beating: boolean;
}

/** Starts, watches and restarts the workers of one campaign. */
export class Supervisor {
  private readonly control: Int32Array;
  private readonly tally = emptyTally();
  private readonly opsPerWorker: number[];
  private readonly crashes: CrashRecord[] = [];
  private readonly slots: Slot[];
  private restarts = 0;
  private peakHeapBytes = 0;
  private stopping = false;
  private interrupted = false;
  private stoppedAtFailure = false;
  private killed = false;
  /** Per `worker:run`, when the run was hit (ms since the start), until its minimized failure arrives. */
  private readonly hits = new Map<string, number>();
  private startedMs = 0;
  private running = 0;
  private finished: (() => void) | undefined;

  constructor(private readonly options: SupervisorOptions) {
    const workers = options.plan.budget.kind === 'single' ? 1 : options.plan.workers;
    this.control = new Int32Array(createControl(options.plan.budget.kind === 'single' ? options.plan.budget.worker + 1 : workers));
    this.opsPerWorker = new Array<number>(workers).fill(0);
    this.slots = Array.from({ length: workers }, () => ({ crashesInRow: 0, firstRun: 0, done: false, lastError: undefined, port: undefined, beat: 0, beatSeenMs: 0, beating: false }));
  }

  /** Runs the campaign to the end of its budget, a stop or a kill. */
  async run(): Promise<SupervisorOutcome> {
    this.startedMs = this.options.now();
    const done = new Promise<void>((resolve) => (this.finished = resolve));
    this.slots.forEach((_slot, index) => this.start(index, this.initialRun()));
    const { hangMs, every } = this.options;
    const unwatch = hangMs !== undefined && every !== undefined ? every(() => this.checkHangs(hangMs), HANG_CHECK_EVERY_MS) : undefined;
    if (this.running > 0) await done;
    unwatch?.();
    return {
      tally: this.tally, opsPerWorker: this.opsPerWorker, crashes: this.crashes, restarts: this.restarts, peakHeapBytes: this.peakHeapBytes,
      interrupted: this.interrupted, stoppedAtFailure: this.stoppedAtFailure, elapsedMs: this.options.now() - this.startedMs,
    };
  }

  /** Asks every worker to stop after its current run (minimizations end early and are still delivered): Ctrl-C. */
  stop(): void {
    this.interrupted = true;
    this.requestStop();
  }

  /**
   * The hang watchdog: a running worker whose beat word (bumped at every run start and minimization
   * candidate) has not moved for `hangMs` is ended; its exit is then reported as a crash of its run.
   * A worker still booting (no beat yet: loading the TypeScript modules) is not timed.
   */
  checkHangs(hangMs: number): void {
    const nowMs = this.options.now();
    this.slots.forEach((slot, index) => {
      if (slot.port === undefined || slot.done) return;
      const beat = Atomics.load(this.control, controlSlots(this.workerIndex(index)).beat);
      if (beat !== slot.beat) {
        slot.beat = beat;
        slot.beatSeenMs = nowMs;
        slot.beating = true;
      } else if (slot.beating && nowMs - slot.beatSeenMs >= hangMs) {
        slot.lastError = new Error(`hang: no progress for ${(hangMs / 1000).toFixed(1)} s (an endless loop in the simulator?); the worker was ended`);
        slot.port.terminate();
      }
    });
  }

  /** Ends every worker now; whatever they had not handed over is lost. */
  kill(): void {
    this.stop();
    this.killed = true;
    for (const slot of this.slots) slot.port?.terminate();
  }

  /** Live numbers for the progress display. */
  snapshot(): ProgressSnapshot {
    let lengthCap = 0;
    this.slots.forEach((_slot, index) => (lengthCap = Math.max(lengthCap, Atomics.load(this.control, controlSlots(this.workerIndex(index)).cap))));
    return { elapsedMs: this.options.now() - this.startedMs, runs: this.tally.runs, opsExecuted: this.tally.opsExecuted, crashes: this.crashes.length, lengthCap };
  }

  private initialRun(): number {
    const { budget } = this.options.plan;
    return budget.kind === 'single' ? budget.run : 0;
  }

  /** The worker index of slot `index` (a single-run replay keeps the worker index of the run). */
  private workerIndex(index: number): number {
    const { budget } = this.options.plan;
    return budget.kind === 'single' ? budget.worker : index;
  }

  private shardBudget(index: number): ShardBudget | undefined {
    const { budget, workers } = this.options.plan;
    if (budget.kind === 'single') return { kind: 'single', run: budget.run };
    if (budget.kind === 'seconds') return { kind: 'seconds', seconds: budget.seconds, elapsedAtStartMs: this.options.now() - this.startedMs };
    const runs = runShare(budget.runs, workers, index);
    return runs > this.slots[index]!.firstRun ? { kind: 'runs', runs } : undefined;
  }

  private shardPlan(index: number, budget: ShardBudget): ShardPlan {
    const { plan } = this.options;
    return {
      campaignSeed: plan.seed, workerIndex: this.workerIndex(index), profile: plan.profile, maxOps: plan.maxOps, budget,
      firstRun: this.slots[index]!.firstRun, minimizeSeconds: plan.minimizeSeconds, flushEveryMs: this.options.flushEveryMs ?? FLUSH_EVERY_MS,
      ...(plan.machineFactoryModule === undefined ? {} : { machineFactoryModule: plan.machineFactoryModule }),
      ...(plan.strategy === undefined ? {} : { strategy: plan.strategy }),
      ...(this.options.stopOnFailure === true ? { stopOnFailure: true } : {}),
      control: this.control.buffer as SharedArrayBuffer,
    };
  }

  /** Starts slot `index` at `firstRun`; false when its share has no runs left (or the campaign is stopping). */
  private start(index: number, firstRun: number): boolean {
    const slot = this.slots[index]!;
    slot.firstRun = firstRun;
    slot.done = false;
    slot.lastError = undefined;
    const budget = this.shardBudget(index);
    if (budget === undefined || this.stopping) return false;
    Atomics.store(this.control, controlSlots(this.workerIndex(index)).run, -1);
    slot.beat = Atomics.load(this.control, controlSlots(this.workerIndex(index)).beat);
    slot.beatSeenMs = this.options.now();
    slot.beating = false;
    const port = this.options.spawn(this.shardPlan(index, budget));
    slot.port = port;
    this.running++;
    port.onMessage((message) => this.receive(index, message));
    port.onError((error) => (slot.lastError = error));
    port.onExit((code) => this.exited(index, code));
    return true;
  }

  private requestStop(): void {
    this.stopping = true;
    Atomics.store(this.control, CONTROL_STOP, 1);
  }

  private receive(index: number, message: unknown): void {
    if (!isWorkerMessage(message)) return;
    const received: WorkerMessage = message;
    if (received.type === 'done') this.slots[index]!.done = true;
    else if (received.type === 'hit') this.hits.set(`${this.workerIndex(index)}:${received.run}`, this.options.now() - this.startedMs);
    else if (received.type === 'failure') this.failed(received.failure);
    else {
      mergeTally(this.tally, received.tally);
      this.opsPerWorker[index] = (this.opsPerWorker[index] ?? 0) + received.tally.opsExecuted;
      this.peakHeapBytes = Math.max(this.peakHeapBytes, received.heapUsedBytes);
    }
  }

  private failed(found: FoundFailure): void {
    const key = `${found.worker}:${found.run}`;
    const hitMs = this.hits.get(key) ?? this.options.now() - this.startedMs;
    this.hits.delete(key);
    this.options.onFailure(found, hitMs);
    this.stopIfAsked();
  }

  private stopIfAsked(): void {
    if (this.options.stopOnFailure !== true || this.stopping) return;
    this.stoppedAtFailure = true;
    this.requestStop();
  }

  private exited(index: number, code: number): void {
    const slot = this.slots[index]!;
    slot.port = undefined;
    this.running--;
    if (!slot.done && !this.killed) this.crashed(index, slot, code);
    if (this.running === 0) this.finished?.();
  }

  private crashed(index: number, slot: Slot, code: number): void {
    const worker = this.workerIndex(index);
    const slots = controlSlots(worker);
    const run = Atomics.load(this.control, slots.run);
    const lengthCap = Atomics.load(this.control, slots.cap);
    const message = slot.lastError === undefined ? `worker exited with code ${code}` : `${slot.lastError.name}: ${slot.lastError.message}`;
    const crash: CrashRecord = {
      worker, run, runSeed: runSeed(this.options.plan.seed, worker, run), lengthCap, message: message.replace(/\s*\n\s*/g, ' '),
      rerun: rerunCommand(this.options.plan, worker, run, lengthCap),
      timing: { elapsedMs: Math.round(this.options.now() - this.startedMs), opsExecuted: this.tally.opsExecuted },
    };
    this.crashes.push(crash);
    this.options.onCrash?.(crash);
    this.stopIfAsked();
    // Why: a worker that completed runs since its last start is healthy; only crashes in a row mean it cannot make progress.
    slot.crashesInRow = run > slot.firstRun ? 1 : slot.crashesInRow + 1;
    if (slot.crashesInRow >= (this.options.crashLimitPerWorker ?? CRASH_LIMIT_PER_WORKER) || this.options.plan.budget.kind === 'single') return;
    if (this.start(index, run >= 0 ? run + 1 : slot.firstRun)) this.restarts++;
  }
}
