// /proc/pagetypeinfo: free blocks per (migratetype, order) and pageblocks per migratetype, formatted like Linux 6.1 mm/vmstat.c pagetypeinfo_show().
import { NR_PAGE_ORDERS, PAGEBLOCK_NR_PAGES, PAGEBLOCK_ORDER } from '../base/units.ts';
import type { PageAllocator } from '../buddy/page-allocator.ts';
import type { Zone } from '../buddy/zone.ts';
import { MIGRATE_TYPES, MIGRATETYPE_NAMES } from '../mem/migratetype.ts';

/** pagetypeinfo_showfree_print() stops counting a list at this many entries and prints ">100000". */
const FREECOUNT_CAP = 100000;

/** pagetypeinfo_showfree_print(): one line per migratetype with the block count of each order. */
function showFreeLines(zone: Zone): string {
  let text = '';
  for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
    text += `Node ${String(zone.node).padStart(4)}, zone ${zone.kind.padStart(8)}, type ${(MIGRATETYPE_NAMES[mt] as string).padStart(12)} `;
    for (let order = 0; order < NR_PAGE_ORDERS; order++) {
      const count = zone.freeArea.blockCount(order, mt);
      text += count >= FREECOUNT_CAP ? `>${String(FREECOUNT_CAP).padStart(6)} ` : `${String(count).padStart(6)} `;
    }
    text += '\n';
  }
  return text;
}

/** pagetypeinfo_showblockcount_print(): pageblocks per migratetype, walking the zone in pageblock steps from its start PFN. */
function showBlockCountLine(allocator: PageAllocator, zone: Zone): string {
  const counts = new Array<number>(MIGRATE_TYPES).fill(0);
  for (let pfn = zone.pfnStart; pfn < zone.pfnEnd; pfn += PAGEBLOCK_NR_PAGES) {
    const mt = allocator.pageblockMigratetype(pfn);
    counts[mt] = (counts[mt] as number) + 1;
  }
  return `Node ${zone.node}, zone ${zone.kind.padStart(8)} ${counts.map((count) => `${String(count).padStart(12)} `).join('')}\n`;
}

/** pagetypeinfo_show() for one node: header, free counts, block counts (no mixed counts: page_owner is off). */
function showNode(allocator: PageAllocator, zones: readonly Zone[]): string {
  let text = `Page block order: ${PAGEBLOCK_ORDER}\nPages per block:  ${PAGEBLOCK_NR_PAGES}\n\n`;
  text += `${'Free pages count per migrate type at order'.padEnd(43)} `;
  for (let order = 0; order < NR_PAGE_ORDERS; order++) text += `${String(order).padStart(6)} `;
  text += '\n';
  for (const zone of zones) text += showFreeLines(zone);
  text += `\n${'Number of blocks type '.padEnd(23)}`;
  for (let mt = 0; mt < MIGRATE_TYPES; mt++) text += `${(MIGRATETYPE_NAMES[mt] as string).padStart(12)} `;
  text += '\n';
  for (const zone of zones) text += showBlockCountLine(allocator, zone);
  return text;
}

/** The text of /proc/pagetypeinfo: pagetypeinfo_show() for every node with memory, ascending. */
export function formatPagetypeinfo(allocator: PageAllocator): string {
  return allocator.nodeIds.map((node) => showNode(allocator, allocator.zones.filter((zone) => zone.node === node))).join('');
}
