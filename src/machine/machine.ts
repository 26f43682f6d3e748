// The composition root: builds every subsystem of one simulated machine from a validated config and an Env,
// owns background time (tick) and the state hash. Nothing else wires subsystems together.
import { assert } from '../base/assert.ts';
import { err, ok, type Result } from '../base/errno.ts';
import { StateHasher } from '../base/hash.ts';
import { createPageAllocator, type PageAllocator } from '../buddy/page-allocator.ts';
import type { CmaArea } from '../cma/cma-area.ts';
import { CmaRegistry } from '../cma/cma-registry.ts';
import { ContigAllocator } from '../contig/alloc-contig.ts';
import { Compactor } from '../contig/compaction.ts';
import { Pinner } from '../contig/pin.ts';
import { UserMemory } from '../contig/user-memory.ts';
import type { Env } from '../env/env.ts';
import { WorkerRegistry } from '../env/workers.ts';
import { createChunkHeap } from '../heaps/chunk-heap.ts';
import { createCmaHeaps } from '../heaps/cma-heap.ts';
import { createCpaHeaps } from '../heaps/cpa-pool.ts';
import { DmaHeapRegistry } from '../heaps/dma-heap.ts';
import { createSystemHeaps } from '../heaps/system-heap.ts';
import { Owners } from '../mem/owners.ts';
import type { PlatformLayout } from '../mem/platform.ts';
import { VmEvents } from '../mem/vm-events.ts';
import { MemoryPressure } from '../reclaim/pressure.ts';
import { ShrinkerRegistry } from '../reclaim/shrinker.ts';
import { chunkHeapsOf, heapsConfigOf, type HeapsConfig, type MachineConfig } from './config.ts';
import { resolveLayout } from './layout.ts';

/** One virtual millisecond: the default step of tick(). */
export const DEFAULT_TICK_NS = 1_000_000;

/** Everything a machine is made of; subsystems are added here as layers grow. */
export class Machine {
  readonly config: MachineConfig;
  readonly layout: PlatformLayout;
  readonly env: Env;
  readonly events: VmEvents;
  readonly owners: Owners;
  readonly workers: WorkerRegistry;
  readonly buddy: PageAllocator;
  /** The shrinkers direct reclaim and pressure events run, in registration order. */
  readonly shrinkers: ShrinkerRegistry;
  /** Memory-pressure events; also the buddy slow path's direct-reclaim hook. */
  readonly pressure: MemoryPressure;
  /** The dma-buf heaps (/dev/dma_heap/*): `system` and its variants, CMA heaps, chunk heaps, CPA heaps. */
  readonly heaps: DmaHeapRegistry;
  /** Movable user memory (anonymous LRU pages of simulated processes). */
  readonly user: UserMemory;
  /** Short-term and FOLL_LONGTERM pins on user pages. */
  readonly pins: Pinner;
  /** alloc_contig_range / alloc_contig_pages. */
  readonly contig: ContigAllocator;
  /** Zone compaction; also the buddy slow path's direct-compaction hook and the pressure events' compactor. */
  readonly compaction: Compactor;
  /** The CMA areas by name and the devices with their area lists. */
  readonly cma: CmaRegistry;
  /** Kernel parameters the machine ignored (not modelled), for reports. */
  readonly ignoredParams: readonly string[];

  private constructor(config: MachineConfig, layout: PlatformLayout, ignoredParams: readonly string[], env: Env) {
    this.config = config;
    this.layout = layout;
    this.env = env;
    this.ignoredParams = ignoredParams;
    this.events = new VmEvents();
    this.owners = new Owners();
    this.workers = new WorkerRegistry();
    this.buddy = createPageAllocator(layout, {
      clock: env.clock,
      rng: env.rng,
      faults: env.faults,
      events: this.events,
      owners: this.owners,
    });
    this.shrinkers = new ShrinkerRegistry(this.events);
    this.pressure = new MemoryPressure(this.buddy, this.shrinkers, this.events);
    this.pressure.installReclaimHook();
    const contigDeps = { buddy: this.buddy, faults: env.faults, events: this.events, user: new UserMemory(this.buddy, this.events) };
    this.user = contigDeps.user;
    this.pins = new Pinner({ ...contigDeps, longtermMigratesCma: config.pinning.longtermMigratesCma });
    this.contig = new ContigAllocator(contigDeps);
    this.compaction = new Compactor(contigDeps, this.owners);
    this.buddy.setSlowPathHooks({ ...this.buddy.hooks, compact: (zone, order, gfp) => this.compaction.compactHook(zone, order, gfp) });
    this.pressure.setCompactor(this.compaction);
    const devices = config.devices.map((device) => ({ name: device.name, cmaAreas: device.cmaAreas }));
    this.cma = new CmaRegistry(layout.cma, devices, this.owners, { ...contigDeps, contig: this.contig });
    // Why here: CMA and chunk heaps need machine.cma, so heaps are registered once the areas exist.
    this.heaps = new DmaHeapRegistry(this.buddy.table, this.events);
    registerHeaps(this, heapsConfigOf(config));
  }

  /**
   * Boots a machine. Fails (with the errno and a one-line detail naming the config field) only when
   * the layout cannot be resolved, e.g. a CMA area that does not fit; `source` names the config in
   * that message. The same config and env seed always give the same machine.
   */
  static create(config: MachineConfig, env: Env, source = 'config'): Result<Machine> {
    const resolved = resolveLayout(config, source);
    if (!resolved.ok) return resolved;
    const missing = missingChunkHeapArea(config, resolved.value.layout, source);
    if (missing !== undefined) return missing;
    return ok(new Machine(config, resolved.value.layout, resolved.value.ignoredParams, env));
  }

  /**
   * Advances virtual time by `deltaNs` and runs every background worker once, in registration
   * order. This is the only place background work (deferred frees, pool refill) happens.
   */
  tick(deltaNs: number = DEFAULT_TICK_NS): void {
    assert(Number.isSafeInteger(deltaNs) && deltaNs >= 0, () => `tick by ${deltaNs} ns`);
    this.env.clock.advance(deltaNs);
    this.workers.runAll(this.env.clock.nowNs(), deltaNs);
  }

  /** A digest of the complete simulated state (pages, free lists, per-CPU lists, owners, time). */
  stateHash(): string {
    const hasher = new StateHasher();
    hasher.updateNumber(this.env.clock.nowNs());
    this.owners.hashInto(hasher);
    this.buddy.hashInto(hasher);
    this.heaps.hashInto(hasher);
    this.shrinkers.hashInto(hasher);
    this.user.hashInto(hasher);
    this.compaction.hashInto(hasher);
    this.cma.hashInto(hasher);
    return hasher.digestHex();
  }
}

/**
 * A chunk heap bound to an area the layout did not create (`cma=0` makes no `reserved`): Linux would boot
 * without the heap (its registration fails); pagelab refuses the config, as it does for a missing area.
 */
function missingChunkHeapArea(config: MachineConfig, layout: PlatformLayout, source: string): Result<never> | undefined {
  const chunkHeaps = chunkHeapsOf(heapsConfigOf(config));
  const index = chunkHeaps.findIndex((heap) => !layout.cma.some((area) => area.name === heap.area));
  if (index < 0) return undefined;
  return err('EINVAL', `${source}: heaps.chunk[${index}].area: CMA area "${chunkHeaps[index]?.area}" was not created, so the chunk heap cannot register`);
}

/** The areas that get a CMA heap: the default area (cma=), then each area a device exports, in device order. */
function cmaHeapAreas(machine: Machine): CmaArea[] {
  const exported = machine.config.devices.filter((device) => device.exportHeap).map((device) => machine.cma.area(device.cmaAreas[0] ?? ''));
  return [machine.cma.defaultArea, ...exported].filter((area): area is CmaArea => area !== undefined);
}

/**
 * Registers the configured heaps with their workers and shrinkers, in a fixed order: the system
 * heaps (then the deferred-free worker and shrinker, then the pool shrinker), the CMA heaps (default
 * area, then exported device areas), the chunk heaps in config order, then each CPA pool's heap,
 * refill worker and shrinker in config order. The config was validated, so names are unique.
 */
function registerHeaps(machine: Machine, heaps: HeapsConfig): void {
  const env = { buddy: machine.buddy, owners: machine.owners, events: machine.events, faults: machine.env.faults };
  const system = createSystemHeaps(env, heaps.system);
  for (const heap of system.heaps) assertOk(machine.heaps.add(heap));
  if (system.deferred !== undefined) {
    machine.workers.register(system.deferred);
    assertOk(machine.shrinkers.register(system.deferred));
  }
  if (system.pools?.isShrinkerControlled === true) assertOk(machine.shrinkers.register(system.pools));
  const cmaDeps = { contig: machine.contig, events: machine.events, buddy: machine.buddy, user: machine.user };
  for (const heap of createCmaHeaps(cmaHeapAreas(machine), env, cmaDeps)) assertOk(machine.heaps.add(heap));
  for (const options of chunkHeapsOf(heaps)) {
    const heap = createChunkHeap(options, machine.cma.area(options.area), env, cmaDeps);
    assertOk(heap.ok ? machine.heaps.add(heap.value) : heap);
  }
  for (const heap of createCpaHeaps(env, heaps.cpa)) {
    assertOk(machine.heaps.add(heap));
    machine.workers.register(heap.pool.worker);
    assertOk(machine.shrinkers.register(heap.pool));
  }
}

function assertOk(result: Result<void>): void {
  assert(result.ok, () => (result.ok ? '' : `machine wiring: ${result.detail}`));
}
