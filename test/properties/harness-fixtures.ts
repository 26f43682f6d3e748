// Test fixtures for the harness: small machine configs, a booted run context, and (re-exported from properties/machine-with.ts) a machine factory around a test-defined, deliberately broken PageAllocator subclass.
import type { MachineFactory } from '../../properties/harness-machine.ts';
import { startRun, type StartedRun } from '../../properties/run-sequence.ts';

export { machineWith, type AllocatorClass } from '../../properties/machine-with.ts';

/** 16 MiB, 2 CPUs, a 4 MiB `cma=` area: small enough that every op is quick. */
export const SMALL_CONFIG = { banks: [{ name: 'dram0', base: 0, size: '16M', zone: 'Normal' }], cpus: 2, cmdline: 'cma=4M' };

/** Two banks, the second a ZONE_MOVABLE bank. */
export const MOVABLE_CONFIG = {
  banks: [{ name: 'dram0', base: 0, size: '16M', zone: 'Normal' }, { name: 'dram1', base: '16M', size: '16M', zone: 'Movable', node: 0 }],
  cpus: 1,
};

/** A booted run context for `config` (throws when it does not boot: a fixture bug). */
export function started(config: unknown = SMALL_CONFIG, machineFactory?: MachineFactory): StartedRun {
  const run = startRun({ config, seed: 'fixture', ...(machineFactory === undefined ? {} : { machineFactory }) });
  if (!run.ok) throw new Error(run.detail);
  return run.value;
}
