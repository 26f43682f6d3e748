// The end-of-run release of the contig layer (before the end-state oracle): unpin everything, unmap everything, drain the LRU-add batches, release every CMA allocation and free every contig range, each step checked.
import { fail, type InvariantFailure } from '../../invariants/failure.ts';
import { releaseCmaAllocation } from '../cma/cma-pages.ts';
import type { OpContext } from '../op.ts';
import type { ContigLayer } from './contig-layer.ts';
import { freeContigRange } from './range-pages.ts';
import { unmapMapping, unpinPin } from './user-pages.ts';

function releaseUser(ctx: OpContext, layer: ContigLayer): InvariantFailure | undefined {
  for (const pin of [...layer.user.pins]) {
    const failure = unpinPin(ctx, layer, pin, pin.mapping.cpu);
    if (failure !== undefined) return failure;
  }
  for (const mapping of [...layer.user.mappings]) {
    const failure = unmapMapping(ctx, layer, mapping);
    if (failure !== undefined) return failure;
  }
  ctx.machine.user.lruAddDrainAll();
  return layer.letGoOrphans(ctx);
}

/** Releases every object of the layer; afterwards it holds no page. */
export function releaseEverything(ctx: OpContext, layer: ContigLayer): InvariantFailure | undefined {
  const user = releaseUser(ctx, layer);
  if (user !== undefined) return user;
  for (const allocation of [...layer.cma.allocations]) {
    const failure = releaseCmaAllocation(ctx, layer, allocation);
    if (failure !== undefined) return failure;
  }
  for (const range of [...layer.ranges.ranges]) {
    const failure = freeContigRange(ctx, layer, range, 0);
    if (failure !== undefined) return failure;
  }
  const held = layer.heldPages();
  if (held === 0) return undefined;
  return fail('end-state', `the contig layer still holds ${held} pages after releasing everything`, { expected: 0, actual: held });
}
