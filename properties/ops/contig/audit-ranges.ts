// The audit of the layer's fixed ranges: each CMA area's bitmap and counters against the model, every page of a live CMA allocation or contig range allocated to its owner with its tag and one reference, and no page of theirs left behind after a release.
import type { PageCount, Pfn } from '../../../src/base/units.ts';
import type { OwnerId } from '../../../src/mem/owners.ts';
import { PAGE_ALLOCATED, PAGE_STATE_NAMES } from '../../../src/mem/page-state.ts';
import { checkCmaCounters } from '../../invariants/cma-alloc.ts';
import { checkBitmapAgrees } from '../../invariants/cma-bitmap.ts';
import { fail, type InvariantFailure, type InvariantName } from '../../invariants/failure.ts';
import type { OpContext } from '../op.ts';
import type { ContigLayer } from './contig-layer.ts';

/** [pfn, pfn + pageCount) is allocated to `owner`, each page with refcount 1 and content `tag`. */
export function checkHeldRange(ctx: OpContext, invariant: InvariantName, name: string, range: { pfn: Pfn; pageCount: PageCount; owner: OwnerId; tag: number }): InvariantFailure | undefined {
  ctx.checks++;
  const table = ctx.machine.buddy.table;
  for (let pfn = range.pfn; pfn < range.pfn + range.pageCount; pfn++) {
    const index = table.pageIndex(pfn);
    if (table.state[index] === PAGE_ALLOCATED && table.owner[index] === range.owner && table.refcount[index] === 1 && table.content[index] === range.tag) continue;
    return fail(invariant, `pfn ${pfn} of ${name} is ${PAGE_STATE_NAMES[table.state[index] as number]}, owner ${table.owner[index]}, refcount ${table.refcount[index]}, tag ${table.content[index]}`, {
      pfn, expected: { owner: range.owner, refcount: 1, tag: range.tag }, actual: { owner: table.owner[index], refcount: table.refcount[index], tag: table.content[index] },
    });
  }
  return undefined;
}

function auditCma(ctx: OpContext, layer: ContigLayer): InvariantFailure | undefined {
  for (const area of layer.cma.areas) {
    const real = ctx.machine.cma.area(area.name);
    if (real === undefined) return fail('cma-bitmap', `the machine has no CMA area ${area.name}`);
    const failure = checkBitmapAgrees(ctx, area, real, layer.cma.heldRanges(area)) ?? checkCmaCounters(ctx, area, real);
    if (failure !== undefined) return failure;
  }
  for (const allocation of layer.cma.allocations) {
    for (const unit of allocation.releases) {
      const failure = checkHeldRange(ctx, 'cma-bitmap', `cma#${allocation.id}`, { ...unit, owner: allocation.owner, tag: allocation.tag });
      if (failure !== undefined) return failure;
    }
  }
  return undefined;
}

/** Every page allocated to an owner of a (live or released) harness CMA allocation or contig range is claimed by that live object. */
function auditLeftovers(ctx: OpContext, layer: ContigLayer, owners: ReadonlySet<OwnerId>): InvariantFailure | undefined {
  ctx.checks++;
  const table = ctx.machine.buddy.table;
  for (let index = 0; index < table.pageCount; index++) {
    if (table.state[index] !== PAGE_ALLOCATED || !owners.has(table.owner[index] as number)) continue;
    const pfn = table.pfnOf(index);
    if (layer.claims.claimOf(pfn) !== undefined) continue;
    return fail('contig-range', `pfn ${pfn} is allocated to owner ${table.owner[index]} of a harness CMA allocation or contig range that no longer holds it (leaked)`, { pfn, expected: 'free', actual: `owner ${table.owner[index]}` });
  }
  return undefined;
}

/** The audit of CMA allocations and contig ranges (O(memory)). */
export function auditRanges(ctx: OpContext, layer: ContigLayer): InvariantFailure | undefined {
  const failure = auditCma(ctx, layer);
  if (failure !== undefined) return failure;
  for (const range of layer.ranges.ranges) {
    const held = checkHeldRange(ctx, 'contig-range', `range#${range.id}`, range);
    if (held !== undefined) return held;
  }
  return auditLeftovers(ctx, layer, layer.objectOwners);
}
