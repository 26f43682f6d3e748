// Pageblock migratetypes in Linux order, their display names, and the rules about which may merge or fall back.
import type { Gfp } from './gfp.ts';
import { __GFP_MOVABLE, __GFP_RECLAIMABLE } from './gfp.ts';

export const MIGRATE_UNMOVABLE = 0;
export const MIGRATE_MOVABLE = 1;
export const MIGRATE_RECLAIMABLE = 2;
/** MIGRATE_PCPTYPES: the number of migratetypes with per-CPU lists (and the value of MIGRATE_HIGHATOMIC). */
export const MIGRATE_PCPTYPES = 3;
export const MIGRATE_HIGHATOMIC = 3;
export const MIGRATE_CMA = 4;
export const MIGRATE_ISOLATE = 5;
export const MIGRATE_TYPES = 6;

export type Migratetype = 0 | 1 | 2 | 3 | 4 | 5;

/** Names as /proc/pagetypeinfo prints them (migratetype_names[] in mm/page_alloc.c). */
export const MIGRATETYPE_NAMES: readonly string[] = ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'CMA', 'Isolate'];

/** Linux fallbacks[]: the types an allocation of `migratetype` may steal from, in order (CMA and ISOLATE never). */
export const FALLBACKS: readonly (readonly Migratetype[])[] = [
  [MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE],
  [MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE],
  [MIGRATE_UNMOVABLE, MIGRATE_MOVABLE],
];

/** migratetype_is_mergeable(): only the per-CPU types merge across pageblocks of different types. */
export function isMigratetypeMergeable(migratetype: number): boolean {
  return migratetype < MIGRATE_PCPTYPES;
}

/** gfp_migratetype(): the migratetype an allocation with `gfp` asks for. */
export function gfpMigratetype(gfp: Gfp): Migratetype {
  if ((gfp & __GFP_MOVABLE) !== 0) return MIGRATE_MOVABLE;
  if ((gfp & __GFP_RECLAIMABLE) !== 0) return MIGRATE_RECLAIMABLE;
  return MIGRATE_UNMOVABLE;
}

export function isMigratetype(value: number): value is Migratetype {
  return Number.isInteger(value) && value >= 0 && value < MIGRATE_TYPES;
}
