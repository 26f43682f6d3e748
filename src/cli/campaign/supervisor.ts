// The campaign supervisor: starts one worker per shard, merges their tallies, hands failures on, restarts a worker that crashed (after the run that crashed it, recorded with its seed), and stops or kills them all on request.
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
  readonly onFailure: (failure: FoundFailure) => void;
  readonly onCrash?: (crash: CrashRecord) => void;
  readonly crashLimitPerWorker?: number;
  readonly flushEveryMs?: number;
}

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
  readonly elapsedMs: number;
}

/** One worker slot: how often it crashed in a row, where it (re)started, and whether its current thread said done. */
interface Slot {
  crashesInRow: number;
  firstRun: number;
  done: boolean;
  lastError: Error | undefined;
  port: WorkerPort | undefined;
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
  private killed = false;
  private startedMs = 0;
  private running = 0;
  private finished: (() => void) | undefined;

  constructor(private readonly options: SupervisorOptions) {
    const workers = options.plan.budget.kind === 'single' ? 1 : options.plan.workers;
    this.control = new Int32Array(createControl(options.plan.budget.kind === 'single' ? options.plan.budget.worker + 1 : workers));
    this.opsPerWorker = new Array<number>(workers).fill(0);
    this.slots = Array.from({ length: workers }, () => ({ crashesInRow: 0, firstRun: 0, done: false, lastError: undefined, port: undefined }));
  }

  /** Runs the campaign to the end of its budget, a stop or a kill. */
  async run(): Promise<SupervisorOutcome> {
    this.startedMs = this.options.now();
    const done = new Promise<void>((resolve) => (this.finished = resolve));
    this.slots.forEach((_slot, index) => this.start(index, this.initialRun()));
    if (this.running > 0) await done;
    return {
      tally: this.tally, opsPerWorker: this.opsPerWorker, crashes: this.crashes, restarts: this.restarts, peakHeapBytes: this.peakHeapBytes,
      interrupted: this.stopping, elapsedMs: this.options.now() - this.startedMs,
    };
  }

  /** Asks every worker to stop after its current run (minimizations end early and are still delivered). */
  stop(): void {
    this.stopping = true;
    Atomics.store(this.control, CONTROL_STOP, 1);
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
    const port = this.options.spawn(this.shardPlan(index, budget));
    slot.port = port;
    this.running++;
    port.onMessage((message) => this.receive(index, message));
    port.onError((error) => (slot.lastError = error));
    port.onExit((code) => this.exited(index, code));
    return true;
  }

  private receive(index: number, message: unknown): void {
    if (!isWorkerMessage(message)) return;
    const received: WorkerMessage = message;
    if (received.type === 'done') this.slots[index]!.done = true;
    else if (received.type === 'failure') this.options.onFailure(received.failure);
    else {
      mergeTally(this.tally, received.tally);
      this.opsPerWorker[index] = (this.opsPerWorker[index] ?? 0) + received.tally.opsExecuted;
      this.peakHeapBytes = Math.max(this.peakHeapBytes, received.heapUsedBytes);
    }
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
    };
    this.crashes.push(crash);
    this.options.onCrash?.(crash);
    // Why: a worker that completed runs since its last start is healthy; only crashes in a row mean it cannot make progress.
    slot.crashesInRow = run > slot.firstRun ? 1 : slot.crashesInRow + 1;
    if (slot.crashesInRow >= (this.options.crashLimitPerWorker ?? CRASH_LIMIT_PER_WORKER) || this.options.plan.budget.kind === 'single') return;
    if (this.start(index, run >= 0 ? run + 1 : slot.firstRun)) this.restarts++;
  }
}
