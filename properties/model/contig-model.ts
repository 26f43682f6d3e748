// Contiguous ranges the harness holds (alloc_contig_range / alloc_contig_pages results) and the page-claim map of every object whose pages cannot move (CMA allocations, contig ranges).
import { assert } from '../../src/base/assert.ts';
import type { PageCount, Pfn } from '../../src/base/units.ts';
import type { OwnerId } from '../../src/mem/owners.ts';
import { RANGE_TAG_BASE } from './cma-model.ts';

/** How a range was obtained. */
export type ContigVia = 'range' | 'pages';

/** One live contiguous range ("range#2"). */
export interface ContigRange {
  readonly id: number;
  readonly via: ContigVia;
  readonly pfn: Pfn;
  readonly pageCount: PageCount;
  readonly owner: OwnerId;
  /** The tag its owner wrote into every page. */
  readonly tag: number;
}

/** Offset of contig range tags from CMA allocation tags, so both kinds of id never share a tag. */
const CONTIG_TAG_OFFSET = 0x08000000;

/** Live contig ranges in creation order (the symbolic targets of contigFree). */
export class ContigRangeModel {
  readonly ranges: ContigRange[] = [];
  private nextId = 1;

  /** Records a range the caller now holds. */
  add(init: { via: ContigVia; pfn: Pfn; pageCount: PageCount; owner: OwnerId }): ContigRange {
    const id = this.nextId++;
    const range: ContigRange = { ...init, id, tag: RANGE_TAG_BASE + CONTIG_TAG_OFFSET + id };
    this.ranges.push(range);
    return range;
  }

  /** Forgets a freed range. */
  remove(range: ContigRange): void {
    const index = this.ranges.indexOf(range);
    assert(index >= 0, () => `range#${range.id} is not live`);
    this.ranges.splice(index, 1);
  }
}

/** Which live object claims each page (0: none), for objects whose pages never move. */
export class PageClaims {
  private readonly claims: Int32Array;
  private readonly names = new Map<number, string>();
  private nextKey = 1;

  constructor(readonly pfnBase: Pfn, readonly pfnEnd: Pfn) {
    this.claims = new Int32Array(pfnEnd - pfnBase);
  }

  /** Claims [pfn, pfn + pageCount) for `name` and returns the claim key. */
  claim(name: string, pfn: Pfn, pageCount: PageCount): number {
    const key = this.nextKey++;
    this.names.set(key, name);
    this.claims.fill(key, pfn - this.pfnBase, pfn - this.pfnBase + pageCount);
    return key;
  }

  /** Releases [pfn, pfn + pageCount). */
  release(pfn: Pfn, pageCount: PageCount): void {
    this.claims.fill(0, pfn - this.pfnBase, pfn - this.pfnBase + pageCount);
  }

  /** The name of the object claiming `pfn`, or undefined. */
  claimOf(pfn: Pfn): string | undefined {
    if (pfn < this.pfnBase || pfn >= this.pfnEnd) return undefined;
    const key = this.claims[pfn - this.pfnBase] as number;
    return key === 0 ? undefined : this.names.get(key);
  }
}
