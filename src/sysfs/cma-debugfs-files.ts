// Registers /sys/kernel/debug/cma/<name>/{alloc,free,base_pfn,count,order_per_bit,used,maxchunk,bitmap} for every CMA
// area (Linux 6.1 mm/cma_debug.c cma_debugfs_add_one, without the old "cma-" prefix) and the CONFIG_CMA_SYSFS files
// /sys/kernel/mm/cma/<name>/{alloc_pages_success,alloc_pages_fail} (mm/cma_sysfs.c), each area with its own
// mem_head list (CmaDebugList).
//
// alloc/free are write-only simple attributes (reading them is EACCES), the numbers are read-only simple
// attributes printing "%llu\n" (writing them is EACCES), and bitmap is a debugfs u32 array without a write
// operation (writing it is EINVAL). A write is parsed the way simple_attr_write + kstrtoull do (EINVAL/ERANGE),
// truncated to `int` as cma_alloc_write/cma_free_write do, then:
// - alloc: cma_alloc(area, n, 0, false); NULL is ENOMEM (a failed cma_alloc counts CMA_ALLOC_FAIL even when it
//   stops before alloc_contig_range, with the u64 count); success pushes {pfn, n} at the head of mem_head.
//   The one input 6.1 turns into kernel memory corruption (order_per_bit > 0 and a small negative count, see
//   planCmaDebugfsAlloc) is refused with EINVAL and changes nothing.
// - free: cma_free_mem pops mem_head newest first, splitting an entry only when order_per_bit is 0; always rc 0.
// The sysfs counter files are read-only (Linux refuses them at open with EACCES; here the write fails with
// EACCES, so the transcript's rc is the same and only busybox's message differs).
import { err, ok, type Result } from '../base/errno.ts';
import { cmaAlloc, cmaRelease, type CmaArea, type CmaDeps } from '../cma/cma-area.ts';
import type { Machine } from '../machine/machine.ts';
import { CmaDebugList, parseDebugfsPages, planCmaDebugfsAlloc } from './cma-debugfs.ts';
import type { VfsRegistry } from './vfs.ts';

/** The debugfs directory of all CMA areas. */
export const CMA_DEBUGFS_DIR = '/sys/kernel/debug/cma';
/** The sysfs directory of the CMA counters (CONFIG_CMA_SYSFS). */
export const CMA_SYSFS_DIR = '/sys/kernel/mm/cma';

function number(value: number | bigint): Result<string> {
  return ok(`${value}\n`);
}

/** cma_alloc_write → cma_alloc_mem for one `echo N > alloc`. */
function allocWrite(area: CmaArea, deps: CmaDeps, list: CmaDebugList, text: string): Result<void> {
  const pages = parseDebugfsPages(text);
  if (!pages.ok) return pages;
  const plan = planCmaDebugfsAlloc(pages.value, area.bitmap);
  if (plan.kind === 'kernelUndefined') return err('EINVAL', `refused: ${plan.detail}`);
  if (plan.kind === 'fail') {
    area.accountFailure(deps.events, plan.countPages);
    return err('ENOMEM', plan.reason);
  }
  const pfn = cmaAlloc(area, deps, { pageCount: plan.pageCount, alignOrder: 0 });
  if (!pfn.ok) return err('ENOMEM', pfn.detail);
  list.push(pfn.value, plan.pageCount);
  return ok(undefined);
}

/** cma_free_write → cma_free_mem for one `echo N > free`: always succeeds once the number parses. */
function freeWrite(area: CmaArea, deps: CmaDeps, list: CmaDebugList, text: string): Result<void> {
  const pages = parseDebugfsPages(text);
  if (!pages.ok) return pages;
  for (const release of list.free(pages.value)) cmaRelease(area, deps, release.pfn, release.pageCount);
  return ok(undefined);
}

/** Registers one area's debugfs directory and sysfs counters; returns its mem_head list. */
export function registerCmaAreaFiles(vfs: VfsRegistry, area: CmaArea, deps: CmaDeps): CmaDebugList {
  const list = new CmaDebugList(area.orderPerBit);
  const dir = `${CMA_DEBUGFS_DIR}/${area.name}`;
  vfs.registerFile(`${dir}/alloc`, { write: (text) => allocWrite(area, deps, list, text) });
  vfs.registerFile(`${dir}/free`, { write: (text) => freeWrite(area, deps, list, text) });
  vfs.registerFile(`${dir}/base_pfn`, { read: () => number(area.basePfn) });
  vfs.registerFile(`${dir}/count`, { read: () => number(area.pageCount) });
  vfs.registerFile(`${dir}/order_per_bit`, { read: () => number(area.orderPerBit) });
  vfs.registerFile(`${dir}/used`, { read: () => number(area.bitmap.usedPages()) });
  vfs.registerFile(`${dir}/maxchunk`, { read: () => number(area.bitmap.maxchunkPages()) });
  vfs.registerFile(`${dir}/bitmap`, { read: () => ok(area.bitmap.bitmapWordsText()), flavor: 'fops' });
  const sysfs = `${CMA_SYSFS_DIR}/${area.name}`;
  vfs.registerFile(`${sysfs}/alloc_pages_success`, { read: () => number(area.nrPagesSucceeded) });
  vfs.registerFile(`${sysfs}/alloc_pages_fail`, { read: () => number(area.nrPagesFailed) });
  return list;
}

/**
 * Adds the CMA debugfs and sysfs files of every area of `machine` to `vfs`. With no CMA area the directories
 * do not exist (cma_debugfs_init creates /sys/kernel/debug/cma only when CMA is built in; pagelab only when
 * an area exists). Returns the mem_head lists by area name.
 */
export function registerCmaDebugfsFiles(vfs: VfsRegistry, machine: Machine): Map<string, CmaDebugList> {
  const deps: CmaDeps = { contig: machine.contig, events: machine.events };
  const lists = new Map<string, CmaDebugList>();
  for (const area of machine.cma.areas) lists.set(area.name, registerCmaAreaFiles(vfs, area, deps));
  return lists;
}
