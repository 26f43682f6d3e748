// /proc/meminfo: the allocator's fields plus fields later layers add, in Linux 6.1 fs/proc/meminfo.c order and show_val_kb() format.
import { assert } from '../base/assert.ts';
import { PAGE_SHIFT, type PageCount } from '../base/units.ts';
import type { PageAllocator } from '../buddy/page-allocator.ts';

/** Fields meminfo_proc_show() prints with show_val_kb(), in Linux 6.1 order (x86-64, no HIGHMEM). */
export const MEMINFO_FIELDS = [
  'MemTotal', 'MemFree', 'MemAvailable', 'Buffers', 'Cached', 'SwapCached', 'Active', 'Inactive', 'Active(anon)', 'Inactive(anon)',
  'Active(file)', 'Inactive(file)', 'Unevictable', 'Mlocked', 'SwapTotal', 'SwapFree', 'Zswap', 'Zswapped', 'Dirty', 'Writeback',
  'AnonPages', 'Mapped', 'Shmem', 'KReclaimable', 'Slab', 'SReclaimable', 'SUnreclaim', 'KernelStack', 'PageTables', 'NFS_Unstable',
  'Bounce', 'WritebackTmp', 'CommitLimit', 'Committed_AS', 'VmallocTotal', 'VmallocUsed', 'VmallocChunk', 'Percpu', 'AnonHugePages',
  'ShmemHugePages', 'ShmemPmdMapped', 'FileHugePages', 'FilePmdMapped', 'CmaTotal', 'CmaFree',
] as const;

/** A /proc/meminfo field name. */
export type MeminfoField = (typeof MEMINFO_FIELDS)[number];

/** The fields this formatter computes from the allocator itself. */
const ALLOCATOR_FIELDS: readonly MeminfoField[] = ['MemTotal', 'MemFree', 'MemAvailable', 'CmaTotal', 'CmaFree'];

/** What later layers add: extra fields (in pages) and the page cache / reclaimable kernel memory si_mem_available() counts. */
export interface MeminfoExtras {
  readonly fields?: Partial<Record<MeminfoField, PageCount>>;
  /** Active(file) + Inactive(file). */
  readonly pagecachePages?: PageCount;
  /** SReclaimable + other reclaimable kernel memory. */
  readonly reclaimablePages?: PageCount;
}

/**
 * si_mem_available(): free pages minus totalreserve_pages, plus the page cache and reclaimable kernel
 * memory above what must stay (half of each, at most the sum of low watermarks). Never negative.
 */
export function siMemAvailable(allocator: PageAllocator, pagecachePages: PageCount = 0, reclaimablePages: PageCount = 0): PageCount {
  const wmarkLow = allocator.zones.reduce((sum, zone) => sum + zone.lowWatermark, 0);
  let available = allocator.nrFreePages() - allocator.totalReservePages();
  available += pagecachePages - Math.min(Math.floor(pagecachePages / 2), wmarkLow);
  available += reclaimablePages - Math.min(Math.floor(reclaimablePages / 2), wmarkLow);
  return Math.max(available, 0);
}

/** show_val_kb(): a 16-column label, the value in kB right-aligned in 8 columns, then " kB". */
function showValKb(field: MeminfoField, pageCount: PageCount): string {
  return `${`${field}:`.padEnd(16)}${String(pageCount * 2 ** (PAGE_SHIFT - 10)).padStart(8)} kB\n`;
}

/** The text of /proc/meminfo: MemTotal, MemFree, MemAvailable, CmaTotal, CmaFree and every extra field, in Linux order. */
export function formatMeminfo(allocator: PageAllocator, extras: MeminfoExtras = {}): string {
  const values: Partial<Record<MeminfoField, PageCount>> = {
    ...extras.fields,
    MemTotal: allocator.managedPages(),
    MemFree: allocator.nrFreePages(),
    MemAvailable: siMemAvailable(allocator, extras.pagecachePages, extras.reclaimablePages),
    CmaTotal: allocator.totalCmaPages,
    CmaFree: allocator.nrFreeCmaPages(),
  };
  for (const field of ALLOCATOR_FIELDS) assert(extras.fields?.[field] === undefined, () => `meminfo field ${field} comes from the allocator`);
  return MEMINFO_FIELDS.filter((field) => values[field] !== undefined).map((field) => showValKb(field, values[field] as PageCount)).join('');
}
