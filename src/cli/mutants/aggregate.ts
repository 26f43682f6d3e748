// Per-bug aggregation of campaign outcomes over seeds (detected k/K; median and max of time, ops and minimized length over the detecting seeds; the outcomes fired and whether they were the expected ones) and the run's totals.
import type { MutantMeta } from './mutant-meta.ts';
import type { CampaignOutcome } from './run-campaign.ts';

/** Median and maximum of some measurements (undefined when there are none). */
export interface Spread {
  readonly median: number;
  readonly max: number;
}

/** One seed's campaign on one bug. */
export interface SeedOutcome {
  readonly seed: number;
  readonly outcome: CampaignOutcome;
}

/** How a bug did over all its seeds. */
export type MutantStatus = 'detected' | 'partial' | 'missed' | 'stale' | 'error';

/** One line of the report. */
export interface MutantReport {
  readonly id: string;
  readonly title: string;
  readonly area: MutantMeta['area'];
  readonly profile: MutantMeta['profile'];
  readonly expected: readonly string[];
  /** The campaign budget each seed ran with. */
  readonly budgetSeconds: number;
  readonly status: MutantStatus;
  /** Why the patch is stale, or what went wrong (status stale / error). */
  readonly detail?: string;
  readonly seeds: number;
  readonly detectedSeeds: number;
  readonly firstHitMs?: Spread;
  readonly opsBeforeHit?: Spread;
  readonly minimizedOps?: Spread;
  /** Outcomes that fired (invariant names, hang, crash), most frequent first. */
  readonly fired: readonly string[];
  /** Every fired outcome is one of `expected`. */
  readonly firedAsExpected: boolean;
  readonly runs: readonly SeedOutcome[];
}

/** The median (the mean of the middle two for an even count) and the maximum; undefined for no values. */
export function spreadOf(values: readonly number[]): Spread | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return { median, max: sorted[sorted.length - 1] as number };
}

/** Fired outcomes by frequency (then name). */
function firedOutcomes(found: readonly Extract<CampaignOutcome, { kind: 'found' }>[]): string[] {
  const counts = new Map<string, number>();
  for (const outcome of found) counts.set(outcome.invariant, (counts.get(outcome.invariant) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([name]) => name);
}

function statusOf(runs: readonly SeedOutcome[], detected: number): MutantStatus {
  if (runs.some((run) => run.outcome.kind === 'error')) return 'error';
  if (detected === runs.length && detected > 0) return 'detected';
  return detected === 0 ? 'missed' : 'partial';
}

function withSpread<K extends string>(key: K, spread: Spread | undefined): Partial<Record<K, Spread>> {
  return spread === undefined ? {} : ({ [key]: spread } as Record<K, Spread>);
}

/** Aggregates a bug's campaigns (one per seed, each with `budgetSeconds`). */
export function aggregateMutant(meta: MutantMeta, runs: readonly SeedOutcome[], budgetSeconds: number): MutantReport {
  const found = runs.flatMap((run) => (run.outcome.kind === 'found' ? [run.outcome] : []));
  const fired = firedOutcomes(found);
  const errors = runs.flatMap((run) => (run.outcome.kind === 'error' ? [run.outcome.detail] : []));
  return {
    id: meta.id, title: meta.title, area: meta.area, profile: meta.profile, expected: meta.expected, budgetSeconds, status: statusOf(runs, found.length),
    ...(errors.length > 0 ? { detail: errors[0] as string } : {}),
    seeds: runs.length, detectedSeeds: found.length,
    ...withSpread('firstHitMs', spreadOf(found.map((outcome) => outcome.firstHitElapsedMs))),
    ...withSpread('opsBeforeHit', spreadOf(found.map((outcome) => outcome.opsBeforeHit))),
    ...withSpread('minimizedOps', spreadOf(found.flatMap((outcome) => (outcome.minimizedOps === undefined ? [] : [outcome.minimizedOps])))),
    fired, firedAsExpected: fired.every((name) => (meta.expected as readonly string[]).includes(name)), runs,
  };
}

/** A bug that could not be run: its patch no longer applies (stale: reported, never skipped), or git could not run (error). */
export function unrunMutant(meta: MutantMeta, status: 'stale' | 'error', reason: string, budgetSeconds: number): MutantReport {
  return {
    id: meta.id, title: meta.title, area: meta.area, profile: meta.profile, expected: meta.expected, budgetSeconds, status, detail: reason,
    seeds: 0, detectedSeeds: 0, fired: [], firedAsExpected: false, runs: [],
  };
}

/** The totals of a run over its bugs. */
export interface MutantTotals {
  readonly bugs: number;
  readonly byStatus: Readonly<Record<MutantStatus, number>>;
  /** Median over bugs of their median time to detection (bugs detected at least once). */
  readonly medianOfMediansMs?: number;
  /** Bugs (detected at least once) whose median time to detection is 5 s or more. */
  readonly slowerThanTarget: readonly string[];
  /** Bugs whose median minimized sequence is longer than 10 ops. */
  readonly longerThanTarget: readonly string[];
  /** Bugs where an outcome outside `expected` fired. */
  readonly unexpectedOutcome: readonly string[];
}

/** Targets of issue 6: median time to detection under 5 s, minimized sequences of at most 10 ops. */
export const TARGET_MEDIAN_MS = 5000;
export const TARGET_MINIMIZED_OPS = 10;

/** Totals over the bug reports. */
export function totalsOf(reports: readonly MutantReport[]): MutantTotals {
  const byStatus: Record<MutantStatus, number> = { detected: 0, partial: 0, missed: 0, stale: 0, error: 0 };
  for (const report of reports) byStatus[report.status]++;
  const medians = spreadOf(reports.flatMap((report) => (report.firstHitMs === undefined ? [] : [report.firstHitMs.median])));
  return {
    bugs: reports.length, byStatus, ...(medians === undefined ? {} : { medianOfMediansMs: medians.median }),
    slowerThanTarget: reports.filter((report) => report.firstHitMs !== undefined && report.firstHitMs.median >= TARGET_MEDIAN_MS).map((report) => report.id),
    longerThanTarget: reports.filter((report) => report.minimizedOps !== undefined && report.minimizedOps.median > TARGET_MINIMIZED_OPS).map((report) => report.id),
    unexpectedOutcome: reports.filter((report) => report.detectedSeeds > 0 && !report.firedAsExpected).map((report) => report.id),
  };
}
