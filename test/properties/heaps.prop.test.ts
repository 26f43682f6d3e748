// The heap property run: heaps-profile swarms (buddy + heap ops, fatal signals) on machines that always have a heaps section must break no invariant; a fresh session seed every `npm test` plus a fixed seed for reproducible CI.
import { describe, inject, it } from 'vitest';
import { heapsHeavySwarmArbitrary } from '../../properties/arbitraries/heaps-swarm.ts';
import { checkScenarios, seedFromText } from '../../properties/check-scenarios.ts';
import { formatScenario } from '../../properties/scenario.ts';

/** Scenarios for the session seed (PAGELAB_HEAP_PROPERTY_RUNS overrides it); the fixed seed runs half of it. */
const SESSION_RUNS = Number(process.env['PAGELAB_HEAP_PROPERTY_RUNS'] ?? 40);
/** Longest op list of a scenario. */
const MAX_OPS = 1000;

const SESSION_SEED = inject('pagelabSeed');

/** [label, scenarios, fast-check seed, how to reproduce]. */
const SEEDS: readonly (readonly [string, number, number, string])[] = [
  [`session seed ${SESSION_SEED}`, SESSION_RUNS, seedFromText(SESSION_SEED), `PAGELAB_SEED=${SESSION_SEED} npm test`],
  ['fixed seed 20261121', Math.ceil(SESSION_RUNS / 2), 20261121, 'npm test (fixed seed 20261121)'],
];

describe('dma-buf heap properties', () => {
  it.each(SEEDS)('%s: %i heaps-profile scenarios break no invariant', (label, numRuns, seed, reproduce) => {
    const outcome = checkScenarios({ seed, numRuns, maxOps: MAX_OPS, swarm: heapsHeavySwarmArbitrary() });
    if (outcome.failure === null) return;
    const { scenario, result, shrinkRuns } = outcome.failure;
    throw new Error([
      `pagelab heap property failure (${label}, fast-check seed ${seed}, after ${outcome.runs} scenarios, shrunk in ${shrinkRuns} runs)`,
      `reproduce with: ${reproduce}`,
      '',
      formatScenario(scenario, result),
    ].join('\n'));
  });
});
