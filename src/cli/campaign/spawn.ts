// How the supervisor starts workers: real worker threads (tsx registered inside each), or in process (single-run replays and tests), both behind one small port interface.
import { Worker } from 'node:worker_threads';
import type { MachineFactory } from '../../../properties/harness-machine.ts';
import type { ShardPlan } from './plan.ts';
import { runShardPlan } from './shard-host.ts';

/** The supervisor's view of a running worker. */
export interface WorkerPort {
  onMessage(listener: (message: unknown) => void): void;
  /** An uncaught error ended the worker (an exit follows). */
  onError(listener: (error: Error) => void): void;
  /** The worker ended, with its exit code (0 after a clean `done`). */
  onExit(listener: (code: number) => void): void;
  terminate(): void;
}

/** Starts a worker for a shard plan. */
export type SpawnWorker = (plan: ShardPlan) => WorkerPort;

/** Worker threads running worker-boot.mjs (which registers tsx in the thread, then runs worker-main.ts). */
export function threadSpawner(): SpawnWorker {
  const entry = new URL('./worker-boot.mjs', import.meta.url);
  return (plan) => {
    const worker = new Worker(entry, { workerData: plan });
    return {
      onMessage: (listener) => void worker.on('message', listener),
      onError: (listener) => void worker.on('error', listener),
      onExit: (listener) => void worker.on('exit', listener),
      terminate: () => void worker.terminate(),
    };
  };
}

/** Listeners of an in-process worker. */
interface InlineListeners {
  message: ((message: unknown) => void)[];
  error: ((error: Error) => void)[];
  exit: ((code: number) => void)[];
}

/**
 * Runs each shard in this thread on the next turn of the event loop (messages are structured-cloned
 * as across a thread boundary; a thrown error becomes an error and exit code 1, as a crashed thread
 * would). It blocks the event loop while it runs, so only single runs and tests use it.
 */
export function inlineSpawner(machineFactory?: MachineFactory): SpawnWorker {
  return (plan) => {
    const listeners: InlineListeners = { message: [], error: [], exit: [] };
    let terminated = false;
    setImmediate(() => {
      if (terminated) return;
      let code = 0;
      try {
        runShardPlan(plan, (message) => listeners.message.forEach((listener) => listener(structuredClone(message))), machineFactory);
      } catch (error) {
        code = 1;
        listeners.error.forEach((listener) => listener(error instanceof Error ? error : new Error(String(error))));
      }
      listeners.exit.forEach((listener) => listener(code));
    });
    return {
      onMessage: (listener) => void listeners.message.push(listener),
      onError: (listener) => void listeners.error.push(listener),
      onExit: (listener) => void listeners.exit.push(listener),
      terminate: () => {
        terminated = true;
      },
    };
  };
}
