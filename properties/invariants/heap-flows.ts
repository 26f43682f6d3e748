// After every op (O(pools)): pool conservation per (family, order, caching) with the per-caching ledger (47), shrinker counts (49), the TTM limit (52), static rings (54), CPA block conservation, high-mark bound and refill progress (55).
import type { Order } from '../../src/base/units.ts';
import type { CpaPool } from '../../src/heaps/cpa-pool.ts';
import { GFP_KERNEL } from '../../src/mem/gfp.ts';
import type { HeapModel } from '../model/heap-model.ts';
import { FAMILY_ORDERS, pooledPagesOf, returnedPagesOf, type SystemFamily } from '../ops/heaps/heap-catalog.ts';
import type { CachingLedger, HeapLayer } from '../ops/heaps/heap-layer.ts';
import { CACHINGS, type CpaSnapshot, type HeapSnapshot } from '../ops/heaps/heap-snapshot.ts';
import type { OpContext } from '../ops/op.ts';
import { fail, type InvariantFailure } from './failure.ts';

/** SHRINK_EMPTY as count_objects reports it. */
const SHRINK_EMPTY = -2;

/** 47 per order: pool + live buffers + deferred + returned == obtained, from the family's own counters and the model. */
function checkFamilyOrders(model: HeapModel, family: SystemFamily): InvariantFailure | undefined {
  for (const order of FAMILY_ORDERS) {
    const pooled = pooledPagesOf(family, order);
    const inUse = CACHINGS.reduce<number>((sum, caching) => sum + model.livePagesOf(family.name, order, caching), 0);
    const deferred = CACHINGS.reduce<number>((sum, caching) => sum + model.deferredPagesOf(family.name, order, caching), 0);
    const returned = returnedPagesOf(family, order);
    const obtained = family.stats.obtainedPages(order);
    if (pooled + inUse + deferred + returned === obtained) continue;
    return fail('pool-conservation', `${family.name} order ${order}: pool ${pooled} + in use ${inUse} + deferred ${deferred} + returned ${returned} = ${pooled + inUse + deferred + returned}, obtained ${obtained}`, {
      expected: obtained, actual: pooled + inUse + deferred + returned, order, pooled, inUse, deferred, returned,
    });
  }
  return undefined;
}

/**
 * 47 per caching: pages obtained in this op belong to the caching of the family heap that allocated
 * (none may appear otherwise); the pages each caching gave back are what it obtained minus what it
 * still holds, which may never shrink, and the cachings' sum is the family's returned count.
 */
function checkFamilyCachings(layer: HeapLayer, family: SystemFamily, index: number, before: HeapSnapshot): InvariantFailure | undefined {
  const ledger = layer.ledgers.get(family.name) as CachingLedger;
  const allocating = layer.notes.allocatingCaching.get(family.name);
  for (const [o, order] of FAMILY_ORDERS.entries()) {
    const gained = family.stats.obtainedPages(order) - (before.families[index]?.obtained[o] ?? 0);
    if (gained !== 0 && allocating === undefined) {
      return fail('pool-conservation', `${family.name}: ${gained} order-${order} pages obtained in an op where none of its heaps allocated`, { order, actual: gained });
    }
    if (allocating !== undefined) (ledger.obtained[o] as number[])[allocating] = ((ledger.obtained[o] as number[])[allocating] as number) + gained;
    const failure = settleReturned(layer.model, family, ledger, o, order);
    if (failure !== undefined) return failure;
  }
  return undefined;
}

function settleReturned(model: HeapModel, family: SystemFamily, ledger: CachingLedger, o: number, order: Order): InvariantFailure | undefined {
  let total = 0;
  for (const caching of CACHINGS) {
    const pooled = family.cachings.includes(caching) ? pooledPagesOf(family, order, caching) : 0;
    const held = pooled + model.livePagesOf(family.name, order, caching) + model.deferredPagesOf(family.name, order, caching);
    const returned = ((ledger.obtained[o] as number[])[caching] as number) - held;
    const was = (ledger.returned[o] as number[])[caching] as number;
    if (returned < was) {
      return fail('pool-conservation', `${family.name} order ${order} caching ${caching}: holds ${held} pages, more than the ${(ledger.obtained[o] as number[])[caching]} obtained minus ${was} returned (pages crossed cachings)`, { order, caching, expected: `<= ${(ledger.obtained[o] as number[])[caching] as number - was}`, actual: held });
    }
    (ledger.returned[o] as number[])[caching] = returned;
    total += returned;
  }
  const real = returnedPagesOf(family, order);
  return total === real ? undefined : fail('pool-conservation', `${family.name} order ${order}: the cachings gave back ${total} pages, the counters say ${real}`, { order, expected: real, actual: total });
}

/** 49, 52, 54 for one family's pools and deferred list. */
function checkFamilyShrinkers(ctx: OpContext, layer: HeapLayer, family: SystemFamily): InvariantFailure | undefined {
  const shrinkers = layer.machine.shrinkers;
  const pools = family.pools;
  if (pools !== undefined) {
    const pooled = pools.pooledPages();
    const registered = shrinkers.names().includes(pools.name);
    if (pools.options.variant === 'static') {
      if (registered) return fail('static-pool', `static pool ${pools.name} is registered as a shrinker`, {});
      const over = FAMILY_ORDERS.flatMap((order) => family.cachings.map((caching) => ({ order, caching, entries: pools.pooledPages(order, caching) / 2 ** order })))
        .find((pool) => pool.entries > pools.options.staticEntries);
      if (over !== undefined) return fail('static-pool', `static pool order ${over.order} caching ${over.caching} holds ${over.entries} entries, ring size ${pools.options.staticEntries}`, { expected: pools.options.staticEntries, actual: over.entries });
    } else {
      const count = shrinkers.count(pools.name, GFP_KERNEL);
      const expected = pooled === 0 && pools.options.style === 'ttm' ? SHRINK_EMPTY : pooled;
      if (!count.ok || count.value !== expected) return fail('shrinker-count', `${pools.name}: count ${count.ok ? count.value : count.errno}, ${pooled} pages pooled`, { expected, actual: count.ok ? count.value : count.errno });
      if (pools.options.style === 'ttm' && pooled > pools.options.limitPages) return fail('ttm-pool-limit', `${pools.name}: ${pooled} pages pooled, page_pool_size ${pools.options.limitPages}`, { expected: `<= ${pools.options.limitPages}`, actual: pooled });
    }
  }
  ctx.checks += 3;
  const list = family.deferred;
  if (list === undefined) return undefined;
  const count = shrinkers.count(list.name, GFP_KERNEL);
  const expected = layer.model.deferredPages(family.name);
  if (count.ok && count.value === expected) return undefined;
  return fail('shrinker-count', `${list.name}: count ${count.ok ? count.value : count.errno}, ${expected} pages on the list`, { expected, actual: count.ok ? count.value : count.errno });
}

/** 55 (and 47, 49 for blocks): conservation, count, high-mark bound and, when time advanced, refill progress. */
function checkCpaPool(ctx: OpContext, layer: HeapLayer, pool: CpaPool, was: CpaSnapshot | undefined, before: HeapSnapshot): InvariantFailure | undefined {
  ctx.checks += 4;
  const { traffic, options } = pool;
  const inUse = layer.model.liveChunksOf(options.name);
  if (traffic.obtainedBlocks !== traffic.returnedBlocks + pool.blockCount + inUse) {
    return fail('pool-conservation', `CPA ${options.name}: obtained ${traffic.obtainedBlocks} blocks, returned ${traffic.returnedBlocks} + pooled ${pool.blockCount} + in buffers ${inUse}`, { expected: traffic.obtainedBlocks, actual: traffic.returnedBlocks + pool.blockCount + inUse });
  }
  const count = layer.machine.shrinkers.count(pool.name, GFP_KERNEL);
  if (!count.ok || count.value !== pool.pooledPages) return fail('shrinker-count', `${pool.name}: count ${count.ok ? count.value : count.errno}, ${pool.pooledPages} pages pooled`, { expected: pool.pooledPages, actual: count.ok ? count.value : count.errno });
  if (pool.blockCount > options.highmark) return fail('cpa-watermarks', `CPA ${options.name}: ${pool.blockCount} blocks pooled above the high-mark ${options.highmark}`, { expected: `<= ${options.highmark}`, actual: pool.blockCount });
  if (was === undefined || !was.refillPending || layer.machine.env.clock.nowNs() === before.nowNs) return undefined;
  // Why not "blocks >= fillmark": another pool's refill may reclaim (shrink this pool) later in the same tick.
  const obtained = traffic.obtainedBlocks - was.obtainedBlocks;
  const ranOut = layer.machine.events.get('pgalloc_fail') > before.allocFailures;
  if (pool.blockCount >= options.fillmark || ranOut || obtained >= options.fillmark - was.blocks) return undefined;
  return fail('cpa-watermarks', `CPA ${options.name}: the refill ran with ${was.blocks} blocks pooled, obtained only ${obtained} blocks towards the fill-mark ${options.fillmark} (now ${pool.blockCount}) and no allocation failed`, {
    expected: `>= ${options.fillmark - was.blocks} blocks obtained`, actual: obtained,
  });
}

/**
 * 53's progress rule for one tick with no reclaim: a worker with items handles at least one, keeps
 * going while it has handled less than its budget, and stops once it reached the budget or the list is empty.
 */
function checkWorkerTick(layer: HeapLayer, family: SystemFamily, index: number, before: HeapSnapshot): InvariantFailure | undefined {
  const list = family.deferred;
  const had = before.families[index]?.listNrPages ?? 0;
  if (list === undefined || had === 0) return undefined;
  const popped = layer.popped.get(family.name) ?? [];
  const handled = popped.reduce((sum, pages) => sum + pages, 0);
  const beforeLast = handled - (popped[popped.length - 1] ?? 0);
  const stoppedRight = list.listNrPages === 0 || handled >= list.budgetPages;
  if (popped.length > 0 && beforeLast < list.budgetPages && stoppedRight) return undefined;
  return fail('deferred-free', `${list.name}: a tick handled ${popped.length} items (${handled} pages) of a ${had}-page list with a ${list.budgetPages}-page budget, leaving ${list.listNrPages}`, {
    expected: `at least one item, until ${list.budgetPages} pages or the list is empty`, actual: popped,
  });
}

/** Every after-op heap check; the model's deferred lists were synced just before. */
export function checkHeapFlows(ctx: OpContext, layer: HeapLayer): InvariantFailure | undefined {
  const before = layer.last;
  const { catalog } = layer;
  for (const [index, family] of catalog.families.entries()) {
    ctx.checks += 2;
    const ticked = layer.machine.env.clock.nowNs() !== before.nowNs && layer.machine.events.get('shrinker_scan') === before.shrinkerScans;
    const failure = checkFamilyOrders(layer.model, family) ?? checkFamilyCachings(layer, family, index, before) ?? checkFamilyShrinkers(ctx, layer, family)
      ?? (ticked ? checkWorkerTick(layer, family, index, before) : undefined);
    if (failure !== undefined) return failure;
  }
  for (const [index, pool] of catalog.cpaPools.entries()) {
    const failure = checkCpaPool(ctx, layer, pool, before.cpa[index], before);
    if (failure !== undefined) return failure;
  }
  return undefined;
}
