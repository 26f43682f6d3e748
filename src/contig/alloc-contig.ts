// alloc_contig_range with modes, free_contig_range and alloc_contig_pages: Linux 6.1 mm/page_alloc.c (alloc_contig_range,
// __alloc_contig_migrate_range, alloc_contig_pages, pfn_range_valid_contig) and mm/compaction.c
// (isolate_migratepages_range/_block, for the user pages modelled here).
//
// Modes follow David Hildenbrand's `enum alloc_contig_mode` suggestion (Message-ID
// a2c33b8f-e4fb-1f1c-7ed0-496a1256ea09@redhat.com, seed 004) with the semantics Minchan Kim's cma_alloc_bulk v1
// gave __GFP_NORETRY (Message-Id 20201117181935.3613581-2-minchan@kernel.org; kernel-reference §3.1-3.2):
// 'normal' is 6.1 as it is (drain_all_pages after isolation, lru_cache_disable's LRU drain, up to 5 migration
// tries without progress); 'fast' skips both drains and allows one migration try.
//
// Failure: the pageblocks get their original migratetypes back (isolate.ts), nothing in the range is
// allocated, and pages that were already migrated out stay where they went: Linux does not move them back.
//
// Short-term pins: a pinned ANONYMOUS page is not even isolated for migration in 6.1 —
// isolate_migratepages_block() skips it ("Migration will fail if an anonymous page is pinned in memory",
// `!mapping && (page_count(page) - 1) > total_mapcount(page)`) — so the pass ends and test_pages_isolated()
// reports -EBUSY with no migration round spent on it. A pinned FILE page is isolated and fails every
// migrate_pages() call: -EBUSY after 5 calls without progress (1 in fast mode). So does any page that gains a
// reference after it was isolated (the `transient_pin` fault site).
import { assert } from '../base/assert.ts';
import { err, ok, type Errno, type Result } from '../base/errno.ts';
import { MAX_PAGE_ORDER, type PageCount, type Pfn } from '../base/units.ts';
import { gfpZone, Zonelists } from '../buddy/alloc-context.ts';
import type { PageAllocator } from '../buddy/page-allocator.ts';
import type { Zone } from '../buddy/zone.ts';
import type { FaultInjector } from '../env/faults.ts';
import { GFP_KERNEL, type Gfp } from '../mem/gfp.ts';
import { MIGRATE_CMA, MIGRATE_MOVABLE, MIGRATETYPE_NAMES, type Migratetype } from '../mem/migratetype.ts';
import type { OwnerId } from '../mem/owners.ts';
import { PAGE_ABSENT, PAGE_RESERVED, PG_BUDDY, PG_COMPOUND, PG_HEAD } from '../mem/page-state.ts';
import type { VmEvents } from '../mem/vm-events.ts';
import { pageblockAlign, pageblockStartPfn, startIsolatePageRange, testPagesIsolated, undoIsolatePageRange } from './isolate.ts';
import { GFP_CONTIG_MIGRATE_TARGET, migratePages, migrationTargetFromBuddy } from './migrate.ts';
import type { UserMemory } from './user-memory.ts';

/** ALLOC_CONTIG_NORMAL / ALLOC_CONTIG_FAST. */
export type ContigMode = 'normal' | 'fast';

/** COMPACT_CLUSTER_MAX: pages isolated for migration per batch. */
export const COMPACT_CLUSTER_MAX = 32;
/** Migration tries without progress before -EBUSY in normal mode (6.1's hard-coded 5). */
export const CONTIG_MAX_TRIES_NORMAL = 5;
/** Migration tries in fast mode (max_tries = 1 under __GFP_NORETRY in the cma_alloc_bulk patch). */
export const CONTIG_MAX_TRIES_FAST = 1;

/** What the contiguous allocator needs from the machine. */
export interface ContigDeps {
  readonly buddy: PageAllocator;
  readonly user: UserMemory;
  readonly faults: FaultInjector;
  readonly events: VmEvents;
}

/** Per-call options of allocContigRange. */
export interface ContigRangeOptions {
  /** The calling CPU: migration targets come from its per-CPU lists, sources are freed there; default 0. */
  readonly cpu?: number;
}

/** What one allocContigRange call did (also kept as ContigAllocator.lastReport, on success and failure). */
export interface ContigReport {
  readonly pfnStart: Pfn;
  readonly pfnEnd: Pfn;
  readonly migratetype: Migratetype;
  readonly mode: ContigMode;
  /** Whether the per-CPU page lists and LRU-add batches were drained (normal mode, after isolation). */
  readonly drained: boolean;
  /** migrate_pages() calls made. */
  readonly migrationRounds: number;
  /** Pages moved out of the range (they stay moved when the call fails). */
  readonly migratedPages: number;
  /** Undefined on success. */
  readonly errno?: Errno;
  /** One line on why it failed. */
  readonly detail?: string;
}

/** The outcome of __alloc_contig_migrate_range. */
interface MigrateRangeOutcome {
  readonly errno?: Errno;
  readonly detail: string;
  readonly rounds: number;
  readonly migrated: number;
}

/** alloc_contig_range and its users' entry points for one machine. */
export class ContigAllocator {
  private report: ContigReport | undefined;
  private readonly zonelists: Zonelists;

  constructor(private readonly deps: ContigDeps) {
    this.zonelists = new Zonelists(deps.buddy.zones);
  }

  /** The report of the latest allocContigRange call (undefined before the first). */
  get lastReport(): ContigReport | undefined {
    return this.report;
  }

  /**
   * alloc_contig_range(pfnStart, pfnEnd, migratetype): on success every page of [pfnStart, pfnEnd) is an
   * order-0 allocation of `owner` (refcount 1; free them with freeContigRange), and every movable page that
   * was there now lives outside the isolated pageblocks with its content, owner and slot. Errors: EINVAL
   * (empty range, range outside one zone, migratetype neither MOVABLE nor CMA), EBUSY (a pageblock already
   * isolated or holding an unmovable page, a pinned or busy page, pages left on per-CPU lists in fast
   * mode), ENOMEM (no migration target), EINTR (`fatal_signal` fault).
   */
  allocContigRange(pfnStart: Pfn, pfnEnd: Pfn, migratetype: Migratetype, mode: ContigMode, owner: OwnerId, options: ContigRangeOptions = {}): Result<ContigReport> {
    const invalid = this.invalidRange(pfnStart, pfnEnd, migratetype);
    if (invalid !== undefined) return err('EINVAL', invalid);
    const cpu = options.cpu ?? 0;
    const { buddy } = this.deps;
    const zone = buddy.zoneOf(pfnStart);
    const isolated = startIsolatePageRange(this.deps, pfnStart, pfnEnd, migratetype);
    if (!isolated.ok) return this.failed({ pfnStart, pfnEnd, migratetype, mode, drained: false, migrationRounds: 0, migratedPages: 0, errno: isolated.errno, detail: isolated.detail });
    const drained = mode === 'normal';
    if (drained) buddy.drainAllPages(zone);
    const migration = this.migrateRange(pfnStart, pfnEnd, mode, cpu);
    const failure = this.takeRange(pfnStart, pfnEnd, owner, migration);
    // Why: the one place isolation ends, so every path (success, EBUSY, ENOMEM, EINTR) restores the pageblocks.
    undoIsolatePageRange(buddy, isolated.value);
    const report = { pfnStart, pfnEnd, migratetype, mode, drained, migrationRounds: migration.rounds, migratedPages: migration.migrated };
    return failure === undefined ? ok(this.finish(report)) : this.failed({ ...report, ...failure });
  }

  /**
   * The end of alloc_contig_range while the range is still isolated: after a migration error other than EBUSY
   * nothing is taken; otherwise (6.1 falls through on EBUSY so test_pages_isolated() names the offending page)
   * every page from outer_start must be a free isolated page, and then [pfnStart, pfnEnd) goes to `owner`.
   */
  private takeRange(pfnStart: Pfn, pfnEnd: Pfn, owner: OwnerId, migration: MigrateRangeOutcome): { errno: Errno; detail: string } | undefined {
    if (migration.errno !== undefined && migration.errno !== 'EBUSY') return { errno: migration.errno, detail: migration.detail };
    const { buddy } = this.deps;
    const outerStart = this.outerStart(pfnStart);
    const busyPfn = testPagesIsolated(buddy, outerStart, pfnEnd);
    if (busyPfn < pfnEnd) {
      const why = migration.errno === 'EBUSY' ? `${migration.detail}; ` : '';
      return { errno: 'EBUSY', detail: `${why}pfn ${busyPfn} in [${outerStart}, ${pfnEnd}) is not a free isolated page` };
    }
    const taken = buddy.takeFreeRange(pfnStart, pfnEnd, owner);
    assert(taken, () => `takeFreeRange failed after test_pages_isolated passed on [${pfnStart}, ${pfnEnd})`);
    return undefined;
  }

  /**
   * free_contig_range(pfn, nr_pages): frees each page of [pfnStart, pfnStart + pageCount) at order 0 on `cpu`.
   * Returns how many pages did not have exactly one reference (Linux's "pages are still in use!" WARN count).
   */
  freeContigRange(pfnStart: Pfn, pageCount: PageCount, cpu = 0): number {
    return this.deps.buddy.freeRange(pfnStart, pfnStart + pageCount, cpu);
  }

  /**
   * alloc_contig_pages(nrPages, gfp, nid): tries alloc_contig_range(MIGRATE_MOVABLE) on the candidates
   * ALIGN(zone_start, nrPages) + k·nrPages of each zone of the zonelist, skipping candidates that leave the
   * zone or hold a hole or reserved page (pfn_range_valid_contig). The first that succeeds is returned;
   * ENOMEM when none does. Failed candidates keep whatever migration already moved.
   */
  allocContigPages(nrPages: PageCount, owner: OwnerId, options: { gfp?: Gfp; node?: number; mode?: ContigMode; cpu?: number } = {}): Result<Pfn> {
    if (!Number.isSafeInteger(nrPages) || nrPages < 1 || nrPages >= 2 ** 31) return err('EINVAL', `cannot allocate ${nrPages} contiguous pages`);
    const gfp = options.gfp ?? GFP_KERNEL;
    const node = options.node ?? (this.deps.buddy.nodeIds[0] as number);
    if (!this.deps.buddy.nodeIds.includes(node)) return err('EINVAL', `node ${node} has no memory`);
    const highest = gfpZone(gfp);
    let tried = 0;
    for (const zone of this.zonelists.forRequest(node, gfp)) {
      if (zone.kindIndex > highest) continue;
      for (let pfn = alignPow2(zone.pfnStart, nrPages); pfn >= zone.pfnStart && pfn + nrPages - 1 < zone.pfnEnd; pfn += nrPages) {
        if (!this.rangeValidContig(zone, pfn, nrPages)) continue;
        tried++;
        const got = this.allocContigRange(pfn, pfn + nrPages, MIGRATE_MOVABLE, options.mode ?? 'normal', owner, { cpu: options.cpu ?? 0 });
        if (got.ok) return ok(pfn);
      }
    }
    return err('ENOMEM', `no ${nrPages}-page candidate could be allocated (${tried} tried)`);
  }

  private finish(report: ContigReport): ContigReport {
    this.report = report;
    this.deps.events.count('contig_alloc_success');
    return report;
  }

  private failed(report: ContigReport & { errno: Errno; detail: string }): Result<never> {
    this.report = report;
    this.deps.events.count('contig_alloc_fail');
    return err(report.errno, report.detail);
  }

  private invalidRange(pfnStart: Pfn, pfnEnd: Pfn, migratetype: Migratetype): string | undefined {
    const { buddy } = this.deps;
    if (!Number.isSafeInteger(pfnStart) || !Number.isSafeInteger(pfnEnd) || pfnStart < 0 || pfnStart >= pfnEnd) return `empty or bad range [${pfnStart}, ${pfnEnd})`;
    if (migratetype !== MIGRATE_MOVABLE && migratetype !== MIGRATE_CMA) return `migratetype ${MIGRATETYPE_NAMES[migratetype] ?? migratetype} is neither Movable nor CMA`;
    const zone = buddy.zones.find((z) => z.spans(pfnStart));
    if (zone === undefined || !zone.spans(pfnEnd - 1)) return `[${pfnStart}, ${pfnEnd}) does not lie in one zone`;
    if (pageblockStartPfn(pfnStart) < zone.pfnStart || pageblockAlign(pfnEnd) > zone.pfnEnd) return `the pageblocks of [${pfnStart}, ${pfnEnd}) leave the zone`;
    return undefined;
  }

  /** pfn_range_valid_contig(): every page exists, lies in `zone` and is not reserved. */
  private rangeValidContig(zone: Zone, pfnStart: Pfn, nrPages: PageCount): boolean {
    const table = this.deps.buddy.table;
    for (let pfn = pfnStart; pfn < pfnStart + nrPages; pfn++) {
      const state = table.state[table.pageIndex(pfn)];
      if (!zone.spans(pfn) || state === PAGE_ABSENT || state === PAGE_RESERVED) return false;
    }
    return true;
  }

  /** The search for outer_start: the head of a free buddy block covering pfnStart, else pfnStart. */
  private outerStart(pfnStart: Pfn): Pfn {
    const table = this.deps.buddy.table;
    for (let order = 0; order <= MAX_PAGE_ORDER; order++) {
      const candidate = pfnStart - (pfnStart % 2 ** order);
      if (!table.inRange(candidate)) return pfnStart;
      const index = table.pageIndex(candidate);
      if (((table.flags[index] as number) & PG_BUDDY) === 0) continue;
      return candidate + 2 ** (table.order[index] as number) <= pfnStart ? pfnStart : candidate;
    }
    return pfnStart;
  }

  /** __alloc_contig_migrate_range(): batches of isolated user pages through migrate_pages until the range is done. */
  private migrateRange(pfnStart: Pfn, pfnEnd: Pfn, mode: ContigMode, cpu: number): MigrateRangeOutcome {
    const { buddy, user, faults } = this.deps;
    const maxTries = mode === 'normal' ? CONTIG_MAX_TRIES_NORMAL : CONTIG_MAX_TRIES_FAST;
    // lru_cache_disable(): batched pages reach the LRU so they can be isolated (not in fast mode).
    if (mode === 'normal') user.lruAddDrainAll();
    const allocTarget = migrationTargetFromBuddy(buddy, GFP_CONTIG_MIGRATE_TARGET, cpu);
    let list: number[] = [];
    let pfn = pfnStart;
    let tries = 0;
    let rounds = 0;
    let migrated = 0;
    while (pfn < pfnEnd || list.length > 0) {
      if (faults.shouldFail('fatal_signal')) return { errno: 'EINTR', detail: 'fatal signal pending', rounds, migrated };
      if (list.length === 0) {
        const batch = this.isolateMigratepagesRange(pfn, pfnEnd);
        list = batch.pages;
        pfn = batch.nextPfn;
        tries = 0;
        if (list.length === 0) continue;
      } else if (++tries === maxTries) {
        return { errno: 'EBUSY', detail: `${list.length} pages still busy after ${rounds} migration rounds`, rounds, migrated };
      }
      const outcome = migratePages(this.deps, list, allocTarget, cpu);
      rounds++;
      migrated += outcome.migrated;
      list = outcome.remaining;
      if (outcome.errno === 'ENOMEM') return { errno: 'ENOMEM', detail: `no migration target for pfn ${list[0]}`, rounds, migrated };
    }
    return { detail: '', rounds, migrated };
  }

  /**
   * isolate_migratepages_range(): from `pfnStart`, collects up to COMPACT_CLUSTER_MAX migratable user pages,
   * skipping free blocks and compound pages by their order and leaving pinned or batched pages alone.
   */
  private isolateMigratepagesRange(pfnStart: Pfn, pfnEnd: Pfn): { pages: number[]; nextPfn: Pfn } {
    const { buddy, user } = this.deps;
    const table = buddy.table;
    const pages: number[] = [];
    for (let pfn = pfnStart; pfn < pfnEnd; pfn++) {
      const index = table.pageIndex(pfn);
      const flags = table.flags[index] as number;
      if ((flags & PG_BUDDY) !== 0) {
        pfn += 2 ** (table.order[index] as number) - 1;
        continue;
      }
      if ((flags & (PG_HEAD | PG_COMPOUND)) === (PG_HEAD | PG_COMPOUND)) {
        pfn += 2 ** (table.order[index] as number) - 1;
        continue;
      }
      if (!user.isIsolatable(pfn)) continue;
      pages.push(pfn);
      if (pages.length === COMPACT_CLUSTER_MAX) return { pages, nextPfn: pfn + 1 };
    }
    return { pages, nextPfn: pfnEnd };
  }
}

/** ALIGN(x, a) as the kernel computes it, `(x + a - 1) & ~(a - 1)`, on 32-bit PFNs (only a power of two gives a multiple of a). */
function alignPow2(value: number, alignment: number): number {
  return ((value + alignment - 1) & ~(alignment - 1)) >>> 0;
}
