// Free buddy blocks read off the page table (PG_BUDDY heads), and the fully merged decomposition a free range must have given its pageblocks' migratetypes.
import { MAX_PAGE_ORDER, PAGEBLOCK_NR_PAGES, PAGEBLOCK_ORDER, type Order, type Pfn } from '../../src/base/units.ts';
import { isMigratetypeMergeable, type Migratetype } from '../../src/mem/migratetype.ts';
import { PG_BUDDY } from '../../src/mem/page-state.ts';
import type { HarnessMachine } from '../harness-machine.ts';

/** Free blocks as parallel arrays, ascending by PFN. */
export interface FreeBlocks {
  readonly pfns: number[];
  readonly orders: number[];
}

/** Every free block head of every bank, ascending (O(blocks + non-free pages)). */
export function readFreeBlocks(machine: HarnessMachine): FreeBlocks {
  const table = machine.buddy.table;
  const blocks: FreeBlocks = { pfns: [], orders: [] };
  const banks = [...machine.layout.banks].sort((a, b) => a.pfnStart - b.pfnStart);
  for (const bank of banks) {
    for (let pfn = bank.pfnStart; pfn < bank.pfnEnd;) {
      const index = table.pageIndex(pfn);
      if (((table.flags[index] as number) & PG_BUDDY) === 0) {
        pfn++;
        continue;
      }
      const order = table.order[index] as number;
      blocks.pfns.push(pfn);
      blocks.orders.push(order);
      pfn += 2 ** order;
    }
  }
  return blocks;
}

/** The merge class of a pageblock: all mergeable types share one class; CMA, ISOLATE and HIGHATOMIC are each their own. */
function mergeClass(migratetype: Migratetype): number {
  return isMigratetypeMergeable(migratetype) ? -1 : migratetype;
}

/** What the decomposition needs to know about memory. */
export interface FreeRangeView {
  /** Zones (banks) as [pfnStart, pfnEnd); blocks never cross them. */
  readonly zones: readonly { readonly pfnStart: Pfn; readonly pfnEnd: Pfn }[];
  /** True when `pfn` is free in the end state (managed memory). */
  isFree(pfn: Pfn): boolean;
  /** The pageblock migratetype of `pfn`. */
  migratetypeOf(pfn: Pfn): Migratetype;
}

/**
 * The unique fully merged decomposition of the free pages, in blocks of at most `capOrder`: each
 * naturally aligned block of order k that is entirely free, inside one zone and (above pageblock
 * order) made of pageblocks of one merge class, with no larger such block around it (invariant 26
 * plus its pageblock exception). Ascending by PFN.
 */
export function mergedDecomposition(view: FreeRangeView, capOrder: Order = MAX_PAGE_ORDER): FreeBlocks {
  const blocks: FreeBlocks = { pfns: [], orders: [] };
  const fits = (pfn: Pfn, order: Order, zoneEnd: Pfn): boolean => {
    if (pfn + 2 ** order > zoneEnd) return false;
    for (let page = pfn; page < pfn + 2 ** order; page++) if (!view.isFree(page)) return false;
    if (order <= PAGEBLOCK_ORDER) return true;
    const first = mergeClass(view.migratetypeOf(pfn));
    for (let block = pfn + PAGEBLOCK_NR_PAGES; block < pfn + 2 ** order; block += PAGEBLOCK_NR_PAGES) if (mergeClass(view.migratetypeOf(block)) !== first) return false;
    return true;
  };
  const split = (pfn: Pfn, order: Order, zoneEnd: Pfn): void => {
    if (pfn >= zoneEnd) return;
    if (fits(pfn, order, zoneEnd)) {
      blocks.pfns.push(pfn);
      blocks.orders.push(order);
      return;
    }
    if (order === 0) return;
    split(pfn, order - 1, zoneEnd);
    split(pfn + 2 ** (order - 1), order - 1, zoneEnd);
  };
  for (const zone of [...view.zones].sort((a, b) => a.pfnStart - b.pfnStart)) {
    let pfn = zone.pfnStart;
    while (pfn < zone.pfnEnd) {
      let order = Math.min(capOrder, pfn === 0 ? capOrder : 31 - Math.clz32(pfn & -pfn));
      while (order > 0 && pfn + 2 ** order > zone.pfnEnd) order--;
      split(pfn, order, zone.pfnEnd);
      pfn += 2 ** order;
    }
  }
  return blocks;
}

/**
 * Splits blocks above `capOrder` into `capOrder` pieces (to compare where Linux may or may not merge
 * above it): every such block, or only those `select` picks.
 */
export function capBlocks(blocks: FreeBlocks, capOrder: Order, select?: (pfn: Pfn, order: Order) => boolean): FreeBlocks {
  const capped: FreeBlocks = { pfns: [], orders: [] };
  for (let i = 0; i < blocks.pfns.length; i++) {
    const pfn = blocks.pfns[i] as number;
    const order = blocks.orders[i] as number;
    if (order <= capOrder || (select !== undefined && !select(pfn, order))) {
      capped.pfns.push(pfn);
      capped.orders.push(order);
      continue;
    }
    for (let piece = pfn; piece < pfn + 2 ** order; piece += 2 ** capOrder) {
      capped.pfns.push(piece);
      capped.orders.push(capOrder);
    }
  }
  return capped;
}

/** The first index where two block lists differ, or -1 when equal. */
export function firstDifference(a: FreeBlocks, b: FreeBlocks): number {
  const length = Math.max(a.pfns.length, b.pfns.length);
  for (let i = 0; i < length; i++) if (a.pfns[i] !== b.pfns[i] || a.orders[i] !== b.orders[i]) return i;
  return -1;
}
