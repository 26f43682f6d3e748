// The campaign summary: one JSON object (`pagelab fuzz --json`) built from the merged tallies, the de-duplicated failures and the crashes; merging shard summaries (the nightly); stripping timings for comparisons.
import { z } from 'zod';
import { err, ok, type Result } from '../src/base/errno.ts';
import { PROFILE_NAMES, type ProfileName } from './campaign-profile.ts';
import type { GenerationStrategy } from './campaign-run.ts';
import { emptyTally, mergeTally, type CampaignTally } from './campaign-tally.ts';
import { formatZodIssues, parseJsonWithPosition } from './json-errors.ts';
import type { KindCounts } from './run-sequence.ts';
import { sometimesReport, sometimesWarnings, type SometimesReport } from './sometimes.ts';

/** The format tag of a campaign summary. */
export const SUMMARY_FORMAT = 'pagelab-fuzz-summary/1';

/** A campaign's budget as the summary records it. */
export type SummaryBudget = { readonly kind: 'runs'; readonly runs: number } | { readonly kind: 'seconds'; readonly seconds: number };

/** One distinct failure (by signature) of a campaign. */
export interface FailureRecord {
  readonly signature: string;
  /** The corpus id `INVARIANT-SIGNATURE`. */
  readonly id: string;
  readonly invariant: string;
  readonly message: string;
  /** Ops of the minimized sequence, and of the run that found it. */
  readonly opCount: number;
  readonly originalOps: number;
  /** The run that found it (the first by worker and run index when several did). */
  readonly worker: number;
  readonly run: number;
  readonly runSeed: number;
  readonly lengthCap: number;
  /** Re-runs exactly that run: `npx pagelab fuzz --seed S --profile P --worker W --run R --max-ops C`. */
  readonly rerun: string;
  /** The corpus file holding it (absent without a corpus directory). */
  readonly corpusPath?: string;
  /** Replays that corpus file: `npx pagelab replay [--machine-factory M] PATH` (with corpusPath). */
  readonly replay?: string;
  /** Not in the corpus before this campaign. */
  readonly isNew: boolean;
  /** Failing runs that minimized to this signature. */
  readonly hits: number;
  readonly minimizeRuns: number;
  readonly minimizeComplete: boolean;
  readonly timing: FailureTiming;
}

/** When a failure was found (all of it depends on speed and, with several workers, on interleaving). */
export interface FailureTiming {
  readonly minimizeMs: number;
  /** Milliseconds from the campaign's start to the first run that hit this signature (before minimizing it). */
  readonly firstHitElapsedMs: number;
  /** Exploring ops the finding worker had executed by then, up to the op that broke (minimization excluded). */
  readonly opsBeforeFirstHit: number;
}

/** A worker that crashed (an exception outside the interpreter, or the thread exited). */
export interface CrashRecord {
  readonly worker: number;
  /** The run it was on (-1: before its first run). */
  readonly run: number;
  readonly runSeed: number;
  readonly lengthCap: number;
  readonly message: string;
  readonly rerun: string;
  /** Milliseconds from the campaign's start to the crash, and the exploring ops tallied by then. */
  readonly timing: { readonly elapsedMs: number; readonly opsExecuted: number };
}

/** Per budget quarter: runs, mean ops per run and the largest length cap (the ramp). */
export interface RampQuarter {
  readonly runs: number;
  readonly meanOps: number;
  readonly capMax: number;
}

/** What the summary reports beyond counts: everything timing-dependent lives under `timing`. */
export interface SummaryTiming {
  readonly elapsedMs: number;
  /** Checked (exploring) ops per second, all workers together. */
  readonly opsPerSecond: number;
  readonly opsPerSecondPerWorker: readonly number[];
  readonly minimizeMs: number;
  /** Largest V8 heap a worker reported. */
  readonly peakHeapBytes: number;
}

/** The fields a campaign summary and a merged summary share. */
export interface SummaryBody {
  readonly profile: ProfileName;
  readonly maxOps: number;
  readonly runs: number;
  readonly opsExecuted: number;
  readonly checks: number;
  readonly kindCounts: Readonly<Record<string, KindCounts>>;
  readonly ramp: { readonly quarters: readonly RampQuarter[]; readonly lengths: readonly { readonly from: number; readonly to: number; readonly runs: number }[] };
  readonly swarm: { readonly withCma: number; readonly twoBanks: number; readonly faultSitesOn: Readonly<Record<string, number>> };
  readonly minimize: { readonly failingRuns: number; readonly runs: number; readonly ops: number };
  readonly sometimes: readonly SometimesReport[];
  readonly warnings: readonly string[];
  readonly failures: readonly FailureRecord[];
  readonly newFailures: number;
  readonly crashes: readonly CrashRecord[];
  readonly restarts: number;
  readonly timing: SummaryTiming;
}

/** `pagelab fuzz --json`. */
export interface CampaignSummary extends SummaryBody {
  readonly format: typeof SUMMARY_FORMAT;
  readonly seed: number;
  readonly workers: number;
  readonly budget: SummaryBudget;
  /** Stopped by Ctrl-C before the budget was spent. */
  readonly interrupted: boolean;
  /** Swarm testing and the length ramp as the campaign ran them. */
  readonly strategy: GenerationStrategy;
  /** Ended at its first failure or crash (--stop-on-failure) before the budget was spent. */
  readonly stoppedAtFailure: boolean;
}

/** What buildSummary needs. */
export interface SummaryInput {
  readonly seed: number;
  readonly workers: number;
  readonly profile: ProfileName;
  readonly budget: SummaryBudget;
  readonly maxOps: number;
  readonly interrupted: boolean;
  readonly strategy: GenerationStrategy;
  readonly stoppedAtFailure: boolean;
  readonly tally: CampaignTally;
  readonly failures: readonly FailureRecord[];
  readonly crashes: readonly CrashRecord[];
  readonly restarts: number;
  readonly elapsedMs: number;
  /** Exploring ops each worker executed. */
  readonly opsPerWorker: readonly number[];
  readonly peakHeapBytes: number;
}

function perSecond(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? Math.round((count / elapsedMs) * 1000) : 0;
}

function rampOf(tally: CampaignTally): SummaryBody['ramp'] {
  const quarters = tally.quarters.map((quarter) => ({ runs: quarter.runs, meanOps: quarter.runs === 0 ? 0 : Math.round(quarter.ops / quarter.runs), capMax: quarter.capMax }));
  const lengths = Object.entries(tally.lengths)
    .map(([from, runs]) => ({ from: Number(from), to: Number(from) === 0 ? 0 : Number(from) * 2 - 1, runs }))
    .sort((a, b) => a.from - b.from);
  return { quarters, lengths };
}

/** Failures in a stable order: by worker, then run. */
function byFinder<R extends { readonly worker: number; readonly run: number }>(records: readonly R[]): R[] {
  return [...records].sort((a, b) => a.worker - b.worker || a.run - b.run);
}

/** The counts every summary shape shares, from a merged tally. */
function bodyOf(profile: ProfileName, tally: CampaignTally): Omit<SummaryBody, 'maxOps' | 'failures' | 'newFailures' | 'crashes' | 'restarts' | 'timing'> {
  const sometimes = sometimesReport(tally.sometimes, profile);
  return {
    profile, runs: tally.runs, opsExecuted: tally.opsExecuted, checks: tally.checks, kindCounts: tally.kindCounts, ramp: rampOf(tally),
    swarm: { withCma: tally.withCma, twoBanks: tally.twoBanks, faultSitesOn: tally.faultSitesOn },
    minimize: { failingRuns: tally.failingRuns, runs: tally.minimizeRuns, ops: tally.minimizeOps },
    sometimes, warnings: sometimesWarnings(sometimes),
  };
}

/** Builds the campaign summary (failures and crashes sorted by worker and run). */
export function buildSummary(input: SummaryInput): CampaignSummary {
  return {
    format: SUMMARY_FORMAT, seed: input.seed, workers: input.workers, budget: input.budget, interrupted: input.interrupted,
    strategy: input.strategy, stoppedAtFailure: input.stoppedAtFailure,
    ...bodyOf(input.profile, input.tally), maxOps: input.maxOps,
    failures: byFinder(input.failures), newFailures: input.failures.filter((failure) => failure.isNew).length,
    crashes: byFinder(input.crashes), restarts: input.restarts,
    timing: {
      elapsedMs: Math.round(input.elapsedMs), opsPerSecond: perSecond(input.tally.opsExecuted, input.elapsedMs),
      opsPerSecondPerWorker: input.opsPerWorker.map((ops) => perSecond(ops, input.elapsedMs)),
      minimizeMs: Math.round(input.tally.minimizeMs), peakHeapBytes: input.peakHeapBytes,
    },
  };
}

/** The summary without anything timing-dependent: two campaigns with the same seed and run budget give equal values. */
export function withoutTimings(summary: SummaryBody): Omit<SummaryBody, 'timing'> {
  const { timing: _timing, failures, crashes, ...rest } = summary;
  return {
    ...rest,
    failures: failures.map(({ timing: _failure, ...failure }) => ({ ...failure, timing: { minimizeMs: 0, firstHitElapsedMs: 0, opsBeforeFirstHit: 0 } })),
    crashes: crashes.map(({ timing: _crash, ...crash }) => ({ ...crash, timing: { elapsedMs: 0, opsExecuted: 0 } })),
  };
}

/** The format tag of a merged summary. */
export const MERGED_FORMAT = 'pagelab-fuzz-merged/1';

/** One shard of a merged summary. */
export interface ShardLine {
  readonly seed: number;
  readonly workers: number;
  readonly runs: number;
  readonly elapsedMs: number;
  readonly interrupted: boolean;
  readonly newFailures: number;
}

/** Several campaigns (the nightly's shards) as one. */
export interface MergedSummary extends SummaryBody {
  readonly format: typeof MERGED_FORMAT;
  readonly shards: readonly ShardLine[];
}

/** The tally a summary was built from, as far as the summary keeps it (enough to merge). */
function tallyOf(summary: CampaignSummary): CampaignTally {
  const tally = emptyTally();
  Object.assign(tally, { runs: summary.runs, opsExecuted: summary.opsExecuted, checks: summary.checks, withCma: summary.swarm.withCma, twoBanks: summary.swarm.twoBanks });
  mergeTally(tally, {
    ...emptyTally(), kindCounts: structuredClone(summary.kindCounts) as Record<string, KindCounts>, faultSitesOn: { ...summary.swarm.faultSitesOn },
    sometimes: Object.fromEntries(summary.sometimes.map((line) => [line.name, line.runs])),
    lengths: Object.fromEntries(summary.ramp.lengths.map((bucket) => [String(bucket.from), bucket.runs])),
    quarters: summary.ramp.quarters.map((quarter) => ({ runs: quarter.runs, ops: quarter.runs * quarter.meanOps, capMax: quarter.capMax })),
    failingRuns: summary.minimize.failingRuns, minimizeRuns: summary.minimize.runs, minimizeOps: summary.minimize.ops, minimizeMs: summary.timing.minimizeMs,
  });
  return tally;
}

/** Failures of several shards, one per signature (the first shard's record, hits summed, new if new anywhere, the earliest first hit). */
function mergeFailures(summaries: readonly CampaignSummary[]): FailureRecord[] {
  const bySignature = new Map<string, FailureRecord>();
  for (const failure of summaries.flatMap((summary) => summary.failures)) {
    const known = bySignature.get(failure.signature);
    if (known === undefined) {
      bySignature.set(failure.signature, failure);
      continue;
    }
    const timing = failure.timing.firstHitElapsedMs < known.timing.firstHitElapsedMs ? { ...known.timing, firstHitElapsedMs: failure.timing.firstHitElapsedMs, opsBeforeFirstHit: failure.timing.opsBeforeFirstHit } : known.timing;
    bySignature.set(failure.signature, { ...known, hits: known.hits + failure.hits, isNew: known.isNew || failure.isNew, timing });
  }
  return [...bySignature.values()];
}

/**
 * Merges shard summaries (same profile expected; the first one's is reported): counts add up,
 * failures de-duplicate by signature, sometimes events count as fired when any shard fired them
 * (ramp quarter means are recomputed from runs × mean, so they are exact to rounding).
 */
export function mergeSummaries(summaries: readonly CampaignSummary[]): MergedSummary {
  const tally = emptyTally();
  for (const summary of summaries) mergeTally(tally, tallyOf(summary));
  const profile = summaries[0]?.profile ?? 'buddy';
  const failures = mergeFailures(summaries);
  const elapsedMs = Math.max(0, ...summaries.map((summary) => summary.timing.elapsedMs));
  return {
    format: MERGED_FORMAT, ...bodyOf(profile, tally), maxOps: Math.max(0, ...summaries.map((summary) => summary.maxOps)),
    failures, newFailures: failures.filter((failure) => failure.isNew).length,
    crashes: summaries.flatMap((summary) => summary.crashes), restarts: summaries.reduce((sum, summary) => sum + summary.restarts, 0),
    timing: {
      elapsedMs, opsPerSecond: summaries.reduce((sum, summary) => sum + summary.timing.opsPerSecond, 0),
      opsPerSecondPerWorker: summaries.flatMap((summary) => summary.timing.opsPerSecondPerWorker),
      minimizeMs: Math.round(tally.minimizeMs), peakHeapBytes: Math.max(0, ...summaries.map((summary) => summary.timing.peakHeapBytes)),
    },
    shards: summaries.map((summary) => ({
      seed: summary.seed, workers: summary.workers, runs: summary.runs, elapsedMs: summary.timing.elapsedMs, interrupted: summary.interrupted, newFailures: summary.newFailures,
    })),
  };
}

const count = z.number().int().min(0);
const summarySchema = z.looseObject({
  format: z.literal(SUMMARY_FORMAT, { error: `must be "${SUMMARY_FORMAT}"` }),
  seed: z.number().int(),
  workers: count,
  profile: z.enum(PROFILE_NAMES as [ProfileName, ...ProfileName[]]),
  budget: z.union([z.strictObject({ kind: z.literal('runs'), runs: count }), z.strictObject({ kind: z.literal('seconds'), seconds: z.number().min(0) })]),
  interrupted: z.boolean(),
  maxOps: count,
  runs: count,
  opsExecuted: count,
  checks: count,
  kindCounts: z.record(z.string(), z.strictObject({ executed: count, skipped: count, failed: count })),
  ramp: z.strictObject({
    quarters: z.array(z.strictObject({ runs: count, meanOps: count, capMax: count })).length(4),
    lengths: z.array(z.strictObject({ from: count, to: count, runs: count })),
  }),
  swarm: z.strictObject({ withCma: count, twoBanks: count, faultSitesOn: z.record(z.string(), count) }),
  minimize: z.strictObject({ failingRuns: count, runs: count, ops: count }),
  sometimes: z.array(z.looseObject({ name: z.string(), description: z.string(), runs: count, status: z.string() })),
  warnings: z.array(z.string()),
  failures: z.array(z.looseObject({ signature: z.string(), id: z.string(), isNew: z.boolean(), hits: count, worker: count, run: count, timing: z.looseObject({ minimizeMs: z.number() }) })),
  newFailures: count,
  crashes: z.array(z.looseObject({ worker: count, run: z.number().int(), message: z.string() })),
  restarts: count,
  timing: z.strictObject({ elapsedMs: z.number().min(0), opsPerSecond: z.number().min(0), opsPerSecondPerWorker: z.array(z.number().min(0)), minimizeMs: z.number().min(0), peakHeapBytes: z.number().min(0) }),
});

/** Validates a `pagelab fuzz --json` summary; errors are one line naming `source` and the field. */
export function parseCampaignSummary(text: string, source: string): Result<CampaignSummary> {
  const json = parseJsonWithPosition(text);
  if (!json.ok) return err('EINVAL', `${source}: ${json.message}`);
  const parsed = summarySchema.safeParse(json.value, { reportInput: true });
  if (!parsed.success) return err('EINVAL', `${source}: ${formatZodIssues(parsed.error.issues)}`);
  return ok(parsed.data as unknown as CampaignSummary);
}
