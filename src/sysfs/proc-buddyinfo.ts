// /proc/buddyinfo: free blocks per order for every zone, formatted exactly like Linux 6.1 mm/vmstat.c frag_show_print().
import { NR_PAGE_ORDERS } from '../base/units.ts';
import type { PageAllocator } from '../buddy/page-allocator.ts';

/**
 * The text of /proc/buddyinfo: one line per zone, nodes ascending and zones in zone-type order
 * ("Node %d, zone %8s " then "%6lu " per order 0..10, free_area[order].nr_free over every migratetype).
 */
export function formatBuddyinfo(allocator: PageAllocator): string {
  let text = '';
  for (const zone of allocator.zones) {
    text += `Node ${zone.node}, zone ${zone.kind.padStart(8)} `;
    for (let order = 0; order < NR_PAGE_ORDERS; order++) text += `${String(zone.freeArea.nrFree(order)).padStart(6)} `;
    text += '\n';
  }
  return text;
}
