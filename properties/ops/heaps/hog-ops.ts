// The hogGrow, hogShrink and hogRelease ops: a memory-hog workload (movable user pages in a fragmenting pattern, some pinned) that makes heap allocations, pools and compaction work under pressure; each op ends with lru_add_drain_all() so no hog page lingers in an LRU-add batch.
//
// Why the drain: a hog unmaps its transient buffers (and, when shrinking, whole extents) while their
// pages may still sit in a CPU's LRU-add batch, which holds a reference; those pages are allocated but
// belong to no hog. Draining at the end of the op (what the app's exit path or the next
// lru_add_drain_all() would do) frees them, so the pages the hogs hold are exactly their mapped pages,
// and the user-memory model, which infers pending pages from the batch sizes, sees empty batches.
import * as fc from 'fast-check';
import { z } from 'zod';
import { HOG_PATTERNS, MemoryHog, type HogPattern } from '../../../src/reclaim/hog.ts';
import { fail, type InvariantFailure } from '../../invariants/failure.ts';
import { errnoOutcome, okOutcome, skipOutcome, type OpContext, type OpOutcome, type OpSpec } from '../op.ts';
import { targetArbitrary, targetField } from '../targets.ts';
import { heapLayerOf, type HeapLayer, type HogEntry } from './heap-layer.ts';

const growSchema = z.strictObject({
  op: z.literal('hogGrow'),
  hog: targetField,
  pages: z.number().int().min(1).max(1 << 20),
  pattern: z.enum(HOG_PATTERNS as [HogPattern, ...HogPattern[]]),
  pinnedPct: z.number().int().min(0).max(100),
  longtermPct: z.number().int().min(0).max(100),
});
const shrinkSchema = z.strictObject({ op: z.literal('hogShrink'), hog: targetField, pages: z.number().int().min(0).max(1 << 20) });
const releaseSchema = z.strictObject({ op: z.literal('hogRelease'), hog: targetField });

/** `{ "op": "hogGrow", "hog": 0, "pages": 512, "pattern": "interleave", "pinnedPct": 1, "longtermPct": 50 }`: `hog` modulo (live hogs + 1); the extra slot starts a new hog. */
export type HogGrowOp = z.infer<typeof growSchema>;
/** `{ "op": "hogShrink", "hog": 0, "pages": 100 }`: the hog unmaps random whole extents until at least that many pages went. */
export type HogShrinkOp = z.infer<typeof shrinkSchema>;
/** `{ "op": "hogRelease", "hog": 0 }`: the app exits. */
export type HogReleaseOp = z.infer<typeof releaseSchema>;

function newHog(layer: HeapLayer): HogEntry {
  const { machine } = layer;
  const id = layer.takeHogId();
  const name = `hog${id}`;
  const hog = new MemoryHog(name, { user: machine.user, pins: machine.pins, owners: machine.owners, table: machine.buddy.table, rng: machine.env.rng.fork(`hog:${name}`) });
  return { id, hog };
}

function hogFailure(entry: HogEntry, message: string, expected: unknown, actual: unknown): InvariantFailure {
  return fail('hog', `hog${entry.id}: ${message}`, { expected, actual });
}

function applyGrow(ctx: OpContext, op: HogGrowOp): OpOutcome {
  const layer = heapLayerOf(ctx);
  if (layer === undefined) return skipOutcome('no heap layers on this machine');
  const slot = op.hog % (layer.hogs.length + 1);
  const entry = layer.hogs[slot] ?? newHog(layer);
  const before = entry.hog.pageCount;
  const grown = entry.hog.grow(op.pages, { pattern: op.pattern, pinnedFraction: op.pinnedPct / 100, longtermFraction: op.longtermPct / 100 });
  layer.machine.user.lruAddDrainAll();
  const after = entry.hog.pageCount;
  if (!grown.ok) {
    const failure = after === before ? undefined : hogFailure(entry, `a failed grow of ${op.pages} pages left ${after} pages (had ${before})`, before, after);
    return errnoOutcome(grown.errno, `hog${entry.id} ${grown.errno}`, failure);
  }
  if (!layer.hogs.includes(entry)) layer.hogs.push(entry);
  const pins = grown.value.shorttermPins + grown.value.longtermPins;
  const wantedPins = Math.round(op.pages * (op.pinnedPct / 100));
  const failure = after !== before + op.pages ? hogFailure(entry, `grew by ${after - before} pages, asked ${op.pages}`, before + op.pages, after)
    : pins !== wantedPins ? hogFailure(entry, `pinned ${pins} pages, expected ${wantedPins}`, wantedPins, pins) : undefined;
  return okOutcome(`hog${entry.id} pages ${after} pins ${pins}`, failure);
}

function pickHog(layer: HeapLayer | undefined, target: number): HogEntry | undefined {
  const hogs = layer?.hogs ?? [];
  return hogs[target % Math.max(hogs.length, 1)];
}

function applyShrink(ctx: OpContext, op: HogShrinkOp): OpOutcome {
  const layer = heapLayerOf(ctx);
  const entry = pickHog(layer, op.hog);
  if (layer === undefined || entry === undefined) return skipOutcome('no live hog');
  const before = entry.hog.pageCount;
  const freed = entry.hog.shrink(op.pages);
  layer.machine.user.lruAddDrainAll();
  const after = entry.hog.pageCount;
  const failure = after !== before - freed || freed < Math.min(op.pages, before) ? hogFailure(entry, `shrink ${op.pages}: freed ${freed}, pages ${before} → ${after}`, Math.min(op.pages, before), freed) : undefined;
  return okOutcome(`hog${entry.id} freed ${freed} pages ${after}`, failure);
}

function applyRelease(ctx: OpContext, op: HogReleaseOp): OpOutcome {
  const layer = heapLayerOf(ctx);
  const entry = pickHog(layer, op.hog);
  if (layer === undefined || entry === undefined) return skipOutcome('no live hog');
  const before = entry.hog.pageCount;
  const freed = entry.hog.release();
  layer.machine.user.lruAddDrainAll();
  layer.hogs.splice(layer.hogs.indexOf(entry), 1);
  const failure = freed !== before || entry.hog.pageCount !== 0 ? hogFailure(entry, `release freed ${freed} of ${before} pages`, before, freed) : undefined;
  return okOutcome(`hog${entry.id} freed ${freed}`, failure);
}

/** Releases every hog (the end-state oracle's first step); the first broken check wins. */
export function releaseHogs(layer: HeapLayer): InvariantFailure | undefined {
  for (const entry of [...layer.hogs]) {
    const before = entry.hog.pageCount;
    const freed = entry.hog.release();
    layer.hogs.splice(layer.hogs.indexOf(entry), 1);
    if (freed !== before) return hogFailure(entry, `release freed ${freed} of ${before} pages`, before, freed);
  }
  layer.machine.user.lruAddDrainAll();
  return undefined;
}

function growPagesArbitrary(): fc.Arbitrary<number> {
  return fc.oneof({ arbitrary: fc.integer({ min: 1, max: 256 }), weight: 3 }, { arbitrary: fc.integer({ min: 256, max: 8192 }), weight: 1 });
}

/** The hogGrow op kind. */
export const hogGrowSpec: OpSpec<HogGrowOp> = {
  kind: 'hogGrow',
  group: 'heaps',
  summary: 'a memory hog (new, or a live one) maps N movable pages in a fragmenting pattern and pins a share of them',
  weightMax: 30,
  schema: growSchema,
  arbitrary: () => fc.record({
    op: fc.constant('hogGrow' as const), hog: fc.nat({ max: 3 }), pages: growPagesArbitrary(), pattern: fc.constantFrom(...HOG_PATTERNS),
    pinnedPct: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.integer({ min: 1, max: 20 }), weight: 1 }), longtermPct: fc.constantFrom(0, 50, 100),
  }),
  apply: applyGrow,
  describe: (op) => `hogGrow hog ${op.hog} pages ${op.pages} ${op.pattern} pinned ${op.pinnedPct}% longterm ${op.longtermPct}%`,
};

/** The hogShrink op kind. */
export const hogShrinkSpec: OpSpec<HogShrinkOp> = {
  kind: 'hogShrink',
  group: 'heaps',
  summary: 'a live hog unmaps random whole extents until N pages went',
  weightMax: 30,
  schema: shrinkSchema,
  arbitrary: () => fc.record({ op: fc.constant('hogShrink' as const), hog: targetArbitrary(), pages: growPagesArbitrary() }),
  apply: applyShrink,
  describe: (op) => `hogShrink hog ${op.hog} pages ${op.pages}`,
};

/** The hogRelease op kind. */
export const hogReleaseSpec: OpSpec<HogReleaseOp> = {
  kind: 'hogRelease',
  group: 'heaps',
  summary: 'a live hog exits: every pin and mapping goes',
  weightMax: 10,
  schema: releaseSchema,
  arbitrary: () => fc.record({ op: fc.constant('hogRelease' as const), hog: targetArbitrary() }),
  apply: applyRelease,
  describe: (op) => `hogRelease hog ${op.hog}`,
};
