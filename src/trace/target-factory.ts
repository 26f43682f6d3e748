// How the CLI obtains a trace target for a machine config, and the config-only target used until the machine exists: no files, no heaps, only `sim help`.
import { ok, type Result } from '../base/errno.ts';
import type { MachineConfig } from '../machine/config.ts';
import { VfsRegistry } from '../sysfs/vfs.ts';
import type { TraceTarget } from './run.ts';
import { SimVerbRegistry } from './sim-verbs.ts';

/**
 * Builds a target from a validated config and a seed (the machine's Rng seed). An error is bad
 * input that only building reveals (a `cma=` the layout cannot place, ...): EINVAL/ENOMEM with a
 * one-line detail that names where it comes from: `source`, the config file or the flags that
 * described the machine.
 */
export type TraceTargetFactory = (config: MachineConfig, seed: string, source?: string) => Result<TraceTarget>;

/**
 * A target with nothing behind it: every path is ENOENT, every heap is missing (`err ENOENT`, as
 * opening a missing /dev/dma_heap/HEAP fails), and the only sim verb is `help`. It checks that a
 * trace and a config are well formed without simulating anything.
 */
export const createConfigOnlyTarget: TraceTargetFactory = () => {
  const target: TraceTarget = {
    vfs: new VfsRegistry(),
    dmaHeapAlloc: () => 'err ENOENT',
    sim: new SimVerbRegistry(),
  };
  return ok(target);
};
