// The heap audit at audit points (O(memory)): every pooled block (system pools, CPA pools) is in one place only, pool-owned, zero and of its pool's caching; no page is in a pool and a buffer or deferred item; every page a heap or pool owns is in a live or deferred buffer or a pool list; every live buffer's pages hold what was written; the machine's live dma-bufs are the model's.
import type { Pfn } from '../../src/base/units.ts';
import { CACHE_WB, CONTENT_ZERO, PAGE_ALLOCATED, PG_CACHE_MASK, PG_CACHE_SHIFT, type CacheAttr } from '../../src/mem/page-state.ts';
import { FAMILY_ORDERS } from '../ops/heaps/heap-catalog.ts';
import type { HeapLayer } from '../ops/heaps/heap-layer.ts';
import type { OpContext } from '../ops/op.ts';
import { fail, type InvariantFailure } from './failure.ts';
import { checkBufferIntact } from './heap-release.ts';

/** A pooled block as the audit walks it. */
interface PooledBlock {
  readonly where: string;
  readonly pfn: Pfn;
  readonly order: number;
  readonly caching: CacheAttr;
}

function pooledBlocks(layer: HeapLayer): PooledBlock[] {
  const blocks: PooledBlock[] = [];
  for (const family of layer.catalog.families) {
    const pools = family.pools;
    if (pools === undefined) continue;
    for (const order of FAMILY_ORDERS) {
      for (const caching of family.cachings) {
        for (const pfn of pools.pooledBlocks(order, caching)) blocks.push({ where: `${pools.name} o${order}/c${caching}`, pfn, order, caching });
      }
    }
  }
  for (const pool of layer.catalog.cpaPools) {
    for (const pfn of pool.pooledBlocks()) blocks.push({ where: pool.name, pfn, order: pool.options.order, caching: CACHE_WB });
  }
  return blocks;
}

/** Marks each pooled page (1) and checks it is nowhere else, pool-owned, zero, of the pool's caching. */
function checkPools(ctx: OpContext, layer: HeapLayer, pooled: Uint8Array): InvariantFailure | undefined {
  const table = ctx.machine.buddy.table;
  const base = layer.model.pfnBase;
  for (const block of pooledBlocks(layer)) {
    for (let pfn = block.pfn; pfn < block.pfn + 2 ** block.order; pfn++) {
      const index = table.pageIndex(pfn);
      const buffer = layer.model.bufferAt(pfn);
      const owner = table.owner[index] as number;
      const problem = pooled[pfn - base] === 1 ? 'is pooled twice'
        : buffer !== undefined ? `is also in buf#${buffer.id}`
        : table.state[index] !== PAGE_ALLOCATED || !ctx.machine.owners.has(owner) || ctx.machine.owners.kindOf(owner) !== 'pool' ? `is not allocated to a pool (state ${table.state[index]}, owner ${owner})`
        : table.content[index] !== CONTENT_ZERO ? `holds tag ${table.content[index]}`
        : (((table.flags[index] as number) & PG_CACHE_MASK) >> PG_CACHE_SHIFT) !== block.caching ? 'has another caching attribute' : undefined;
      if (problem !== undefined) {
        const invariant = problem.startsWith('holds') ? 'heap-zeroed' : problem.startsWith('has another') ? 'pool-hit-miss' : 'buffer-disjoint';
        return fail(invariant, `${block.where}: page ${pfn} of the pooled block at ${block.pfn} ${problem}`, { pfn });
      }
      pooled[pfn - base] = 1;
    }
  }
  return undefined;
}

/** A page outside heaps and pools (free, or anyone else's) is write-back: set_pages_wb() ran when it left a heap. */
function cachingProblem(ctx: OpContext, index: number, kind: string | undefined): boolean {
  if (kind === 'heap' || kind === 'pool') return false;
  return (((ctx.machine.buddy.table.flags[index] as number) & PG_CACHE_MASK) >> PG_CACHE_SHIFT) !== CACHE_WB;
}

/** Every page a heap or a pool owns is in a buffer (live or deferred) or a pool list; every other page is write-back. */
function checkOwnedPages(ctx: OpContext, layer: HeapLayer, pooled: Uint8Array): InvariantFailure | undefined {
  const table = ctx.machine.buddy.table;
  const owners = ctx.machine.owners;
  const { model } = layer;
  for (let pfn = model.pfnBase; pfn < model.pfnEnd; pfn++) {
    const index = table.pageIndex(pfn);
    const owner = table.owner[index] as number;
    const allocated = table.state[index] === PAGE_ALLOCATED && owners.has(owner);
    const kind = allocated ? owners.kindOf(owner) : undefined;
    if (cachingProblem(ctx, index, kind)) return fail('pool-hit-miss', `pfn ${pfn} (${allocated ? `allocated to ${owners.labelOf(owner)}` : 'not allocated'}) is not write-back`, { pfn });
    if (kind === undefined) continue;
    if (kind === 'heap' && model.bufferAt(pfn) === undefined) return fail('heap-release', `pfn ${pfn} is allocated to heap ${owners.labelOf(owner)} but no live or deferred buffer holds it (leaked)`, { pfn });
    if (kind === 'pool' && pooled[pfn - model.pfnBase] !== 1) return fail('pool-conservation', `pfn ${pfn} is allocated to ${owners.labelOf(owner)} but is in no pool list (leaked)`, { pfn });
  }
  return undefined;
}

/** The machine's live dma-bufs are exactly the model's buffers, and each buffer's pages hold what was written. */
function checkBuffers(ctx: OpContext, layer: HeapLayer): InvariantFailure | undefined {
  const live = ctx.machine.heaps?.buffers.live() ?? [];
  const modelled = new Set(layer.model.buffers.map((buffer) => layer.bufOf(buffer)));
  const stray = live.find((buf) => !modelled.has(buf));
  if (stray !== undefined || live.length !== modelled.size) return fail('buffer-refs', `the machine has ${live.length} live dma-bufs, the model ${modelled.size}${stray === undefined ? '' : ` (dma-buf ${stray.id} is unknown)`}`, { expected: modelled.size, actual: live.length });
  for (const buffer of layer.model.buffers) {
    const buf = layer.bufOf(buffer);
    const failure = checkBufferIntact(ctx, buffer, (page) => buf.pfnAt(page));
    if (failure !== undefined) return failure;
  }
  return undefined;
}

/** The full heap audit. */
export function auditHeaps(ctx: OpContext, layer: HeapLayer): InvariantFailure | undefined {
  ctx.checks += 4;
  const pooled = new Uint8Array(layer.model.pfnEnd - layer.model.pfnBase);
  return checkPools(ctx, layer, pooled) ?? checkOwnedPages(ctx, layer, pooled) ?? checkBuffers(ctx, layer);
}
