// A memory-hog workload: movable user pages (anonymous LRU memory of one simulated app) that grow, shrink and go away, with some pages pinned short-term or FOLL_LONGTERM, laid out to fragment memory the way seed 000's "camera recording, heavy games" do.
//
// Model: the hog maps its memory as extents (one user mapping each). `grow` interleaves each extent
// with a transient mapping (the app's short-lived buffers), then unmaps the transients, so the free
// memory left behind is a comb of small holes between hog extents: high orders are gone until
// compaction migrates the hog's pages. Patterns: `dense` (512-page extents, no transients),
// `interleave` (16-page extents and 16-page transients: nothing above order 4 survives in the span),
// `random` (extent and transient sizes drawn from 1..32 pages). Then an exact share of the new pages
// is pinned (`pinnedFraction`), and of those an exact share long-term (`longtermFraction`, FOLL_LONGTERM:
// migrated out of CMA first unless pinning.longtermMigratesCma is false, seed 004); the rest are
// short-term GUP pins, which block migration (and so cma_alloc and compaction) where they sit.
// Pages faulted in last may still sit in their CPU's LRU-add batch, as a real app's do.
// `shrink` unmaps whole extents picked at random (after unpinning them) until at least the asked pages
// went; `release` unmaps everything. Randomness comes only from the Rng the hog is given.
// A failed grow (no memory for a page, or a long-term pin that cannot migrate) unmaps and unpins what
// that grow took: nothing else changes except what Linux keeps too: reclaim and compaction the page
// faults' slow path ran, pages a long-term pin already migrated, drained LRU-add batches.
import { assert } from '../base/assert.ts';
import { err, ok, type Result } from '../base/errno.ts';
import type { PageCount, Pfn } from '../base/units.ts';
import type { PinKind, Pinner, PinnedPages } from '../contig/pin.ts';
import type { UserMemory } from '../contig/user-memory.ts';
import type { Rng } from '../env/rng.ts';
import { MIGRATE_CMA } from '../mem/migratetype.ts';
import type { OwnerId, Owners } from '../mem/owners.ts';
import type { PageTable } from '../mem/page-table.ts';

/** How a grow lays out its extents. */
export type HogPattern = 'dense' | 'interleave' | 'random';

/** Every HogPattern, for argument parsing. */
export const HOG_PATTERNS: readonly HogPattern[] = ['dense', 'interleave', 'random'];

/** Extent pages of the `dense` pattern (one pageblock). */
export const HOG_DENSE_EXTENT_PAGES = 512;
/** Extent and transient pages of the `interleave` pattern (64 KiB, an order-4 block). */
export const HOG_INTERLEAVE_PAGES = 16;
/** The largest extent or transient of the `random` pattern. */
export const HOG_RANDOM_MAX_PAGES = 32;

/** What a hog needs from its machine. */
export interface HogDeps {
  readonly user: UserMemory;
  readonly pins: Pinner;
  readonly owners: Owners;
  /** The page table, to report where pages lie. */
  readonly table: PageTable;
  /** The hog's only source of randomness (e.g. machine.env.rng.fork("hog:NAME")). */
  readonly rng: Rng;
}

/** Options of one grow. */
export interface HogGrowOptions {
  /** Share of the new pages to pin, 0..1 (default 0), rounded to whole pages. */
  readonly pinnedFraction?: number;
  /** Share of the pinned pages pinned FOLL_LONGTERM, 0..1 (default 0); the others are short-term. */
  readonly longtermFraction?: number;
  /** Extent layout (default `random`). */
  readonly pattern?: HogPattern;
  /** The CPU that faults the pages in (default 0). */
  readonly cpu?: number;
}

/** What one grow did. */
export interface HogGrowReport {
  readonly grownPages: PageCount;
  readonly extents: number;
  readonly transientPages: PageCount;
  readonly shorttermPins: number;
  readonly longtermPins: number;
  /** Pages long-term pinning migrated out of CMA (or ISOLATE/ZONE_MOVABLE). */
  readonly migratedForPins: PageCount;
}

interface Extent {
  readonly owner: OwnerId;
  readonly pageCount: PageCount;
  readonly pins: PinnedPages[];
}

/** A planned grow: extent and transient sizes, in the order they are faulted in. */
interface GrowPlan {
  readonly extents: PageCount[];
  readonly transients: PageCount[];
}

/** One simulated app's movable memory. */
export class MemoryHog {
  private readonly extents: Extent[] = [];
  private nextLabel = 1;

  constructor(readonly name: string, private readonly deps: HogDeps) {}

  /** Pages the hog maps now. */
  get pageCount(): PageCount {
    return this.extents.reduce((sum, extent) => sum + extent.pageCount, 0);
  }

  /** Extents (user mappings) the hog holds. */
  get extentCount(): number {
    return this.extents.length;
  }

  /** The PFNs the hog pins, of one kind. */
  pinnedPfns(kind: PinKind): Pfn[] {
    return this.extents.flatMap((extent) => extent.pins.filter((pin) => pin.kind === kind).flatMap((pin) => [...pin.pfns]));
  }

  /** Pinned pages of one kind that lie in MIGRATE_CMA pageblocks. */
  pinnedInCma(kind: PinKind): number {
    return this.pinnedPfns(kind).filter((pfn) => this.deps.table.pageblockMigratetype(pfn) === MIGRATE_CMA).length;
  }

  /** Hog pages in MIGRATE_CMA pageblocks. */
  pagesInCma(): PageCount {
    return this.extents.reduce((sum, extent) => sum + this.deps.user.pagesInCma(extent.owner), 0);
  }

  /**
   * Maps `pageCount` more pages in the given pattern and pins the given shares of them (see the
   * header). EINVAL for a bad count or share; ENOMEM (nothing of this grow kept) when a page or a
   * long-term pin cannot be had.
   */
  grow(pageCount: PageCount, options: HogGrowOptions = {}): Result<HogGrowReport> {
    const pinnedFraction = options.pinnedFraction ?? 0;
    const longtermFraction = options.longtermFraction ?? 0;
    if (!Number.isSafeInteger(pageCount) || pageCount < 1) return err('EINVAL', `hog ${this.name}: cannot grow by ${pageCount} pages`);
    if (!isShare(pinnedFraction) || !isShare(longtermFraction)) return err('EINVAL', `hog ${this.name}: shares must lie in 0..1 (pinned ${pinnedFraction}, longterm ${longtermFraction})`);
    const plan = this.plan(pageCount, options.pattern ?? 'random');
    const cpu = options.cpu ?? 0;
    const mapped = this.mapPlan(plan, cpu);
    if (!mapped.ok) return mapped;
    const pinned = this.pinShare(mapped.value, Math.round(pageCount * pinnedFraction), longtermFraction, cpu);
    if (!pinned.ok) {
      for (const extent of mapped.value) this.drop(extent, cpu);
      return pinned;
    }
    this.extents.push(...mapped.value);
    const transientPages = plan.transients.reduce((sum, pages) => sum + pages, 0);
    return ok({ grownPages: pageCount, extents: mapped.value.length, transientPages, ...pinned.value });
  }

  /** Unmaps randomly chosen whole extents until at least `pageCount` pages went (or none is left); returns the pages freed. */
  shrink(pageCount: PageCount, cpu = 0): PageCount {
    assert(Number.isSafeInteger(pageCount) && pageCount >= 0, () => `hog ${this.name}: cannot shrink by ${pageCount} pages`);
    let freed = 0;
    while (freed < pageCount && this.extents.length > 0) {
      const [extent] = this.extents.splice(this.deps.rng.int(0, this.extents.length - 1), 1) as [Extent];
      this.drop(extent, cpu);
      freed += extent.pageCount;
    }
    return freed;
  }

  /** Unpins and unmaps everything; returns the pages freed. */
  release(cpu = 0): PageCount {
    const freed = this.pageCount;
    for (const extent of this.extents.splice(0)) this.drop(extent, cpu);
    return freed;
  }

  /** Extent and transient sizes summing to `pageCount` extent pages. */
  private plan(pageCount: PageCount, pattern: HogPattern): GrowPlan {
    const extents: PageCount[] = [];
    const transients: PageCount[] = [];
    for (let left = pageCount; left > 0;) {
      const size = Math.min(left, this.extentSize(pattern));
      extents.push(size);
      left -= size;
      if (pattern !== 'dense') transients.push(this.extentSize(pattern));
    }
    return { extents, transients };
  }

  private extentSize(pattern: HogPattern): PageCount {
    if (pattern === 'dense') return HOG_DENSE_EXTENT_PAGES;
    if (pattern === 'interleave') return HOG_INTERLEAVE_PAGES;
    return this.deps.rng.int(1, HOG_RANDOM_MAX_PAGES);
  }

  /** Faults in extent k then transient k, for every k; unmaps the transients; ENOMEM undoes everything. */
  private mapPlan(plan: GrowPlan, cpu: number): Result<Extent[]> {
    const extents: Extent[] = [];
    const transients: OwnerId[] = [];
    const undo = (): void => {
      for (const owner of transients) this.deps.user.unmapPages(owner);
      for (const extent of extents) this.deps.user.unmapPages(extent.owner);
    };
    for (const [k, pages] of plan.extents.entries()) {
      const owner = this.deps.owners.register('user', `hog:${this.name}#${this.nextLabel++}`);
      const extent = this.deps.user.mapPages(owner, pages, { cpu });
      if (!extent.ok) {
        undo();
        return err('ENOMEM', `hog ${this.name}: extent ${k}: ${extent.detail}`);
      }
      extents.push({ owner, pageCount: pages, pins: [] });
      const transientPages = plan.transients[k];
      if (transientPages === undefined) continue;
      const transient = this.deps.owners.register('user', `hog:${this.name}:transient`);
      if (!this.deps.user.mapPages(transient, transientPages, { cpu }).ok) {
        undo();
        return err('ENOMEM', `hog ${this.name}: no memory for transient buffer ${k}`);
      }
      transients.push(transient);
    }
    for (const owner of transients) this.deps.user.unmapPages(owner);
    return ok(extents);
  }

  /**
   * Pins exactly `pinCount` of the extents' pages, chosen uniformly (selection sampling, Knuth's
   * Algorithm S), exactly round(pinCount * longtermFraction) of them long-term. ENOMEM releases the pins taken.
   */
  private pinShare(extents: readonly Extent[], pinCount: number, longtermFraction: number, cpu: number): Result<Omit<HogGrowReport, 'grownPages' | 'extents' | 'transientPages'>> {
    const totalPages = extents.reduce((sum, extent) => sum + extent.pageCount, 0);
    let longtermLeft = Math.round(pinCount * longtermFraction);
    let pinsLeft = pinCount;
    let seen = 0;
    const report = { shorttermPins: 0, longtermPins: 0, migratedForPins: 0 };
    for (const extent of extents) {
      for (let slot = 0; slot < extent.pageCount && pinsLeft > 0; slot++, seen++) {
        if (this.deps.rng.int(0, totalPages - seen - 1) >= pinsLeft) continue;
        const longterm = this.deps.rng.int(0, pinsLeft - 1) < longtermLeft;
        pinsLeft--;
        const pin = this.deps.pins.pin(extent.owner, slot, 1, longterm ? 'longterm' : 'shortterm', cpu);
        if (!pin.ok) {
          for (const each of extents) this.unpinAll(each, cpu);
          return err('ENOMEM', `hog ${this.name}: ${pin.detail}`);
        }
        extent.pins.push(pin.value);
        if (longterm) {
          longtermLeft--;
          report.longtermPins++;
          report.migratedForPins += pin.value.migratedPages;
        } else {
          report.shorttermPins++;
        }
      }
    }
    return ok(report);
  }

  private unpinAll(extent: Extent, cpu: number): void {
    for (const pin of extent.pins.splice(0)) this.deps.pins.unpin(pin, cpu);
  }

  private drop(extent: Extent, cpu: number): void {
    this.unpinAll(extent, cpu);
    this.deps.user.unmapPages(extent.owner);
  }
}

function isShare(value: number): boolean {
  return Number.isFinite(value) && value >= 0 && value <= 1;
}
