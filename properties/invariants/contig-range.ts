// Kernel-reference invariants 17-19 and 22 as predictions the model makes before alloc_contig_range / alloc_contig_pages runs: what must make it fail, and which candidates alloc_contig_pages may try.
import type { Errno } from '../../src/base/errno.ts';
import type { PageCount, Pfn } from '../../src/base/units.ts';
import { __GFP_HIGHMEM, __GFP_MOVABLE, type Gfp } from '../../src/mem/gfp.ts';
import { MIGRATE_MOVABLE } from '../../src/mem/migratetype.ts';
import { FACT_CMA, FACT_MANAGED, FACT_MOVABLE_ZONE } from '../model/layout-facts.ts';
import type { ContigCall } from '../ops/contig/contig-spy.ts';
import type { OpContext } from '../ops/op.ts';
import { fail, type InvariantFailure, type InvariantName } from './failure.ts';

/** Why the model knows a range cannot be taken. */
export interface BusyReason {
  /** 17 (an unmovable page or a CMA pageblock), 18 (a pinned or orphaned page), 19 (an isolated pageblock). */
  readonly invariant: Extract<InvariantName, 'contig-unmovable' | 'contig-pinned' | 'contig-isolated'>;
  readonly text: string;
  /** 17 and 19 fail at isolation, before any migration. */
  readonly beforeMigration: boolean;
}

/**
 * The call must fail: EBUSY when the reason stops isolation (17, 19: and then nothing was migrated);
 * for a pinned page (18) any documented failure (another page may run out of targets first).
 */
export function checkPredictedBusy(ctx: OpContext, reason: BusyReason | undefined, call: ContigCall | undefined, migratedBefore: number): InvariantFailure | undefined {
  ctx.checks++;
  if (reason === undefined || call === undefined) return undefined;
  const where = `alloc_contig_range [${call.pfnStart}, ${call.pfnEnd})`;
  if (call.result === 'ok') return fail(reason.invariant, `${where} succeeded although ${reason.text}`, { expected: 'EBUSY', actual: 'ok' });
  if (!reason.beforeMigration) return undefined;
  const migrated = ctx.machine.events.get('pgmigrate_success') - migratedBefore;
  if (call.result === 'EBUSY' && migrated === 0 && (call.report?.migrationRounds ?? 0) === 0) return undefined;
  return fail(reason.invariant, `${where} returned ${call.result} after ${call.report?.migrationRounds ?? 0} migration rounds (${migrated} pages moved) although ${reason.text}`, {
    expected: 'EBUSY, nothing migrated', actual: { errno: call.result, rounds: call.report?.migrationRounds ?? 0, migrated },
  });
}

/** ALIGN(x, a) the kernel's way, `(x + a - 1) & ~(a - 1)`, on 32-bit PFNs. */
export function kernelAlign(value: number, alignment: number): number {
  return ((value + alignment - 1) & ~(alignment - 1)) >>> 0;
}

/** One zone as alloc_contig_pages walks it. */
export interface ZoneSpan {
  readonly pfnStart: Pfn;
  readonly pfnEnd: Pfn;
}

/**
 * Invariant 22: every candidate alloc_contig_pages(nr) tried is alloc_contig_range(MIGRATE_MOVABLE)
 * of exactly nr pages at ALIGN(zone_start, nr) + k·nr, whole in one zone, with no hole or reserved
 * page; within a zone candidates increase. The result is the last candidate (or ENOMEM after all
 * failed), in a zone `gfp` may use and outside CMA.
 */
export function checkContigCandidates(ctx: OpContext, nr: PageCount, gfp: Gfp, zones: readonly ZoneSpan[], calls: readonly ContigCall[], result: { pfn: Pfn } | { errno: Errno }): InvariantFailure | undefined {
  ctx.checks++;
  const lastInZone = new Map<Pfn, Pfn>();
  for (const [i, call] of calls.entries()) {
    const zone = zones.find((z) => call.pfnStart >= z.pfnStart && call.pfnStart < z.pfnEnd);
    const base = zone === undefined ? -1 : kernelAlign(zone.pfnStart, nr);
    const aligned = zone !== undefined && call.pfnStart >= base && (call.pfnStart - base) % nr === 0;
    if (!aligned || call.pfnEnd - call.pfnStart !== nr || call.pfnEnd > (zone?.pfnEnd ?? 0) || call.migratetype !== MIGRATE_MOVABLE) {
      return fail('contig-candidates', `alloc_contig_pages(${nr}) candidate ${i} is [${call.pfnStart}, ${call.pfnEnd})`, { expected: zone === undefined ? 'inside a zone' : `${base} + k·${nr} inside [${zone.pfnStart}, ${zone.pfnEnd})`, actual: call.pfnStart });
    }
    for (let pfn = call.pfnStart; pfn < call.pfnEnd; pfn++) {
      if ((ctx.facts.factsOf(pfn) & FACT_MANAGED) === 0) return fail('contig-candidates', `alloc_contig_pages(${nr}) tried [${call.pfnStart}, ${call.pfnEnd}) holding the hole or reserved page ${pfn}`, { pfn });
    }
    const previous = lastInZone.get(zone.pfnStart);
    if (previous !== undefined && call.pfnStart <= previous) {
      return fail('contig-candidates', `alloc_contig_pages(${nr}) tried ${call.pfnStart} after ${previous} in the same zone`, { expected: `> ${previous}`, actual: call.pfnStart });
    }
    lastInZone.set(zone.pfnStart, call.pfnStart);
  }
  return checkCandidateResult(ctx, nr, gfp, calls, result);
}

function checkCandidateResult(ctx: OpContext, nr: PageCount, gfp: Gfp, calls: readonly ContigCall[], result: { pfn: Pfn } | { errno: Errno }): InvariantFailure | undefined {
  const last = calls[calls.length - 1];
  if ('errno' in result) {
    if (result.errno === 'ENOMEM' && calls.every((call) => call.result !== 'ok')) return undefined;
    return fail('contig-candidates', `alloc_contig_pages(${nr}) failed with ${result.errno} after ${calls.length} candidates`, { expected: 'ENOMEM after every candidate failed', actual: result.errno });
  }
  if (last === undefined || last.result !== 'ok' || last.pfnStart !== result.pfn) {
    return fail('contig-candidates', `alloc_contig_pages(${nr}) returned ${result.pfn}, its last candidate was ${last?.pfnStart} (${last?.result})`, { expected: last?.pfnStart, actual: result.pfn });
  }
  const movableZoneOk = (gfp & (__GFP_MOVABLE | __GFP_HIGHMEM)) === (__GFP_MOVABLE | __GFP_HIGHMEM);
  for (let pfn = result.pfn; pfn < result.pfn + nr; pfn++) {
    const facts = ctx.facts.factsOf(pfn);
    if ((facts & FACT_CMA) !== 0) return fail('contig-unmovable', `alloc_contig_pages(${nr}) took CMA page ${pfn} for a MIGRATE_MOVABLE caller`, { pfn, expected: 'no CMA page', actual: 'CMA' });
    if ((facts & FACT_MOVABLE_ZONE) !== 0 && !movableZoneOk) return fail('contig-candidates', `alloc_contig_pages(${nr}) took ZONE_MOVABLE page ${pfn} for a request that may not use it`, { pfn });
  }
  return undefined;
}
