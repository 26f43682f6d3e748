// The campaign plan: what `pagelab fuzz` was asked for, how a run budget splits over workers, what each worker receives, and the command that re-runs one run.
import type { ProfileName } from '../../../properties/campaign-profile.ts';
import type { GenerationStrategy } from '../../../properties/campaign-run.ts';
import type { ShardBudget } from '../../../properties/fuzz.ts';
import type { SummaryBudget } from '../../../properties/campaign-summary.ts';

/** A whole campaign. */
export interface CampaignPlan {
  readonly seed: number;
  readonly workers: number;
  readonly profile: ProfileName;
  readonly maxOps: number;
  /** runs/seconds for a campaign; `single` re-runs one run of a campaign in process. */
  readonly budget: SummaryBudget | { readonly kind: 'single'; readonly worker: number; readonly run: number };
  readonly minimizeSeconds: number;
  /** Swarm testing and the length ramp (default: both on). */
  readonly strategy?: GenerationStrategy;
  /** A module exporting `machineFactory` (a testing aid: e.g. a deliberately broken allocator). */
  readonly machineFactoryModule?: string;
}

/** What one worker thread receives (workerData): its shard, and the shared control words. */
export interface ShardPlan {
  readonly campaignSeed: number;
  readonly workerIndex: number;
  readonly profile: ProfileName;
  readonly maxOps: number;
  readonly budget: ShardBudget;
  readonly firstRun: number;
  readonly minimizeSeconds: number;
  readonly flushEveryMs: number;
  readonly strategy?: GenerationStrategy;
  /** The shard ends right after handing over its first failure. */
  readonly stopOnFailure?: boolean;
  readonly machineFactoryModule?: string;
  /** Int32 words: CONTROL_STOP, then per worker its current run, length cap and liveness beat (see controlSlots). */
  readonly control: SharedArrayBuffer;
}

/** Index of the stop word in the control array. */
export const CONTROL_STOP = 0;

/** Control words per worker. */
const WORDS_PER_WORKER = 3;

/** The control words of worker `index`: its current run, that run's length cap, and a beat counter it bumps while alive. */
export function controlSlots(workerIndex: number): { readonly run: number; readonly cap: number; readonly beat: number } {
  const base = 1 + WORDS_PER_WORKER * workerIndex;
  return { run: base, cap: base + 1, beat: base + 2 };
}

/** A control array for `workers` workers (stop clear, every run -1). */
export function createControl(workers: number): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(4 * (1 + WORDS_PER_WORKER * workers));
  const words = new Int32Array(buffer);
  for (let worker = 0; worker < workers; worker++) words[controlSlots(worker).run] = -1;
  return buffer;
}

/** Runs of worker `workerIndex` when `runs` are split over `workers`: an even share, the first ones one more. */
export function runShare(runs: number, workers: number, workerIndex: number): number {
  return Math.floor(runs / workers) + (workerIndex < runs % workers ? 1 : 0);
}

/** ` --machine-factory MODULE` when the campaign booted its machines with one (a replay without it boots stock machines). */
export function machineFactoryFlag(plan: Pick<CampaignPlan, 'machineFactoryModule'>): string {
  return plan.machineFactoryModule === undefined ? '' : ` --machine-factory ${plan.machineFactoryModule}`;
}

/** The command that re-runs one run of a campaign, at the length cap it had (with --no-swarm / --bias / --machine-factory when the campaign used them). */
export function rerunCommand(plan: Pick<CampaignPlan, 'seed' | 'profile' | 'strategy' | 'machineFactoryModule'>, worker: number, run: number, lengthCap: number): string {
  const swarm = plan.strategy?.swarm === false ? ' --no-swarm' : '';
  const bias = plan.strategy?.bias === undefined ? '' : ` --bias ${plan.strategy.bias}`;
  return `npx pagelab fuzz --seed ${plan.seed} --profile ${plan.profile}${swarm}${bias}${machineFactoryFlag(plan)} --worker ${worker} --run ${run} --max-ops ${lengthCap}`;
}

/** The command that replays a corpus entry the campaign wrote. */
export function replayCommand(plan: Pick<CampaignPlan, 'machineFactoryModule'>, corpusPath: string): string {
  return `npx pagelab replay${machineFactoryFlag(plan)} ${corpusPath}`;
}
