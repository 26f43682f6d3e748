// The contiguous-range ops: contigRange (alloc_contig_range on a range chosen symbolically in a zone, both modes, sometimes over reserved or unmovable pages, sometimes with a pageblock already isolated), contigPages (alloc_contig_pages), contigFree and compact.
import * as fc from 'fast-check';
import { z } from 'zod';
import { PAGEBLOCK_NR_PAGES, type Pfn } from '../../../src/base/units.ts';
import { startIsolatePageRange, undoIsolatePageRange, type IsolatedRange } from '../../../src/contig/isolate.ts';
import { FaultInjector } from '../../../src/env/faults.ts';
import { MIGRATE_CMA, MIGRATE_MOVABLE, MIGRATETYPE_NAMES } from '../../../src/mem/migratetype.ts';
import { VmEvents } from '../../../src/mem/vm-events.ts';
import { checkContigCandidates, checkPredictedBusy } from '../../invariants/contig-range.ts';
import { fail, type InvariantFailure } from '../../invariants/failure.ts';
import { gfpField, gfpOf } from '../gfp-choices.ts';
import { errnoOutcome, okOutcome, skipOutcome, type OpContext, type OpOutcome, type OpSpec } from '../op.ts';
import { cpuArbitrary, cpuField, targetArbitrary, targetField } from '../targets.ts';
import { contigLayer } from './contig-layer.ts';
import { predictBusy, resolveRange, type RangeAnchor } from './range-target.ts';
import { freeContigRange } from './range-pages.ts';
import { pickTarget } from './user-pages.ts';

const MODES = ['normal', 'fast'] as const;
const ANCHORS = ['zone', 'mapping', 'handle', 'cma', 'reserved'] as const satisfies readonly RangeAnchor[];
/** Largest range a generated contigRange asks for. */
export const CONTIG_RANGE_PAGES_MAX = 2048;

const rangeSchema = z.strictObject({
  op: z.literal('contigRange'), anchor: z.enum(ANCHORS), index: targetField, offset: targetField, pageCount: z.number().int().min(1).max(65536),
  mode: z.enum(MODES), isolated: z.boolean().optional(), cpu: cpuField,
});
const pagesSchema = z.strictObject({ op: z.literal('contigPages'), nrPages: z.number().int().min(1).max(65536), gfp: gfpField, mode: z.enum(MODES), cpu: cpuField });
const freeSchema = z.strictObject({ op: z.literal('contigFree'), target: targetField, cpu: cpuField.optional() });
const compactSchema = z.strictObject({ op: z.literal('compact'), order: z.number().int().min(0).max(10), gfp: gfpField });

/**
 * `{ "op": "contigRange", "anchor": "mapping", "index": 1, "offset": 40, "pageCount": 512, "mode": "normal", "isolated": true, "cpu": 0 }`:
 * alloc_contig_range(MIGRATE_MOVABLE) of pageCount pages around the anchor (a zone offset, a mapping slot, a live
 * handle, a CMA area offset or the end of a boot reservation), clamped into its zone; `isolated` isolates the first
 * pageblock first (as another isolator would) and undoes it afterwards.
 */
export type ContigRangeOp = z.infer<typeof rangeSchema>;
/** `{ "op": "contigPages", "nrPages": 64, "gfp": "GFP_KERNEL", "mode": "normal", "cpu": 0 }`: alloc_contig_pages. */
export type ContigPagesOp = z.infer<typeof pagesSchema>;
/** `{ "op": "contigFree", "target": 0 }`: free_contig_range of the 0th live contig range (modulo their number). */
export type ContigFreeOp = z.infer<typeof freeSchema>;
/** `{ "op": "compact", "order": 9, "gfp": "GFP_HIGHUSER_MOVABLE" }`: compaction of every zone until a free block of `order` exists. */
export type CompactOp = z.infer<typeof compactSchema>;

/** The harness plays another isolator: the pageblock of `pfn` is isolated (with its own fault injector, so armed faults stay for the op). */
function isolateFirstBlock(ctx: OpContext, pfn: Pfn): IsolatedRange | undefined {
  const buddy = ctx.machine.buddy;
  const migratetype = buddy.pageblockMigratetype(pfn) === MIGRATE_CMA ? MIGRATE_CMA : MIGRATE_MOVABLE;
  const isolated = startIsolatePageRange({ buddy, faults: new FaultInjector(), events: new VmEvents() }, pfn, pfn + 1, migratetype);
  return isolated.ok ? isolated.value : undefined;
}

/** After the harness undid its isolation the pageblock has its migratetype back. */
function checkUndone(ctx: OpContext, pfn: Pfn, was: number): InvariantFailure | undefined {
  ctx.checks++;
  const now = ctx.machine.buddy.pageblockMigratetype(pfn);
  if (now === was) return undefined;
  return fail('contig-migratetypes', `pageblock ${pfn} is ${MIGRATETYPE_NAMES[now]} after the pre-isolation was undone; it was ${MIGRATETYPE_NAMES[was]}`, { pfn, expected: MIGRATETYPE_NAMES[was], actual: MIGRATETYPE_NAMES[now] });
}

function applyRange(ctx: OpContext, op: ContigRangeOp): OpOutcome {
  const layer = contigLayer(ctx);
  const range = resolveRange(ctx, layer, op);
  if (range === undefined) return skipOutcome(`no ${op.anchor} to anchor the range on`);
  const { pfnStart, pageCount } = range;
  const blockPfn = pfnStart - (pfnStart % PAGEBLOCK_NR_PAGES);
  const blockWas = ctx.machine.buddy.pageblockMigratetype(Math.max(blockPfn, range.zoneStart));
  const isolated = op.isolated === true ? isolateFirstBlock(ctx, pfnStart) : undefined;
  const reason = ctx.checking ? predictBusy(ctx, layer, pfnStart, pfnStart + pageCount, isolated !== undefined) : undefined;
  const mark = layer.spy.calls.length;
  const migratedBefore = ctx.machine.events.get('pgmigrate_success');
  const owner = layer.newOwner('contig');
  const result = ctx.machine.contig.allocContigRange(pfnStart, pfnStart + pageCount, MIGRATE_MOVABLE, op.mode, owner, { cpu: op.cpu % ctx.machine.buddy.cpuCount });
  if (isolated !== undefined) undoIsolatePageRange(ctx.machine.buddy, isolated);
  const failure = ctx.checking ? layer.spy.failure ?? checkPredictedBusy(ctx, reason, layer.spy.calls[mark], migratedBefore) ?? checkUndone(ctx, Math.max(blockPfn, range.zoneStart), blockWas) : undefined;
  const where = `[${pfnStart}, ${pfnStart + pageCount})${isolated === undefined ? '' : ' with its first pageblock isolated'}`;
  if (!result.ok) return errnoOutcome(result.errno, `${where}: ${result.errno}`, failure);
  const held = layer.addRange({ via: 'range', pfn: pfnStart, pageCount, owner });
  return okOutcome(`range#${held.id} ${where} (${result.value.migratedPages} migrated)`, failure);
}

/**
 * nr: powers of two from 64 pages to 4 MiB, sometimes 3·2^k (ALIGN with a non-power-of-two). Smaller
 * counts multiply the candidates (a zone / nr of them, each isolating a pageblock) without reaching
 * new behaviour.
 */
function nrPagesArbitrary(): fc.Arbitrary<number> {
  return fc.oneof(
    { arbitrary: fc.integer({ min: 6, max: 10 }).map((order) => 2 ** order), weight: 4 },
    { arbitrary: fc.integer({ min: 5, max: 8 }).map((order) => 3 * 2 ** order), weight: 1 },
  );
}

function applyPages(ctx: OpContext, op: ContigPagesOp): OpOutcome {
  const layer = contigLayer(ctx);
  const gfp = gfpOf(op.gfp);
  const mark = layer.spy.calls.length;
  const owner = layer.newOwner('contig');
  const result = ctx.machine.contig.allocContigPages(op.nrPages, owner, { gfp, mode: op.mode, cpu: op.cpu % ctx.machine.buddy.cpuCount });
  const calls = layer.spy.calls.slice(mark);
  const zones = ctx.machine.buddy.zones;
  const outcome = result.ok ? { pfn: result.value } : { errno: result.errno };
  const failure = ctx.checking ? layer.spy.failure ?? checkContigCandidates(ctx, op.nrPages, gfp, zones, calls, outcome) : undefined;
  if (!result.ok) return errnoOutcome(result.errno, `${result.errno} after ${calls.length} candidates`, failure);
  const held = layer.addRange({ via: 'pages', pfn: result.value, pageCount: op.nrPages, owner });
  return okOutcome(`range#${held.id} pfn ${result.value} (candidate ${calls.length})`, failure);
}

function applyFree(ctx: OpContext, op: ContigFreeOp): OpOutcome {
  const layer = contigLayer(ctx);
  const range = pickTarget(layer.ranges.ranges, op.target);
  if (range === undefined) return skipOutcome('no live contig range');
  const failure = freeContigRange(ctx, layer, range, op.cpu === undefined ? 0 : op.cpu % ctx.machine.buddy.cpuCount);
  return okOutcome(`range#${range.id} [${range.pfn}, ${range.pfn + range.pageCount})`, failure);
}

function applyCompact(ctx: OpContext, op: CompactOp): OpOutcome {
  contigLayer(ctx);
  const before = ctx.machine.events.get('pgmigrate_success');
  const result = ctx.machine.compaction.compact(op.order, gfpOf(op.gfp));
  const detail = `${result.migratedPages} pages migrated, ${result.blocksRebuilt} order-${op.order} blocks rebuilt`;
  if (!ctx.checking) return okOutcome(detail);
  ctx.checks++;
  const counted = ctx.machine.events.get('pgmigrate_success') - before;
  const failure = counted === result.migratedPages ? undefined : fail('user-pages', `compaction reports ${result.migratedPages} pages migrated, ${counted} migrations were counted`, { expected: counted, actual: result.migratedPages });
  return okOutcome(detail, failure);
}

/** The contigRange op kind. */
export const contigRangeSpec: OpSpec<ContigRangeOp> = {
  kind: 'contigRange',
  group: 'contig',
  summary: 'alloc_contig_range(MIGRATE_MOVABLE) on a range around an anchor, normal or fast, sometimes pre-isolated',
  schema: rangeSchema,
  arbitrary: () => fc.record({
    op: fc.constant('contigRange' as const), anchor: fc.constantFrom(...ANCHORS), index: targetArbitrary(), offset: fc.nat({ max: 65535 }),
    pageCount: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 64 }), weight: 3 }, { arbitrary: fc.integer({ min: 65, max: CONTIG_RANGE_PAGES_MAX }), weight: 1 }),
    mode: fc.constantFrom(...MODES), isolated: fc.boolean(), cpu: cpuArbitrary(),
  }, { requiredKeys: ['op', 'anchor', 'index', 'offset', 'pageCount', 'mode', 'cpu'] }),
  apply: applyRange,
  describe: (op) => `contigRange ${op.anchor} ${op.index} +${op.offset} ×${op.pageCount} ${op.mode}${op.isolated === true ? ' isolated' : ''} cpu ${op.cpu}`,
};

/** The contigPages op kind. */
export const contigPagesSpec: OpSpec<ContigPagesOp> = {
  kind: 'contigPages',
  group: 'contig',
  summary: 'alloc_contig_pages(nr): aligned candidates of each allowed zone until one succeeds',
  // Why rare: one op tries up to a zone / nr candidates, each isolating a pageblock (the costliest op by far).
  weightMax: 10,
  schema: pagesSchema,
  arbitrary: () => fc.record({
    op: fc.constant('contigPages' as const), nrPages: nrPagesArbitrary(), gfp: fc.constantFrom('GFP_KERNEL', 'GFP_HIGHUSER_MOVABLE'), mode: fc.constantFrom(...MODES), cpu: cpuArbitrary(),
  }),
  apply: applyPages,
  describe: (op) => `contigPages ${op.nrPages} ${op.gfp} ${op.mode} cpu ${op.cpu}`,
};

/** The contigFree op kind. */
export const contigFreeSpec: OpSpec<ContigFreeOp> = {
  kind: 'contigFree',
  group: 'contig',
  summary: 'free_contig_range of a live contig range',
  schema: freeSchema,
  arbitrary: () => fc.record({ op: fc.constant('contigFree' as const), target: targetArbitrary(), cpu: cpuArbitrary() }, { requiredKeys: ['op', 'target'] }),
  apply: applyFree,
  describe: (op) => `contigFree ${op.target}${op.cpu === undefined ? '' : ` cpu ${op.cpu}`}`,
};

/** The compact op kind. */
export const compactSpec: OpSpec<CompactOp> = {
  kind: 'compact',
  group: 'contig',
  summary: 'compaction of every zone for a free block of an order (moves user pages)',
  schema: compactSchema,
  arbitrary: () => fc.record({ op: fc.constant('compact' as const), order: fc.integer({ min: 0, max: 10 }), gfp: fc.constantFrom('GFP_HIGHUSER_MOVABLE', 'GFP_KERNEL') }),
  apply: applyCompact,
  describe: (op) => `compact order ${op.order} ${op.gfp}`,
};
