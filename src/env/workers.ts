// Background work: the registry of workers (kswapd-like, deferred free, pool refill) that only Machine.tick() runs.
import { assert } from '../base/assert.ts';

/** One background worker: runs when virtual time advances, never on its own. */
export interface BackgroundWorker {
  /** Unique name, used in dumps and hashes ("dmabuf-deferred-free", "cpa-refill"). */
  readonly name: string;
  /** Does the work due at `nowNs`; `elapsedNs` is the time since the previous tick. */
  run(nowNs: number, elapsedNs: number): void;
}

/** The workers of one machine, run in registration order (deterministic). */
export class WorkerRegistry {
  private readonly workers: BackgroundWorker[] = [];

  /** Adds a worker; names are unique. */
  register(worker: BackgroundWorker): void {
    assert(!this.workers.some((w) => w.name === worker.name), () => `worker ${worker.name} registered twice`);
    this.workers.push(worker);
  }

  /** Runs every worker once, in registration order. */
  runAll(nowNs: number, elapsedNs: number): void {
    for (const worker of this.workers) worker.run(nowNs, elapsedNs);
  }

  /** Worker names in run order. */
  names(): string[] {
    return this.workers.map((w) => w.name);
  }
}
