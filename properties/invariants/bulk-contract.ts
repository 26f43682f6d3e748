// Invariant 30, the alloc_pages_bulk array contract: r <= nr, slots [0, r) non-null, pre-filled slots never overwritten, null slots at index >= r left null.
import type { Pfn } from '../../src/base/units.ts';
import type { OpContext } from '../ops/op.ts';
import { fail, type InvariantFailure } from './failure.ts';

/** One bulk call as the contract sees it. */
export interface BulkCall {
  readonly nrPages: number;
  /** The slots as passed in (a copy). */
  readonly before: readonly (Pfn | null)[];
  /** The slots after the call. */
  readonly after: readonly (Pfn | null)[];
  /** What the call returned. */
  readonly returned: number;
}

function slotText(value: Pfn | null): string {
  return value === null ? 'null' : String(value);
}

/** Checks the array contract of one call; the first broken clause is reported. */
export function checkBulkContract(ctx: OpContext, call: BulkCall): InvariantFailure | undefined {
  ctx.checks++;
  const { nrPages, before, after, returned } = call;
  if (!Number.isInteger(returned) || returned < 0 || returned > nrPages) {
    return fail('bulk-contract', `returned ${returned} for ${nrPages} slots`, { expected: `0..${nrPages}`, actual: returned });
  }
  for (let i = 0; i < nrPages; i++) {
    const was = before[i] ?? null;
    const now = after[i] ?? null;
    if (was !== null && now !== was) {
      return fail('bulk-contract', `pre-filled slot ${i} was overwritten (${slotText(was)} → ${slotText(now)})`, { slot: i, expected: was, actual: now });
    }
    if (i < returned && now === null) return fail('bulk-contract', `returned ${returned} but slot ${i} is null`, { slot: i, expected: 'a page', actual: null });
    if (i >= returned && was === null && now !== null) {
      return fail('bulk-contract', `returned ${returned} but filled slot ${i} (pfn ${now}) beyond it`, { slot: i, expected: null, actual: now });
    }
  }
  return undefined;
}
