// Where a contigRange op's range lies (resolved from its symbolic anchor, clamped into one zone) and what the model knows must make it fail (kernel-reference 17-19).
import { PAGEBLOCK_NR_PAGES, type PageCount, type Pfn } from '../../../src/base/units.ts';
import { MIGRATE_CMA } from '../../../src/mem/migratetype.ts';
import { PAGE_ALLOCATED, PG_MOVABLE } from '../../../src/mem/page-state.ts';
import type { BusyReason } from '../../invariants/contig-range.ts';
import { FACT_MANAGED, FACT_MOVABLE_ZONE } from '../../model/layout-facts.ts';
import type { OpContext } from '../op.ts';
import type { ContigLayer } from './contig-layer.ts';
import { pickTarget } from './user-pages.ts';

/** What a contigRange is anchored on. */
export type RangeAnchor = 'zone' | 'mapping' | 'handle' | 'cma' | 'reserved';

/** The symbolic part of a contigRange op. */
export interface RangeSymbols {
  readonly anchor: RangeAnchor;
  readonly index: number;
  readonly offset: number;
  readonly pageCount: number;
}

/** A resolved range, inside one zone. */
export interface ResolvedRange {
  readonly pfnStart: Pfn;
  readonly pageCount: PageCount;
  readonly zoneStart: Pfn;
}

/** The anchor PFN and how far before it the range starts, or undefined when nothing of that kind exists. */
function anchorOf(ctx: OpContext, layer: ContigLayer, op: RangeSymbols): { pfn: Pfn; back: number } | undefined {
  const back = op.offset % op.pageCount;
  switch (op.anchor) {
    case 'zone': {
      const zone = pickTarget(ctx.machine.buddy.zones, op.index);
      return zone === undefined ? undefined : { pfn: zone.pfnStart + (op.offset % (zone.pfnEnd - zone.pfnStart)), back: 0 };
    }
    case 'mapping': {
      const mapping = pickTarget(layer.user.mappings, op.index);
      return mapping === undefined ? undefined : { pfn: ctx.machine.user.pfnOf(mapping.owner, op.offset % mapping.pageCount), back };
    }
    case 'handle': {
      const handle = pickTarget(ctx.model.live, op.index);
      return handle === undefined ? undefined : { pfn: handle.pfn, back };
    }
    case 'cma': {
      const area = pickTarget(layer.cma.areas, op.index);
      return area === undefined ? undefined : { pfn: area.basePfn + (op.offset % area.pageCount), back: 0 };
    }
    case 'reserved': {
      const reserved = pickTarget(ctx.machine.layout.reserved, op.index);
      return reserved === undefined ? undefined : { pfn: reserved.pfnEnd - 1, back };
    }
  }
}

/** The op's range: pageCount pages starting `back` before the anchor, clamped into the anchor's zone. */
export function resolveRange(ctx: OpContext, layer: ContigLayer, op: RangeSymbols): ResolvedRange | undefined {
  const anchor = anchorOf(ctx, layer, op);
  if (anchor === undefined) return undefined;
  const zone = ctx.machine.buddy.zones.find((z) => z.spans(anchor.pfn));
  if (zone === undefined) return undefined;
  const pageCount = Math.min(op.pageCount, zone.pfnEnd - zone.pfnStart);
  const pfnStart = Math.min(Math.max(anchor.pfn - anchor.back, zone.pfnStart), zone.pfnEnd - pageCount);
  return { pfnStart, pageCount, zoneStart: zone.pfnStart };
}

/** Whether `pfn` is a user page someone pins (a pinned slot of a live mapping, or a held orphan). */
function isPinned(ctx: OpContext, layer: ContigLayer, pfn: Pfn): boolean {
  if (layer.user.orphans.has(pfn)) return true;
  const where = ctx.machine.user.rmap(pfn);
  if (where === undefined) return false;
  const mapping = layer.user.mappingOfOwner(where.owner);
  return mapping !== undefined && (mapping.pinRefs[where.slot] as number) > 0;
}

/** A CMA pageblock among the pageblocks the range widens to (unmovable for a MIGRATE_MOVABLE caller). */
function cmaBlockIn(ctx: OpContext, pfnStart: Pfn, pfnEnd: Pfn): Pfn | undefined {
  const first = pfnStart - (pfnStart % PAGEBLOCK_NR_PAGES);
  for (let pfn = first; pfn < pfnEnd; pfn += PAGEBLOCK_NR_PAGES) if (ctx.machine.buddy.pageblockMigratetype(pfn) === MIGRATE_CMA) return pfn;
  return undefined;
}

/**
 * Why [pfnStart, pfnEnd) cannot be taken by a MIGRATE_MOVABLE caller, as far as the model knows
 * (sound, not complete): an already-isolated first pageblock (19); a CMA pageblock, a reserved page or,
 * outside ZONE_MOVABLE, an allocated page that is not on the LRU (17: isolation refuses, even for a user
 * page still in an LRU-add batch); a pinned user page, or in ZONE_MOVABLE an allocated page that is no
 * user page (18: migration cannot move it).
 */
export function predictBusy(ctx: OpContext, layer: ContigLayer, pfnStart: Pfn, pfnEnd: Pfn, preIsolated: boolean): BusyReason | undefined {
  if (preIsolated) return { invariant: 'contig-isolated', text: `pageblock ${pfnStart - (pfnStart % PAGEBLOCK_NR_PAGES)} was already isolated`, beforeMigration: true };
  const cmaBlock = cmaBlockIn(ctx, pfnStart, pfnEnd);
  if (cmaBlock !== undefined) return { invariant: 'contig-unmovable', text: `pageblock ${cmaBlock} is CMA (unmovable for a MIGRATE_MOVABLE caller)`, beforeMigration: true };
  const table = ctx.machine.buddy.table;
  const movableZone = (ctx.facts.factsOf(pfnStart) & FACT_MOVABLE_ZONE) !== 0;
  let late: BusyReason | undefined;
  for (let pfn = pfnStart; pfn < pfnEnd; pfn++) {
    if ((ctx.facts.factsOf(pfn) & FACT_MANAGED) === 0) return { invariant: 'contig-unmovable', text: `pfn ${pfn} is reserved`, beforeMigration: true };
    const index = table.pageIndex(pfn);
    if (table.state[index] !== PAGE_ALLOCATED || table.refcount[index] === 0) continue;
    const onLru = ((table.flags[index] as number) & PG_MOVABLE) !== 0;
    if (!movableZone && !onLru) return { invariant: 'contig-unmovable', text: `pfn ${pfn} (owner ${table.owner[index]}) is not on the LRU`, beforeMigration: true };
    if (late === undefined && isPinned(ctx, layer, pfn)) late = { invariant: 'contig-pinned', text: `user page ${pfn} is pinned`, beforeMigration: false };
    if (late === undefined && !onLru && ctx.machine.user.rmap(pfn) === undefined) late = { invariant: 'contig-unmovable', text: `ZONE_MOVABLE page ${pfn} (owner ${table.owner[index]}) is no user page: it cannot be migrated`, beforeMigration: false };
  }
  return late;
}
