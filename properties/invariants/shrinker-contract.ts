// Invariant 50 for one scan_objects call (the shrinker debugfs `scan`) and for a pressure event, with 53 (the deferred list's scan frees to the page allocator, never a pool) and 54 (static rings never shrink).
import type { PageCount } from '../../src/base/units.ts';
import type { HeapSnapshot } from '../ops/heaps/heap-snapshot.ts';
import type { OpContext } from '../ops/op.ts';
import { fail, type InvariantFailure } from './failure.ts';

/** SHRINK_EMPTY reads as nothing to free. */
export function countPages(count: number): PageCount {
  return Math.max(0, count);
}

/** What kind of cache a shrinker is, for the per-style amounts. */
export type ShrinkerStyle = 'ion' | 'ttm' | 'deferred' | 'cpa' | 'other';

/** One scan_objects call as the check sees it. */
export interface ScanCall {
  readonly name: string;
  readonly style: ShrinkerStyle;
  /** The largest single object the shrinker frees at once (a pool entry, a deferred item, a CPA block), in pages. */
  readonly objectPagesMax: PageCount;
  readonly nrToScan: number;
  readonly countBefore: number;
  readonly countAfter: number;
  readonly freed: PageCount;
  readonly before: HeapSnapshot;
  readonly after: HeapSnapshot;
  /** Static-pool pages before and after (54). */
  readonly staticBefore: PageCount;
  readonly staticAfter: PageCount;
}

function styleProblem(call: ScanCall): string | undefined {
  const { freed, nrToScan } = call;
  const had = countPages(call.countBefore);
  if (nrToScan === 0) return undefined;
  if (call.style === 'ttm') return had > 0 && ![1, 16, 256].includes(freed) ? `a TTM scan freed ${freed} pages, not exactly one pool entry` : undefined;
  if (call.style === 'other') return undefined;
  if (freed < Math.min(nrToScan, had)) return `freed ${freed} of the ${Math.min(nrToScan, had)} pages asked for and available`;
  if (freed >= nrToScan + call.objectPagesMax) return `freed ${freed} pages for ${nrToScan}: more than one object past the target`;
  return undefined;
}

function poolsGrew(before: HeapSnapshot, after: HeapSnapshot): boolean {
  return after.families.some((family, f) => family.pooled.some((row, o) => row.some((pages, c) => pages > (before.families[f]?.pooled[o]?.[c] ?? 0))));
}

/** 50 for one scan (plus 53 and 54). */
export function checkScan(ctx: OpContext, call: ScanCall): InvariantFailure | undefined {
  ctx.checks += 4;
  const dropped = countPages(call.countBefore) - countPages(call.countAfter);
  const returned = call.before.allocatedPages - call.after.allocatedPages;
  const problem = (call.nrToScan === 0 && call.freed !== 0 ? `scan(0) freed ${call.freed} pages` : undefined)
    ?? (dropped !== call.freed ? `returned ${call.freed} but the count dropped by ${dropped} (${call.countBefore} → ${call.countAfter})` : undefined)
    ?? (returned < call.freed ? `returned ${call.freed} but only ${returned} pages went back to the page allocator` : undefined)
    ?? styleProblem(call);
  if (problem !== undefined) return fail('shrinker-scan', `${call.name}: scan(${call.nrToScan}) ${problem}`, { expected: dropped, actual: call.freed });
  if (call.style === 'deferred' && poolsGrew(call.before, call.after)) return fail('deferred-free', `${call.name}: a scan under pressure put pages into a pool`, {});
  if (call.staticAfter < call.staticBefore) return fail('static-pool', `a scan of ${call.name} shrank the static pools ${call.staticBefore} → ${call.staticAfter} pages`, {});
  return undefined;
}

/** A pressure event as the check sees it. */
export interface PressureCall {
  readonly askedPages: PageCount;
  readonly freedPages: PageCount;
  readonly lastPriority: number;
  readonly countsBefore: readonly number[];
  readonly countsAfter: readonly number[];
  readonly before: HeapSnapshot;
  readonly after: HeapSnapshot;
  readonly staticBefore: PageCount;
  readonly staticAfter: PageCount;
}

/** 50 for a pressure event: the shrinkers' counts dropped by what it reports freed, those pages are free, the priority loop stopped only when done; 53, 54. */
export function checkPressure(ctx: OpContext, call: PressureCall): InvariantFailure | undefined {
  ctx.checks += 4;
  const dropped = call.countsBefore.reduce((sum, count, i) => sum + countPages(count) - countPages(call.countsAfter[i] ?? 0), 0);
  const returned = call.before.allocatedPages - call.after.allocatedPages;
  const problem = (dropped !== call.freedPages ? `reported ${call.freedPages} pages freed but the shrinkers' counts dropped by ${dropped}` : undefined)
    ?? (returned < call.freedPages ? `reported ${call.freedPages} pages freed but only ${returned} went back to the page allocator` : undefined)
    ?? (call.freedPages < call.askedPages && call.lastPriority !== 0 ? `stopped at priority ${call.lastPriority} with ${call.freedPages} of ${call.askedPages} pages` : undefined);
  if (problem !== undefined) return fail('shrinker-scan', `pressure ${call.askedPages}: ${problem}`, { expected: dropped, actual: call.freedPages });
  if (poolsGrew(call.before, call.after)) return fail('deferred-free', `pressure ${call.askedPages}: a pool grew (deferred items freed under pressure must go to the page allocator)`, {});
  if (call.staticAfter !== call.staticBefore) return fail('static-pool', `pressure ${call.askedPages} changed the static pools ${call.staticBefore} → ${call.staticAfter} pages`, {});
  return undefined;
}
