// vitest configuration for mutation testing (StrykerJS, stryker.config.mjs): the in-process tests of vitest.config.ts with cheap, seed-fixed property runs, run cheapest first.
import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import base from './vitest.config.ts';

/**
 * Defaults for the knobs the tests and test/global-setup.ts read; a value set in
 * the shell wins (e.g. `PAGELAB_PROPERTY_RUNS=60 npm run mutation` for a deeper run).
 *
 * PAGELAB_SEED must be fixed: the session-seed property tests carry the seed in their names, and
 * Stryker selects the tests of a mutant by name (and keys its incremental file by test name), so a
 * fresh seed per run would silently run no property test at all for the mutants they cover.
 * The run counts (3, 2 and 2 scenarios for the session seed, plus 1 per fixed seed) keep each
 * property test in the kill set at about a second: a surviving mutant runs every test that covers
 * it, and the property runs cover nearly all of src/.
 */
const MUTATION_ENV: Readonly<Record<string, string>> = {
  PAGELAB_SEED: '20261121',
  PAGELAB_PROPERTY_RUNS: '3',
  PAGELAB_CMA_RUNS: '2',
  PAGELAB_HEAP_PROPERTY_RUNS: '2',
};
for (const [name, value] of Object.entries(MUTATION_ENV)) process.env[name] ??= value;

/**
 * Runs unit and scenario test files before the property runs, then by path: Stryker bails on the
 * first failing test, so a mutant a unit test kills never pays for a property run. (vitest's
 * default sequencer runs the slowest files first, which is the worst order for a bailing run.)
 */
class CheapFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification): number => (spec.moduleId.endsWith('.prop.test.ts') ? 1 : 0);
    return [...files].sort((a, b) => rank(a) - rank(b) || (a.moduleId < b.moduleId ? -1 : a.moduleId > b.moduleId ? 1 : 0));
  }
}

export default mergeConfig(base, defineConfig({
  test: {
    exclude: [
      ...configDefaults.exclude,
      // Spawn `pagelab` processes: the mutants live in Stryker's instrumented sandbox modules, not
      // in what a child process loads, and src/cli/ is not mutated anyway.
      'test/cli/**',
      // Read src/ as text (layering and no ambient time or randomness; the seeded-bug patches of
      // mutants/ still apply): they cover no mutant, and in Stryker's sandbox they would read the
      // instrumented copies and fail.
      'test/architecture.test.ts',
      'test/mutants-patches.test.ts',
      // Self-tests of the harness in properties/ (not mutated): canaries with a fixed 200-run
      // budget, the minimizer, the fuzz campaign runner and the unchecked (benchmark) mode. They
      // take 3-9 s each and touch most of src/, so they would run for nearly every surviving mutant
      // while adding no src assertion that the property runs and unit tests do not already make.
      'test/canary.test.ts',
      'test/properties/contig-canary.test.ts',
      'test/properties/heap-canaries.test.ts',
      'test/properties/minimize.test.ts',
      'test/properties/fuzz.test.ts',
      'test/properties/unchecked-run.test.ts',
    ],
    sequence: { sequencer: CheapFirstSequencer },
    // One worker runs all the test files of a mutant, importing src/ once instead of once per file
    // (Stryker runs one vitest worker, and vitest starts a fresh one for each mutant run, so static
    // mutants still load fresh modules). src/ keeps no module-level mutable state for files to share.
    isolate: false,
  },
}));
