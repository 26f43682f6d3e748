// The pin and unpin ops: get_user_pages on a slot range of a live mapping, short-term (a reference) or FOLL_LONGTERM (migrated out of CMA/ISOLATE/ZONE_MOVABLE first, unless the 2020 switch pins in place), and unpin_user_pages.
import * as fc from 'fast-check';
import { z } from 'zod';
import { fail } from '../../invariants/failure.ts';
import { checkLongtermPlacement, checkPinnedSlots } from '../../invariants/longterm-pin.ts';
import { checkSlots } from '../../invariants/user-pages.ts';
import { errnoOutcome, okOutcome, skipOutcome, type OpContext, type OpOutcome, type OpSpec } from '../op.ts';
import { cpuArbitrary, cpuField, targetArbitrary, targetField } from '../targets.ts';
import { contigLayer } from './contig-layer.ts';
import { pickTarget, slotPfns, unpinPin } from './user-pages.ts';

const pinSchema = z.strictObject({
  op: z.literal('pin'), mapping: targetField, slot: targetField, pageCount: z.number().int().min(1).max(65536), kind: z.enum(['shortterm', 'longterm']), cpu: cpuField,
});
const unpinSchema = z.strictObject({ op: z.literal('unpin'), pin: targetField, cpu: cpuField.optional() });

/** `{ "op": "pin", "mapping": 0, "slot": 5, "pageCount": 3, "kind": "longterm", "cpu": 0 }`: pins slots 5..7 (slot modulo the mapping's size, count clipped to its end). */
export type PinOp = z.infer<typeof pinSchema>;
/** `{ "op": "unpin", "pin": 1 }`: unpins the 1st live pin (modulo their number) on its mapping's CPU, or on `cpu`. */
export type UnpinOp = z.infer<typeof unpinSchema>;

function applyPin(ctx: OpContext, op: PinOp): OpOutcome {
  const layer = contigLayer(ctx);
  const mapping = pickTarget(layer.user.mappings, op.mapping);
  if (mapping === undefined) return skipOutcome('no live mapping');
  const slot = op.slot % mapping.pageCount;
  const count = Math.min(op.pageCount, mapping.pageCount - slot);
  const cpu = op.cpu % ctx.machine.buddy.cpuCount;
  const pfnsBefore = slotPfns(ctx, mapping, slot, count);
  const migratedBefore = ctx.machine.events.get('longterm_pin_migrate');
  const pinned = ctx.machine.pins.pin(mapping.owner, slot, count, op.kind, cpu);
  const where = `map#${mapping.id} slots ${slot}..${slot + count - 1}`;
  if (!pinned.ok) {
    if (!ctx.checking) return errnoOutcome(pinned.errno, `${where}: ${pinned.errno}`);
    const wrong = pinned.errno !== 'ENOMEM' || op.kind !== 'longterm' ? fail('longterm-pin', `a ${op.kind} pin of ${where} failed with ${pinned.errno}`, { expected: op.kind === 'longterm' ? 'ENOMEM' : 'success', actual: pinned.errno }) : undefined;
    return errnoOutcome(pinned.errno, `${where}: ${pinned.errno}`, wrong ?? checkSlots(ctx, mapping, slot, count, layer.isPending));
  }
  const pfns = pinned.value.pfns;
  const outcome = { requested: count, pfns, slotPfns: slotPfns(ctx, mapping, slot, count), pfnsBefore, migratedEvents: ctx.machine.events.get('longterm_pin_migrate') - migratedBefore };
  const placed = ctx.checking ? checkPinnedSlots(ctx, outcome) ?? (op.kind === 'longterm' ? checkLongtermPlacement(ctx, outcome, ctx.machine.config.pinning.longtermMigratesCma) : undefined) : undefined;
  const pin = layer.user.addPin(op.kind, mapping, slot, pfns);
  const failure = placed ?? (ctx.checking ? checkSlots(ctx, mapping, slot, count, layer.isPending) : undefined);
  return okOutcome(`pin#${pin.id} ${op.kind} ${where} (${pinned.value.migratedPages} migrated first)`, failure);
}

function applyUnpin(ctx: OpContext, op: UnpinOp): OpOutcome {
  const layer = contigLayer(ctx);
  const pin = pickTarget(layer.user.pins, op.pin);
  if (pin === undefined) return skipOutcome('no live pin');
  const cpu = op.cpu === undefined ? pin.mapping.cpu : op.cpu % ctx.machine.buddy.cpuCount;
  const failure = unpinPin(ctx, layer, pin, cpu);
  return okOutcome(`pin#${pin.id} ${pin.kind} of map#${pin.mapping.id}${pin.mapping.live ? '' : ' (unmapped)'}`, failure);
}

/** The pin op kind. */
export const pinSpec: OpSpec<PinOp> = {
  kind: 'pin',
  group: 'contig',
  summary: 'get_user_pages on slots of a live mapping: short-term, or FOLL_LONGTERM (out of CMA/ZONE_MOVABLE first)',
  schema: pinSchema,
  arbitrary: () => fc.record({
    op: fc.constant('pin' as const), mapping: targetArbitrary(), slot: targetArbitrary(), pageCount: fc.integer({ min: 1, max: 16 }),
    kind: fc.constantFrom('shortterm' as const, 'longterm' as const), cpu: cpuArbitrary(),
  }),
  apply: applyPin,
  describe: (op) => `pin ${op.kind} mapping ${op.mapping} slot ${op.slot} ×${op.pageCount} cpu ${op.cpu}`,
};

/** The unpin op kind. */
export const unpinSpec: OpSpec<UnpinOp> = {
  kind: 'unpin',
  group: 'contig',
  summary: 'unpin_user_pages / put_page of a live pin (the last reference of an unmapped page frees it)',
  schema: unpinSchema,
  arbitrary: () => fc.record({ op: fc.constant('unpin' as const), pin: targetArbitrary(), cpu: cpuArbitrary() }, { requiredKeys: ['op', 'pin'] }),
  apply: applyUnpin,
  describe: (op) => `unpin ${op.pin}${op.cpu === undefined ? '' : ` cpu ${op.cpu}`}`,
};
