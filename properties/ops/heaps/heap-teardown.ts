// The heap layer's part of the end-state oracle: drop every reference of every buffer (each release checked), release the hogs, tick the deferred-free worker to idle (53) and the CPA refill until it settles (55), empty every shrinker-controlled pool and CPA pool through its shrinker, and tear down static rings with their destroy verb.
//
// Why static rings are drained rather than shrunk: a net page_pool ring has no shrinker (54), so no
// reclaim path can empty it; page_pool_destroy() is how its pages go back, and PagePoolSet.drain()
// is that verb. Every other pool is emptied only through its registered shrinker.
import type { PagePoolSet } from '../../../src/heaps/page-pool.ts';
import { GFP_KERNEL } from '../../../src/mem/gfp.ts';
import { fail, type InvariantFailure } from '../../invariants/failure.ts';
import { checkScan } from '../../invariants/shrinker-contract.ts';
import type { OpContext } from '../op.ts';
import { dropReference } from './buffer-refs.ts';
import { FAMILY_ORDERS } from './heap-catalog.ts';
import type { HeapLayer } from './heap-layer.ts';
import { takeHeapSnapshot } from './heap-snapshot.ts';
import { releaseHogs } from './hog-ops.ts';

/** Ticks of 1 ms the teardown allows the workers beyond one per deferred item and page (each tick handles at least one item). */
const TEARDOWN_TICKS_SLACK = 10_000;

/** Drops every attachment, mapping and fd of every live buffer, oldest buffer first. */
function closeBuffers(ctx: OpContext, layer: HeapLayer): InvariantFailure | undefined {
  for (const buffer of [...layer.model.buffers]) {
    const buf = layer.bufOf(buffer);
    for (const attachment of [...buffer.attachments]) {
      const failure = dropReference(ctx, layer, buffer, () => buf.detach(attachment.realId), () => layer.model.removeAttachment(attachment));
      if (failure !== undefined) return failure;
    }
    for (const map of [...buffer.maps]) {
      const failure = dropReference(ctx, layer, buffer, () => buf.munmap(map.realId), () => layer.model.removeMap(map));
      if (failure !== undefined) return failure;
    }
    while (buffer.fds > 0) {
      const failure = dropReference(ctx, layer, buffer, () => buf.close(), () => {
        buffer.fds--;
      });
      if (failure !== undefined) return failure;
    }
  }
  return layer.afterOp(ctx);
}

/** True while a worker still has work: a non-empty deferred list or a CPA refill pending with room to fill. */
function workersBusy(layer: HeapLayer): boolean {
  return layer.catalog.families.some((family) => (family.deferred?.listNrPages ?? 0) > 0 || (family.deferred?.itemCount ?? 0) > 0)
    || layer.catalog.cpaPools.some((pool) => pool.isRefillPending);
}

/** Ticks until the workers are idle (each tick checked); 53: an idle deferred worker leaves its list empty. */
function tickToIdle(ctx: OpContext, layer: HeapLayer): InvariantFailure | undefined {
  const ticksMax = TEARDOWN_TICKS_SLACK + layer.catalog.families.reduce((sum, family) => sum + (family.deferred?.listNrPages ?? 0) + (family.deferred?.itemCount ?? 0), 0);
  for (let tick = 0; tick < ticksMax && workersBusy(layer); tick++) {
    const failedBefore = layer.machine.events.get('pgalloc_fail');
    layer.machine.tick();
    const failure = layer.afterOp(ctx);
    if (failure !== undefined) return failure;
    // Why: a refill that keeps failing would tick forever; memory ran out, which 55 allows.
    if (layer.machine.events.get('pgalloc_fail') > failedBefore && !layer.catalog.families.some((family) => (family.deferred?.itemCount ?? 0) > 0)) break;
  }
  const stuck = layer.catalog.families.find((family) => (family.deferred?.listNrPages ?? 0) !== 0 || (family.deferred?.itemCount ?? 0) !== 0);
  if (stuck === undefined) return undefined;
  return fail('deferred-free', `${stuck.deferred?.name}: ${stuck.deferred?.itemCount} items, list_nr_pages ${stuck.deferred?.listNrPages} after the worker ran ${ticksMax} ticks`, { expected: 0, actual: stuck.deferred?.listNrPages });
}

/** Empties one shrinker by scanning it (each scan checked) until its count is 0 or SHRINK_EMPTY; every scan must free something. */
function shrinkEmpty(ctx: OpContext, layer: HeapLayer, name: string, style: 'ion' | 'ttm' | 'cpa', objectPagesMax: number): InvariantFailure | undefined {
  const shrinkers = layer.machine.shrinkers;
  for (;;) {
    const count = shrinkers.count(name, GFP_KERNEL);
    if (!count.ok || count.value <= 0) return undefined;
    const before = takeHeapSnapshot(layer.machine, layer.catalog);
    const report = shrinkers.scanOne(name, count.value, GFP_KERNEL);
    if (!report.ok) return fail('shrinker-scan', `${name}: ${report.detail}`, {});
    const failure = checkScan(ctx, {
      name, style, objectPagesMax, nrToScan: count.value, countBefore: report.value.countBefore, countAfter: report.value.countAfter, freed: report.value.freedPages,
      before, after: takeHeapSnapshot(layer.machine, layer.catalog), staticBefore: 0, staticAfter: 0,
    }) ?? layer.afterOp(ctx);
    if (failure !== undefined) return failure;
    // Why: progress bounds the loop; a ttm scan frees one entry, so a large pool takes as many scans as it has entries.
    if (report.value.freedPages === 0) return fail('shrinker-scan', `${name}: scan(${count.value}) freed nothing while counting ${count.value} pages`, { expected: '> 0', actual: 0 });
  }
}

/** page_pool_destroy() of a static ring (it has no shrinker), then the after-op checks. */
function destroyRing(ctx: OpContext, layer: HeapLayer, pools: PagePoolSet): InvariantFailure | undefined {
  pools.drain();
  return layer.afterOp(ctx);
}

/** Empties every pool: shrinker-controlled ones through their shrinkers, static rings with their destroy verb, CPA pools through theirs. */
function emptyPools(ctx: OpContext, layer: HeapLayer): InvariantFailure | undefined {
  for (const family of layer.catalog.families) {
    const pools = family.pools;
    if (pools === undefined) continue;
    const failure = pools.options.variant === 'static' ? destroyRing(ctx, layer, pools) : shrinkEmpty(ctx, layer, pools.name, pools.options.style, 256);
    if (failure !== undefined) return failure;
  }
  for (const pool of layer.catalog.cpaPools) {
    const failure = shrinkEmpty(ctx, layer, pool.name, 'cpa', 2 ** pool.options.order);
    if (failure !== undefined) return failure;
  }
  return undefined;
}

/** Everything obtained went back: for every family and order, returned == obtained; CPA likewise. */
function checkAllReturned(layer: HeapLayer): InvariantFailure | undefined {
  for (const family of layer.catalog.families) {
    for (const order of FAMILY_ORDERS) {
      const obtained = family.stats.obtainedPages(order);
      const returned = family.stats.returnedPages(order) + (family.pools?.returnedPages(order) ?? 0);
      if (obtained !== returned) return fail('pool-conservation', `${family.name} order ${order}: obtained ${obtained} pages, returned ${returned} after tearing everything down`, { expected: obtained, actual: returned });
    }
  }
  const kept = layer.catalog.cpaPools.find((pool) => pool.traffic.obtainedBlocks !== pool.traffic.returnedBlocks);
  if (kept === undefined) return undefined;
  return fail('pool-conservation', `${kept.name}: obtained ${kept.traffic.obtainedBlocks} blocks, returned ${kept.traffic.returnedBlocks} after tearing everything down`, { expected: kept.traffic.obtainedBlocks, actual: kept.traffic.returnedBlocks });
}

/** The whole teardown; the first broken check wins. */
export function releaseEverything(ctx: OpContext, layer: HeapLayer): InvariantFailure | undefined {
  return closeBuffers(ctx, layer)
    ?? releaseHogs(layer)
    ?? layer.afterOp(ctx)
    ?? tickToIdle(ctx, layer)
    ?? emptyPools(ctx, layer)
    ?? checkAllReturned(layer);
}
