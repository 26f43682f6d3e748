// Page migration of order-0 user pages: migrate_pages/unmap_and_move and alloc_migration_target of Linux 6.1 mm/migrate.c,
// plus the migration-target gfp masks its callers use (__alloc_contig_migrate_range, check_and_migrate_movable_pages).
//
// Model: one call of migratePages() is one migrate_pages() call. Linux retries a page that fails with -EAGAIN
// (an unexpected reference) up to 10 passes inside that call; nothing changes between passes in a
// deterministic machine, so each page gets one attempt per call and a busy page stays on the list, as it
// does after Linux's 10 passes. Per page, as unmap_and_move(): the target is allocated first (no target ⇒
// -ENOMEM, and migrate_pages bails out at once, leaving the rest on the list); then a page that is busy
// (an extra reference, a FOLL_LONGTERM pin, the `transient_pin` fault: a GUP user grabbing a reference while
// the page is isolated, or the `migrate` fault) fails and its target is freed; otherwise the content tag,
// owner, mapping slot and PG_MOVABLE move to the target, the reverse map is updated and the source is
// freed. Failed pages stay on the list for the caller (putback_movable_pages puts them back on the LRU).
import { assert } from '../base/assert.ts';
import type { Pfn } from '../base/units.ts';
import type { PageAllocator } from '../buddy/page-allocator.ts';
import type { FaultInjector } from '../env/faults.ts';
import { __GFP_HIGHMEM, __GFP_MOVABLE, __GFP_NOWARN, __GFP_RETRY_MAYFAIL, GFP_USER, type Gfp } from '../mem/gfp.ts';
import { NO_PAGE } from '../mem/page-table.ts';
import { PG_MOVABLE } from '../mem/page-state.ts';
import type { VmEvents } from '../mem/vm-events.ts';
import { ZONE_MOVABLE } from '../buddy/zone.ts';
import type { UserMemory } from './user-memory.ts';

/** __alloc_contig_migrate_range's migration_target_control gfp: movable targets, so they may land in CMA. */
export const GFP_CONTIG_MIGRATE_TARGET: Gfp = GFP_USER | __GFP_MOVABLE | __GFP_RETRY_MAYFAIL;
/** check_and_migrate_movable_pages's target gfp: not movable, so never CMA (no ALLOC_CMA) nor ZONE_MOVABLE. */
export const GFP_LONGTERM_MIGRATE_TARGET: Gfp = GFP_USER | __GFP_NOWARN;

/** What migration needs from the machine. */
export interface MigrateDeps {
  readonly buddy: PageAllocator;
  readonly user: UserMemory;
  readonly faults: FaultInjector;
  readonly events: VmEvents;
}

/** get_new_page: returns an allocated order-0 page owned by `owner` (refcount 1), or NO_PAGE. */
export type TargetAllocator = (sourcePfn: Pfn, owner: number) => Pfn;

/** The outcome of one migrate_pages() call. */
export interface MigrateOutcome {
  /** Pages moved (the sources are free now). */
  readonly migrated: number;
  /** Pages still on the list, in list order: busy ones, and every page after an ENOMEM. */
  readonly remaining: Pfn[];
  /** Set when a target could not be allocated (migrate_pages returned -ENOMEM). */
  readonly errno?: 'ENOMEM';
}

/**
 * alloc_migration_target(): an order-0 page with `gfp` on the source's node, plus __GFP_HIGHMEM when the
 * source lies in ZONE_MOVABLE (so a movable target may stay there).
 */
export function migrationTargetFromBuddy(buddy: PageAllocator, gfp: Gfp, cpu: number): TargetAllocator {
  return (sourcePfn, owner) => {
    const zone = buddy.zoneOf(sourcePfn);
    const targetGfp = zone.kindIndex === ZONE_MOVABLE ? gfp | __GFP_HIGHMEM : gfp;
    const page = buddy.allocPages(targetGfp, 0, { owner, cpu, preferredNode: zone.node });
    return page.ok ? page.value : NO_PAGE;
  };
}

/** Moves what identifies a user page from `fromPfn` to the freshly allocated `toPfn` (migrate_page_copy + the rmap update). */
function movePage(deps: MigrateDeps, fromPfn: Pfn, toPfn: Pfn): void {
  const table = deps.buddy.table;
  const from = table.pageIndex(fromPfn);
  const to = table.pageIndex(toPfn);
  assert(table.owner[to] === table.owner[from], () => `migration target ${toPfn} is not owned by the source's owner`);
  // Why: the page table has no copy verb; copying content and slot is exactly what migration is.
  table.content[to] = table.content[from] as number;
  table.mapIndex[to] = table.mapIndex[from] as number;
  table.setFlags(toPfn, 1, PG_MOVABLE);
  deps.user.pageMoved(fromPfn, toPfn);
}

/** Why unmap_and_move() of `pfn` fails now (an unexpected reference or an injected failure), or undefined. */
function busyReason(deps: MigrateDeps, pfn: Pfn): string | undefined {
  if (!deps.user.isMigratable(pfn)) return 'extra reference or pin';
  if (deps.faults.shouldFail('transient_pin')) return 'transient pin';
  if (deps.faults.shouldFail('migrate')) return 'migrate fault';
  return undefined;
}

/**
 * migrate_pages() on `sources` (user pages isolated by the caller), targets from `allocTarget`, freeing
 * each migrated source on `cpu`. See the header for the per-page steps.
 */
export function migratePages(deps: MigrateDeps, sources: readonly Pfn[], allocTarget: TargetAllocator, cpu: number): MigrateOutcome {
  const table = deps.buddy.table;
  const remaining: Pfn[] = [];
  let migrated = 0;
  for (let i = 0; i < sources.length; i++) {
    const pfn = sources[i] as Pfn;
    const target = allocTarget(pfn, table.owner[table.pageIndex(pfn)] as number);
    if (target === NO_PAGE) {
      // Why 1: 6.1's -ENOMEM case adds the failing page (plus this pass's retry pages, counted here as
      // they failed) to PGMIGRATE_FAIL and gives up; the pages it never tried are not failures.
      deps.events.count('pgmigrate_fail');
      return { migrated, remaining: [...remaining, ...sources.slice(i)], errno: 'ENOMEM' };
    }
    if (busyReason(deps, pfn) !== undefined) {
      deps.buddy.freePages(target, 0, cpu);
      deps.events.count('pgmigrate_fail');
      remaining.push(pfn);
      continue;
    }
    movePage(deps, pfn, target);
    deps.buddy.freePages(pfn, 0, cpu);
    deps.events.count('pgmigrate_success');
    migrated++;
  }
  return { migrated, remaining };
}
