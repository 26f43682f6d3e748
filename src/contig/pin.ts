// Pinning user pages: short-term pins (get_user_pages/FOLL_GET: an elevated refcount, e.g. GUP for I/O) and
// FOLL_LONGTERM pins with Linux 6.1 mm/gup.c __gup_longterm_locked / check_and_migrate_movable_pages and
// include/linux/mm.h is_longterm_pinnable_page; unpin_user_pages / put_page.
//
// A FOLL_LONGTERM pin takes a reference and a pin count on every page, then looks for pages that must not be
// pinned for long (MIGRATE_CMA or MIGRATE_ISOLATE pageblock, ZONE_MOVABLE). If there are any it drains the
// LRU-add batches once, isolates them, unpins everything, migrates them to a non-movable target (GFP_USER |
// __GFP_NOWARN: no __GFP_MOVABLE, so no ALLOC_CMA and no ZONE_MOVABLE) and tries again (-EAGAIN); a page
// that cannot be migrated makes the pin fail with ENOMEM and hold nothing. With the platform switch
// `pinning.longtermMigratesCma: false` pages are pinned where they are: the 2020 behaviour seed 004 complains
// about (kernel-reference M13), which leaves cma_alloc failing on that pageblock for as long as the pin lives.
import { assert } from '../base/assert.ts';
import { err, ok, type Result } from '../base/errno.ts';
import type { Pfn } from '../base/units.ts';
import { ZONE_MOVABLE } from '../buddy/zone.ts';
import { MIGRATE_CMA, MIGRATE_ISOLATE } from '../mem/migratetype.ts';
import type { OwnerId } from '../mem/owners.ts';
import { GFP_LONGTERM_MIGRATE_TARGET, migratePages, migrationTargetFromBuddy, type MigrateDeps } from './migrate.ts';

/** A short-term pin (an extra reference) or a FOLL_LONGTERM pin (a reference and a pin count). */
export type PinKind = 'shortterm' | 'longterm';

/** Pins held on pages; give them back with Pinner.unpin. */
export interface PinnedPages {
  readonly kind: PinKind;
  /** The pinned pages, in slot order. */
  readonly pfns: readonly Pfn[];
  /** Pages the long-term pin migrated out of CMA/ISOLATE/ZONE_MOVABLE before pinning them. */
  readonly migratedPages: number;
}

/** What pinning needs: migration, plus the platform's long-term pinning policy. */
export interface PinDeps extends MigrateDeps {
  /** true (Linux 5.9+): FOLL_LONGTERM migrates unpinnable pages first; false: pins them in place. */
  readonly longtermMigratesCma: boolean;
}

/** Rounds of pin → migrate → re-pin after which a long-term pin is a simulator bug (each round moves pages out for good). */
const MAX_LONGTERM_ROUNDS = 8;

/** GUP on user mappings. */
export class Pinner {
  constructor(private readonly deps: PinDeps) {}

  /**
   * Pins slots [slotStart, slotStart + pageCount) of `owner`'s mapping. A short-term pin only takes a
   * reference. A long-term pin follows __gup_longterm_locked (see the header) and returns the pages it
   * actually pinned, all outside CMA/ISOLATE pageblocks and ZONE_MOVABLE unless the policy pins in place.
   * EFAULT when the owner maps nothing or the slots leave the mapping; ENOMEM when migration fails (no pin held).
   */
  pin(owner: OwnerId, slotStart: number, pageCount: number, kind: PinKind, cpu = 0): Result<PinnedPages> {
    const mapping = this.deps.user.mapping(owner);
    if (mapping === undefined) return err('EFAULT', `owner ${owner} maps nothing`);
    if (!Number.isInteger(slotStart) || !Number.isInteger(pageCount) || slotStart < 0 || pageCount < 1 || slotStart + pageCount > mapping.pageCount) {
      return err('EFAULT', `slots [${slotStart}, ${slotStart + pageCount}) outside the ${mapping.pageCount}-page mapping`);
    }
    if (kind === 'shortterm') {
      const pfns = this.takePins(owner, slotStart, pageCount, false);
      this.deps.events.count('shortterm_pin', pageCount);
      return ok({ kind, pfns, migratedPages: 0 });
    }
    return this.pinLongterm(owner, slotStart, pageCount, cpu);
  }

  /** unpin_user_pages() / put_page() on every page of `pinned`; a page whose mapping went away is freed now. */
  unpin(pinned: PinnedPages, cpu = 0): void {
    const { buddy } = this.deps;
    const table = buddy.table;
    for (const pfn of pinned.pfns) {
      if (pinned.kind === 'longterm') {
        const index = table.pageIndex(pfn);
        assert((table.pinCount[index] as number) > 0, () => `unpin: pfn ${pfn} is not long-term pinned`);
        table.pinCount[index] = (table.pinCount[index] as number) - 1;
      }
      buddy.putPage(pfn, cpu);
    }
  }

  /** is_longterm_pinnable_page(): not in a CMA or ISOLATE pageblock and not in ZONE_MOVABLE. */
  isLongtermPinnable(pfn: Pfn): boolean {
    const { buddy } = this.deps;
    const mt = buddy.pageblockMigratetype(pfn);
    if (mt === MIGRATE_CMA || mt === MIGRATE_ISOLATE) return false;
    return buddy.zoneOf(pfn).kindIndex !== ZONE_MOVABLE;
  }

  private pinLongterm(owner: OwnerId, slotStart: number, pageCount: number, cpu: number): Result<PinnedPages> {
    let migratedPages = 0;
    for (let round = 0; ; round++) {
      assert(round < MAX_LONGTERM_ROUNDS, () => `long-term pin of owner ${owner} did not settle after ${round} rounds`);
      const pfns = this.takePins(owner, slotStart, pageCount, true);
      const unpinnable = this.deps.longtermMigratesCma ? pfns.filter((pfn) => !this.isLongtermPinnable(pfn)) : [];
      if (unpinnable.length === 0) {
        this.deps.events.count('longterm_pin', pageCount);
        return ok({ kind: 'longterm', pfns, migratedPages });
      }
      const migrated = this.migrateUnpinnable(unpinnable, pfns, cpu);
      if (!migrated.ok) return migrated;
      migratedPages += migrated.value;
    }
  }

  /**
   * check_and_migrate_movable_pages() once there are unpinnable pages: drain the LRU-add batches if one of
   * them is not on the LRU yet, drop every pin just taken, migrate the unpinnable pages to non-movable
   * targets. Returns how many moved; ENOMEM when any could not (the caller then holds no pin).
   */
  private migrateUnpinnable(unpinnable: readonly Pfn[], pinned: readonly Pfn[], cpu: number): Result<number> {
    const { user, buddy } = this.deps;
    if (unpinnable.some((pfn) => !user.isOnLru(pfn))) user.lruAddDrainAll();
    this.unpin({ kind: 'longterm', pfns: pinned, migratedPages: 0 }, cpu);
    const target = migrationTargetFromBuddy(buddy, GFP_LONGTERM_MIGRATE_TARGET, cpu);
    const outcome = migratePages(this.deps, unpinnable, target, cpu);
    this.deps.events.count('longterm_pin_migrate', outcome.migrated);
    if (outcome.remaining.length > 0) return err('ENOMEM', `${outcome.remaining.length} of ${unpinnable.length} pages could not be migrated before a long-term pin`);
    return ok(outcome.migrated);
  }

  /** __get_user_pages_locked(): a reference on each page (and a pin count for FOLL_LONGTERM). */
  private takePins(owner: OwnerId, slotStart: number, pageCount: number, longterm: boolean): Pfn[] {
    const { user, buddy } = this.deps;
    const table = buddy.table;
    const pfns: Pfn[] = [];
    for (let slot = slotStart; slot < slotStart + pageCount; slot++) {
      const pfn = user.pfnOf(owner, slot);
      buddy.getPage(pfn);
      if (longterm) {
        const index = table.pageIndex(pfn);
        assert((table.pinCount[index] as number) < 0xffff, () => `pin count overflow on pfn ${pfn}`);
        table.pinCount[index] = (table.pinCount[index] as number) + 1;
      }
      pfns.push(pfn);
    }
    return pfns;
  }
}
