// Shared fixtures for the trace tests: a machine trace target booted like `pagelab sim`, a runner that returns the annotated transcript as lines, and the owner of a page.
import { defaultMachineConfig } from '../../src/machine/config.ts';
import { createMachineTraceTarget, type MachineTarget } from '../../src/trace/machine-target.ts';
import { loadTrace } from '../../src/trace/parse.ts';
import { runTrace } from '../../src/trace/run.ts';
import { formatTranscript } from '../../src/trace/transcript.ts';

/** What a machine target is booted from: memory size, kernel command line and the seed of its Env. */
export interface SimTargetOptions {
  readonly memMiB?: number;
  readonly cmdline?: string;
  readonly seed?: string;
}

/** A machine target on the default sim machine shape (default 256 MiB, `cma=16M`, seed 'test'). */
export function simTarget(options: SimTargetOptions = {}): MachineTarget {
  const config = defaultMachineConfig({ memBytes: (options.memMiB ?? 256) * 2 ** 20, cmdline: options.cmdline ?? 'cma=16M' });
  if (!config.ok) throw new Error(config.detail);
  const built = createMachineTraceTarget(config.value, options.seed ?? 'test');
  if (!built.ok) throw new Error(built.detail);
  return built.value as MachineTarget;
}

/** Loads `lines` as one trace (parse and sim-verb checks), runs it on `target` (default: a fresh simTarget()) and returns the annotated stdout lines and the stderr text. */
export function runLines(lines: readonly string[], target: MachineTarget = simTarget()): { stdout: string[]; stderr: string } {
  const loaded = loadTrace(lines.join('\n'), 't.trace', target.sim);
  if (!loaded.ok) throw new Error(loaded.detail);
  const out = formatTranscript(runTrace(loaded.value, target), 'annotated');
  return { stdout: out.stdout.trimEnd().split('\n'), stderr: out.stderr };
}

/** The owner of the page at `pfn` as `kind:label` (e.g. `user:trace`, `contig:big`). */
export function ownerOf(target: MachineTarget, pfn: number): string {
  const { owners, buddy } = target.machine;
  const id = buddy.table.owner[buddy.table.pageIndex(pfn)]!;
  return `${owners.kindOf(id)}:${owners.labelOf(id)}`;
}
