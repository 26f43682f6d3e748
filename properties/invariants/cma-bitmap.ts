// Kernel-reference invariants 1-4 and 13 on one CMA area: the bits a success claims, the bitmap holding exactly the live allocations' bits, containment, alignment for any base, and the partial last bit.
import type { PageCount, Pfn } from '../../src/base/units.ts';
import type { CmaArea } from '../../src/cma/cma-area.ts';
import type { OwnerId } from '../../src/mem/owners.ts';
import { PAGE_ALLOCATED } from '../../src/mem/page-state.ts';
import type { CmaAreaModel, ReservedRange } from '../model/cma-model.ts';
import type { OpContext } from '../ops/op.ts';
import { fail, type InvariantFailure } from './failure.ts';

/**
 * Invariant 1 (before the model records the allocation): `pfn` is the first PFN of a bit, and the
 * ceil(n / 2^opb) bits from there were clear in the model and are set in the area's bitmap now.
 */
export function checkBitsClaimed(ctx: OpContext, area: CmaAreaModel, real: CmaArea, pfn: Pfn, pageCount: PageCount): InvariantFailure | undefined {
  ctx.checks++;
  const start = area.bitOf(pfn);
  const count = area.pagesToBits(pageCount);
  if (area.pfnOfBit(start) !== pfn) return fail('cma-bits-claimed', `${area.name}: pfn ${pfn} is not the first page of a bit (order_per_bit ${area.orderPerBit})`, { expected: area.pfnOfBit(start), actual: pfn });
  if (area.anyHeld(start, count)) return fail('cma-bits-claimed', `${area.name}: bits [${start}, ${start + count}) of the new allocation at pfn ${pfn} were held by a live allocation`, { expected: 'clear before', actual: 'held' });
  for (let bit = start; bit < start + count; bit++) {
    if (!real.bitmap.isBitSet(bit)) return fail('cma-bits-claimed', `${area.name}: bit ${bit} of the new allocation at pfn ${pfn} is clear`, { bit, expected: 'set', actual: 'clear' });
  }
  return undefined;
}

/**
 * Invariant 2: the area's bitmap holds exactly the model's bits: as many bits set as the live
 * allocations hold (`heldRanges`: their reserved ranges in this area), each of theirs among them.
 */
export function checkBitmapAgrees(ctx: OpContext, area: CmaAreaModel, real: CmaArea, heldRanges: readonly ReservedRange[]): InvariantFailure | undefined {
  ctx.checks++;
  const used = real.bitmap.usedBits();
  if (used !== area.usedBits) {
    return fail('cma-bitmap', `${area.name}: ${used} bits set, the live allocations hold ${area.usedBits}`, { expected: area.usedBits, actual: used });
  }
  for (const range of heldRanges) {
    const { start, count } = area.bitsOf(range);
    for (let bit = start; bit < start + count; bit++) {
      if (!real.bitmap.isBitSet(bit)) return fail('cma-bitmap', `${area.name}: bit ${bit} of a live allocation is clear`, { bit, expected: 'set', actual: 'clear' });
    }
  }
  return undefined;
}

/** Invariant 3: [pfn, pfn + n) lies inside the area. */
export function checkContainment(ctx: OpContext, area: CmaAreaModel, pfn: Pfn, pageCount: PageCount): InvariantFailure | undefined {
  ctx.checks++;
  if (pfn >= area.basePfn && pfn + pageCount <= area.pfnEnd) return undefined;
  return fail('cma-containment', `${area.name}: [${pfn}, ${pfn + pageCount}) leaves the area [${area.basePfn}, ${area.pfnEnd})`, { expected: `[${area.basePfn}, ${area.pfnEnd})`, actual: `[${pfn}, ${pfn + pageCount})` });
}

/** Invariant 4: align > opb ⇒ pfn % 2^align == 0 whatever the base; otherwise (pfn - base) % 2^opb == 0. */
export function checkCmaAlignment(ctx: OpContext, area: CmaAreaModel, pfn: Pfn, alignOrder: number): InvariantFailure | undefined {
  ctx.checks++;
  if (alignOrder > area.orderPerBit) {
    if (pfn % 2 ** alignOrder === 0) return undefined;
    return fail('cma-alignment', `${area.name} (base ${area.basePfn}, order_per_bit ${area.orderPerBit}): pfn ${pfn} is not aligned to 2^${alignOrder}`, { expected: `pfn % ${2 ** alignOrder} == 0`, actual: pfn % 2 ** alignOrder });
  }
  if ((pfn - area.basePfn) % 2 ** area.orderPerBit === 0) return undefined;
  return fail('cma-alignment', `${area.name}: pfn ${pfn} is not on a bit boundary (order_per_bit ${area.orderPerBit})`, { expected: 0, actual: (pfn - area.basePfn) % 2 ** area.orderPerBit });
}

/**
 * Invariant 13: with n not a multiple of 2^opb, the pages past n in the last bit are not the
 * caller's. (That those free when the successful probe began are still free is the spy's
 * per-call check: the last bit never leaves the probe's pageblocks.)
 */
export function checkPartialBit(ctx: OpContext, area: CmaAreaModel, pfn: Pfn, pageCount: PageCount, owner: OwnerId): InvariantFailure | undefined {
  ctx.checks++;
  const table = ctx.machine.buddy.table;
  const tailEnd = pfn + area.pagesToBits(pageCount) * 2 ** area.orderPerBit;
  for (let page = pfn + pageCount; page < tailEnd; page++) {
    const index = table.pageIndex(page);
    if (table.state[index] !== PAGE_ALLOCATED || table.owner[index] !== owner) continue;
    return fail('cma-partial-bit', `${area.name}: page ${page} past the ${pageCount} pages asked for (last bit ends at ${tailEnd}) was taken too`, { pfn: page, expected: 'not the caller\'s', actual: `allocated to ${owner}` });
  }
  return undefined;
}
