// `pagelab fuzz [--seconds N | --runs N] [--seed S] [--max-ops N] [--json] [--corpus DIR] [--verbose]`: a bounded fuzz run over the machine swarm, each new minimized failure written to the corpus.
import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { err, ok, type Result } from '../../base/errno.ts';
import { runFuzz, type FuzzBudget, type FuzzFailure, type FuzzSummary } from '../../../properties/fuzz.ts';
import type { MachineFactory } from '../../../properties/harness-machine.ts';
import { OP_KINDS } from '../../../properties/ops/registry.ts';
import { formatWeights, type Scenario } from '../../../properties/scenario.ts';
import { EXIT_OK, parseJsonText, reportUsageError, type CliIo } from '../io.ts';
import type { CliCommand, CliDeps } from './command.ts';

/** Exit status when the run found a failure that is not in the corpus yet. */
export const EXIT_NEW_FAILURE = 1;
/** Budget when neither --seconds nor --runs is given (npm run fuzz passes --seconds 60 explicitly). */
export const DEFAULT_FUZZ_SECONDS = 60;
/** Longest op list per scenario by default. */
export const DEFAULT_MAX_OPS = 2000;

/** The flags as commander hands them over. */
export interface FuzzFlags {
  readonly seconds?: string;
  readonly runs?: string;
  readonly seed?: string;
  readonly maxOps?: string;
  readonly json?: boolean;
  readonly corpus?: string;
  readonly verbose?: boolean;
}

/** The process-side inputs of a fuzz run (tests replace them). */
export interface FuzzEnvironment {
  /** Milliseconds, monotonic. */
  readonly now: () => number;
  /** A seed when --seed is absent. */
  readonly randomSeed: () => number;
  /** The timestamp stored in new corpus entries. */
  readonly timestamp: () => string;
  /** Boots each machine (default: the real one). */
  readonly machineFactory?: MachineFactory;
}

/** The real process: performance.now, a random seed, ISO timestamps. */
export function processFuzzEnvironment(): FuzzEnvironment {
  return {
    now: () => performance.now(),
    randomSeed: () => (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0,
    timestamp: () => new Date().toISOString(),
  };
}

interface ParsedFlags {
  readonly budget: FuzzBudget;
  readonly seed: number | undefined;
  readonly maxOps: number;
  readonly corpusDir: string;
}

function positiveNumber(text: string, flag: string, integer: boolean): Result<number> {
  const value = Number(text);
  const valid = text.trim() !== '' && Number.isFinite(value) && value > 0 && (!integer || Number.isSafeInteger(value));
  return valid ? ok(value) : err('EINVAL', `${flag}: expected a positive ${integer ? 'whole number' : 'number'}, got "${text}"`);
}

function parseSeed(text: string | undefined): Result<number | undefined> {
  if (text === undefined) return ok(undefined);
  if (!/^-?\d+$/.test(text.trim())) return err('EINVAL', `--seed: expected a whole number, got "${text}"`);
  return ok(Number(BigInt.asIntN(32, BigInt(text.trim()))));
}

function parseFlags(flags: FuzzFlags): Result<ParsedFlags> {
  if (flags.seconds !== undefined && flags.runs !== undefined) return err('EINVAL', '--seconds and --runs exclude each other (give one budget)');
  const seconds = flags.seconds === undefined ? ok(DEFAULT_FUZZ_SECONDS) : positiveNumber(flags.seconds, '--seconds', false);
  if (!seconds.ok) return seconds;
  const runs = flags.runs === undefined ? ok(0) : positiveNumber(flags.runs, '--runs', true);
  if (!runs.ok) return runs;
  const maxOps = flags.maxOps === undefined ? ok(DEFAULT_MAX_OPS) : positiveNumber(flags.maxOps, '--max-ops', true);
  if (!maxOps.ok) return maxOps;
  const seed = parseSeed(flags.seed);
  if (!seed.ok) return seed;
  const budget: FuzzBudget = flags.runs === undefined ? { kind: 'seconds', seconds: seconds.value } : { kind: 'runs', runs: runs.value };
  return ok({ budget, seed: seed.value, maxOps: maxOps.value, corpusDir: flags.corpus ?? 'corpus' });
}

/** package.json's version, read in the CLI layer (the harness takes it as a parameter). */
export function pagelabVersion(io: CliIo): Result<string> {
  const path = fileURLToPath(new URL('../../../package.json', import.meta.url));
  const text = io.readTextFile(path);
  if (!text.ok) return text;
  const json = parseJsonText(text.value, path);
  if (!json.ok) return json;
  const version = (json.value as { version?: unknown }).version;
  return typeof version === 'string' ? ok(version) : err('EINVAL', `${path}: no "version" string`);
}

function budgetText(budget: FuzzBudget): string {
  return budget.kind === 'seconds' ? `${budget.seconds} s` : `${budget.runs} scenario${budget.runs === 1 ? '' : 's'}`;
}

function banner(flags: ParsedFlags, seed: number): string {
  const budget = flags.budget.kind === 'seconds' ? `--seconds ${flags.budget.seconds}` : `--runs ${flags.budget.runs}`;
  return [
    `pagelab fuzz: seed ${seed}, budget ${budgetText(flags.budget)}, 0..${flags.maxOps} ops per scenario (repeat with: npx pagelab fuzz --seed ${seed} ${budget})`,
    '  swarm: per scenario a machine (1-2 banks, 16-256 MiB, 1-4 CPUs, cma= and/or a platform CMA area in some runs,',
    '  min_free_kbytes variants), a machine seed, an audit cadence, and op weights with each kind off in ~1/4 of runs',
    `  op kinds: ${OP_KINDS.join(', ')}`,
    `  new failures go to ${flags.corpusDir}/`,
    '',
  ].join('\n');
}

function runLine(run: number, scenario: Scenario, failed: boolean): string {
  return `  run ${run}: seed ${scenario.seed} ${scenario.ops.length} ops, audit every ${scenario.auditEvery}${failed ? ' FAILED' : ''}; ` +
    `${JSON.stringify(scenario.config)}; ${formatWeights(scenario.weights)}\n`;
}

function failureText(failure: FuzzFailure): string {
  const replay = failure.corpusPath === undefined ? '' : `\n    replay: npx pagelab replay ${failure.corpusPath}`;
  const cut = failure.shrinkComplete ? '' : ', shrinking cut short';
  return `  ${failure.isNew ? 'NEW' : 'known'} ${failure.invariant} (${failure.opCount} ops${cut}, signature ${failure.signature}): ${failure.message}${replay}`;
}

function kindTable(summary: FuzzSummary): string[] {
  const lines = [`  ${'op'.padEnd(16)}${'executed'.padStart(10)}${'skipped'.padStart(10)}${'failed'.padStart(10)}`];
  for (const kind of OP_KINDS) {
    const counts = summary.kindCounts[kind] ?? { executed: 0, skipped: 0, failed: 0 };
    lines.push(`  ${kind.padEnd(16)}${String(counts.executed).padStart(10)}${String(counts.skipped).padStart(10)}${String(counts.failed).padStart(10)}`);
  }
  return lines;
}

/** The final summary in text form. */
export function formatFuzzSummary(summary: FuzzSummary): string {
  const seconds = (summary.elapsedMs / 1000).toFixed(1);
  const lines = [
    `pagelab fuzz: ${summary.runs} scenarios, ${summary.opsExecuted} ops in ${seconds} s (${summary.opsPerSecond} ops/s with ${summary.shrinkRuns} shrink runs), ${summary.checks} invariant checks`,
    `  swarm: ${summary.swarm.withCma} scenarios with CMA, ${summary.swarm.twoBanks} with two banks, ${summary.swarm.meanOps} ops per scenario on average`,
    ...kindTable(summary),
    summary.failures.length === 0 ? '  failures: none' : `  failures: ${summary.newFailures} new, ${summary.failures.length - summary.newFailures} known`,
    ...summary.failures.map(failureText),
  ];
  return `${lines.join('\n')}\n`;
}

/** Runs `pagelab fuzz`; 0 when no new failure, 1 when one was found (and written), 2 for bad flags. */
export function runFuzzCommand(flags: FuzzFlags, deps: CliDeps, environment: FuzzEnvironment = processFuzzEnvironment()): number {
  const { io } = deps;
  const parsed = parseFlags(flags);
  if (!parsed.ok) return reportUsageError(io, parsed.detail);
  const version = pagelabVersion(io);
  if (!version.ok) return reportUsageError(io, version.detail);
  const seed = parsed.value.seed ?? environment.randomSeed();
  const json = flags.json === true;
  if (!json) io.writeStdout(banner(parsed.value, seed));
  const summary = runFuzz({
    budget: parsed.value.budget, now: environment.now, seed, maxOps: parsed.value.maxOps, corpusDir: parsed.value.corpusDir,
    pagelabVersion: version.value, foundBy: `pagelab fuzz --seed ${seed}`, createdAt: environment.timestamp,
    ...(environment.machineFactory === undefined ? {} : { machineFactory: environment.machineFactory }),
    onRun: (run, scenario, result) => {
      if (flags.verbose === true && !json) io.writeStdout(runLine(run, scenario, result.failure !== null));
    },
    onFailure: (failure) => {
      if (!json) io.writeStdout(`\nminimized failure (${failure.isNew ? 'new' : 'already in the corpus'}):\n${failure.report}${failure.corpusPath === undefined ? '' : `replay: npx pagelab replay ${failure.corpusPath}\n`}\n`);
    },
  });
  io.writeStdout(json ? `${JSON.stringify(summary)}\n` : formatFuzzSummary(summary));
  return summary.newFailures > 0 ? EXIT_NEW_FAILURE : EXIT_OK;
}

const EXAMPLES = `
Each scenario draws a machine, a machine seed, an audit cadence and op weights
(swarm testing), then a list of ops that fast-check shrinks when an invariant
breaks. A new minimized failure is written to the corpus directory as
INVARIANT-SIGNATURE.json (never overwritten) with its replay command.

Examples:
  $ pagelab fuzz --seconds 60
  $ pagelab fuzz --runs 200 --seed 42 --max-ops 5000
  $ pagelab fuzz --runs 50 --json --corpus /tmp/corpus

Exit status: 0 when no new failure was found, 1 when one was (and written),
2 for bad flags, 70 for a pagelab bug.`;

/** The `fuzz` subcommand. */
export const fuzzCommand: CliCommand = {
  register(program: Command, deps: CliDeps, report: (status: number) => void): void {
    program
      .command('fuzz')
      .description('a bounded fuzz run: swarm scenarios through the property harness, minimized failures into the corpus')
      .option('--seconds <n>', `wall-clock budget (default ${DEFAULT_FUZZ_SECONDS})`)
      .option('--runs <n>', 'budget in scenarios instead of seconds (repeatable exactly with --seed)')
      .option('--seed <s>', 'base seed (default: drawn and printed)')
      .option('--max-ops <n>', `longest op list per scenario (default ${DEFAULT_MAX_OPS})`)
      .option('--corpus <dir>', 'where new failures are written (default corpus)')
      .option('--json', 'print only the summary, as one JSON object')
      .option('--verbose', 'print every scenario\'s swarm (machine, seed, weights) as it runs')
      .addHelpText('after', EXAMPLES)
      .action((flags: FuzzFlags) => report(runFuzzCommand(flags, deps)));
  },
};
