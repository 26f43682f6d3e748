// Compaction's bounded, resumable scanners (per-call pageblock budget, restart after they meet, isolated and whole-free pageblocks, CMA for movable requests, events, hook, hash) and migration targets' zones (alloc_migration_target, Linux 6.1 mm/migrate.c).
import { describe, expect, it } from 'vitest';
import { StateHasher } from '../../src/base/hash.ts';
import type { Pfn } from '../../src/base/units.ts';
import type { Zone } from '../../src/buddy/zone.ts';
import { startIsolatePageRange } from '../../src/contig/isolate.ts';
import { GFP_CONTIG_MIGRATE_TARGET, migratePages, migrationTargetFromBuddy } from '../../src/contig/migrate.ts';
import { __GFP_MOVABLE, GFP_HIGHUSER_MOVABLE, GFP_KERNEL, GFP_USER } from '../../src/mem/gfp.ts';
import { MIGRATE_CMA, MIGRATE_MOVABLE } from '../../src/mem/migratetype.ts';
import { NO_PAGE } from '../../src/mem/page-table.ts';
import type { OwnerId } from '../../src/mem/owners.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { bootDefault, bootRaw, expectSound, expectTagsIntact, mapUser, PB, pfnsOf, tagAll } from './machine-fixtures.ts';

function onlyZone(machine: Machine): Zone {
  const zone = machine.buddy.zones[0];
  if (zone === undefined) throw new Error('no zone');
  return zone;
}

/** One bank of `mib` MiB where every MAX_ORDER block holds an unmovable kernel page: no order-10 block can ever form. */
function pinnedDown(mib: number): Machine {
  const machine = bootRaw({ banks: [{ name: 'dram0', base: 0, size: `${mib}M`, zone: 'Normal' }] });
  const owner = machine.owners.register('kernel', 'pins');
  for (let pfn = PB; pfn < mib * 256; pfn += 2 * PB) machine.buddy.takeFreeRange(pfn, pfn + 1, owner);
  return machine;
}

/** Fills memory (down to the min watermark, without entering the slow path) with `chunk`-page mappings, then unmaps every other one. */
function fragment(machine: Machine, chunk: number): OwnerId[] {
  const floor = machine.buddy.zones.reduce((sum, zone) => sum + (zone.watermarks[0] ?? 0), 0) + machine.buddy.pcpPages() + 4 * chunk;
  const all: OwnerId[] = [];
  for (let i = 0; machine.buddy.nrFreePages() > floor; i++) {
    const owner = machine.owners.register('user', `m${i}`);
    if (!machine.user.mapPages(owner, chunk).ok) break;
    all.push(owner);
  }
  for (const [i, owner] of all.entries()) if (i % 2 === 1) machine.user.unmapPages(owner);
  machine.user.lruAddDrainAll();
  machine.buddy.drainAllPages();
  const kept = all.filter((_, i) => i % 2 === 0);
  for (const owner of kept) tagAll(machine, owner);
  return kept;
}

function compactionHash(machine: Machine): string {
  const hasher = new StateHasher();
  machine.compaction.hashInto(hasher);
  return hasher.digestHex();
}

describe('compactZone scans at most 32 pageblocks per call and resumes where it stopped', () => {
  it('a 66 MiB zone (33 pageblocks, the last one the free scanner\'s) is scanned in one call', () => {
    const machine = pinnedDown(66);
    expect(machine.compaction.compactZone(onlyZone(machine), 10, GFP_KERNEL)).toEqual({ migratedPages: 0, success: false, complete: true });
  });

  it('compact() calls compactZone until it succeeds: 80 MiB whose first 34 pageblocks hold only kernel pages', () => {
    const machine = bootRaw({ banks: [{ name: 'dram0', base: 0, size: '80M', zone: 'Normal' }] });
    const reservedEnd = machine.layout.reserved[0]?.pfnEnd ?? 0;
    expect(machine.buddy.takeFreeRange(reservedEnd, 34 * PB, machine.owners.register('kernel', 'low'))).toBe(true);
    fragment(machine, 16);
    expect(machine.buddy.nrFreeBlocks(0, 10)).toBe(0);
    const outcome = machine.compaction.compact(10, GFP_KERNEL);
    expect(outcome.blocksRebuilt).toBeGreaterThanOrEqual(1);
    expect(machine.buddy.nrFreeBlocks(0, 10)).toBe(outcome.blocksRebuilt);
    expectSound(machine);
  });

  it('a 68 MiB zone (34 pageblocks) takes two calls; the scanners then restart from the zone ends', () => {
    const machine = pinnedDown(68);
    const zone = onlyZone(machine);
    const completes = [1, 2, 3].map(() => machine.compaction.compactZone(zone, 10, GFP_KERNEL).complete);
    expect(completes).toEqual([false, true, false]);
    expect(machine.events.get('compact_success')).toBe(0);
  });
});

describe('the compaction state hash', () => {
  it('covers the cached scanner positions and does not depend on the order zones were compacted in', () => {
    const layout = { banks: [{ name: 'a', base: 0, size: '68M', zone: 'Normal', node: 0 }, { name: 'b', base: '128M', size: '68M', zone: 'Normal', node: 0 }] };
    const first = bootRaw(layout);
    const second = bootRaw(layout);
    const fresh = compactionHash(first);
    for (const machine of [first, second]) {
      const owner = machine.owners.register('kernel', 'pins');
      for (const zone of machine.buddy.zones) for (let pfn = zone.pfnStart + PB; pfn < zone.pfnEnd; pfn += 2 * PB) machine.buddy.takeFreeRange(pfn, pfn + 1, owner);
    }
    const [a0, a1] = first.buddy.zones as [Zone, Zone];
    const [b0, b1] = second.buddy.zones as [Zone, Zone];
    first.compaction.compactZone(a0, 10, GFP_KERNEL);
    const oneZone = compactionHash(first);
    first.compaction.compactZone(a1, 10, GFP_KERNEL);
    second.compaction.compactZone(b1, 10, GFP_KERNEL);
    second.compaction.compactZone(b0, 10, GFP_KERNEL);
    expect(new Set([fresh, oneZone, compactionHash(first)]).size).toBe(3);
    expect(compactionHash(second)).toBe(compactionHash(first));
  });

  it('two zones stopped at different scanner positions hash differently', () => {
    const small = pinnedDown(68);
    const large = pinnedDown(100);
    small.compaction.compactZone(onlyZone(small), 10, GFP_KERNEL);
    large.compaction.compactZone(onlyZone(large), 10, GFP_KERNEL);
    expect(compactionHash(small)).not.toBe(compactionHash(large));
  });
});

describe('which free blocks count, and which pages compaction may use', () => {
  /** 64 MiB, cma=32M, with every free page outside the CMA area taken by the kernel: order-9 blocks are left in CMA only. */
  function freeOnlyInCma(): Machine {
    const machine = bootDefault('64M', 'cma=32M');
    expect(machine.buddy.takeFreeRange(1024, 8192, machine.owners.register('kernel', 'all'))).toBe(true);
    return machine;
  }

  it('free CMA blocks satisfy a movable request at once, not a GFP_KERNEL one', () => {
    const machine = freeOnlyInCma();
    const zone = onlyZone(machine);
    expect(machine.compaction.compactZone(zone, 9, __GFP_MOVABLE)).toEqual({ migratedPages: 0, success: true, complete: false });
    expect(machine.compaction.compactZone(zone, 9, GFP_KERNEL).success).toBe(false);
    expect(machine.events.get('compact_success')).toBe(0);
  });

  it('the direct-compaction hook reports progress when the block exists, none when nothing can move', () => {
    const machine = freeOnlyInCma();
    const zone = onlyZone(machine);
    expect(machine.compaction.compactHook(zone, 9, __GFP_MOVABLE)).toBe(true);
    expect(machine.compaction.compactHook(zone, 9, GFP_KERNEL)).toBe(false);
  });

  it('an order-10 (MAX_ORDER) free block counts: nothing to do on a fresh machine', () => {
    const machine = bootDefault('32M', '');
    expect(machine.compaction.compactZone(onlyZone(machine), 10, GFP_KERNEL)).toEqual({ migratedPages: 0, success: true, complete: false });
  });

  it('rebuilds order-10 blocks in fragmented memory and counts them, with compact_success and compact_rebuilt_high_order', () => {
    const machine = bootDefault('32M', '');
    const kept = fragment(machine, 16);
    const outcome = machine.compaction.compact(10, GFP_KERNEL);
    expect(outcome.blocksRebuilt).toBeGreaterThanOrEqual(1);
    expect(machine.buddy.nrFreeBlocks(0, 10)).toBe(outcome.blocksRebuilt);
    expect(machine.events.get('compact_success')).toBeGreaterThanOrEqual(1);
    expect(machine.events.get('compact_rebuilt_high_order')).toBeGreaterThanOrEqual(1);
    for (const owner of kept) expectTagsIntact(machine, owner);
    expectSound(machine);
  });

  it('a success below pageblock order (order 8, pages migrated) is compact_success but not compact_rebuilt_high_order', () => {
    const machine = bootDefault('32M', '');
    fragment(machine, 8);
    expect(machine.buddy.nrFreeBlocks(0, 8) + machine.buddy.nrFreeBlocks(0, 9) + machine.buddy.nrFreeBlocks(0, 10)).toBe(0);
    const outcome = machine.compaction.compactZone(onlyZone(machine), 8, GFP_KERNEL);
    expect(outcome.migratedPages).toBeGreaterThan(0);
    expect([outcome.success, machine.events.get('compact_success'), machine.events.get('compact_rebuilt_high_order')]).toEqual([true, 1, 0]);
  });

  it('a success that only needed the per-CPU lists drained (no page migrated) is not compact_rebuilt_high_order', () => {
    const machine = bootDefault('32M', '');
    const zone = onlyZone(machine);
    const top = zone.pfnEnd - PB;
    expect(machine.buddy.takeFreeRange(512, top, machine.owners.register('kernel', 'all'))).toBe(true);
    const owner = machine.owners.register('kernel', 'block');
    const pages: Pfn[] = [];
    for (;;) {
      const got = machine.buddy.allocPages(GFP_HIGHUSER_MOVABLE, 0, { owner });
      if (!got.ok) break;
      pages.push(got.value);
    }
    for (const pfn of pages) machine.buddy.freePages(pfn, 0);
    expect(machine.buddy.pcpPages()).toBeGreaterThan(0);
    expect(machine.buddy.nrFreeBlocks(0, 9) + machine.buddy.nrFreeBlocks(0, 10)).toBe(0);
    expect(machine.compaction.compactZone(zone, 9, GFP_KERNEL)).toEqual({ migratedPages: 0, success: true, complete: false });
    expect([machine.events.get('compact_success'), machine.events.get('compact_rebuilt_high_order')]).toEqual([1, 0]);
  });

  it('pages migrated without reaching the order count neither success nor a rebuilt block', () => {
    const machine = pinnedDown(32);
    mapUser(machine, 2000);
    const outcome = machine.compaction.compactZone(onlyZone(machine), 10, GFP_KERNEL);
    expect(outcome.migratedPages).toBeGreaterThan(0);
    expect(outcome.success).toBe(false);
    expect([machine.events.get('compact_success'), machine.events.get('compact_rebuilt_high_order')]).toEqual([0, 0]);
  });

  it('the migrate scanner leaves an isolated pageblock alone (alloc_contig_range is working on it)', () => {
    const machine = bootDefault('32M', '');
    fragment(machine, 16);
    const deps = { buddy: machine.buddy, faults: machine.env.faults, events: machine.events };
    const lowest = 1024;
    const owner = machine.user.rmap(lowest + 1)?.owner;
    expect(owner).toBeDefined();
    expect(startIsolatePageRange(deps, lowest, lowest + PB, MIGRATE_MOVABLE).ok).toBe(true);
    const before = pfnsOf(machine, owner as OwnerId);
    machine.compaction.compactZone(onlyZone(machine), 10, GFP_KERNEL);
    expect(pfnsOf(machine, owner as OwnerId)).toEqual(before);
  });

  it('the free scanner skips a pageblock that is already one free block of pageblock order', () => {
    const machine = bootDefault('32M', '');
    const kept = fragment(machine, 16);
    const top = onlyZone(machine).pfnEnd - PB;
    for (const owner of kept) if (pfnsOf(machine, owner).some((pfn) => pfn >= top)) machine.user.unmapPages(owner);
    machine.buddy.drainAllPages();
    const table = machine.buddy.table;
    expect(table.order[table.pageIndex(top)]).toBe(9);
    machine.compaction.compactZone(onlyZone(machine), 10, GFP_KERNEL);
    expect(table.order[table.pageIndex(top)]).toBeGreaterThanOrEqual(9);
  });

  it('takes migration targets from the top pageblock, highest page first, before moving down a block', () => {
    const machine = bootRaw({ banks: [{ name: 'dram0', base: 0, size: '32M', zone: 'Normal' }] });
    const user = mapUser(machine, 10);
    expect(Math.max(...pfnsOf(machine, user))).toBeLessThan(2 * PB);
    const owner = machine.owners.register('kernel', 'pins');
    for (let pfn = 3 * PB; pfn < 8192; pfn += 2 * PB) machine.buddy.takeFreeRange(pfn, pfn + 1, owner);
    machine.compaction.compactZone(onlyZone(machine), 10, GFP_KERNEL);
    const top = onlyZone(machine).pfnEnd;
    expect(pfnsOf(machine, user).sort((a, b) => b - a)).toEqual(Array.from({ length: 10 }, (_, i) => top - 1 - i));
  });

  it('CMA pageblocks are targets too; rebuilt CMA blocks count for a movable request only', () => {
    const rebuilt = (gfp: number): number => {
      const machine = bootDefault('64M', 'cma=32M');
      const reservedEnd = machine.layout.reserved[0]?.pfnEnd ?? 0;
      expect(machine.buddy.takeFreeRange(reservedEnd, 8192, machine.owners.register('kernel', 'all'))).toBe(true);
      fragment(machine, 16);
      expect(machine.buddy.nrFreeBlocks(0, 10)).toBe(0);
      const outcome = machine.compaction.compact(10, gfp);
      expect(outcome.migratedPages).toBeGreaterThan(0);
      expect(machine.buddy.nrFreeBlocks(0, 10)).toBeGreaterThanOrEqual(1);
      return outcome.blocksRebuilt;
    };
    expect(rebuilt(__GFP_MOVABLE)).toBeGreaterThanOrEqual(1);
    expect(rebuilt(GFP_KERNEL)).toBe(0);
  });

  it('registers its own owner: a kernel owner labelled "compaction"', () => {
    const machine = bootDefault('32M', '');
    const ids = Array.from({ length: machine.owners.count }, (_, i) => i + 1);
    const mine = ids.filter((id) => machine.owners.labelOf(id) === 'compaction');
    expect(mine.map((id) => machine.owners.kindOf(id))).toEqual(['kernel']);
  });
});

describe('migration targets (alloc_migration_target)', () => {
  /** Normal and Movable banks of 32 MiB on node 0. */
  function withMovableZone(): Machine {
    return bootRaw({ banks: [{ name: 'low', base: 0, size: '32M', zone: 'Normal', node: 0 }, { name: 'movable', base: '32M', size: '32M', zone: 'Movable', node: 0 }] });
  }

  function zoneKindsOf(machine: Machine, pfns: readonly Pfn[]): string[] {
    return [...new Set(pfns.map((pfn) => machine.buddy.zoneOf(pfn).kind))];
  }

  it('a page in ZONE_MOVABLE may move within ZONE_MOVABLE (__GFP_HIGHMEM is added)', () => {
    const machine = withMovableZone();
    const user = mapUser(machine, 64);
    expect(zoneKindsOf(machine, pfnsOf(machine, user))).toEqual(['Movable']);
    const first = Math.min(...pfnsOf(machine, user));
    const block = first - (first % PB);
    const got = machine.contig.allocContigRange(block, block + PB, MIGRATE_MOVABLE, 'normal', machine.owners.register('contig', 'c'));
    expect(got.ok).toBe(true);
    expect(zoneKindsOf(machine, pfnsOf(machine, user))).toEqual(['Movable']);
    expectSound(machine);
  });

  it('a page in ZONE_NORMAL moves within ZONE_NORMAL even with a free ZONE_MOVABLE beside it', () => {
    const machine = withMovableZone();
    const user = machine.owners.register('user', 'normal');
    expect(machine.user.mapPages(user, 64, { gfp: GFP_USER | __GFP_MOVABLE }).ok).toBe(true);
    machine.user.lruAddDrainAll();
    expect(zoneKindsOf(machine, pfnsOf(machine, user))).toEqual(['Normal']);
    const first = Math.min(...pfnsOf(machine, user));
    const block = first - (first % PB);
    const got = machine.contig.allocContigRange(block, block + PB, MIGRATE_MOVABLE, 'normal', machine.owners.register('contig', 'c'));
    expect(got.ok).toBe(true);
    expect(zoneKindsOf(machine, pfnsOf(machine, user))).toEqual(['Normal']);
    expectSound(machine);
  });

  it('migrate_pages stops at the first page without a target: the migrated ones are done, that page and the rest stay on the list', () => {
    const machine = bootDefault('64M', 'cma=32M');
    const user = mapUser(machine, 4);
    const sources = pfnsOf(machine, user);
    const buddyTarget = migrationTargetFromBuddy(machine.buddy, GFP_CONTIG_MIGRATE_TARGET, 0);
    let left = 2;
    const twoTargets = (pfn: Pfn, owner: number): Pfn => (left-- > 0 ? buddyTarget(pfn, owner) : NO_PAGE);
    const deps = { buddy: machine.buddy, user: machine.user, faults: machine.env.faults, events: machine.events };
    const outcome = migratePages(deps, sources, twoTargets, 0);
    expect(outcome).toEqual({ migrated: 2, remaining: sources.slice(2), errno: 'ENOMEM' });
    expect(machine.events.get('pgmigrate_success')).toBe(2);
    expect(pfnsOf(machine, user).slice(2)).toEqual(sources.slice(2));
    expect(machine.buddy.pageblockMigratetype(sources[0] as Pfn)).toBe(MIGRATE_CMA);
    expectSound(machine);
  });
});

describe('GFP_HIGHUSER_MOVABLE pages start in ZONE_MOVABLE', () => {
  it('so the first test above exercises a ZONE_MOVABLE source', () => {
    const machine = bootRaw({ banks: [{ name: 'low', base: 0, size: '32M', zone: 'Normal', node: 0 }, { name: 'movable', base: '32M', size: '32M', zone: 'Movable', node: 0 }] });
    const got = machine.buddy.allocPages(GFP_HIGHUSER_MOVABLE, 0, { owner: machine.owners.register('kernel', 'k') });
    expect(got.ok && machine.buddy.zoneOf(got.value).kind).toBe('Movable');
  });
});
