// The campaign plan: what `pagelab fuzz` was asked for, how a run budget splits over workers, what each worker receives, and the command that re-runs one run.
import type { ProfileName } from '../../../properties/campaign-profile.ts';
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
  readonly machineFactoryModule?: string;
  /** Int32 words: CONTROL_STOP, then per worker its current run and length cap (see controlSlots). */
  readonly control: SharedArrayBuffer;
}

/** Index of the stop word in the control array. */
export const CONTROL_STOP = 0;

/** The control words of worker `index`: its current run and that run's length cap. */
export function controlSlots(workerIndex: number): { readonly run: number; readonly cap: number } {
  return { run: 1 + 2 * workerIndex, cap: 2 + 2 * workerIndex };
}

/** A control array for `workers` workers (stop clear, every run -1). */
export function createControl(workers: number): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(4 * (1 + 2 * workers));
  const words = new Int32Array(buffer);
  for (let worker = 0; worker < workers; worker++) words[controlSlots(worker).run] = -1;
  return buffer;
}

/** Runs of worker `workerIndex` when `runs` are split over `workers`: an even share, the first ones one more. */
export function runShare(runs: number, workers: number, workerIndex: number): number {
  return Math.floor(runs / workers) + (workerIndex < runs % workers ? 1 : 0);
}

/** The command that re-runs one run of a campaign, at the length cap it had. */
export function rerunCommand(plan: Pick<CampaignPlan, 'seed' | 'profile'>, worker: number, run: number, lengthCap: number): string {
  return `npx pagelab fuzz --seed ${plan.seed} --profile ${plan.profile} --worker ${worker} --run ${run} --max-ops ${lengthCap}`;
}
