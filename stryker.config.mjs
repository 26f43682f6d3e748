// StrykerJS configuration: mutation testing of src/ with the vitest runner, incremental, one runner process (docs/mutation-testing.md).
/**
 * PAGELAB_MUTATION_FOLDER=cma narrows a run to src/cma/ with its own incremental file and report
 * (reports/mutation/cma.json), so folders can be run one at a time on a small machine and their
 * results kept side by side; `npm run mutation:summary` prints the per-folder table from them.
 * A list (`buddy,cma`) shares one dry run: report and incremental file `buddy+cma`.
 * Unset: all of src/ (minus the CLI glue), reports/mutation/mutation.json.
 */
const folderList = process.env.PAGELAB_MUTATION_FOLDER;
if (folderList !== undefined && !/^[a-z]+(,[a-z]+)*$/.test(folderList)) {
  throw new Error(`PAGELAB_MUTATION_FOLDER: expected folder names under src/ such as "cma" or "buddy,cma", got ${JSON.stringify(folderList)}`);
}
const folders = folderList?.split(',');
const reportName = folders?.join('+') ?? 'mutation';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: {
    // In-process tests only, property runs cut down and seed-fixed, cheapest files first.
    configFile: 'vitest.mutation.config.ts',
    // Per mutated file, only the test files that import it (transitively) are candidates.
    related: true,
  },
  // Everything in src/ but the CLI glue (argument parsing, process spawning, terminal and file IO
  // of src/cli/, exercised by test/cli/ through child processes, which Stryker cannot see into) and
  // files that hold only types (nothing to mutate).
  mutate: [...(folders === undefined ? ['src/**/*.ts'] : folders.map((folder) => `src/${folder}/**/*.ts`)), '!src/cli/**', '!src/mem/platform.ts'],
  // Not needed by the in-process tests; keeps the sandbox copy small.
  ignorePatterns: ['/coverage', '/tmp_scratch', '/bench', '/docs', '/examples', '/.stryker'],
  // Each mutant runs only the tests that executed its code in the dry run.
  coverageAnalysis: 'perTest',
  // Static mutants (code run while modules and test files load: constants, tables, describe-level
  // fixtures) would each need a fresh worker and the whole suite, about half the run time for a
  // fifth of the mutants. Mutants also reached from inside tests still run, against those tests;
  // purely static ones are reported as Ignored and leave the score.
  ignoreStatic: true,
  // Reuses every result whose code and tests did not change: a rerun after a change costs minutes,
  // a cold run hours on a small machine. The file is local (.gitignore): it embeds every mutated and
  // test source (megabytes) and changes on every run; CI can cache it between runs instead.
  incremental: true,
  incrementalFile: `.stryker/incremental-${reportName}.json`,
  // One test-runner process: leaves a core free on a shared 2-core machine. Raise it on a CI box
  // (`npm run mutation -- --concurrency 4`).
  concurrency: 1,
  // A mutant is a timeout after 2x its tests' dry-run time plus 10 s: the property runs' time varies
  // with the load of a shared machine, and mutated loop bounds otherwise spin to the test timeout.
  timeoutFactor: 2,
  timeoutMS: 10_000,
  dryRunTimeoutMinutes: 20,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: `reports/mutation/${reportName}.json` },
  htmlReporter: { fileName: `reports/mutation/${reportName}.html` },
  clearTextReporter: { reportMutants: false, reportTests: false },
  // Colours of the score table; the target is 80 % to start. No `break` yet.
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};

export default config;
