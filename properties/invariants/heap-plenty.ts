// When memory is "plentiful" for a system-heap request, so invariant 33's greedy decomposition must come out: a conservative precondition read off the free lists before the call.
//
// The precondition: no page_alloc or fatal_signal fault is armed, the request is within the size cap,
// and some zone GFP_HIGHUSER may use (not ZONE_MOVABLE) holds, on its Unmovable/Movable/Reclaimable
// free lists (never CMA, HighAtomic or Isolate, which an unmovable request without ALLOC_HARDER cannot
// take), free blocks worth at least one order-8 block more than the greedy count needs and at least
// one order-4 block more than the order-8 and order-4 chunks need together, while its free non-CMA
// pages minus its highatomic reserve and the whole request stay above its high watermark plus its
// largest lowmem reserve. Then
// every order-8 and order-4 request passes the watermark check with a block on a list it may use,
// whichever zone of the zonelist serves it, so no order is skipped.
import { MAX_PAGE_ORDER, type PageCount } from '../../src/base/units.ts';
import { MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE, type Migratetype } from '../../src/mem/migratetype.ts';
import type { HarnessMachine } from '../harness-machine.ts';

const USABLE_TYPES: readonly Migratetype[] = [MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE];

/** Free blocks of order >= `order` in zone `zoneIndex`, on lists an unmovable request may use, in units of 2^order pages. */
function blockUnits(machine: HarnessMachine, zoneIndex: number, order: number): number {
  let units = 0;
  for (let o = order; o <= MAX_PAGE_ORDER; o++) {
    for (const migratetype of USABLE_TYPES) units += machine.buddy.freeBlockCount(zoneIndex, o, migratetype) * 2 ** (o - order);
  }
  return units;
}

/** True when one zone alone could serve the whole greedy decomposition of `pageCount` pages with room to spare. */
export function plentyForGreedy(machine: HarnessMachine, pageCount: PageCount, capPages: PageCount | undefined): boolean {
  const faults = machine.env.faults;
  if (faults.armedCount('page_alloc') > 0 || faults.armedCount('fatal_signal') > 0) return false;
  if (capPages !== undefined && pageCount > capPages) return false;
  const need8 = Math.floor(pageCount / 256);
  const need4 = Math.floor((pageCount % 256) / 16);
  return machine.buddy.zones.some((zone, zoneIndex) => {
    if (zone.kind === 'Movable' || zone.managedPages === 0) return false;
    const nonCmaFree = machine.buddy.nrFreePages(zoneIndex) - machine.buddy.nrFreeCmaPages(zoneIndex);
    const reserve = Math.max(...zone.lowmemReserve);
    return blockUnits(machine, zoneIndex, 8) >= need8 + 1
      && blockUnits(machine, zoneIndex, 4) >= 16 * need8 + need4 + 1
      && nonCmaFree - zone.nrReservedHighatomic - pageCount > zone.highWatermark + reserve;
  });
}
