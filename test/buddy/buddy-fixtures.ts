// Test fixtures for the buddy layer: small layouts, a booted allocator with its env, and helpers to read free-list state.
import { expect } from 'vitest';
import { createPageAllocator, type AllocOptions, type PageAllocator } from '../../src/buddy/page-allocator.ts';
import type { Pfn } from '../../src/base/units.ts';
import { checkBuddy } from '../../src/debug/check-buddy.ts';
import { createEnv, type Env } from '../../src/env/env.ts';
import type { Gfp } from '../../src/mem/gfp.ts';
import { Owners } from '../../src/mem/owners.ts';
import type { BankLayout, CmaRange, PlatformLayout, ReservedRange, ZoneKind } from '../../src/mem/platform.ts';
import { VmEvents } from '../../src/mem/vm-events.ts';

/** Pages in `mib` MiB. */
export function mib(mib: number): number {
  return mib * 256;
}

/** A bank literal. */
export function bank(name: string, node: number, zoneKind: ZoneKind, pfnStart: Pfn, pfnEnd: Pfn): BankLayout {
  return { name, node, zoneKind, pfnStart, pfnEnd };
}

/** A layout: one Normal bank of `pageCount` pages at PFN 0 by default. */
export function layout(overrides: Partial<PlatformLayout> & { pageCount?: number } = {}): PlatformLayout {
  const pageCount = overrides.pageCount ?? mib(64);
  return {
    banks: overrides.banks ?? [bank('ram', 0, 'Normal', 0, pageCount)],
    reserved: overrides.reserved ?? ([] as ReservedRange[]),
    cma: overrides.cma ?? ([] as CmaRange[]),
    cpuCount: overrides.cpuCount ?? 1,
    watermarkScaleFactor: overrides.watermarkScaleFactor ?? 10,
    ...(overrides.minFreeKbytes === undefined ? {} : { minFreeKbytes: overrides.minFreeKbytes }),
  };
}

/** A booted allocator with everything a test needs around it. */
export interface Rig {
  readonly allocator: PageAllocator;
  readonly env: Env;
  readonly events: VmEvents;
  readonly owners: Owners;
  /** A 'test' owner registered for the rig. */
  readonly owner: number;
  /** allocPages that must succeed. */
  alloc(gfp: Gfp, order: number, options?: Partial<AllocOptions>): Pfn;
  /** Asserts the structural checker finds nothing. */
  expectSound(): void;
}

/** Boots an allocator over `platform` (default: 64 MiB, one CPU, no reservations). */
export function rig(platform: PlatformLayout = layout(), seed = 'test'): Rig {
  const env = createEnv(seed);
  const events = new VmEvents();
  const owners = new Owners();
  const owner = owners.register('test', 'rig');
  const allocator = createPageAllocator(platform, { ...env, events, owners });
  return {
    allocator, env, events, owners, owner,
    alloc(gfp, order, options = {}) {
      const result = allocator.allocPages(gfp, order, { owner, ...options });
      if (!result.ok) throw new Error(`allocation failed: ${result.detail}`);
      return result.value;
    },
    expectSound() {
      expect(checkBuddy(allocator)).toEqual([]);
    },
  };
}

/** Block counts per order (every migratetype) of zone 0, like a /proc/buddyinfo row. */
export function buddyRow(allocator: PageAllocator, zoneIndex = 0): number[] {
  return Array.from({ length: 11 }, (_, order) => allocator.nrFreeBlocks(zoneIndex, order));
}

/** The PFNs on the (order, migratetype) free list of a zone, head first. */
export function freeListPfns(allocator: PageAllocator, order: number, migratetype: number, zoneIndex = 0): Pfn[] {
  const area = allocator.zones[zoneIndex]!.freeArea;
  const pfns: Pfn[] = [];
  for (let pfn = area.firstPfn(order, migratetype); pfn !== -1; pfn = area.nextPfn(pfn)) pfns.push(pfn);
  return pfns;
}

/** The PFNs on a per-CPU list, head first. */
export function pcpListPfns(allocator: PageAllocator, cpu: number, pindex: number, zoneIndex = 0): Pfn[] {
  const pcp = allocator.zones[zoneIndex]!.pcp;
  const pfns: Pfn[] = [];
  for (let index = pcp.lists.first(pcp.slot(cpu, pindex)); index !== -1; index = pcp.lists.after(index)) pfns.push(allocator.table.pfnOf(index));
  return pfns;
}
