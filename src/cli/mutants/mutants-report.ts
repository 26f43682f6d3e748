// The whole `pagelab mutants` result (format pagelab-mutants/1): the conditions it ran under, one report per seeded bug, the control campaigns on the unpatched copy, the totals, and the verdict.
import type { ProfileName } from '../../../properties/campaign-profile.ts';
import type { GenerationStrategy } from '../../../properties/campaign-run.ts';
import { totalsOf, type MutantReport, type MutantTotals } from './aggregate.ts';
import type { CampaignOutcome } from './run-campaign.ts';

/** The format tag of `pagelab mutants --json`. */
export const MUTANTS_FORMAT = 'pagelab-mutants/1';

/** What the numbers were measured under (timings depend on all of it). */
export interface MutantsConditions {
  /** --seconds-per-mutant; absent: each bug ran with its own budget (MutantReport.budgetSeconds). */
  readonly secondsPerMutant?: number;
  /** The campaign seeds every bug ran with. */
  readonly seeds: readonly number[];
  /** Campaigns run at the same time. */
  readonly jobs: number;
  readonly strategy: GenerationStrategy;
  readonly minimizeSeconds: number;
  readonly hangSeconds: number;
  readonly cpus: number;
  /** os.loadavg() (1, 5, 15 minutes) when the run started and when it ended. */
  readonly loadAverageStart: readonly number[];
  readonly loadAverageEnd: readonly number[];
  readonly node: string;
  readonly elapsedMs: number;
  /** Ctrl-C: the campaigns not started yet were left out. */
  readonly interrupted: boolean;
}

/** One control campaign. */
export interface ControlRun {
  readonly profile: ProfileName;
  readonly seconds: number;
  readonly seed: number;
  readonly outcome: CampaignOutcome;
}

/** The control: the unpatched copy under the same budget, every profile the bugs used; it must find nothing. */
export interface ControlReport {
  readonly status: 'clean' | 'dirty' | 'error' | 'skipped';
  readonly profiles: readonly ProfileName[];
  readonly runs: readonly ControlRun[];
}

/** `pagelab mutants --json`. */
export interface MutantsReport {
  readonly format: typeof MUTANTS_FORMAT;
  readonly conditions: MutantsConditions;
  readonly mutants: readonly MutantReport[];
  readonly control: ControlReport;
  readonly totals: MutantTotals;
  /** Every bug detected in every seed, nothing stale or broken, the control clean (or skipped), not interrupted. */
  readonly ok: boolean;
}

/** The control's verdict over its campaigns. */
export function controlReport(profiles: readonly ProfileName[], runs: readonly ControlRun[]): ControlReport {
  const status = runs.some((run) => run.outcome.kind === 'found') ? 'dirty' : runs.some((run) => run.outcome.kind === 'error') ? 'error' : 'clean';
  return { status, profiles, runs };
}

/** Assembles the report and its verdict. */
export function buildMutantsReport(conditions: MutantsConditions, mutants: readonly MutantReport[], control: ControlReport): MutantsReport {
  const ok = !conditions.interrupted && mutants.every((mutant) => mutant.status === 'detected') && (control.status === 'clean' || control.status === 'skipped');
  return { format: MUTANTS_FORMAT, conditions, mutants, control, totals: totalsOf(mutants), ok };
}
