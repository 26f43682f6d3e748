// The failures of a campaign, one per signature: the first of each is written to the corpus (atomically, never overwriting), later ones only count as hits; each keeps when its signature was first hit.
import { corpusEntryFor, writeCorpusEntry } from '../../../properties/corpus.ts';
import type { FailureRecord, FailureTiming } from '../../../properties/campaign-summary.ts';
import type { FoundFailure } from '../../../properties/fuzz.ts';
import { failureId } from '../../../properties/signature.ts';
import { replayCommand, rerunCommand, type CampaignPlan } from './plan.ts';

/** Where and how failures are filed. */
export interface FindingsOptions {
  readonly plan: Pick<CampaignPlan, 'seed' | 'profile' | 'strategy' | 'machineFactoryModule'>;
  /** The corpus directory (nothing is written when absent). */
  readonly corpusDir?: string;
  readonly pagelabVersion: string;
  /** Timestamp text for new entries (the CLI's clock). */
  readonly timestamp: () => string;
}

/** A failure as just filed: its record, and whether it is the first of its signature in this campaign. */
export interface Filed {
  readonly record: FailureRecord;
  readonly firstInCampaign: boolean;
}

function precedes(a: { readonly worker: number; readonly run: number }, b: { readonly worker: number; readonly run: number }): boolean {
  return a.worker < b.worker || (a.worker === b.worker && a.run < b.run);
}

/** The campaign's distinct failures. */
export class Findings {
  private readonly bySignature = new Map<string, FailureRecord>();

  constructor(private readonly options: FindingsOptions) {}

  /**
   * Files a minimized failure: the first of a signature is written to the corpus (isNew when the
   * file was not there); a repeat adds a hit, and the record keeps the earliest finder (worker, run)
   * so summaries do not depend on which worker reported first. `firstHitElapsedMs` is when the failing
   * run was hit (the supervisor's clock, from the campaign's start); a signature keeps its earliest hit.
   */
  add(found: FoundFailure, firstHitElapsedMs: number): Filed {
    const hit: FailureTiming = { minimizeMs: Math.round(found.minimizeMs), firstHitElapsedMs: Math.round(firstHitElapsedMs), opsBeforeFirstHit: found.opsBeforeHit };
    const known = this.bySignature.get(found.signature);
    if (known !== undefined) {
      const timing = hit.firstHitElapsedMs < known.timing.firstHitElapsedMs ? { ...known.timing, firstHitElapsedMs: hit.firstHitElapsedMs, opsBeforeFirstHit: hit.opsBeforeFirstHit } : known.timing;
      const earlier = precedes(found, known) ? { ...this.recordOf(found, known.isNew, known.corpusPath, hit), hits: known.hits + 1 } : { ...known, hits: known.hits + 1 };
      const record = { ...earlier, timing: { ...earlier.timing, firstHitElapsedMs: timing.firstHitElapsedMs, opsBeforeFirstHit: timing.opsBeforeFirstHit } };
      this.bySignature.set(found.signature, record);
      return { record, firstInCampaign: false };
    }
    const { corpusPath, written } = this.write(found);
    const record = this.recordOf(found, this.options.corpusDir === undefined ? true : written, corpusPath, hit);
    this.bySignature.set(found.signature, record);
    return { record, firstInCampaign: true };
  }

  /** Every distinct failure so far. */
  records(): FailureRecord[] {
    return [...this.bySignature.values()];
  }

  private write(found: FoundFailure): { corpusPath?: string; written: boolean } {
    if (this.options.corpusDir === undefined) return { written: false };
    const entry = corpusEntryFor({
      scenario: found.scenario, failure: found.failure, pagelabVersion: this.options.pagelabVersion,
      foundBy: rerunCommand(this.options.plan, found.worker, found.run, found.lengthCap), createdAt: this.options.timestamp(),
    });
    const { path, written } = writeCorpusEntry(this.options.corpusDir, entry);
    return { corpusPath: path, written };
  }

  private recordOf(found: FoundFailure, isNew: boolean, corpusPath: string | undefined, timing: FailureTiming): FailureRecord {
    return {
      signature: found.signature, id: failureId(found.failure.invariant, found.scenario.ops), invariant: found.failure.invariant, message: found.failure.message,
      opCount: found.scenario.ops.length, originalOps: found.originalOps, worker: found.worker, run: found.run, runSeed: found.runSeed, lengthCap: found.lengthCap,
      rerun: rerunCommand(this.options.plan, found.worker, found.run, found.lengthCap), ...(corpusPath === undefined ? {} : { corpusPath, replay: replayCommand(this.options.plan, corpusPath) }),
      isNew, hits: 1, minimizeRuns: found.minimizeRuns, minimizeComplete: found.minimizeComplete, timing,
    };
  }
}
