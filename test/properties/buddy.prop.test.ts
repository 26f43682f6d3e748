// The buddy property run: swarm scenarios of up to 2000 ops (machine, seed, weights per scenario) must break no invariant; a fresh session seed every `npm test` plus fixed seeds for reproducible CI.
import { describe, inject, it } from 'vitest';
import { checkScenarios, seedFromText } from '../../properties/check-scenarios.ts';
import { formatScenario } from '../../properties/scenario.ts';

/** Scenarios for the session seed (PAGELAB_PROPERTY_RUNS overrides it for deeper local runs); each fixed seed runs a third of it. */
const SESSION_RUNS = Number(process.env['PAGELAB_PROPERTY_RUNS'] ?? 120);
/** Longest op list of a scenario. */
const MAX_OPS = 2000;

const SESSION_SEED = inject('pagelabSeed');

/** [label, scenarios, fast-check seed, how to reproduce]. */
const SEEDS: readonly (readonly [string, number, number, string])[] = [
  [`session seed ${SESSION_SEED}`, SESSION_RUNS, seedFromText(SESSION_SEED), `PAGELAB_SEED=${SESSION_SEED} npm test`],
  ['fixed seed 1', Math.ceil(SESSION_RUNS / 3), 1, 'npm test (fixed seed 1)'],
  ['fixed seed 20261121', Math.ceil(SESSION_RUNS / 3), 20261121, 'npm test (fixed seed 20261121)'],
];

describe('buddy allocator properties', () => {
  it.each(SEEDS)('%s: %i swarm scenarios break no invariant', (label, numRuns, seed, reproduce) => {
    const outcome = checkScenarios({ seed, numRuns, maxOps: MAX_OPS });
    if (outcome.failure === null) return;
    const { scenario, result, shrinkRuns } = outcome.failure;
    throw new Error([
      `pagelab property failure (${label}, fast-check seed ${seed}, after ${outcome.runs} scenarios, shrunk in ${shrinkRuns} runs)`,
      `reproduce with: ${reproduce}`,
      '',
      formatScenario(scenario, result),
    ].join('\n'));
  });
});
