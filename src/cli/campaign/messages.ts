// What a campaign worker tells its supervisor: tallies (with its heap size), a failing run as soon as it is hit, minimized failures, and that it is done.
import type { CampaignTally } from '../../../properties/campaign-tally.ts';
import type { FoundFailure } from '../../../properties/fuzz.ts';

/** A message from a worker (structured-cloned across the thread boundary). */
export type WorkerMessage =
  | { readonly type: 'tally'; readonly tally: CampaignTally; readonly heapUsedBytes: number }
  /** Run `run` just failed (before minimization), after `opsBeforeHit` exploring ops of this worker. */
  | { readonly type: 'hit'; readonly run: number; readonly opsBeforeHit: number }
  | { readonly type: 'failure'; readonly failure: FoundFailure }
  | { readonly type: 'done'; readonly stopped: boolean };

/** True for the messages runShardPlan posts (anything else from a worker is a protocol error). */
export function isWorkerMessage(value: unknown): value is WorkerMessage {
  const type = (value as { type?: unknown } | null)?.type;
  return type === 'tally' || type === 'hit' || type === 'failure' || type === 'done';
}
