// Giving a CMA allocation back, shared by the cmaRelease op and the end-of-run release: its pages must be intact, every cma_release must succeed, and the bitmap and counters must follow.
import { checkCmaCounters } from '../../invariants/cma-alloc.ts';
import { checkReleased } from '../../invariants/cma-release.ts';
import { fail, type InvariantFailure } from '../../invariants/failure.ts';
import type { CmaAllocation } from '../../model/cma-model.ts';
import { checkHeldRange } from '../contig/audit-ranges.ts';
import type { ContigLayer } from '../contig/contig-layer.ts';
import type { OpContext } from '../op.ts';

/** Every page the allocation holds still carries its owner and tag (nothing wrote or took it behind the owner's back). */
export function checkAllocationIntact(ctx: OpContext, allocation: CmaAllocation): InvariantFailure | undefined {
  for (const unit of allocation.releases) {
    const failure = checkHeldRange(ctx, 'content-integrity', `cma#${allocation.id}`, { ...unit, owner: allocation.owner, tag: allocation.tag });
    if (failure !== undefined) return failure;
  }
  return undefined;
}

/** cma_release of every unit of a live allocation (kernel-reference 10), then the area's counters (12). */
export function releaseCmaAllocation(ctx: OpContext, layer: ContigLayer, allocation: CmaAllocation): InvariantFailure | undefined {
  const intact = ctx.checking ? checkAllocationIntact(ctx, allocation) : undefined;
  if (intact !== undefined) return intact;
  const area = allocation.area;
  const real = ctx.machine.cma.area(area.name);
  if (real === undefined) return fail('cma-release', `the machine has no CMA area ${area.name}`);
  const returned = allocation.releases.map((unit) => ctx.machine.cma.release(area.name, unit.pfn, unit.pageCount));
  layer.removeCma(allocation);
  area.releasedPages += allocation.pageCount;
  if (!ctx.checking) return undefined;
  return checkReleased(ctx, allocation, real, returned) ?? checkCmaCounters(ctx, area, real);
}
