// The harness's public API (`import ... from 'pagelab/harness'`): machine factories, property runs over swarms, scenarios and corpus entries.
export { checkScenarios, type CheckOutcome, type CheckScenariosOptions } from './check-scenarios.ts';
export { heapsHeavySwarmArbitrary } from './arbitraries/heaps-swarm.ts';
export { loadCorpusEntry, replayCorpusEntry, type CorpusEntry } from './corpus.ts';
export type { HarnessMachine, MachineFactory } from './harness-machine.ts';
export { formatScenario, runScenario } from './scenario.ts';
