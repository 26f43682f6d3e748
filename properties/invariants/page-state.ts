// The allocator's own record of pages against the model: allocated to the right owner with the predicted refcount, or back in the allocator after a free.
import type { PageCount, Pfn } from '../../src/base/units.ts';
import type { OwnerId } from '../../src/mem/owners.ts';
import { PAGE_ALLOCATED, PAGE_STATE_NAMES } from '../../src/mem/page-state.ts';
import { expectedRefcount, type Handle } from '../model/handle.ts';
import type { OpContext } from '../ops/op.ts';
import { fail, type InvariantFailure } from './failure.ts';

function stateName(state: number): string {
  return PAGE_STATE_NAMES[state] ?? String(state);
}

/** Every page of [pfn, pfn + pageCount) is PAGE_ALLOCATED to `owner`. */
export function checkAllocatedTo(ctx: OpContext, pfn: Pfn, pageCount: PageCount, owner: OwnerId): InvariantFailure | undefined {
  ctx.checks++;
  const table = ctx.machine.buddy.table;
  for (let i = table.pageIndex(pfn), end = i + pageCount; i < end; i++) {
    if (table.state[i] !== PAGE_ALLOCATED || table.owner[i] !== owner) {
      const page = table.pfnOf(i);
      return fail('page-state', `pfn ${page} should be allocated to owner ${owner}, is ${stateName(table.state[i] as number)} (owner ${table.owner[i]})`, { pfn: page, expected: `allocated to ${owner}`, actual: `${stateName(table.state[i] as number)} owner ${table.owner[i]}` });
    }
  }
  return undefined;
}

/** The head's refcount is what the model predicts (the caller's reference plus extra ones). */
export function checkRefcount(ctx: OpContext, handle: Handle): InvariantFailure | undefined {
  ctx.checks++;
  const table = ctx.machine.buddy.table;
  const actual = table.refcount[table.pageIndex(handle.pfn)] as number;
  const expected = expectedRefcount(handle);
  if (actual === expected) return undefined;
  return fail('page-state', `#${handle.id} (pfn ${handle.pfn}) has refcount ${actual}, expected ${expected}`, { pfn: handle.pfn, expected, actual });
}

/** Every page of [pfn, pfn + pageCount) went back to the allocator (free or on a per-CPU list): no longer allocated, no owner. */
export function checkReturned(ctx: OpContext, pfn: Pfn, pageCount: PageCount): InvariantFailure | undefined {
  ctx.checks++;
  const table = ctx.machine.buddy.table;
  for (let i = table.pageIndex(pfn), end = i + pageCount; i < end; i++) {
    if (table.state[i] === PAGE_ALLOCATED || table.owner[i] !== 0) {
      const page = table.pfnOf(i);
      return fail('page-state', `pfn ${page} was freed but is ${stateName(table.state[i] as number)} (owner ${table.owner[i]})`, { pfn: page, expected: 'free or per-CPU', actual: stateName(table.state[i] as number) });
    }
  }
  return undefined;
}
