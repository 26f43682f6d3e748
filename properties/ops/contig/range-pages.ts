// Giving a contig range back (free_contig_range), shared by the contigFree op and the end-of-run release: intact pages, one reference each, all returned.
import { fail, type InvariantFailure } from '../../invariants/failure.ts';
import { checkReturned } from '../../invariants/page-state.ts';
import type { ContigRange } from '../../model/contig-model.ts';
import type { OpContext } from '../op.ts';
import { checkHeldRange } from './audit-ranges.ts';
import type { ContigLayer } from './contig-layer.ts';

/** free_contig_range of a live range on `cpu`: no page may still be in use, and every page goes back. */
export function freeContigRange(ctx: OpContext, layer: ContigLayer, range: ContigRange, cpu: number): InvariantFailure | undefined {
  const intact = ctx.checking ? checkHeldRange(ctx, 'content-integrity', `range#${range.id}`, range) : undefined;
  if (intact !== undefined) return intact;
  const stillInUse = ctx.machine.contig.freeContigRange(range.pfn, range.pageCount, cpu);
  layer.removeRange(range);
  if (!ctx.checking) return undefined;
  if (stillInUse !== 0) return fail('contig-range', `free_contig_range of range#${range.id} found ${stillInUse} pages still in use`, { expected: 0, actual: stillInUse });
  return checkReturned(ctx, range.pfn, range.pageCount);
}
