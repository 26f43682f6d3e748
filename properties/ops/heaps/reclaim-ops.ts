// The pressure and shrink ops: a memory-pressure event (shrinkers at priority 12..0, then compaction when an order is given) and one scan_objects call on a named shrinker (the shrinker debugfs `scan`), each checked against invariants 50, 53 and 54.
import * as fc from 'fast-check';
import { z } from 'zod';
import { MAX_PAGE_ORDER, type PageCount } from '../../../src/base/units.ts';
import { GFP_KERNEL } from '../../../src/mem/gfp.ts';
import { checkPressure, checkScan, type ShrinkerStyle } from '../../invariants/shrinker-contract.ts';
import { okOutcome, skipOutcome, type OpContext, type OpOutcome, type OpSpec } from '../op.ts';
import { targetArbitrary, targetField } from '../targets.ts';
import { cpaBlockPages } from './heap-catalog.ts';
import { heapLayerOf, type HeapLayer } from './heap-layer.ts';
import { takeHeapSnapshot } from './heap-snapshot.ts';

const pressureSchema = z.strictObject({
  op: z.literal('pressure'),
  pages: z.number().int().min(0).max(1 << 22),
  order: z.number().int().min(1).max(MAX_PAGE_ORDER).optional(),
  kswapd: z.boolean().optional(),
});
const shrinkSchema = z.strictObject({ op: z.literal('shrink'), shrinker: targetField, pages: z.number().int().min(0).max(1 << 22) });

/** `{ "op": "pressure", "pages": 512, "order": 9 }`: ask the shrinkers for 512 pages, then compact for an order-9 block. */
export type PressureOp = z.infer<typeof pressureSchema>;
/** `{ "op": "shrink", "shrinker": 1, "pages": 64 }`: scan_objects(64) on the 1st shrinker (modulo their number, registration order). */
export type ShrinkOp = z.infer<typeof shrinkSchema>;

/** Pages every static ring holds (54: they never shrink under reclaim). */
function staticPages(layer: HeapLayer): PageCount {
  let pages = 0;
  for (const family of layer.catalog.families) if (family.pools?.options.variant === 'static') pages += family.pools.pooledPages();
  return pages;
}

function counts(layer: HeapLayer): number[] {
  return layer.machine.shrinkers.names().map((name) => {
    const count = layer.machine.shrinkers.count(name, GFP_KERNEL);
    return count.ok ? count.value : 0;
  });
}

function applyPressure(ctx: OpContext, op: PressureOp): OpOutcome {
  const layer = heapLayerOf(ctx);
  if (layer === undefined) return skipOutcome('no heap layers on this machine');
  const before = takeHeapSnapshot(layer.machine, layer.catalog);
  const countsBefore = counts(layer);
  const staticBefore = staticPages(layer);
  const report = layer.machine.pressure.apply(op.pages, { ...(op.order === undefined ? {} : { compactOrder: op.order }), isKswapd: op.kswapd ?? false });
  const compaction = report.compaction === undefined ? '' : ` migrated=${report.compaction.migratedPages} rebuilt=${report.compaction.blocksRebuilt}`;
  const detail = `freed ${report.freedPages} priority ${report.lastPriority}${compaction}`;
  if (!ctx.checking) return okOutcome(detail);
  return okOutcome(detail, checkPressure(ctx, {
    askedPages: op.pages, freedPages: report.freedPages, lastPriority: report.lastPriority, countsBefore, countsAfter: counts(layer),
    before, after: takeHeapSnapshot(layer.machine, layer.catalog), staticBefore, staticAfter: staticPages(layer),
  }));
}

/** Which cache the shrinker `name` is, and the most pages it frees at once. */
function styleOf(layer: HeapLayer, name: string): { style: ShrinkerStyle; objectPagesMax: PageCount } {
  for (const family of layer.catalog.families) {
    if (family.pools?.name === name) return { style: family.pools.options.style, objectPagesMax: 256 };
    if (family.deferred?.name === name) {
      const largest = Math.max(1, ...layer.model.deferredOf(family.name).map((entry) => entry.buffer.chunkPages));
      return { style: 'deferred', objectPagesMax: largest };
    }
  }
  const pool = layer.catalog.cpaPools.find((each) => each.name === name);
  return pool === undefined ? { style: 'other', objectPagesMax: 0 } : { style: 'cpa', objectPagesMax: cpaBlockPages(pool) };
}

function applyShrink(ctx: OpContext, op: ShrinkOp): OpOutcome {
  const layer = heapLayerOf(ctx);
  const names = layer?.machine.shrinkers.names() ?? [];
  if (layer === undefined || names.length === 0) return skipOutcome('no shrinker registered');
  const name = names[op.shrinker % names.length] as string;
  layer.sync();
  const { style, objectPagesMax } = styleOf(layer, name);
  const before = takeHeapSnapshot(layer.machine, layer.catalog);
  const staticBefore = staticPages(layer);
  const report = layer.machine.shrinkers.scanOne(name, op.pages, GFP_KERNEL);
  if (!report.ok) return skipOutcome(`${name}: ${report.detail}`);
  const { countBefore, freedPages, countAfter } = report.value;
  const detail = `${name} freed ${freedPages} (count ${countBefore} → ${countAfter})`;
  if (!ctx.checking) return okOutcome(detail);
  return okOutcome(detail, checkScan(ctx, {
    name, style, objectPagesMax, nrToScan: op.pages, countBefore, countAfter, freed: freedPages,
    before, after: takeHeapSnapshot(layer.machine, layer.catalog), staticBefore, staticAfter: staticPages(layer),
  }));
}

function pagesArbitrary(): fc.Arbitrary<number> {
  return fc.oneof({ arbitrary: fc.nat({ max: 64 }), weight: 3 }, { arbitrary: fc.integer({ min: 64, max: 8192 }), weight: 2 }, { arbitrary: fc.constant(1 << 20), weight: 1 });
}

/** The pressure op kind. */
export const pressureSpec: OpSpec<PressureOp> = {
  kind: 'pressure',
  group: 'heaps',
  summary: 'a memory-pressure event: shrinkers at priority 12..0 until N pages came back, then compaction for an order',
  weightMax: 30,
  schema: pressureSchema,
  arbitrary: () => fc.record(
    { op: fc.constant('pressure' as const), pages: pagesArbitrary(), order: fc.integer({ min: 1, max: MAX_PAGE_ORDER }), kswapd: fc.boolean() },
    { requiredKeys: ['op', 'pages'] },
  ),
  apply: applyPressure,
  describe: (op) => `pressure ${op.pages}${op.order === undefined ? '' : ` order ${op.order}`}${op.kswapd === true ? ' kswapd' : ''}`,
};

/** The shrink op kind. */
export const shrinkSpec: OpSpec<ShrinkOp> = {
  kind: 'shrink',
  group: 'heaps',
  summary: 'one scan_objects(N) on a shrinker (index modulo the registered shrinkers)',
  weightMax: 50,
  schema: shrinkSchema,
  arbitrary: () => fc.record({ op: fc.constant('shrink' as const), shrinker: targetArbitrary(), pages: pagesArbitrary() }),
  apply: applyShrink,
  describe: (op) => `shrink shrinker ${op.shrinker} pages ${op.pages}`,
};
