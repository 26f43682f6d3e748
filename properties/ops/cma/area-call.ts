// One cma_alloc on one area as cmaAlloc and deviceAlloc check it: the model's view before (first fit, idle window, pageblocks, allocated pages), the invariants of the call, then the model update with the bitmap and counter checks.
import { FAULT_SITES } from '../../../src/env/faults.ts';
import type { CmaArea } from '../../../src/cma/cma-area.ts';
import type { Migratetype } from '../../../src/mem/migratetype.ts';
import type { OwnerId } from '../../../src/mem/owners.ts';
import { PAGE_ALLOCATED } from '../../../src/mem/page-state.ts';
import {
  areaMigratetypes, checkCmaCounters, checkEarlyFailure, checkFailureAtomic, checkFirstFit, checkProbeOrder, checkRetryErrnos,
  type CmaCallRecord, type CmaRequest, type FirstFitPrediction,
} from '../../invariants/cma-alloc.ts';
import { checkBitmapAgrees, checkBitsClaimed, checkCmaAlignment, checkContainment, checkPartialBit } from '../../invariants/cma-bitmap.ts';
import type { InvariantFailure } from '../../invariants/failure.ts';
import type { CmaAllocation, CmaAreaModel } from '../../model/cma-model.ts';
import type { ContigCall } from '../contig/contig-spy.ts';
import type { ContigLayer } from '../contig/contig-layer.ts';
import type { OpContext } from '../op.ts';

/** What the model saw of an area before a cma_alloc on it. */
export interface AreaBefore {
  readonly prediction: FirstFitPrediction;
  readonly migratetypes: readonly Migratetype[];
}

/** A page of the window that migration could not move: allocated, and not a mapped, unpinned user page. */
function isBusyPage(ctx: OpContext, layer: ContigLayer, pfn: number): boolean {
  const table = ctx.machine.buddy.table;
  if (table.state[table.pageIndex(pfn)] !== PAGE_ALLOCATED) return false;
  const where = ctx.machine.user.rmap(pfn);
  const mapping = where === undefined ? undefined : layer.user.mappingOfOwner(where.owner);
  return mapping === undefined || where === undefined || (mapping.pinRefs[where.slot] as number) > 0;
}

/** Invariant 6's premise: the model's first fit and whether its window is idle (no busy page, no fault armed). */
export function predictFirstFit(ctx: OpContext, layer: ContigLayer, area: CmaAreaModel, request: CmaRequest): FirstFitPrediction {
  const bits = area.pagesToBits(request.pageCount);
  if (request.pageCount === 0 || bits > area.maxno) return { bit: -1, idle: false, userPages: 0 };
  const bit = area.firstFit(0, bits, area.alignedMask(request.alignOrder), area.alignedOffset(request.alignOrder));
  if (bit < 0) return { bit, idle: false, userPages: 0 };
  const faults = ctx.machine.env.faults;
  let idle = FAULT_SITES.every((site) => faults.armedCount(site) === 0);
  let userPages = 0;
  const pfn = area.pfnOfBit(bit);
  for (let page = pfn; page < pfn + request.pageCount && idle; page++) {
    if (isBusyPage(ctx, layer, page)) idle = false;
    else if (ctx.machine.user.rmap(page) !== undefined) userPages++;
  }
  return { bit, idle, userPages };
}

/** The model's view of `area` before a cma_alloc (O(window + area pageblocks)). */
export function areaBefore(ctx: OpContext, layer: ContigLayer, area: CmaAreaModel, request: CmaRequest): AreaBefore {
  return { prediction: predictFirstFit(ctx, layer, area, request), migratetypes: areaMigratetypes(ctx, area) };
}

/** The spy's calls that probed `area`. */
export function callsIn(area: CmaAreaModel, calls: readonly ContigCall[]): ContigCall[] {
  return calls.filter((call) => call.pfnStart >= area.basePfn && call.pfnStart < area.pfnEnd);
}

/** Invariants 1, 3-9 and 13 of one call, before the model records its outcome. */
export function checkAreaCall(ctx: OpContext, record: CmaCallRecord, before: AreaBefore, owner: OwnerId): InvariantFailure | undefined {
  const early = checkEarlyFailure(ctx, record) ?? checkProbeOrder(ctx, record) ?? checkRetryErrnos(ctx, record) ?? checkFirstFit(ctx, record, before.prediction);
  if (early !== undefined) return early;
  if (!('pfn' in record.result)) return checkFailureAtomic(ctx, record, before.migratetypes);
  const { area, real, request } = record;
  const pfn = record.result.pfn;
  return checkContainment(ctx, area, pfn, request.pageCount) ??
    checkCmaAlignment(ctx, area, pfn, request.alignOrder) ??
    checkBitsClaimed(ctx, area, real, pfn, request.pageCount) ??
    checkPartialBit(ctx, area, pfn, request.pageCount, owner);
}

/**
 * Records the outcome in the model (a success becomes a live allocation; the area's success or failure
 * counter grows by n) and checks the bitmap (2) and counters (12) against it.
 */
export function settleAreaCall(ctx: OpContext, layer: ContigLayer, record: CmaCallRecord, owner: OwnerId, kind: 'alloc' | 'device'): { allocation?: CmaAllocation; failure?: InvariantFailure } {
  const { area, real, request } = record;
  let allocation: CmaAllocation | undefined;
  if ('pfn' in record.result) {
    area.succeededPages += request.pageCount;
    const range = { pfn: record.result.pfn, pageCount: request.pageCount };
    allocation = layer.addCma({ kind, area, owner, alignOrder: request.alignOrder, ranges: [range], releases: [range] });
  } else {
    area.failedPages += request.pageCount;
  }
  const failure = ctx.checking ? checkBitmapAgrees(ctx, area, real, layer.cma.heldRanges(area)) ?? checkCmaCounters(ctx, area, real) : undefined;
  return { ...(allocation === undefined ? {} : { allocation }), ...(failure === undefined ? {} : { failure }) };
}

/** The machine's area for a model area (the registry builds them from the same layout). */
export function realArea(ctx: OpContext, area: CmaAreaModel): CmaArea {
  const real = ctx.machine.cma.area(area.name);
  if (real === undefined) throw new Error(`the machine has no CMA area ${area.name}`);
  return real;
}
