// The trace target backed by a simulated machine: its virtual files, its dma-heap probe and its sim verbs.
import { err, ok, type Result } from '../base/errno.ts';
import { createEnv } from '../env/env.ts';
import type { MachineConfig } from '../machine/config.ts';
import { Machine } from '../machine/machine.ts';
import { registerCmaDebugfsFiles } from '../sysfs/cma-debugfs-files.ts';
import { registerProcFiles } from '../sysfs/proc-files.ts';
import { VfsRegistry } from '../sysfs/vfs.ts';
import { HandleTable } from './handles.ts';
import type { TraceTarget } from './run.ts';
import { SimVerbRegistry } from './sim-verbs.ts';
import type { TraceTargetFactory } from './target-factory.ts';
import { registerBuddyVerbs, type PageHandle } from './verbs/buddy-verbs.ts';
import { registerCmaVerbs } from './verbs/cma-verbs.ts';
import { registerContigVerbs } from './verbs/contig-verbs.ts';
import { dmaHeapProbe, registerHeapVerbs } from './verbs/heap-verbs.ts';
import { registerHogVerbs } from './verbs/hog-verbs.ts';

/** A trace target plus the machine behind it (tests inspect the machine after a run). */
export interface MachineTarget extends TraceTarget {
  readonly machine: Machine;
}

/** Builds the VFS, the sim verbs and the dma-heap probe around an existing machine. */
export function createMachineTarget(machine: Machine): MachineTarget {
  const vfs = new VfsRegistry();
  registerProcFiles(vfs, machine);
  registerCmaDebugfsFiles(vfs, machine);
  const sim = new SimVerbRegistry();
  registerBuddyVerbs(sim, machine, new HandleTable<PageHandle>('p', 'page allocation'));
  registerHeapVerbs(sim, machine);
  registerContigVerbs(sim, machine);
  registerCmaVerbs(sim, machine);
  registerHogVerbs(sim, machine);
  return {
    machine,
    vfs,
    sim,
    // len= is the dma-buf size (PAGE_ALIGN(len) for the system heap), what lseek(fd, 0, SEEK_END) reads.
    dmaHeapAlloc: (heap, lenBytes, fdFlags, heapFlags) => dmaHeapProbe(machine.heaps, heap, lenBytes, fdFlags, heapFlags),
  };
}

/** The factory `pagelab sim` uses: boots the machine for `config` with Rng seed `seed`; boot errors name `source`. */
export const createMachineTraceTarget: TraceTargetFactory = (config: MachineConfig, seed: string, source = 'machine config'): Result<TraceTarget> => {
  const machine = Machine.create(config, createEnv(seed), source);
  if (!machine.ok) return err(machine.errno, machine.detail);
  return ok(createMachineTarget(machine.value));
};
