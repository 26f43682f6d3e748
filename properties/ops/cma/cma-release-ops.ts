// The cmaRelease and cmaAllocBulk ops: cma_release of a live CMA allocation (or, sometimes, a deliberately invalid pfn: kernel-reference 11), and cma_alloc_bulk in normal or fast mode (45, 46).
import * as fc from 'fast-check';
import { z } from 'zod';
import { PAGEBLOCK_ORDER, type PageCount, type Pfn } from '../../../src/base/units.ts';
import type { CmaBulkResult } from '../../../src/cma/cma-bulk.ts';
import { NO_PAGE } from '../../../src/mem/page-table.ts';
import { checkCmaCounters, checkCmaEvents } from '../../invariants/cma-alloc.ts';
import { checkBitmapAgrees } from '../../invariants/cma-bitmap.ts';
import { checkBulkContract } from '../../invariants/cma-bulk.ts';
import { checkInvalidRelease, releaseSnapshot } from '../../invariants/cma-release.ts';
import type { InvariantFailure } from '../../invariants/failure.ts';
import { checkAllocatedTo } from '../../invariants/page-state.ts';
import { bulkRanges, type CmaAllocation, type CmaAreaModel } from '../../model/cma-model.ts';
import { contigLayer, type ContigLayer } from '../contig/contig-layer.ts';
import { pickTarget } from '../contig/user-pages.ts';
import { errnoOutcome, okOutcome, skipOutcome, type OpContext, type OpOutcome, type OpSpec } from '../op.ts';
import { targetArbitrary, targetField } from '../targets.ts';
import { callsIn, realArea } from './area-call.ts';
import { cmaAlignArbitrary } from './cma-alloc-ops.ts';
import { releaseCmaAllocation } from './cma-pages.ts';

/** The deliberately invalid releases: NULL pages, the pfn just below or just past the area, a page of another area. */
const INVALID_KINDS = ['null', 'below', 'beyond', 'otherArea'] as const;
type InvalidKind = (typeof INVALID_KINDS)[number];

const releaseSchema = z.strictObject({ op: z.literal('cmaRelease'), target: targetField, invalid: z.enum(INVALID_KINDS).optional() });
const bulkSchema = z.strictObject({
  op: z.literal('cmaAllocBulk'), area: targetField, order: z.number().int().min(0).max(10), nrRequests: z.number().int().min(0).max(65536),
  alignOrder: z.number().int().min(0).max(30), mode: z.enum(['normal', 'fast']),
});

/** `{ "op": "cmaRelease", "target": 2 }` releases the 2nd live CMA allocation (modulo their number); with `"invalid": "beyond"` it names the first pfn past its area instead. */
export type CmaReleaseOp = z.infer<typeof releaseSchema>;
/** `{ "op": "cmaAllocBulk", "area": 0, "order": 4, "nrRequests": 40, "alignOrder": 4, "mode": "fast" }`: cma_alloc_bulk of 40 order-4 chunks. */
export type CmaAllocBulkOp = z.infer<typeof bulkSchema>;

/** The pfn and count an invalid release names, or undefined when the kind needs something the run lacks. */
function invalidTarget(layer: ContigLayer, area: CmaAreaModel, allocation: CmaAllocation | undefined, kind: InvalidKind): { pfn: Pfn; pageCount: PageCount } | undefined {
  const pageCount = allocation?.releases[0]?.pageCount ?? 1;
  switch (kind) {
    case 'null': return { pfn: NO_PAGE, pageCount };
    case 'below': return area.basePfn === 0 ? undefined : { pfn: area.basePfn - 1, pageCount };
    case 'beyond': return { pfn: area.pfnEnd, pageCount };
    case 'otherArea': {
      const other = layer.cma.allocations.find((each) => each.area !== area);
      return other === undefined ? undefined : { pfn: other.releases[0]?.pfn ?? NO_PAGE, pageCount: 1 };
    }
  }
}

function applyInvalidRelease(ctx: OpContext, layer: ContigLayer, op: CmaReleaseOp, kind: InvalidKind): OpOutcome {
  const allocation = pickTarget(layer.cma.allocations, op.target);
  const area = allocation?.area ?? pickTarget(layer.cma.areas, op.target);
  if (area === undefined) return skipOutcome('the machine has no CMA area');
  const target = invalidTarget(layer, area, allocation, kind);
  if (target === undefined) return skipOutcome(`no ${kind} pfn to name`);
  const real = realArea(ctx, area);
  const held = allocation?.releases[0] === undefined ? undefined : { ...allocation.releases[0], owner: allocation.owner };
  const before = ctx.checking ? releaseSnapshot(area, real, held) : undefined;
  const returned = ctx.machine.cma.release(area.name, target.pfn, target.pageCount);
  const what = `${kind} pfn ${target.pfn} ×${target.pageCount}`;
  const failure = ctx.checking ? checkInvalidRelease(ctx, area.name, real, returned, before, what) : undefined;
  return errnoOutcome('EINVAL', `${area.name}: cma_release of ${what} returned ${returned}`, failure);
}

function applyRelease(ctx: OpContext, op: CmaReleaseOp): OpOutcome {
  const layer = contigLayer(ctx);
  if (op.invalid !== undefined) return applyInvalidRelease(ctx, layer, op, op.invalid);
  const allocation = pickTarget(layer.cma.allocations, op.target);
  if (allocation === undefined) return skipOutcome('no live CMA allocation');
  const failure = releaseCmaAllocation(ctx, layer, allocation);
  return okOutcome(`cma#${allocation.id} ${allocation.area.name} ${allocation.pageCount} pages in ${allocation.releases.length} release${allocation.releases.length === 1 ? '' : 's'}`, failure);
}

/** Before the model records the chunks: the contract, then every chunk allocated to the caller. */
function checkBulk(ctx: OpContext, layer: ContigLayer, op: CmaAllocBulkOp, area: CmaAreaModel, result: CmaBulkResult, mark: number, owner: number): InvariantFailure | undefined {
  const contract = layer.spy.failure ?? checkBulkContract(ctx, {
    area, order: op.order, alignOrder: op.alignOrder, nrRequests: op.nrRequests, mode: op.mode, chunks: result.chunks,
    nrAllocated: result.nrAllocated, errno: result.errno, calls: callsIn(area, layer.spy.calls.slice(mark)),
  });
  if (contract !== undefined) return contract;
  for (const chunk of result.chunks) {
    const failure = checkAllocatedTo(ctx, chunk, 2 ** op.order, owner);
    if (failure !== undefined) return failure;
  }
  return undefined;
}

function applyBulk(ctx: OpContext, op: CmaAllocBulkOp): OpOutcome {
  const layer = contigLayer(ctx);
  const area = pickTarget(layer.cma.areas, op.area);
  if (area === undefined) return skipOutcome('the machine has no CMA area');
  const events = { successes: ctx.machine.events.get('cma_alloc_success'), failures: ctx.machine.events.get('cma_alloc_fail') };
  const mark = layer.spy.calls.length;
  const owner = layer.newOwner('cma');
  const result = ctx.machine.cma.allocBulk(area.name, { alignOrder: op.alignOrder, order: op.order, nrRequests: op.nrRequests, mode: op.mode, owner });
  const checked = ctx.checking ? checkBulk(ctx, layer, op, area, result, mark, owner) : undefined;
  const detail = `${area.name}: ${result.nrAllocated} of ${op.nrRequests} chunks${result.errno === undefined ? '' : ` (${result.errno})`}`;
  if (checked !== undefined) return okOutcome(detail, checked);
  let allocation: CmaAllocation | undefined;
  if (result.chunks.length > 0) {
    const releases = result.chunks.map((pfn) => ({ pfn, pageCount: 2 ** op.order }));
    allocation = layer.addCma({ kind: 'bulk', area, owner, alignOrder: op.alignOrder, ranges: bulkRanges(result.chunks, op.order, 2 ** Math.max(op.order, PAGEBLOCK_ORDER)), releases });
  }
  const real = realArea(ctx, area);
  const failure = ctx.checking ? checkBitmapAgrees(ctx, area, real, layer.cma.heldRanges(area)) ?? checkCmaCounters(ctx, area, real) ?? checkCmaEvents(ctx, events.successes, events.failures, { successes: 0, failures: 0 }) : undefined;
  if (result.errno !== undefined && result.nrAllocated === 0) return errnoOutcome(result.errno, detail, failure);
  return okOutcome(`${allocation === undefined ? '' : `cma#${allocation.id} `}${detail}`, failure);
}

/** Chunk counts: enough pages to fill part of an area, sometimes more than it holds. */
function nrRequestsArbitrary(): fc.Arbitrary<number> {
  return fc.oneof({ arbitrary: fc.integer({ min: 0, max: 16 }), weight: 3 }, { arbitrary: fc.integer({ min: 17, max: 256 }), weight: 1 });
}

/** The cmaRelease op kind. */
export const cmaReleaseSpec: OpSpec<CmaReleaseOp> = {
  kind: 'cmaRelease',
  group: 'cma',
  summary: 'cma_release of a live CMA allocation, or of an invalid pfn (must return false and change nothing)',
  schema: releaseSchema,
  arbitrary: () => fc.oneof(
    { arbitrary: fc.record({ op: fc.constant('cmaRelease' as const), target: targetArbitrary() }), weight: 4 },
    { arbitrary: fc.record({ op: fc.constant('cmaRelease' as const), target: targetArbitrary(), invalid: fc.constantFrom(...INVALID_KINDS) }), weight: 1 },
  ),
  apply: applyRelease,
  describe: (op) => `cmaRelease ${op.target}${op.invalid === undefined ? '' : ` invalid ${op.invalid}`}`,
};

/** The cmaAllocBulk op kind. */
export const cmaAllocBulkSpec: OpSpec<CmaAllocBulkOp> = {
  kind: 'cmaAllocBulk',
  group: 'cma',
  summary: 'cma_alloc_bulk(area, align, order, nr) in normal or fast mode; the chunks become one live CMA allocation',
  schema: bulkSchema,
  arbitrary: () => fc.record({
    op: fc.constant('cmaAllocBulk' as const), area: fc.nat({ max: 7 }), order: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 4 }), weight: 3 }, { arbitrary: fc.integer({ min: 5, max: 10 }), weight: 1 }),
    nrRequests: nrRequestsArbitrary(), alignOrder: fc.option(cmaAlignArbitrary(), { nil: undefined }), mode: fc.constantFrom('normal' as const, 'fast' as const),
  }).map(({ alignOrder, ...op }) => ({ ...op, alignOrder: alignOrder ?? op.order })),
  apply: applyBulk,
  describe: (op) => `cmaAllocBulk area ${op.area} order ${op.order} ×${op.nrRequests} align ${op.alignOrder} ${op.mode}`,
};
