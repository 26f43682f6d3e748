// The last reference of a buffer: before it, the pages still hold what was written (content integrity); after it, invariant 37 (exactly the buffer's pages went back, each chunk whole at its order, to a pool, the deferred list or the page allocator) with the per-heap rules: deferred lists grow by the buffer (53), CPA frees at the high-mark go to the system (55), CMA and chunk heaps clear exactly their bits.
import type { Pfn } from '../../src/base/units.ts';
import type { CmaArea } from '../../src/cma/cma-area.ts';
import { CACHE_WB, CONTENT_ZERO, PAGE_ALLOCATED, PG_CACHE_MASK, PG_CACHE_SHIFT } from '../../src/mem/page-state.ts';
import type { ModelBuffer, ModelChunk } from '../model/heap-model.ts';
import type { HeapEntry } from '../ops/heaps/heap-catalog.ts';
import type { HeapSnapshot } from '../ops/heaps/heap-snapshot.ts';
import type { OpContext } from '../ops/op.ts';
import { fail, type InvariantFailure } from './failure.ts';

/** What a release is compared against. */
export interface ReleaseBefore {
  readonly snapshot: HeapSnapshot;
  readonly usedBits: number;
}

function ownerKind(ctx: OpContext, pfn: Pfn): string {
  const table = ctx.machine.buddy.table;
  const owner = table.owner[table.pageIndex(pfn)] as number;
  return ctx.machine.owners.has(owner) ? ctx.machine.owners.kindOf(owner) : 'none';
}

/** Every page of a live buffer is still allocated to a heap and reads what was written through its mappings. */
export function checkBufferIntact(ctx: OpContext, buffer: ModelBuffer, pfnAt: (page: number) => Pfn): InvariantFailure | undefined {
  ctx.checks++;
  const table = ctx.machine.buddy.table;
  for (let page = 0; page < buffer.pageCount; page++) {
    const pfn = pfnAt(page);
    const index = table.pageIndex(pfn);
    const tag = table.content[index] as number;
    if (tag === buffer.expected[page] && table.state[index] === PAGE_ALLOCATED && ownerKind(ctx, pfn) === 'heap') continue;
    return fail('buffer-content', `buf#${buffer.id} page ${page} (pfn ${pfn}) reads tag ${tag} (state ${table.state[index]}, owner ${ownerKind(ctx, pfn)}), expected tag ${buffer.expected[page]} in a heap buffer`, {
      pfn, expected: buffer.expected[page], actual: tag,
    });
  }
  return undefined;
}

/** Where a released chunk went: 'pool' (all pages pooled, zero), 'free' (no page allocated, write-back), or why it is neither. */
function chunkFate(ctx: OpContext, chunk: ModelChunk): 'pool' | 'free' | string {
  const table = ctx.machine.buddy.table;
  const first = ownerKind(ctx, chunk.pfn) === 'pool' ? 'pool' : 'free';
  for (let pfn = chunk.pfn; pfn < chunk.pfn + 2 ** chunk.order; pfn++) {
    const index = table.pageIndex(pfn);
    const allocated = table.state[index] === PAGE_ALLOCATED;
    if (first === 'pool' && (!allocated || ownerKind(ctx, pfn) !== 'pool')) return `page ${pfn} of the pooled order-${chunk.order} chunk at ${chunk.pfn} is not in the pool`;
    if (first === 'pool' && table.content[index] !== CONTENT_ZERO) return `pooled page ${pfn} holds tag ${table.content[index]}`;
    if (first === 'free' && allocated) return `page ${pfn} of the order-${chunk.order} chunk at ${chunk.pfn} is still allocated (owner ${ownerKind(ctx, pfn)})`;
    if (first === 'free' && (((table.flags[index] as number) & PG_CACHE_MASK) >> PG_CACHE_SHIFT) !== CACHE_WB) return `freed page ${pfn} kept a non-write-back caching`;
  }
  return first;
}

function sumDelta(before: readonly number[], after: readonly number[]): number {
  return after.reduce((sum, value, index) => sum + value - (before[index] ?? 0), 0);
}

/** A system-heap buffer released without deferred freeing: each chunk pooled or freed whole; pool + returned grew by exactly its pages. */
function checkSystemRelease(ctx: OpContext, buffer: ModelBuffer, before: HeapSnapshot, after: HeapSnapshot, familyIndex: number): string | undefined {
  for (const chunk of buffer.chunks) {
    const fate = chunkFate(ctx, chunk);
    if (fate !== 'pool' && fate !== 'free') return fate;
  }
  const was = before.families[familyIndex];
  const now = after.families[familyIndex];
  if (was === undefined || now === undefined) return 'the family vanished';
  const pooled = now.pooled.reduce((sum, row, o) => sum + sumDelta(was.pooled[o] ?? [], row), 0);
  const returned = sumDelta(was.returned, now.returned);
  if (pooled + returned !== buffer.chunkPages) return `pools grew by ${pooled} and returned pages by ${returned} for a ${buffer.chunkPages}-page buffer`;
  const freed = before.allocatedPages - after.allocatedPages;
  return freed === returned ? undefined : `${freed} pages left the allocator's allocated count, ${returned} were returned`;
}

/** A system-heap buffer queued for deferred freeing: the list grew by exactly it, nothing else moved. */
function checkDeferredQueue(ctx: OpContext, buffer: ModelBuffer, before: HeapSnapshot, after: HeapSnapshot, familyIndex: number): string | undefined {
  const was = before.families[familyIndex];
  const now = after.families[familyIndex];
  if (was === undefined || now === undefined) return 'the family vanished';
  if (now.listNrPages !== was.listNrPages + buffer.chunkPages || now.itemCount !== was.itemCount + 1) {
    return `list_nr_pages ${was.listNrPages} → ${now.listNrPages} and items ${was.itemCount} → ${now.itemCount} for a queued ${buffer.chunkPages}-page buffer`;
  }
  if (JSON.stringify(was.pooled) !== JSON.stringify(now.pooled) || after.allocatedPages !== before.allocatedPages) return 'queueing for deferred freeing moved pool or allocator pages';
  const kept = buffer.chunks.find((chunk) => ownerKind(ctx, chunk.pfn) !== 'heap');
  return kept === undefined ? undefined : `chunk at ${kept.pfn} left the heap while queued`;
}

/** CMA and chunk heaps: every page free, exactly the buffer's bits cleared. */
function checkCmaRelease(ctx: OpContext, buffer: ModelBuffer, area: CmaArea, before: ReleaseBefore, after: HeapSnapshot): string | undefined {
  for (const chunk of buffer.chunks) {
    const fate = chunkFate(ctx, chunk);
    if (fate !== 'free') return fate === 'pool' ? `chunk at ${chunk.pfn} went to a pool` : fate;
  }
  const freed = before.snapshot.allocatedPages - after.allocatedPages;
  if (freed !== buffer.chunkPages) return `${freed} pages went back for a ${buffer.chunkPages}-page buffer`;
  const perBit = 2 ** area.orderPerBit;
  const bits = buffer.chunks.length === 0 ? 0 : buffer.kind === 'cma' ? Math.ceil(buffer.chunkPages / perBit) : buffer.chunks.length * Math.ceil(2 ** (buffer.chunks[0] as ModelChunk).order / perBit);
  const cleared = before.usedBits - area.bitmap.usedBits();
  return cleared === bits ? undefined : `${cleared} bits of ${area.name} cleared, expected ${bits}`;
}

/** 55: the pool takes blocks back up to the high-mark, the rest go to the system. */
function checkCpaRelease(ctx: OpContext, buffer: ModelBuffer, entry: HeapEntry, before: HeapSnapshot, after: HeapSnapshot, cpaIndex: number): InvariantFailure | string | undefined {
  const was = before.cpa[cpaIndex];
  const now = after.cpa[cpaIndex];
  const highmark = entry.cpa?.options.highmark ?? 0;
  if (was === undefined || now === undefined) return 'the CPA pool vanished';
  const blocks = buffer.chunks.length;
  const pooled = Math.min(was.blocks + blocks, Math.max(was.blocks, highmark));
  const returned = now.returnedBlocks - was.returnedBlocks;
  if (now.blocks !== pooled || returned !== blocks - (pooled - was.blocks)) {
    return fail('cpa-watermarks', `CPA ${entry.name}: releasing ${blocks} blocks with ${was.blocks} pooled (high-mark ${highmark}) left ${now.blocks} pooled and ${returned} returned`, {
      expected: { pooled, returned: blocks - (pooled - was.blocks) }, actual: { pooled: now.blocks, returned },
    });
  }
  const fates = buffer.chunks.map((chunk) => chunkFate(ctx, chunk));
  const odd = fates.find((fate) => fate !== 'pool' && fate !== 'free');
  if (odd !== undefined) return odd;
  const freed = before.allocatedPages - after.allocatedPages;
  return freed === returned * 2 ** (buffer.chunks[0]?.order ?? 0) ? undefined : `${freed} pages went back for ${returned} returned blocks`;
}

/** Where the release happened, and what was true before it. */
export interface ReleaseCheck {
  readonly buffer: ModelBuffer;
  readonly entry: HeapEntry;
  readonly deferred: boolean;
  readonly familyIndex: number;
  readonly cpaIndex: number;
  readonly before: ReleaseBefore;
  readonly after: HeapSnapshot;
}

/** 37 with the per-heap rules. */
export function checkRelease(ctx: OpContext, check: ReleaseCheck): InvariantFailure | undefined {
  ctx.checks += 3;
  const { buffer, entry, before, after } = check;
  let problem: InvariantFailure | string | undefined;
  if (entry.kind === 'system') {
    problem = check.deferred ? checkDeferredQueue(ctx, buffer, before.snapshot, after, check.familyIndex) : checkSystemRelease(ctx, buffer, before.snapshot, after, check.familyIndex);
  } else if (entry.kind === 'cma' || entry.kind === 'chunk') {
    problem = checkCmaRelease(ctx, buffer, entry.area as CmaArea, before, after);
  } else if (entry.kind === 'cpa') {
    problem = checkCpaRelease(ctx, buffer, entry, before.snapshot, after, check.cpaIndex);
  } else {
    problem = before.snapshot.allocatedPages - after.allocatedPages === buffer.chunkPages ? undefined : `${before.snapshot.allocatedPages - after.allocatedPages} pages went back for a ${buffer.chunkPages}-page buffer`;
  }
  if (problem === undefined || typeof problem !== 'string') return problem;
  return fail('heap-release', `${entry.name}: releasing buf#${buffer.id}: ${problem}`, { buffer: buffer.id });
}

