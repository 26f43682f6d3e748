// Helpers for the contig-verbs tests: the default sim machine, a statement's argument check as a trace author meets it, and page-state lookups.
import type { Result } from '../../src/base/errno.ts';
import { PAGE_STATE_NAMES } from '../../src/mem/page-state.ts';
import type { MachineTarget } from '../../src/trace/machine-target.ts';
import { runLines, simTarget } from './trace-fixtures.ts';

/** The default sim machine (256 MiB, `cma=16M`, 2 CPUs, one zone of PFNs 0..65535, CMA at 61440). */
export function contigTarget(): MachineTarget {
  return simTarget();
}

/** Runs `lines` on a fresh default machine (or on `target`) and returns the annotated stdout lines and stderr. */
export function runOn(lines: readonly string[], target: MachineTarget = contigTarget()): { stdout: string[]; stderr: string } {
  return runLines(lines, target);
}

/**
 * What the check before a run says about one `sim VERB ARGS...` statement (the errno and the detail the
 * loader prints after `FILE:LINE: `); `ok` when the arguments are accepted.
 */
export function checked(statement: string, target: MachineTarget = contigTarget()): 'ok' | { errno: string; detail: string } {
  const [sim, verb, ...args] = statement.split(/\s+/);
  if (sim !== 'sim' || verb === undefined) throw new Error(`not a sim statement: ${statement}`);
  const result: Result<void> = target.sim.check(verb, args);
  return result.ok ? 'ok' : { errno: result.errno, detail: result.detail };
}

/** The page table's reference count of `pfn`. */
export function refcountOf(target: MachineTarget, pfn: number): number {
  const table = target.machine.buddy.table;
  return table.refcount[table.pageIndex(pfn)]!;
}

/** The long-term pin count of `pfn`. */
export function pinCountOf(target: MachineTarget, pfn: number): number {
  const table = target.machine.buddy.table;
  return table.pinCount[table.pageIndex(pfn)]!;
}

/** The state of `pfn` by name: absent, reserved, free, pcp or allocated. */
export function stateOf(target: MachineTarget, pfn: number): string {
  return PAGE_STATE_NAMES[target.machine.buddy.pageState(pfn)]!;
}
