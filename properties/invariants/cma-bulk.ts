// Kernel-reference invariants 45 and 46: the cma_alloc_bulk contract (counts, success iff all, aligned chunks inside the area, disjoint from each other and from live allocations, no failed chunk probed again) and fast mode (checked per range by the spy, here the mode every range ran in).
import type { Errno } from '../../src/base/errno.ts';
import { PAGEBLOCK_ORDER, type Order, type Pfn } from '../../src/base/units.ts';
import { MIGRATE_CMA } from '../../src/mem/migratetype.ts';
import type { ContigMode } from '../../src/contig/alloc-contig.ts';
import type { CmaAreaModel } from '../model/cma-model.ts';
import type { ContigCall } from '../ops/contig/contig-spy.ts';
import type { OpContext } from '../ops/op.ts';
import { fail, type InvariantFailure } from './failure.ts';

/** One cma_alloc_bulk call as the contract sees it. */
export interface BulkCall {
  readonly area: CmaAreaModel;
  readonly order: Order;
  readonly alignOrder: number;
  readonly nrRequests: number;
  readonly mode: ContigMode;
  readonly chunks: readonly Pfn[];
  readonly nrAllocated: number;
  readonly errno: Errno | undefined;
  /** The spy's alloc_contig_range calls during it. */
  readonly calls: readonly ContigCall[];
}

/** Trailing zero bits of a positive integer (its alignment order). */
function alignmentOrder(value: number): number {
  if (value === 0) return 31;
  let order = 0;
  while (value % 2 ** (order + 1) === 0) order++;
  return order;
}

/** The alignment every chunk start must have: 2^min(order, the search's alignment). */
export function bulkChunkAlignment(area: CmaAreaModel, order: Order, alignOrder: number): number {
  const searchAlign = alignOrder > area.orderPerBit ? alignOrder : Math.min(area.orderPerBit, alignmentOrder(area.basePfn));
  return Math.min(order, searchAlign);
}

/** Invariant 45's counts: 0 <= nrAllocated <= nrRequests, one chunk per allocated entry, 0 returned iff everything was allocated. */
function checkBulkCounts(call: BulkCall): InvariantFailure | undefined {
  const { nrAllocated, nrRequests, chunks, errno } = call;
  if (nrAllocated < 0 || nrAllocated > nrRequests || chunks.length !== nrAllocated) {
    return fail('cma-bulk-contract', `cma_alloc_bulk(${call.area.name}, order ${call.order}, ${nrRequests}) reported ${nrAllocated} allocated with ${chunks.length} chunks`, { expected: `0..${nrRequests} and as many chunks`, actual: { nrAllocated, chunks: chunks.length } });
  }
  if ((errno === undefined) !== (nrAllocated === nrRequests)) {
    return fail('cma-bulk-contract', `cma_alloc_bulk(${call.area.name}, order ${call.order}, ${nrRequests}) returned ${errno ?? 0} with ${nrAllocated} allocated`, { expected: 'success iff all allocated', actual: { errno: errno ?? 0, nrAllocated } });
  }
  return undefined;
}

/** Invariant 45's chunks: aligned, inside the area, ascending and disjoint, on bits no live allocation held. */
function checkBulkChunks(call: BulkCall): InvariantFailure | undefined {
  const { area, order, chunks } = call;
  const chunkPages = 2 ** order;
  const align = bulkChunkAlignment(area, order, call.alignOrder);
  let previousEnd = -1;
  for (const chunk of chunks) {
    const where = `cma_alloc_bulk(${area.name}, order ${order}) chunk ${chunk}`;
    if (chunk % 2 ** align !== 0) return fail('cma-bulk-contract', `${where} is not aligned to 2^${align}`, { expected: 0, actual: chunk % 2 ** align });
    if (chunk < area.basePfn || chunk + chunkPages > area.pfnEnd) return fail('cma-bulk-contract', `${where} leaves the area [${area.basePfn}, ${area.pfnEnd})`, { actual: chunk });
    if (chunk < previousEnd) return fail('cma-bulk-contract', `${where} overlaps or precedes the chunk before it (which ends at ${previousEnd})`, { expected: `>= ${previousEnd}`, actual: chunk });
    if (area.anyHeld(area.bitOf(chunk), area.pagesToBits(chunkPages))) return fail('cma-bulk-contract', `${where} lies on bits a live allocation holds`, { actual: chunk });
    previousEnd = chunk + chunkPages;
  }
  return undefined;
}

/** Invariant 45's probe rule: ranges are pageblock-sized CMA windows, probed in increasing order, never inside a failed one; no probe after a non-EBUSY failure. */
function checkBulkProbes(call: BulkCall): InvariantFailure | undefined {
  const rangePages = 2 ** Math.max(call.order, PAGEBLOCK_ORDER);
  let nextFrom = call.area.basePfn;
  for (const [i, probe] of call.calls.entries()) {
    const where = `cma_alloc_bulk(${call.area.name}) range ${i} [${probe.pfnStart}, ${probe.pfnEnd})`;
    if (probe.migratetype !== MIGRATE_CMA || probe.mode !== call.mode || probe.pfnEnd - probe.pfnStart > rangePages || probe.pfnStart < call.area.basePfn || probe.pfnEnd > call.area.pfnEnd) {
      return fail('cma-bulk-contract', `${where} is not a ${call.mode} CMA range of at most ${rangePages} pages inside the area`, { actual: { mode: probe.mode, pages: probe.pfnEnd - probe.pfnStart } });
    }
    if (probe.pfnStart < nextFrom) return fail('cma-bulk-contract', `${where} starts inside or before a range probed earlier (next allowed ${nextFrom})`, { expected: `>= ${nextFrom}`, actual: probe.pfnStart });
    const previous = call.calls[i - 1];
    if (previous !== undefined && previous.result !== 'ok' && previous.result !== 'EBUSY') return fail('cma-bulk-contract', `${where} was probed after range ${i - 1} failed with ${previous.result}`, { expected: 'stop', actual: 'another probe' });
    nextFrom = probe.pfnEnd;
  }
  return undefined;
}

/** Invariant 45 (checked before the model records the chunks). */
export function checkBulkContract(ctx: OpContext, call: BulkCall): InvariantFailure | undefined {
  ctx.checks += 3;
  return checkBulkCounts(call) ?? checkBulkChunks(call) ?? checkBulkProbes(call);
}
