// Migratetypes (src/mem/migratetype.ts): values, names and fallbacks as Linux 6.1 (include/linux/mmzone.h, mm/page_alloc.c), gfp_migratetype, mergeability.
import { describe, expect, it } from 'vitest';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, __GFP_MOVABLE, __GFP_RECLAIMABLE } from '../../src/mem/gfp.ts';
import {
  FALLBACKS, MIGRATETYPE_NAMES, MIGRATE_CMA, MIGRATE_HIGHATOMIC, MIGRATE_ISOLATE, MIGRATE_MOVABLE, MIGRATE_PCPTYPES,
  MIGRATE_RECLAIMABLE, MIGRATE_TYPES, MIGRATE_UNMOVABLE, gfpMigratetype, isMigratetype, isMigratetypeMergeable,
} from '../../src/mem/migratetype.ts';

describe('enum migratetype (include/linux/mmzone.h, CONFIG_CMA and CONFIG_MEMORY_ISOLATION on)', () => {
  it('numbers the types as Linux does', () => {
    expect(MIGRATE_UNMOVABLE).toBe(0);
    expect(MIGRATE_MOVABLE).toBe(1);
    expect(MIGRATE_RECLAIMABLE).toBe(2);
    expect(MIGRATE_PCPTYPES).toBe(3);
    expect(MIGRATE_HIGHATOMIC).toBe(MIGRATE_PCPTYPES);
    expect(MIGRATE_CMA).toBe(4);
    expect(MIGRATE_ISOLATE).toBe(5);
    expect(MIGRATE_TYPES).toBe(6);
  });

  it('names them as migratetype_names[] in mm/page_alloc.c (what /proc/pagetypeinfo prints)', () => {
    expect(MIGRATETYPE_NAMES).toEqual(['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'CMA', 'Isolate']);
    expect(MIGRATETYPE_NAMES).toHaveLength(MIGRATE_TYPES);
  });
});

describe('FALLBACKS (fallbacks[] in mm/page_alloc.c, 6.1)', () => {
  it('lists the steal order for each per-CPU type', () => {
    expect(FALLBACKS[MIGRATE_UNMOVABLE]).toEqual([MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE]);
    expect(FALLBACKS[MIGRATE_MOVABLE]).toEqual([MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE]);
    expect(FALLBACKS[MIGRATE_RECLAIMABLE]).toEqual([MIGRATE_UNMOVABLE, MIGRATE_MOVABLE]);
    expect(FALLBACKS).toHaveLength(MIGRATE_PCPTYPES);
  });

  it('never falls back to or from HIGHATOMIC, CMA or ISOLATE', () => {
    for (const list of FALLBACKS) {
      for (const mt of list) expect(mt).toBeLessThan(MIGRATE_PCPTYPES);
    }
    expect(FALLBACKS[MIGRATE_CMA]).toBeUndefined();
  });
});

describe('isMigratetypeMergeable (migratetype_is_mergeable: mt < MIGRATE_PCPTYPES)', () => {
  it('is true for the per-CPU types and false for HIGHATOMIC, CMA and ISOLATE', () => {
    expect([0, 1, 2, 3, 4, 5].map(isMigratetypeMergeable)).toEqual([true, true, true, false, false, false]);
  });
});

describe('gfpMigratetype (gfp_migratetype in include/linux/gfp.h)', () => {
  it('maps __GFP_MOVABLE to MOVABLE, __GFP_RECLAIMABLE to RECLAIMABLE, and neither to UNMOVABLE', () => {
    expect(gfpMigratetype(GFP_HIGHUSER_MOVABLE)).toBe(MIGRATE_MOVABLE);
    expect(gfpMigratetype(GFP_KERNEL | __GFP_RECLAIMABLE)).toBe(MIGRATE_RECLAIMABLE);
    expect(gfpMigratetype(GFP_KERNEL)).toBe(MIGRATE_UNMOVABLE);
    expect(gfpMigratetype(0)).toBe(MIGRATE_UNMOVABLE);
  });

  // Linux computes (gfp & GFP_MOVABLE_MASK) >> GFP_MOVABLE_SHIFT, which is 3 (HIGHATOMIC) with both bits, under a
  // VM_WARN_ON; pagelab never returns a non-per-CPU type and lets MOVABLE win.
  it('lets MOVABLE win when both mobility bits are set, never returning HIGHATOMIC', () => {
    expect(gfpMigratetype(__GFP_MOVABLE | __GFP_RECLAIMABLE)).toBe(MIGRATE_MOVABLE);
  });
});

describe('isMigratetype', () => {
  it('accepts the integers 0..5 only', () => {
    expect([0, 1, 2, 3, 4, 5].every(isMigratetype)).toBe(true);
    for (const value of [-1, 6, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) expect(isMigratetype(value)).toBe(false);
  });
});
