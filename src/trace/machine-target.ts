// The trace target backed by a simulated machine: its virtual files, its dma-heap probe and its sim verbs.
import { err, ok, type Result } from '../base/errno.ts';
import { createEnv } from '../env/env.ts';
import type { MachineConfig } from '../machine/config.ts';
import { Machine } from '../machine/machine.ts';
import { registerProcFiles } from '../sysfs/proc-files.ts';
import { VfsRegistry } from '../sysfs/vfs.ts';
import { HandleTable } from './handles.ts';
import type { TraceTarget } from './run.ts';
import { SimVerbRegistry } from './sim-verbs.ts';
import type { TraceTargetFactory } from './target-factory.ts';
import { registerBuddyVerbs, type PageHandle } from './verbs/buddy-verbs.ts';

/** A trace target plus the machine behind it (tests inspect the machine after a run). */
export interface MachineTarget extends TraceTarget {
  readonly machine: Machine;
}

/** Builds the VFS, the sim verbs and the dma-heap probe around an existing machine. */
export function createMachineTarget(machine: Machine): MachineTarget {
  const vfs = new VfsRegistry();
  registerProcFiles(vfs, machine);
  const sim = new SimVerbRegistry();
  registerBuddyVerbs(sim, machine, new HandleTable<PageHandle>('p', 'page allocation'));
  return {
    machine,
    vfs,
    sim,
    // No dma-buf heap is registered on this machine: opening /dev/dma_heap/HEAP fails with ENOENT.
    dmaHeapAlloc: () => 'err ENOENT',
  };
}

/** The factory `pagelab sim` uses: boots the machine for `config` with Rng seed `seed`. */
export const createMachineTraceTarget: TraceTargetFactory = (config: MachineConfig, seed: string): Result<TraceTarget> => {
  const machine = Machine.create(config, createEnv(seed), 'machine');
  if (!machine.ok) return err(machine.errno, machine.detail);
  return ok(createMachineTarget(machine.value));
};
