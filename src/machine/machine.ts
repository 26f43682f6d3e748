// The composition root: builds every subsystem of one simulated machine from a validated config and an Env,
// owns background time (tick) and the state hash. Nothing else wires subsystems together.
import { assert } from '../base/assert.ts';
import { ok, type Result } from '../base/errno.ts';
import { StateHasher } from '../base/hash.ts';
import { createPageAllocator, type PageAllocator } from '../buddy/page-allocator.ts';
import type { Env } from '../env/env.ts';
import { WorkerRegistry } from '../env/workers.ts';
import { Owners } from '../mem/owners.ts';
import type { PlatformLayout } from '../mem/platform.ts';
import { VmEvents } from '../mem/vm-events.ts';
import type { MachineConfig } from './config.ts';
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
  }

  /**
   * Boots a machine. Fails (with the errno and a one-line detail naming the config field) only when
   * the layout cannot be resolved, e.g. a CMA area that does not fit; `source` names the config in
   * that message. The same config and env seed always give the same machine.
   */
  static create(config: MachineConfig, env: Env, source = 'config'): Result<Machine> {
    const resolved = resolveLayout(config, source);
    if (!resolved.ok) return resolved;
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
    return hasher.digestHex();
  }
}
