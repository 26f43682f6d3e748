// The user-memory ops: userMap (fault in N pages, tagged by their owner), userUnmap, userWrite (new content in some slots) and lruDrain (LRU-add batches to the LRU), with the model checking owner, content and references of every slot.
import * as fc from 'fast-check';
import { z } from 'zod';
import { __GFP_ZERO } from '../../../src/mem/gfp.ts';
import { fail, type InvariantFailure } from '../../invariants/failure.ts';
import { checkZeroed } from '../../invariants/page-content.ts';
import { checkAllocatedTo } from '../../invariants/page-state.ts';
import { checkPlacement } from '../../invariants/placement.ts';
import { checkSlots } from '../../invariants/user-pages.ts';
import type { ModelMapping } from '../../model/user-model.ts';
import { gfpField, gfpOf } from '../gfp-choices.ts';
import { errnoOutcome, okOutcome, skipOutcome, type OpContext, type OpOutcome, type OpSpec } from '../op.ts';
import { cpuArbitrary, cpuField, targetArbitrary, targetField } from '../targets.ts';
import { contigLayer, type ContigLayer } from './contig-layer.ts';
import { pickTarget, slotPfns, unmapMapping, writeSlots } from './user-pages.ts';

/** Largest mapping a generated userMap faults in (8 MiB: enough to fill a CMA area with user pages). */
export const USER_MAP_PAGES_MAX = 2048;

/** The gfp masks user pages are faulted in with, commonest first (GFP_HIGHUSER_MOVABLE may land in CMA). */
export const USER_GFPS = ['GFP_HIGHUSER_MOVABLE', 'GFP_HIGHUSER_MOVABLE|__GFP_ZERO', 'GFP_HIGHUSER', 'GFP_USER'] as const;

const mapSchema = z.strictObject({
  op: z.literal('userMap'), pageCount: z.number().int().min(1).max(65536), cpu: cpuField, gfp: gfpField, backing: z.enum(['anon', 'file']).optional(),
});
const unmapSchema = z.strictObject({ op: z.literal('userUnmap'), mapping: targetField });
const writeSchema = z.strictObject({ op: z.literal('userWrite'), mapping: targetField, slot: targetField, count: z.number().int().min(1).max(65536) });
const drainSchema = z.strictObject({ op: z.literal('lruDrain'), cpu: cpuField.optional() });

/** `{ "op": "userMap", "pageCount": 300, "cpu": 1, "gfp": "GFP_HIGHUSER_MOVABLE", "backing": "file" }`: a process faults in 300 pages (anonymous unless `backing` says file). */
export type UserMapOp = z.infer<typeof mapSchema>;
/** `{ "op": "userUnmap", "mapping": 2 }`: munmap of the 2nd live mapping (modulo their number). */
export type UserUnmapOp = z.infer<typeof unmapSchema>;
/** `{ "op": "userWrite", "mapping": 0, "slot": 17, "count": 4 }`: stores new content into slots 17..20 (slot modulo the mapping's size). */
export type UserWriteOp = z.infer<typeof writeSchema>;
/** `{ "op": "lruDrain" }` (lru_add_drain_all) or `{ "op": "lruDrain", "cpu": 1 }` (lru_add_drain_cpu). */
export type LruDrainOp = z.infer<typeof drainSchema>;

/** Page counts: mostly small, sometimes hundreds, now and then thousands (movable pressure that fills CMA). */
function pageCountArbitrary(): fc.Arbitrary<number> {
  return fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 16 }), weight: 6 },
    { arbitrary: fc.integer({ min: 17, max: 256 }), weight: 3 },
    { arbitrary: fc.integer({ min: 257, max: USER_MAP_PAGES_MAX }), weight: 1 },
  );
}

/** Each new page: in managed memory, owned by nothing else, CMA and ZONE_MOVABLE only as the gfp allows, allocated to the owner, zeroed when asked. */
function checkNewPages(ctx: OpContext, op: UserMapOp, pfns: readonly number[], owner: number): InvariantFailure | undefined {
  const gfp = gfpOf(op.gfp);
  for (const pfn of pfns) {
    const failure = checkPlacement(ctx, pfn, 1, gfp) ?? checkAllocatedTo(ctx, pfn, 1, owner) ?? ((gfp & __GFP_ZERO) !== 0 ? checkZeroed(ctx, pfn, 1) : undefined);
    if (failure !== undefined) return failure;
  }
  ctx.checks++;
  if (new Set(pfns).size === pfns.length) return undefined;
  return fail('no-double-ownership', `a ${pfns.length}-page mapping got the same page for two slots`, { expected: pfns.length, actual: new Set(pfns).size });
}

function applyMap(ctx: OpContext, op: UserMapOp): OpOutcome {
  const layer = contigLayer(ctx);
  const owner = layer.newOwner('user');
  const cpu = op.cpu % ctx.machine.buddy.cpuCount;
  const backing = op.backing ?? 'anon';
  const mapped = ctx.machine.user.mapPages(owner, op.pageCount, { cpu, gfp: gfpOf(op.gfp), backing });
  if (!mapped.ok) {
    const failure = ctx.checking && mapped.errno !== 'ENOMEM' ? fail('user-pages', `mapping ${op.pageCount} pages failed with ${mapped.errno}`, { expected: 'ENOMEM', actual: mapped.errno }) : undefined;
    return errnoOutcome(mapped.errno, mapped.errno, failure);
  }
  const pfns = Array.from({ length: op.pageCount }, (_, slot) => ctx.machine.user.pfnOf(owner, slot));
  const placed = ctx.checking ? checkNewPages(ctx, op, pfns, owner) : undefined;
  const mapping = layer.user.addMapping({ owner, pageCount: op.pageCount, cpu, backing, pfns });
  writeSlots(ctx, layer, mapping, 0, op.pageCount);
  const failure = placed ?? (ctx.checking ? checkSlots(ctx, mapping, 0, op.pageCount, layer.isPending) : undefined);
  return okOutcome(`map#${mapping.id} owner ${owner}: ${op.pageCount} pages from pfn ${pfns[0]}`, failure);
}

function liveMapping(layer: ContigLayer, target: number): ModelMapping | undefined {
  return pickTarget(layer.user.mappings, target);
}

function applyUnmap(ctx: OpContext, op: UserUnmapOp): OpOutcome {
  const layer = contigLayer(ctx);
  const mapping = liveMapping(layer, op.mapping);
  if (mapping === undefined) return skipOutcome('no live mapping');
  const failure = unmapMapping(ctx, layer, mapping);
  return okOutcome(`map#${mapping.id} (${mapping.pageCount} pages, ${layer.user.orphans.size} pages kept by pins or batches)`, failure);
}

function applyWrite(ctx: OpContext, op: UserWriteOp): OpOutcome {
  const layer = contigLayer(ctx);
  const mapping = liveMapping(layer, op.mapping);
  if (mapping === undefined) return skipOutcome('no live mapping');
  const slot = op.slot % mapping.pageCount;
  const count = Math.min(op.count, mapping.pageCount - slot);
  const intact = ctx.checking ? checkSlots(ctx, mapping, slot, count) : undefined;
  writeSlots(ctx, layer, mapping, slot, count);
  const failure = intact ?? (ctx.checking ? checkSlots(ctx, mapping, slot, count) : undefined);
  return okOutcome(`map#${mapping.id} slots ${slot}..${slot + count - 1} (pfn ${slotPfns(ctx, mapping, slot, 1)[0]}...)`, failure);
}

function applyDrain(ctx: OpContext, op: LruDrainOp): OpOutcome {
  const layer = contigLayer(ctx);
  const user = ctx.machine.user;
  const cpu = op.cpu === undefined ? undefined : op.cpu % ctx.machine.buddy.cpuCount;
  const pending = user.lruPendingPages(cpu);
  if (cpu === undefined) user.lruAddDrainAll();
  else user.lruAddDrain(cpu);
  const detail = `${pending} pages from LRU-add batches ${cpu === undefined ? '(all CPUs)' : `(cpu ${cpu})`} to the LRU`;
  if (!ctx.checking) return okOutcome(detail);
  ctx.checks++;
  const left = user.lruPendingPages(cpu);
  const failure = left === 0 ? undefined : fail('user-pages', `${left} pages still wait in LRU-add batches after the drain`, { expected: 0, actual: left });
  return okOutcome(detail, failure ?? layer.letGoOrphans(ctx));
}

/** The userMap op kind. */
export const userMapSpec: OpSpec<UserMapOp> = {
  kind: 'userMap',
  group: 'contig',
  summary: 'a process faults in N user pages (movable: they may land in CMA); its owner tags every page',
  schema: mapSchema,
  arbitrary: () => fc.record({
    op: fc.constant('userMap' as const), pageCount: pageCountArbitrary(), cpu: cpuArbitrary(), gfp: fc.constantFrom(...USER_GFPS), backing: fc.constantFrom('anon' as const, 'file' as const),
  }, { requiredKeys: ['op', 'pageCount', 'cpu', 'gfp'] }),
  apply: applyMap,
  describe: (op) => `userMap ${op.pageCount} pages ${op.gfp} cpu ${op.cpu}${op.backing === undefined ? '' : ` ${op.backing}`}`,
};

/** The userUnmap op kind. */
export const userUnmapSpec: OpSpec<UserUnmapOp> = {
  kind: 'userUnmap',
  group: 'contig',
  summary: 'munmap of a live mapping (pinned or batched pages live on until released)',
  schema: unmapSchema,
  arbitrary: () => fc.record({ op: fc.constant('userUnmap' as const), mapping: targetArbitrary() }),
  apply: applyUnmap,
  describe: (op) => `userUnmap mapping ${op.mapping}`,
};

/** The userWrite op kind. */
export const userWriteSpec: OpSpec<UserWriteOp> = {
  kind: 'userWrite',
  group: 'contig',
  summary: 'stores new content into slots of a live mapping (the model expects it wherever the pages move)',
  schema: writeSchema,
  arbitrary: () => fc.record({ op: fc.constant('userWrite' as const), mapping: targetArbitrary(), slot: targetArbitrary(), count: fc.integer({ min: 1, max: 32 }) }),
  apply: applyWrite,
  describe: (op) => `userWrite mapping ${op.mapping} slot ${op.slot} ×${op.count}`,
};

/** The lruDrain op kind. */
export const lruDrainSpec: OpSpec<LruDrainOp> = {
  kind: 'lruDrain',
  group: 'contig',
  summary: 'lru_add_drain_all() or lru_add_drain_cpu(cpu): batched user pages reach the LRU',
  schema: drainSchema,
  arbitrary: () => fc.record({ op: fc.constant('lruDrain' as const), cpu: cpuArbitrary() }, { requiredKeys: ['op'] }),
  apply: applyDrain,
  describe: (op) => (op.cpu === undefined ? 'lruDrain all CPUs' : `lruDrain cpu ${op.cpu}`),
};
