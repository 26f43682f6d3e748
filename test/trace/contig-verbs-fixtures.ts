// Helpers for the contig-verbs tests: a statement's argument check as a trace author meets it, and page-state lookups.
import type { Result } from '../../src/base/errno.ts';
import { PAGE_STATE_NAMES } from '../../src/mem/page-state.ts';
import type { MachineTarget } from '../../src/trace/machine-target.ts';
import { simTarget } from './trace-fixtures.ts';

/**
 * What the check before a run says about one `sim VERB ARGS...` statement (the errno and the detail the
 * loader prints after `FILE:LINE: `); `ok` when the arguments are accepted.
 */
export function checked(statement: string, target: MachineTarget = simTarget()): 'ok' | { errno: string; detail: string } {
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
