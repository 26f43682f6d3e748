// Invariant 25 as an O(zones × CPUs) counter check after every op: free + isolated free + per-CPU + allocated == managed, with the model supplying "allocated".
import type { OpContext } from '../ops/op.ts';
import { fail, type InvariantFailure } from './failure.ts';

/**
 * Every managed page is in exactly one of: a buddy free list (NR_FREE_PAGES), an isolated free
 * list, a per-CPU list, or a live harness allocation the model knows of. A leaked page (allocated
 * but owned by no live handle) or a page counted twice breaks the sum. Op modules whose layers hold
 * pages of their own (pools, heaps, user memory) add them to the model's count.
 */
export function checkConservation(ctx: OpContext): InvariantFailure | undefined {
  ctx.checks++;
  const buddy = ctx.machine.buddy;
  const free = buddy.nrFreePages();
  const isolated = buddy.nrIsolatedFreePages();
  const pcp = buddy.pcpPages();
  const allocated = ctx.model.heldPages;
  const managed = buddy.managedPages();
  if (free + isolated + pcp + allocated === managed) return undefined;
  return fail('conservation', `free ${free} + isolated ${isolated} + pcp ${pcp} + allocated ${allocated} = ${free + isolated + pcp + allocated}, managed ${managed}`, {
    expected: managed, actual: free + isolated + pcp + allocated, free, isolated, pcp, allocated,
  });
}
