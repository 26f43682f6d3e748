// The contig/CMA property run: CMA-heavy swarm scenarios (machines with CMA areas, user memory filling them, pins, contig ranges, cma_alloc, bulk, device fallback, fault sites) must break no invariant; a session seed every `npm test` plus a fixed seed.
import { describe, inject, it } from 'vitest';
import { cmaSwarmArbitrary } from '../../properties/arbitraries/cma-swarm.ts';
import { checkScenarios, seedFromText } from '../../properties/check-scenarios.ts';
import { formatScenario } from '../../properties/scenario.ts';

/** Scenarios for the session seed (PAGELAB_CMA_RUNS overrides it for deeper local runs); the fixed seed runs half of it. */
const SESSION_RUNS = Number(process.env['PAGELAB_CMA_RUNS'] ?? 80);
/** Longest op list of a scenario. */
const MAX_OPS = 600;

const SESSION_SEED = inject('pagelabSeed');

/** [label, scenarios, fast-check seed, how to reproduce]. */
const SEEDS: readonly (readonly [string, number, number, string])[] = [
  [`session seed ${SESSION_SEED}`, SESSION_RUNS, seedFromText(`cma:${SESSION_SEED}`), `PAGELAB_SEED=${SESSION_SEED} npx vitest run test/properties/contig.prop.test.ts`],
  ['fixed seed 4242', Math.ceil(SESSION_RUNS / 2), 4242, 'npx vitest run test/properties/contig.prop.test.ts (fixed seed 4242)'],
];

describe('contig and CMA properties', () => {
  it.each(SEEDS)('%s: %i CMA swarm scenarios break no invariant', (label, numRuns, seed, reproduce) => {
    const outcome = checkScenarios({ seed, numRuns, maxOps: MAX_OPS, swarm: cmaSwarmArbitrary() });
    if (outcome.failure === null) return;
    const { scenario, result, shrinkRuns } = outcome.failure;
    throw new Error([
      `pagelab contig/CMA property failure (${label}, fast-check seed ${seed}, after ${outcome.runs} scenarios, shrunk in ${shrinkRuns} runs)`,
      `reproduce with: ${reproduce}`,
      '',
      formatScenario(scenario, result),
    ].join('\n'));
  });
});
