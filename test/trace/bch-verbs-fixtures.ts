// Shared helpers for the buddy-verbs-, cma-verbs- and hog-verbs- tests: a machine booted from a raw config, why a statement is rejected before the trace runs, the owner a page is charged to, and a verb's `sim help` line.
import { parseMachineConfig } from '../../src/machine/config.ts';
import { createMachineTraceTarget, type MachineTarget } from '../../src/trace/machine-target.ts';
import { loadTrace } from '../../src/trace/parse.ts';
import { runLines } from './trace-fixtures.ts';

/** A machine target booted from a raw machine config (what `pagelab sim --config` reads). */
export function configTarget(raw: unknown, seed = 'test'): MachineTarget {
  const config = parseMachineConfig(raw, 'test config');
  if (!config.ok) throw new Error(config.detail);
  const built = createMachineTraceTarget(config.value, seed);
  if (!built.ok) throw new Error(built.detail);
  return built.value as MachineTarget;
}

/**
 * Loads the one-statement trace `statement` on `target`. Returns 'accepted' when it would run, or the
 * whole load error, which reads `t.trace:1: sim VERB: DETAIL (usage: sim USAGE): STATEMENT`.
 */
export function loadError(statement: string, target: MachineTarget): string {
  const loaded = loadTrace(statement, 't.trace', target.sim);
  return loaded.ok ? 'accepted' : loaded.detail;
}

/** Just the DETAIL of loadError (the part the verb itself wrote), or 'accepted'. */
export function rejection(statement: string, target: MachineTarget): string {
  const error = loadError(statement, target);
  if (error === 'accepted') return error;
  const match = /^t\.trace:1: sim [a-z-]+: (.*) \(usage: sim [^()]*\): .*$/.exec(error);
  if (match === null) throw new Error(`unexpected load error: ${error}`);
  return match[1]!;
}

/** What `sim help VERB` prints for one verb: `sim USAGE: SUMMARY`. */
export function helpLine(verb: string, target: MachineTarget): string {
  const { stdout } = runLines([`sim help ${verb}`], target);
  return stdout[0]!.replace(/^1 /, '');
}
