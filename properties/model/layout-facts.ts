// What the model knows about physical memory from the resolved layout alone: managed pages, CMA ranges and ZONE_MOVABLE banks, one byte per PFN.
import type { Pfn } from '../../src/base/units.ts';
import type { PlatformLayout } from '../../src/mem/platform.ts';

/** The page is in a bank and not boot-reserved: the allocator may hand it out. */
export const FACT_MANAGED = 1;
/** The page lies in a CMA area (taken from the layout, never from the live pageblock array). */
export const FACT_CMA = 2;
/** The page belongs to a ZONE_MOVABLE bank. */
export const FACT_MOVABLE_ZONE = 4;

/**
 * Per-PFN facts over [pfnBase, pfnEnd) of the layout. Built once per run in O(pages); every query is
 * one typed-array read. It knows nothing about free lists, orders or migratetypes of live pageblocks.
 */
export class LayoutFacts {
  readonly pfnBase: Pfn;
  readonly pfnEnd: Pfn;
  /** FACT_* bits per page index (pfn - pfnBase). */
  readonly bits: Uint8Array;
  /** Managed pages (the sum of FACT_MANAGED pages). */
  readonly managedPages: number;

  constructor(readonly layout: PlatformLayout) {
    this.pfnBase = Math.min(...layout.banks.map((bank) => bank.pfnStart));
    this.pfnEnd = Math.max(...layout.banks.map((bank) => bank.pfnEnd));
    this.bits = new Uint8Array(this.pfnEnd - this.pfnBase);
    for (const bank of layout.banks) {
      const bit = bank.zoneKind === 'Movable' ? FACT_MANAGED | FACT_MOVABLE_ZONE : FACT_MANAGED;
      this.bits.fill(bit, bank.pfnStart - this.pfnBase, bank.pfnEnd - this.pfnBase);
    }
    for (const range of layout.reserved) this.clearBits(range.pfnStart, range.pfnEnd, FACT_MANAGED);
    for (const area of layout.cma) this.setBits(area.pfnStart, area.pfnEnd, FACT_CMA);
    let managed = 0;
    for (const bits of this.bits) if ((bits & FACT_MANAGED) !== 0) managed++;
    this.managedPages = managed;
  }

  /** The FACT_* bits of `pfn` (0 outside the table). */
  factsOf(pfn: Pfn): number {
    if (pfn < this.pfnBase || pfn >= this.pfnEnd) return 0;
    return this.bits[pfn - this.pfnBase] as number;
  }

  /** The name of the CMA area holding `pfn`, or undefined. */
  cmaAreaOf(pfn: Pfn): string | undefined {
    return this.layout.cma.find((area) => pfn >= area.pfnStart && pfn < area.pfnEnd)?.name;
  }

  private setBits(pfnStart: Pfn, pfnEnd: Pfn, bit: number): void {
    for (let pfn = pfnStart; pfn < pfnEnd; pfn++) this.bits[pfn - this.pfnBase] = (this.bits[pfn - this.pfnBase] as number) | bit;
  }

  private clearBits(pfnStart: Pfn, pfnEnd: Pfn, bit: number): void {
    for (let pfn = pfnStart; pfn < pfnEnd; pfn++) this.bits[pfn - this.pfnBase] = (this.bits[pfn - this.pfnBase] as number) & ~bit;
  }
}
