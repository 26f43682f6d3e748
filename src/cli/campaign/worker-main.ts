// The campaign worker thread: reads its shard plan from workerData, loads the optional machine factory module, runs the shard and posts to the supervisor. Uncaught errors end the thread; the supervisor reports and restarts it.
import { parentPort, workerData } from 'node:worker_threads';
import type { ShardPlan } from './plan.ts';
import { loadMachineFactory, runShardPlan } from './shard-host.ts';

const plan = workerData as ShardPlan;
const port = parentPort;
if (port === null) throw new Error('worker-main.ts runs only as a worker thread');
const factory = plan.machineFactoryModule === undefined ? undefined : await loadMachineFactory(plan.machineFactoryModule);
if (factory !== undefined && !factory.ok) throw new Error(factory.detail);
runShardPlan(plan, (message) => port.postMessage(message), factory?.value);
