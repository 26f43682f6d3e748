// Shared fixtures for the sysfs tests: the line builders of /proc/pagetypeinfo.

/** The header pagetypeinfo_show() prints once per node, up to and including the order header of the free counts. */
export const PAGETYPEINFO_HEADER = 'Page block order: 9\nPages per block:  512\n\n'
  + 'Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10 \n';

/** The header pagetypeinfo_showblockcount() prints once per node. */
export const PAGETYPEINFO_BLOCKS_HEADER = '\nNumber of blocks type     Unmovable      Movable  Reclaimable   HighAtomic          CMA      Isolate \n';

/** One pagetypeinfo_showfree_print() line: "Node %4d, zone %8s, type %12s " then "%6lu " per order. */
export function pagetypeinfoFreeLine(node: number, zone: string, type: string, counts: readonly number[]): string {
  return `Node ${String(node).padStart(4)}, zone ${zone.padStart(8)}, type ${type.padStart(12)} ${counts.map((c) => `${String(c).padStart(6)} `).join('')}\n`;
}

/** One pagetypeinfo_showblockcount_print() line: "Node %d, zone %8s " then "%12lu " per migratetype. */
export function pagetypeinfoBlockLine(node: number, zone: string, counts: readonly number[]): string {
  return `Node ${node}, zone ${zone.padStart(8)} ${counts.map((c) => `${String(c).padStart(12)} `).join('')}\n`;
}
