// The life of a harness mapping and its pins, shared by the user and pin ops and the end-of-run release: map and tag, unmap (what nothing else holds goes back), unpin (a last pin of an unmapped page frees it).
import type { Pfn } from '../../../src/base/units.ts';
import { checkOrphans, checkReleasedUserPages, checkSlots } from '../../invariants/user-pages.ts';
import type { InvariantFailure } from '../../invariants/failure.ts';
import type { ModelMapping, ModelPin } from '../../model/user-model.ts';
import type { OpContext } from '../op.ts';
import type { ContigLayer } from './contig-layer.ts';

/** The n-th entry of `list` modulo its length (a symbolic target), or undefined when it is empty. */
export function pickTarget<T>(list: readonly T[], target: number): T | undefined {
  return list.length === 0 ? undefined : list[target % list.length];
}

/** What each slot of a live mapping maps now, read through UserMemory. */
export function slotPfns(ctx: OpContext, mapping: ModelMapping, slotStart = 0, count = mapping.pageCount): Pfn[] {
  const pfns: Pfn[] = [];
  for (let slot = slotStart; slot < slotStart + count; slot++) pfns.push(ctx.machine.user.pfnOf(mapping.owner, slot));
  return pfns;
}

/** The owner writes a fresh tag into slots [slotStart, slotStart + count) through its mapping. */
export function writeSlots(ctx: OpContext, layer: ContigLayer, mapping: ModelMapping, slotStart: number, count: number): void {
  for (let slot = slotStart; slot < slotStart + count; slot++) {
    const tag = layer.user.freshTag();
    ctx.machine.user.write(mapping.owner, slot, tag);
    mapping.tags[slot] = tag;
  }
}

/**
 * munmap of a live mapping: checks every slot first, unmaps, then checks that every page neither
 * pinned nor waiting in an LRU-add batch went back, and that the kept ones (now orphans) are intact.
 */
export function unmapMapping(ctx: OpContext, layer: ContigLayer, mapping: ModelMapping): InvariantFailure | undefined {
  const intact = ctx.checking ? checkSlots(ctx, mapping, 0, mapping.pageCount) : undefined;
  if (intact !== undefined) return intact;
  const pfns = slotPfns(ctx, mapping);
  ctx.machine.user.unmapPages(mapping.owner);
  const kept = new Set(layer.user.removeMapping(mapping, pfns, layer.isPending));
  if (!ctx.checking) return undefined;
  const freed = pfns.filter((pfn) => !kept.has(pfn));
  return checkReleasedUserPages(ctx, freed, mapping.owner, `munmap of map#${mapping.id}`) ?? checkOrphans(ctx, layer.user, layer.isPending);
}

/** unpin_user_pages / put_page of a pin on `cpu`; the pinned slots (or orphans) then carry one reference fewer. */
export function unpinPin(ctx: OpContext, layer: ContigLayer, pin: ModelPin, cpu: number): InvariantFailure | undefined {
  ctx.machine.pins.unpin({ kind: pin.kind, pfns: pin.pfns, migratedPages: 0 }, cpu);
  layer.user.removePin(pin);
  if (!ctx.checking) return undefined;
  if (pin.mapping.live) return checkSlots(ctx, pin.mapping, pin.slotStart, pin.pfns.length, layer.isPending);
  return layer.letGoOrphans(ctx) ?? checkOrphans(ctx, layer.user, layer.isPending);
}
