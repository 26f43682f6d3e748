// Kernel-reference invariants 10 and 11: cma_release of a live allocation returns true, frees its pages and clears exactly its bits; an invalid release returns false and changes nothing.
import type { PageCount, Pfn } from '../../src/base/units.ts';
import type { CmaArea } from '../../src/cma/cma-area.ts';
import type { OwnerId } from '../../src/mem/owners.ts';
import { PAGE_ALLOCATED } from '../../src/mem/page-state.ts';
import type { CmaAllocation, CmaAreaModel } from '../model/cma-model.ts';
import type { OpContext } from '../ops/op.ts';
import { fail, type InvariantFailure } from './failure.ts';

/** Invariant 10, after the model forgot `allocation`: every cma_release returned true, its pages went back, its bits are clear, the rest of the bitmap is intact. */
export function checkReleased(ctx: OpContext, allocation: CmaAllocation, real: CmaArea, returned: readonly boolean[]): InvariantFailure | undefined {
  ctx.checks++;
  const area = allocation.area;
  const refused = returned.indexOf(false);
  if (refused >= 0) {
    const unit = allocation.releases[refused];
    return fail('cma-release', `cma_release(${area.name}, ${unit?.pfn}, ${unit?.pageCount}) of live cma#${allocation.id} returned false`, { expected: true, actual: false });
  }
  const table = ctx.machine.buddy.table;
  for (const unit of allocation.releases) {
    for (let pfn = unit.pfn; pfn < unit.pfn + unit.pageCount; pfn++) {
      const index = table.pageIndex(pfn);
      if (table.state[index] === PAGE_ALLOCATED && table.owner[index] === allocation.owner) {
        return fail('cma-release', `pfn ${pfn} of released cma#${allocation.id} is still allocated to its owner`, { pfn, expected: 'freed', actual: 'allocated' });
      }
    }
  }
  for (const range of allocation.ranges) {
    const { start, count } = area.bitsOf(range);
    for (let bit = start; bit < start + count; bit++) {
      if (real.bitmap.isBitSet(bit)) return fail('cma-release', `${area.name}: bit ${bit} of released cma#${allocation.id} is still set`, { bit, expected: 'clear', actual: 'set' });
    }
  }
  const used = real.bitmap.usedBits();
  if (used === area.usedBits) return undefined;
  return fail('cma-release', `${area.name}: ${used} bits set after releasing cma#${allocation.id}; the live allocations hold ${area.usedBits}`, { expected: area.usedBits, actual: used });
}

/** What an invalid release must leave as it was. */
export interface ReleaseSnapshot {
  readonly usedBits: number;
  readonly released: bigint;
  /** Pages of a live allocation the bad call named (they must stay its owner's). */
  readonly pfn: Pfn;
  readonly pageCount: PageCount;
  readonly owner: OwnerId;
}

/** Snapshot for checkInvalidRelease. */
export function releaseSnapshot(area: CmaAreaModel, real: CmaArea, held: { pfn: Pfn; pageCount: PageCount; owner: OwnerId } | undefined): ReleaseSnapshot {
  return { usedBits: real.bitmap.usedBits(), released: real.nrPagesReleased, pfn: held?.pfn ?? area.basePfn, pageCount: held?.pageCount ?? 0, owner: held?.owner ?? 0 };
}

/** Invariant 11: the call returned false and the bitmap, the release counter and the named live allocation's pages are unchanged. */
export function checkInvalidRelease(ctx: OpContext, areaName: string, real: CmaArea | undefined, returned: boolean, before: ReleaseSnapshot | undefined, what: string): InvariantFailure | undefined {
  ctx.checks++;
  if (returned) return fail('cma-invalid-release', `cma_release(${areaName}) of ${what} returned true`, { expected: false, actual: true });
  if (real === undefined || before === undefined) return undefined;
  if (real.bitmap.usedBits() !== before.usedBits || real.nrPagesReleased !== before.released) {
    return fail('cma-invalid-release', `cma_release(${areaName}) of ${what} returned false but changed the bitmap or the release counter`, {
      expected: { usedBits: before.usedBits, released: String(before.released) }, actual: { usedBits: real.bitmap.usedBits(), released: String(real.nrPagesReleased) },
    });
  }
  const table = ctx.machine.buddy.table;
  for (let pfn = before.pfn; pfn < before.pfn + before.pageCount; pfn++) {
    const index = table.pageIndex(pfn);
    if (table.state[index] !== PAGE_ALLOCATED || table.owner[index] !== before.owner) {
      return fail('cma-invalid-release', `cma_release(${areaName}) of ${what} returned false but pfn ${pfn} left its owner`, { pfn, expected: `allocated to ${before.owner}`, actual: `owner ${table.owner[index]}` });
    }
  }
  return undefined;
}
