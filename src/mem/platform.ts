// The resolved physical layout a machine boots with: banks (one node and one zone each), boot reservations, CMA ranges.
import type { Pfn } from '../base/units.ts';

/** Zone kinds a bank can be (a subset of Linux's zone types; each bank holds exactly one zone). */
export type ZoneKind = 'DMA' | 'DMA32' | 'Normal' | 'Movable';

/** One memory bank: a NUMA node with a single zone over [pfnStart, pfnEnd). */
export interface BankLayout {
  readonly name: string;
  readonly node: number;
  readonly zoneKind: ZoneKind;
  readonly pfnStart: Pfn;
  readonly pfnEnd: Pfn;
}

/** A boot-time (memblock) reservation: pages that never reach the buddy allocator. */
export interface ReservedRange {
  readonly label: string;
  readonly pfnStart: Pfn;
  readonly pfnEnd: Pfn;
}

/** A CMA area's placement after cma_declare_contiguous: its pageblocks boot as MIGRATE_CMA. */
export interface CmaRange {
  readonly name: string;
  readonly pfnStart: Pfn;
  readonly pfnEnd: Pfn;
  readonly orderPerBit: number;
}

/** Everything the page table and buddy allocator need to boot; produced by machine/ from a validated config. */
export interface PlatformLayout {
  readonly banks: readonly BankLayout[];
  readonly reserved: readonly ReservedRange[];
  readonly cma: readonly CmaRange[];
  readonly cpuCount: number;
  /** vm.min_free_kbytes; undefined means Linux's default formula (init_per_zone_wmark_min). */
  readonly minFreeKbytes?: number;
  /** vm.watermark_scale_factor (Linux default 10, i.e. 0.1 %). */
  readonly watermarkScaleFactor: number;
}
