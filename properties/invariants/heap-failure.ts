// Checks on a heap allocation that failed: invariants 40-41 (the ioctl's EINVAL cases happen before any allocation and change nothing at all) and 35 (any later failure gives back everything it obtained: page counts, pool entries, counters, CMA bits, no dma-buf), with 38 and 44's "bitmap unchanged".
import type { Errno } from '../../src/base/errno.ts';
import type { CmaArea } from '../../src/cma/cma-area.ts';
import type { HeapSnapshot } from '../ops/heaps/heap-snapshot.ts';
import type { OpContext } from '../ops/op.ts';
import { fail, type InvariantFailure } from './failure.ts';

/** What an allocation call is compared against. */
export interface AllocBefore {
  readonly snapshot: HeapSnapshot;
  /** Every vm event counter (an EINVAL must leave each one as it was). */
  readonly events: Readonly<Record<string, number>>;
  /** Live dma-bufs of the machine. */
  readonly liveBuffers: number;
  /** Each CMA area's bitmap, one byte per bit. */
  readonly bitmaps: ReadonlyMap<string, Uint8Array>;
  /** Each CPA pool's pooled block PFNs. */
  readonly cpaBlocks: readonly (readonly number[])[];
}

/** One byte per bit of `area`'s bitmap. */
export function bitmapBytes(area: CmaArea): Uint8Array {
  const bits = new Uint8Array(area.bitmap.bitmapMaxno);
  for (let bit = 0; bit < bits.length; bit++) bits[bit] = area.bitmap.isBitSet(bit) ? 1 : 0;
  return bits;
}

function firstChangedBit(before: Uint8Array, area: CmaArea): number {
  for (let bit = 0; bit < before.length; bit++) if ((before[bit] === 1) !== area.bitmap.isBitSet(bit)) return bit;
  return -1;
}

function changedEvent(before: Readonly<Record<string, number>>, after: Readonly<Record<string, number>>): string | undefined {
  return Object.keys(after).find((name) => before[name] !== after[name]);
}

/** 40-41: a predicted EINVAL came back as EINVAL and nothing at all changed (every event counter, pages, pools, buffers). */
export function checkIoctlRejected(ctx: OpContext, why: string, errno: Errno | 'ok', before: AllocBefore, after: AllocBefore): InvariantFailure | undefined {
  ctx.checks++;
  if (errno !== 'EINVAL') return fail('heap-ioctl', `${why} must be EINVAL before any allocation, got ${errno}`, { expected: 'EINVAL', actual: errno });
  const event = changedEvent(before.events, after.events);
  if (event !== undefined) return fail('heap-ioctl', `${why}: rejected, but vm event ${event} moved (${before.events[event]} → ${after.events[event]})`, { expected: before.events[event], actual: after.events[event] });
  const a = JSON.stringify({ ...before.snapshot, nowNs: 0 });
  const b = JSON.stringify({ ...after.snapshot, nowNs: 0 });
  if (a !== b || before.liveBuffers !== after.liveBuffers) return fail('heap-ioctl', `${why}: rejected, but pages, pools or buffers changed`, { expected: a, actual: b });
  return undefined;
}

/** Pages a family's buffers hold: Σ (obtained − returned − pooled) over orders, minus the deferred list. */
function inBufferPages(family: HeapSnapshot['families'][number]): number {
  let pages = -family.listNrPages;
  for (const [o, row] of family.pooled.entries()) pages += (family.obtained[o] ?? 0) - (family.returned[o] ?? 0) - row.reduce((sum, p) => sum + p, 0);
  return pages;
}

/** A value the failed call changed although it had to give it back (with reclaim, pages and pools may only have shrunk). */
function changedCounter(before: HeapSnapshot, after: HeapSnapshot, reclaimed: boolean): string | undefined {
  if (after.allocatedPages > before.allocatedPages || (!reclaimed && after.allocatedPages !== before.allocatedPages)) {
    return `allocated pages ${before.allocatedPages} → ${after.allocatedPages}`;
  }
  for (const [f, family] of after.families.entries()) {
    const was = before.families[f];
    if (was === undefined) continue;
    for (const [o, row] of family.pooled.entries()) {
      for (const [c, pages] of row.entries()) {
        const old = was.pooled[o]?.[c] ?? 0;
        if (pages > old || (!reclaimed && pages !== old)) return `pool (order index ${o}, caching ${c}) ${old} → ${pages} pages`;
      }
    }
    if (inBufferPages(was) !== inBufferPages(family)) return `pages obtained and neither returned, pooled nor deferred ${inBufferPages(was)} → ${inBufferPages(family)}`;
  }
  return undefined;
}

function changedCpa(ctx: OpContext, before: AllocBefore, reclaimed: boolean, pools: readonly { pooledBlocks(): readonly number[]; traffic: { obtainedBlocks: number; returnedBlocks: number } }[]): string | undefined {
  for (const [index, pool] of pools.entries()) {
    const was = before.cpaBlocks[index] ?? [];
    const now = pool.pooledBlocks();
    const kept = reclaimed ? now.every((pfn) => was.includes(pfn)) : now.join() === was.join();
    if (!kept) return `CPA pool ${index} blocks [${was.join(',')}] → [${now.join(',')}]`;
    const snap = before.snapshot.cpa[index];
    if (snap !== undefined && pool.traffic.obtainedBlocks - pool.traffic.returnedBlocks - now.length !== snap.obtainedBlocks - snap.returnedBlocks - was.length) {
      ctx.checks++;
      return `CPA pool ${index} kept blocks it obtained`;
    }
  }
  return undefined;
}

/**
 * 35 (and 38/44 on failure): ENOMEM (or, from a heap that checks fatal_signal_pending(), EINTR), and
 * nothing obtained is kept; with reclaim during the call, pages and pools may only have shrunk.
 */
export function checkAllocRolledBack(
  ctx: OpContext, heapName: string, allowsEintr: boolean, errno: Errno, before: AllocBefore, after: AllocBefore, areas: readonly CmaArea[],
  cpaPools: readonly { pooledBlocks(): readonly number[]; traffic: { obtainedBlocks: number; returnedBlocks: number } }[],
): InvariantFailure | undefined {
  ctx.checks += 3;
  const reclaimed = after.snapshot.shrinkerScans !== before.snapshot.shrinkerScans;
  const problem = (errno === 'ENOMEM' || (errno === 'EINTR' && allowsEintr) ? undefined : `errno ${errno} (only ENOMEM${allowsEintr ? ' or EINTR' : ''})`)
    ?? (after.liveBuffers !== before.liveBuffers ? `live dma-bufs ${before.liveBuffers} → ${after.liveBuffers}` : undefined)
    ?? changedCounter(before.snapshot, after.snapshot, reclaimed)
    ?? changedCpa(ctx, before, reclaimed, cpaPools)
    ?? changedBitmap(before, areas);
  return problem === undefined ? undefined : fail('heap-failure-atomic', `${heapName}: failed with ${errno} but ${problem}`, { errno });
}

function changedBitmap(before: AllocBefore, areas: readonly CmaArea[]): string | undefined {
  for (const area of areas) {
    const bits = before.bitmaps.get(area.name);
    if (bits === undefined) continue;
    const bit = firstChangedBit(bits, area);
    if (bit >= 0) return `bit ${bit} of CMA area ${area.name} changed`;
  }
  return undefined;
}
