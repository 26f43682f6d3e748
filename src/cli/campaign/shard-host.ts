// Runs one shard plan wherever it is hosted (a worker thread, or in process for single-run replays): wires runShard to the control words (stop, current run, liveness beat), a clock and a message sink.
import { getHeapStatistics } from 'node:v8';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { runShard } from '../../../properties/fuzz.ts';
import type { MachineFactory } from '../../../properties/harness-machine.ts';
import type { WorkerMessage } from './messages.ts';
import { CONTROL_STOP, controlSlots, type ShardPlan } from './plan.ts';

/**
 * Loads `machineFactory` from a module path (the --machine-factory testing aid); the error is one
 * line naming the path.
 */
export async function loadMachineFactory(modulePath: string): Promise<{ ok: true; value: MachineFactory } | { ok: false; detail: string }> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(resolve(modulePath)).href)) as Record<string, unknown>;
  } catch (error) {
    return { ok: false, detail: `--machine-factory ${modulePath}: cannot load: ${error instanceof Error ? error.message : String(error)}` };
  }
  const factory = module['machineFactory'];
  if (typeof factory !== 'function') return { ok: false, detail: `--machine-factory ${modulePath}: the module exports no machineFactory function` };
  return { ok: true, value: factory as MachineFactory };
}

/** Runs `plan` to the end of its budget (or the stop word), posting tallies, failures and `done`. */
export function runShardPlan(plan: ShardPlan, post: (message: WorkerMessage) => void, machineFactory?: MachineFactory): void {
  const control = new Int32Array(plan.control);
  const slots = controlSlots(plan.workerIndex);
  const { stopped } = runShard({
    campaignSeed: plan.campaignSeed, workerIndex: plan.workerIndex, profile: plan.profile, maxOps: plan.maxOps,
    budget: plan.budget, firstRun: plan.firstRun, minimizeSeconds: plan.minimizeSeconds, flushEveryMs: plan.flushEveryMs,
    ...(plan.strategy === undefined ? {} : { strategy: plan.strategy }),
    ...(plan.stopOnFailure === true ? { stopOnFailure: true } : {}),
    now: () => performance.now(),
    stopRequested: () => Atomics.load(control, CONTROL_STOP) !== 0,
    ...(machineFactory === undefined ? {} : { machineFactory }),
    onRunStart: (run, lengthCap) => {
      Atomics.store(control, slots.run, run);
      Atomics.store(control, slots.cap, lengthCap);
    },
    onBeat: () => void Atomics.add(control, slots.beat, 1),
    onHit: (run, opsBeforeHit) => post({ type: 'hit', run, opsBeforeHit }),
    onTally: (tally) => post({ type: 'tally', tally, heapUsedBytes: getHeapStatistics().used_heap_size }),
    onFailure: (failure) => post({ type: 'failure', failure }),
  });
  post({ type: 'done', stopped });
}
