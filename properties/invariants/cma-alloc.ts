// Kernel-reference invariants 5-9 and 12 of one cma_alloc call: early failures, first fit, probe order, which errors are retried, failure atomicity and the counters, checked against the model and the spy's record of alloc_contig_range calls.
import type { Errno } from '../../src/base/errno.ts';
import { PAGEBLOCK_NR_PAGES, type PageCount, type Pfn } from '../../src/base/units.ts';
import type { CmaArea } from '../../src/cma/cma-area.ts';
import { MIGRATE_CMA, MIGRATETYPE_NAMES, type Migratetype } from '../../src/mem/migratetype.ts';
import type { CmaAreaModel } from '../model/cma-model.ts';
import type { ContigCall } from '../ops/contig/contig-spy.ts';
import type { OpContext } from '../ops/op.ts';
import { fail, type InvariantFailure } from './failure.ts';

/** One cma_alloc request as the checks see it. */
export interface CmaRequest {
  readonly pageCount: PageCount;
  readonly alignOrder: number;
}

/** The alloc_contig_range calls of one cma_alloc on `area`, and what it returned. */
export interface CmaCallRecord {
  readonly area: CmaAreaModel;
  readonly real: CmaArea;
  readonly request: CmaRequest;
  /** The spy's calls inside this area, in order. */
  readonly calls: readonly ContigCall[];
  /** The PFN, or the errno. */
  readonly result: { readonly pfn: Pfn } | { readonly errno: Errno };
  /** contig_alloc_success + contig_alloc_fail vm events during the call, when known (an independent count of alloc_contig_range calls). */
  readonly contigEvents?: number;
}

function areaText(area: CmaAreaModel, request: CmaRequest): string {
  return `cma_alloc(${area.name}, ${request.pageCount}, align ${request.alignOrder})`;
}

/** Invariant 5: n == 0, or more bits than the area has, fails without calling alloc_contig_range (no spied call, no probe, no contig vm event). */
export function checkEarlyFailure(ctx: OpContext, record: CmaCallRecord): InvariantFailure | undefined {
  ctx.checks++;
  const { area, request } = record;
  const bits = area.pagesToBits(request.pageCount);
  if (request.pageCount !== 0 && bits <= area.maxno) return undefined;
  const why = request.pageCount === 0 ? 'n == 0' : `${bits} bits > maxno ${area.maxno}`;
  if ('pfn' in record.result) return fail('cma-early-failure', `${areaText(area, request)} succeeded (pfn ${record.result.pfn}) although ${why}`, { expected: 'failure', actual: record.result.pfn });
  const calls = Math.max(record.calls.length, record.real.lastProbes.length, record.contigEvents ?? 0);
  if (calls > 0) return fail('cma-early-failure', `${areaText(area, request)} called alloc_contig_range ${calls} times although ${why}`, { expected: 0, actual: calls });
  return undefined;
}

/**
 * Invariant 7: every call covers exactly n pages from a bit boundary of the area with MIGRATE_CMA;
 * the first probe is the model's first fit from bit 0, each next one the first fit from b + mask + 1;
 * after a final EBUSY no window is left (no wrap-around). The area's own probe list agrees.
 */
export function checkProbeOrder(ctx: OpContext, record: CmaCallRecord): InvariantFailure | undefined {
  ctx.checks++;
  const { area, request, calls } = record;
  const bits = area.pagesToBits(request.pageCount);
  const mask = area.alignedMask(request.alignOrder);
  const offset = area.alignedOffset(request.alignOrder);
  let expected = area.firstFit(0, bits, mask, offset);
  const probes: number[] = [];
  for (const [i, call] of calls.entries()) {
    const bit = area.bitOf(call.pfnStart);
    probes.push(bit);
    if (call.pfnEnd - call.pfnStart !== request.pageCount || area.pfnOfBit(bit) !== call.pfnStart || call.migratetype !== MIGRATE_CMA) {
      return fail('cma-probe-order', `${areaText(area, request)} probe ${i} was alloc_contig_range [${call.pfnStart}, ${call.pfnEnd}) ${MIGRATETYPE_NAMES[call.migratetype]}`, { expected: `${request.pageCount} CMA pages from a bit boundary`, actual: `[${call.pfnStart}, ${call.pfnEnd})` });
    }
    if (bit !== expected) return fail('cma-probe-order', `${areaText(area, request)} probe ${i} is bit ${bit}; the first fit ${i === 0 ? 'from bit 0' : `after bit ${probes[i - 1]} + mask ${mask} + 1`} is ${expected}`, { expected, actual: bit, probes });
    expected = area.firstFit(bit + mask + 1, bits, mask, offset);
  }
  const last = calls[calls.length - 1];
  if ((last === undefined || last.result === 'EBUSY') && 'errno' in record.result && expected >= 0 && request.pageCount > 0 && bits <= area.maxno) {
    return fail('cma-probe-order', `${areaText(area, request)} gave up with ${record.result.errno} although bit ${expected} was still a free aligned window`, { expected: `a probe at bit ${expected}`, actual: 'no probe', probes });
  }
  const own = [...record.real.lastProbes];
  if (own.length !== probes.length || own.some((bit, i) => bit !== probes[i])) return fail('cma-probe-order', `${record.area.name}: the area lists probes [${own.join(', ')}], alloc_contig_range saw [${probes.join(', ')}]`, { expected: probes, actual: own });
  return undefined;
}

/** Invariant 8: every probe but the last failed with EBUSY; the result is the last probe's (its PFN, or its errno; EBUSY when windows ran out after one). */
export function checkRetryErrnos(ctx: OpContext, record: CmaCallRecord): InvariantFailure | undefined {
  ctx.checks++;
  const { area, request, calls } = record;
  for (let i = 0; i + 1 < calls.length; i++) {
    const call = calls[i] as ContigCall;
    if (call.result !== 'EBUSY') return fail('cma-retry-errno', `${areaText(area, request)} tried another window after probe ${i} returned ${call.result}`, { probe: i, expected: 'EBUSY before a retry', actual: call.result });
  }
  const last = calls[calls.length - 1];
  const expected = last === undefined ? 'ENOMEM' : last.result;
  const actual = 'pfn' in record.result ? 'ok' : record.result.errno;
  if (actual !== expected) return fail('cma-retry-errno', `${areaText(area, request)} returned ${actual} but its last probe returned ${last?.result ?? '(none: ENOMEM)'}`, { expected, actual });
  if ('pfn' in record.result && last !== undefined && last.pfnStart !== record.result.pfn) {
    return fail('cma-retry-errno', `${areaText(area, request)} returned pfn ${record.result.pfn}, its successful probe was at ${last.pfnStart}`, { expected: last.pfnStart, actual: record.result.pfn });
  }
  return undefined;
}

/** Whether the model can say the first window must be taken: nothing in it is busy and no fault is armed. */
export interface FirstFitPrediction {
  /** The first fit's bit, or -1 when there is none. */
  readonly bit: number;
  /** True when nothing in the window would make migration fail (no pin, no unmovable page, no fault armed). */
  readonly idle: boolean;
  /** Mapped user pages in the window (they need migration targets, so ENOMEM stays possible). */
  readonly userPages: number;
}

/** Invariant 6: an idle first window is taken (or, when it held user pages, migration found no target: ENOMEM). */
export function checkFirstFit(ctx: OpContext, record: CmaCallRecord, prediction: FirstFitPrediction): InvariantFailure | undefined {
  ctx.checks++;
  if (prediction.bit < 0 || !prediction.idle) return undefined;
  const { area, request } = record;
  const pfn = area.pfnOfBit(prediction.bit);
  if ('pfn' in record.result) {
    if (record.result.pfn === pfn) return undefined;
    return fail('cma-first-fit', `${areaText(area, request)} returned pfn ${record.result.pfn}; the first aligned window (bit ${prediction.bit}) was idle`, { expected: pfn, actual: record.result.pfn });
  }
  if (record.result.errno === 'ENOMEM' && prediction.userPages > 0) return undefined;
  return fail('cma-first-fit', `${areaText(area, request)} failed with ${record.result.errno} although the first aligned window at pfn ${pfn} was idle`, { expected: pfn, actual: record.result.errno, userPages: prediction.userPages });
}

/** Invariant 9: after a failure the bitmap still holds exactly the live allocations' bits and the area's pageblocks are all still CMA. */
export function checkFailureAtomic(ctx: OpContext, record: CmaCallRecord, migratetypesBefore: readonly Migratetype[]): InvariantFailure | undefined {
  ctx.checks++;
  if ('pfn' in record.result) return undefined;
  const { area, real, request } = record;
  const used = real.bitmap.usedBits();
  if (used !== area.usedBits) return fail('cma-failure-atomic', `${areaText(area, request)} failed with ${record.result.errno} and left ${used - area.usedBits} more bits set`, { expected: area.usedBits, actual: used });
  const buddy = ctx.machine.buddy;
  for (let i = 0; i < migratetypesBefore.length; i++) {
    const pfn = area.basePfn + i * PAGEBLOCK_NR_PAGES;
    const now = buddy.pageblockMigratetype(pfn);
    if (now !== migratetypesBefore[i]) return fail('cma-failure-atomic', `${areaText(area, request)} failed and pageblock ${pfn} is ${MIGRATETYPE_NAMES[now]}`, { pfn, expected: MIGRATETYPE_NAMES[migratetypesBefore[i] as number], actual: MIGRATETYPE_NAMES[now] });
  }
  return undefined;
}

/** The migratetype of each pageblock of the area, for invariant 9. */
export function areaMigratetypes(ctx: OpContext, area: CmaAreaModel): Migratetype[] {
  const types: Migratetype[] = [];
  for (let pfn = area.basePfn; pfn < area.pfnEnd; pfn += PAGEBLOCK_NR_PAGES) types.push(ctx.machine.buddy.pageblockMigratetype(pfn));
  return types;
}

/**
 * Invariant 12: the area's sysfs page counters equal the model's, debugfs `used` is popcount << opb
 * and `maxchunk` the longest clear run << opb.
 */
export function checkCmaCounters(ctx: OpContext, area: CmaAreaModel, real: CmaArea): InvariantFailure | undefined {
  ctx.checks++;
  const counters = { succeeded: real.nrPagesSucceeded, failed: real.nrPagesFailed, released: real.nrPagesReleased };
  const expected = { succeeded: BigInt(area.succeededPages), failed: BigInt(area.failedPages), released: BigInt(area.releasedPages) };
  for (const key of ['succeeded', 'failed', 'released'] as const) {
    if (counters[key] === expected[key]) continue;
    return fail('cma-counters', `${area.name}: nr_pages_${key} is ${counters[key]}, expected ${expected[key]}`, { counter: key, expected: String(expected[key]), actual: String(counters[key]) });
  }
  const used = real.bitmap.usedPages();
  if (used !== area.usedBits * 2 ** area.orderPerBit) return fail('cma-counters', `${area.name}: debugfs used is ${used}`, { expected: area.usedBits * 2 ** area.orderPerBit, actual: used });
  const maxchunk = real.bitmap.maxchunkPages();
  const longest = area.longestZeroRun() * 2 ** area.orderPerBit;
  if (maxchunk !== longest) return fail('cma-counters', `${area.name}: debugfs maxchunk is ${maxchunk}`, { expected: longest, actual: maxchunk });
  return undefined;
}

/** Invariant 12's vm events: one CMA_ALLOC_SUCCESS or CMA_ALLOC_FAIL per cma_alloc call. */
export function checkCmaEvents(ctx: OpContext, successesBefore: number, failuresBefore: number, expected: { successes: number; failures: number }): InvariantFailure | undefined {
  ctx.checks++;
  const successes = ctx.machine.events.get('cma_alloc_success') - successesBefore;
  const failures = ctx.machine.events.get('cma_alloc_fail') - failuresBefore;
  if (successes === expected.successes && failures === expected.failures) return undefined;
  return fail('cma-counters', `CMA_ALLOC_SUCCESS +${successes}, CMA_ALLOC_FAIL +${failures}`, { expected, actual: { successes, failures } });
}
