// The CMA model: per area, the live allocations as page intervals, the bitmap bits they must hold (an occupancy array of its own), the counters the area must report, and the bitmap arithmetic of kernel-reference §1.2 re-derived from the spec.
//
// Nothing here imports src/cma: the mask, offset, bit rounding and first-fit search are written from
// kernel-reference §1.2 (the current, fixed offset formula), so a broken allocator cannot make the
// model agree with it by sharing code.
import { assert } from '../../src/base/assert.ts';
import type { Order, PageCount, Pfn } from '../../src/base/units.ts';
import type { OwnerId } from '../../src/mem/owners.ts';

/** Content tags CMA allocations and contig ranges get (distinct from handle ids and user tags). */
export const RANGE_TAG_BASE = 0x60000000;

/** An area as the layout declares it. */
export interface CmaAreaSpec {
  readonly name: string;
  readonly pfnStart: Pfn;
  readonly pfnEnd: Pfn;
  readonly orderPerBit: number;
}

/** A run of pages one search reserved in the bitmap (cma_alloc: one; cma_alloc_bulk: one per successful range). */
export interface ReservedRange {
  readonly pfn: Pfn;
  readonly pageCount: PageCount;
}

/** How an allocation was made. */
export type CmaAllocKind = 'alloc' | 'device' | 'bulk';

/** One live CMA allocation ("cma#3"). */
export interface CmaAllocation {
  readonly id: number;
  readonly kind: CmaAllocKind;
  readonly area: CmaAreaModel;
  readonly owner: OwnerId;
  /** The tag its owner wrote into every page it holds. */
  readonly tag: number;
  readonly alignOrder: number;
  /** What the bitmap holds for it. */
  readonly ranges: readonly ReservedRange[];
  /** How the caller gives it back: one cma_release per unit (the whole allocation, or each bulk chunk). */
  readonly releases: readonly ReservedRange[];
  /** Pages held (Σ releases). */
  readonly pageCount: PageCount;
}

/** One area's model: occupancy bits, live allocations, expected counters. */
export class CmaAreaModel {
  readonly name: string;
  readonly basePfn: Pfn;
  readonly pageCount: PageCount;
  readonly orderPerBit: number;
  /** cma_bitmap_maxno: count >> order_per_bit. */
  readonly maxno: number;
  /** 1 where a live allocation holds the bit. */
  readonly bits: Uint8Array;
  /** Bits held by live allocations. */
  usedBits = 0;
  /** What sysfs alloc_pages_success / alloc_pages_fail / release_pages_success must read. */
  succeededPages = 0;
  failedPages = 0;
  releasedPages = 0;

  constructor(spec: CmaAreaSpec) {
    this.name = spec.name;
    this.basePfn = spec.pfnStart;
    this.pageCount = spec.pfnEnd - spec.pfnStart;
    this.orderPerBit = spec.orderPerBit;
    this.maxno = Math.floor(this.pageCount / 2 ** this.orderPerBit);
    this.bits = new Uint8Array(this.maxno);
  }

  /** One past the area's last PFN. */
  get pfnEnd(): Pfn {
    return this.basePfn + this.pageCount;
  }

  /** cma_bitmap_pages_to_bits: ceil(pages / 2^opb). */
  pagesToBits(pageCount: PageCount): number {
    return Math.ceil(pageCount / 2 ** this.orderPerBit);
  }

  /** cma_bitmap_aligned_mask: 0 when align <= opb, else 2^(align - opb) - 1. */
  alignedMask(alignOrder: number): number {
    return alignOrder <= this.orderPerBit ? 0 : 2 ** (alignOrder - this.orderPerBit) - 1;
  }

  /** cma_bitmap_aligned_offset (the 2017 fix): the distance back from base to the previous 2^align boundary, in bits. */
  alignedOffset(alignOrder: number): number {
    return Math.floor((this.basePfn % 2 ** alignOrder) / 2 ** this.orderPerBit);
  }

  /** The bit covering `pfn`. */
  bitOf(pfn: Pfn): number {
    return Math.floor((pfn - this.basePfn) / 2 ** this.orderPerBit);
  }

  /** The first PFN of bit `bit`. */
  pfnOfBit(bit: number): Pfn {
    return this.basePfn + bit * 2 ** this.orderPerBit;
  }

  /**
   * bitmap_find_next_zero_area_off over the model's bits: the lowest candidate at or after `start`
   * with `(i + offset) & mask == 0` and [i, i + nr) clear, or -1 when none fits (no wrap-around).
   * A busy window restarts after its LAST set bit: every candidate up to that bit contains it, so the
   * answer is Linux's (which restarts after the first).
   */
  firstFit(start: number, nr: number, mask: number, offset: number): number {
    const step = mask + 1;
    let index = start;
    for (;;) {
      while (index < this.maxno && this.bits[index] === 1) index++;
      const aligned = Math.ceil((index + offset) / step) * step - offset;
      if (aligned + nr > this.maxno) return -1;
      const busy = this.lastSetBit(aligned, aligned + nr);
      if (busy < 0) return aligned;
      index = busy + 1;
    }
  }

  /** The longest run of clear bits (debugfs maxchunk in bits). */
  longestZeroRun(): number {
    let longest = 0;
    let run = 0;
    for (let bit = 0; bit < this.maxno; bit++) {
      run = this.bits[bit] === 1 ? 0 : run + 1;
      if (run > longest) longest = run;
    }
    return longest;
  }

  /** The bits a reserved range holds: [bitOf(pfn), + pagesToBits(pageCount)). */
  bitsOf(range: ReservedRange): { readonly start: number; readonly count: number } {
    return { start: this.bitOf(range.pfn), count: this.pagesToBits(range.pageCount) };
  }

  /** Marks the bits of `range` held; the caller checked they were clear. */
  hold(range: ReservedRange): void {
    const { start, count } = this.bitsOf(range);
    for (let bit = start; bit < start + count; bit++) {
      assert(this.bits[bit] === 0, () => `${this.name}: model bit ${bit} held twice`);
      this.bits[bit] = 1;
    }
    this.usedBits += count;
  }

  /** Clears the bits of `range`. */
  drop(range: ReservedRange): void {
    const { start, count } = this.bitsOf(range);
    for (let bit = start; bit < start + count; bit++) this.bits[bit] = 0;
    this.usedBits -= count;
  }

  /** Whether any bit of [start, start + count) is held. */
  anyHeld(start: number, count: number): boolean {
    return this.lastSetBit(start, start + count) >= 0;
  }

  private lastSetBit(start: number, end: number): number {
    for (let bit = Math.min(end, this.maxno) - 1; bit >= start; bit--) if (this.bits[bit] === 1) return bit;
    return -1;
  }
}

/** Every area of the machine and the live allocations in creation order (the symbolic targets). */
export class CmaModel {
  readonly areas: readonly CmaAreaModel[];
  readonly allocations: CmaAllocation[] = [];
  private nextId = 1;

  constructor(specs: readonly CmaAreaSpec[]) {
    this.areas = specs.map((spec) => new CmaAreaModel(spec));
  }

  /** The area called `name`. */
  area(name: string): CmaAreaModel | undefined {
    return this.areas.find((area) => area.name === name);
  }

  /** The area holding `pfn`, or undefined. */
  areaOf(pfn: Pfn): CmaAreaModel | undefined {
    return this.areas.find((area) => pfn >= area.basePfn && pfn < area.pfnEnd);
  }

  /** The reserved ranges of the live allocations in `area`. */
  heldRanges(area: CmaAreaModel): ReservedRange[] {
    return this.allocations.filter((allocation) => allocation.area === area).flatMap((allocation) => allocation.ranges);
  }

  /** The id the next allocation gets. */
  get nextAllocationId(): number {
    return this.nextId;
  }

  /** Records a live allocation and holds its bits. */
  add(init: { kind: CmaAllocKind; area: CmaAreaModel; owner: OwnerId; alignOrder: number; ranges: readonly ReservedRange[]; releases: readonly ReservedRange[] }): CmaAllocation {
    const id = this.nextId++;
    const pageCount = init.releases.reduce((sum, unit) => sum + unit.pageCount, 0);
    const allocation: CmaAllocation = { ...init, id, tag: RANGE_TAG_BASE + id, pageCount };
    for (const range of init.ranges) init.area.hold(range);
    this.allocations.push(allocation);
    return allocation;
  }

  /** Forgets a released allocation and clears its bits. */
  remove(allocation: CmaAllocation): void {
    const index = this.allocations.indexOf(allocation);
    assert(index >= 0, () => `cma#${allocation.id} is not live`);
    this.allocations.splice(index, 1);
    for (const range of allocation.ranges) allocation.area.drop(range);
  }
}

/**
 * The ranges a cma_alloc_bulk result reserved, rebuilt from its chunks by the patch's rule (each
 * search takes min(2^max(order, pageblock_order), pages still needed) pages): consecutive chunks
 * form one range until it is full or the next chunk is not adjacent.
 */
export function bulkRanges(chunks: readonly Pfn[], order: Order, rangePages: PageCount): ReservedRange[] {
  const ranges: ReservedRange[] = [];
  const chunkPages = 2 ** order;
  let start = -1;
  let pages = 0;
  for (const chunk of chunks) {
    if (start >= 0 && chunk === start + pages && pages < rangePages) {
      pages += chunkPages;
      continue;
    }
    if (start >= 0) ranges.push({ pfn: start, pageCount: pages });
    start = chunk;
    pages = chunkPages;
  }
  if (start >= 0) ranges.push({ pfn: start, pageCount: pages });
  return ranges;
}
