// Machine factories with deliberately broken, caller-defined subsystems (never a bug flag in src/): the page allocator, the contig allocator, the CMA registry or the pinner replaced by a subclass, every contig/CMA layer rebuilt on top so all of them share one page table. Tests (canaries) and the bench (shrink time) use them.
import { ok } from '../src/base/errno.ts';
import type { PageAllocator, PageAllocatorEnv } from '../src/buddy/page-allocator.ts';
import { CmaRegistry, type CmaDeviceSpec } from '../src/cma/cma-registry.ts';
import type { CmaBulkDeps } from '../src/cma/cma-bulk.ts';
import { ContigAllocator, type ContigDeps } from '../src/contig/alloc-contig.ts';
import { Compactor } from '../src/contig/compaction.ts';
import { Pinner, type PinDeps } from '../src/contig/pin.ts';
import { UserMemory } from '../src/contig/user-memory.ts';
import { Machine } from '../src/machine/machine.ts';
import type { Owners } from '../src/mem/owners.ts';
import type { CmaRange, PlatformLayout } from '../src/mem/platform.ts';
import type { HarnessMachine, MachineFactory } from './harness-machine.ts';

/** A PageAllocator subclass constructor. */
export type BuddyClass = new (layout: PlatformLayout, env: PageAllocatorEnv) => PageAllocator;
/** A ContigAllocator subclass constructor. */
export type ContigClass = new (deps: ContigDeps) => ContigAllocator;
/** A CmaRegistry subclass constructor. */
export type CmaRegistryClass = new (ranges: readonly CmaRange[], devices: readonly CmaDeviceSpec[], owners: Owners, deps: CmaBulkDeps) => CmaRegistry;
/** A Pinner subclass constructor. */
export type PinnerClass = new (deps: PinDeps) => Pinner;

/** Which parts of the machine are replaced (the rest is the real thing). */
export interface BrokenParts {
  readonly buddy?: BuddyClass;
  readonly contig?: ContigClass;
  readonly cma?: CmaRegistryClass;
  readonly pins?: PinnerClass;
}

/**
 * Machines with the given parts replaced. A replaced page allocator gets its own user memory,
 * compaction, pinner, contig allocator and CMA registry on top (the heap layers, built on the real
 * allocator, are left out); a replaced contig allocator gets a CMA registry that uses it.
 */
export function machineWithParts(parts: BrokenParts): MachineFactory {
  return (config, env) => {
    const real = Machine.create(config, env);
    if (!real.ok) return real;
    const machine = real.value;
    const newBuddy = parts.buddy !== undefined;
    const buddy = parts.buddy === undefined ? machine.buddy : new parts.buddy(machine.layout, { clock: env.clock, rng: env.rng, faults: env.faults, events: machine.events, owners: machine.owners });
    const user = newBuddy ? new UserMemory(buddy, machine.events) : machine.user;
    const deps = { buddy, faults: env.faults, events: machine.events, user };
    const pins = newBuddy || parts.pins !== undefined ? new (parts.pins ?? Pinner)({ ...deps, longtermMigratesCma: config.pinning.longtermMigratesCma }) : machine.pins;
    const contig = newBuddy || parts.contig !== undefined ? new (parts.contig ?? ContigAllocator)(deps) : machine.contig;
    const compaction = newBuddy ? new Compactor(deps, machine.owners) : machine.compaction;
    const devices = config.devices.map((device) => ({ name: device.name, cmaAreas: device.cmaAreas }));
    const rebuildCma = newBuddy || parts.contig !== undefined || parts.cma !== undefined;
    const cma = rebuildCma ? new (parts.cma ?? CmaRegistry)(machine.layout.cma, devices, machine.owners, { ...deps, contig }) : machine.cma;
    const built: HarnessMachine = {
      config: machine.config, layout: machine.layout, env: machine.env, events: machine.events, owners: machine.owners, buddy,
      tick: (deltaNs?: number) => machine.tick(deltaNs), user, pins, contig, compaction, cma,
      ...(newBuddy ? {} : { heaps: machine.heaps, shrinkers: machine.shrinkers, pressure: machine.pressure }),
    };
    return ok(built);
  };
}

/** A PageAllocator subclass constructor (a caller's broken allocator); the same as BuddyClass. */
export type AllocatorClass = BuddyClass;

/** Machines whose page allocator is an instance of `allocatorClass`, sharing the real machine's env, events and owners (user memory, pins, contig and CMA rebuilt on it). */
export function machineWith(allocatorClass: AllocatorClass): MachineFactory {
  return machineWithParts({ buddy: allocatorClass });
}
