// `pagelab fuzz`: a parallel, reproducible fuzz campaign (worker threads seeded from the campaign seed, swarm runs along a length ramp — either switchable off —, failures minimized into the corpus, progress, Ctrl-C, crash and hang restarts, optionally stopping at the first failure, a summary), or the replay of one of its runs.
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { err, ok, type Result } from '../../base/errno.ts';
import { isProfileName, PROFILE_NAMES, profileFaultSites, profileSpecs } from '../../../properties/campaign-profile.ts';
import { DEFAULT_STRATEGY, defaultBias, GENERATION_BIASES, type GenerationBias } from '../../../properties/campaign-run.ts';
import { buildSummary, type CampaignSummary, type CrashRecord, type FailureRecord } from '../../../properties/campaign-summary.ts';
import type { FoundFailure } from '../../../properties/fuzz.ts';
import type { MachineFactory } from '../../../properties/harness-machine.ts';
import { Findings } from '../campaign/findings.ts';
import { formatCampaignSummary } from '../campaign/format.ts';
import { machineFactoryFlag, type CampaignPlan } from '../campaign/plan.ts';
import { startProgress, type ProgressDisplay } from '../campaign/progress.ts';
import { loadMachineFactory } from '../campaign/shard-host.ts';
import { inlineSpawner, threadSpawner, type SpawnWorker } from '../campaign/spawn.ts';
import { Supervisor } from '../campaign/supervisor.ts';
import { EXIT_OK, parseJsonText, reportUsageError, type CliIo } from '../io.ts';
import type { CliCommand, CliDeps } from './command.ts';

/** Exit status when the campaign found a failure that is not in the corpus yet, or a worker crashed (a single-run replay: when the run fails). */
export const EXIT_NEW_FAILURE = 1;
/** Budget when neither --seconds nor --runs is given. */
export const DEFAULT_FUZZ_SECONDS = 60;
/** The length cap the ramp grows to by default. */
export const DEFAULT_MAX_OPS = 4000;
/** Longest minimization of one failure by default. */
export const DEFAULT_MINIMIZE_SECONDS = 30;
/** Plain progress lines (no terminal) this far apart by default. */
export const DEFAULT_PROGRESS_SECONDS = 10;
/** Most worker threads a campaign may ask for. */
export const MAX_WORKERS = 256;
/** A worker that shows no progress (no run start, no minimization candidate) for this long is ended as hung, by default. */
export const DEFAULT_HANG_SECONDS = 60;

/** The flags as commander hands them over. */
export interface FuzzFlags {
  readonly seconds?: string;
  readonly runs?: string;
  readonly seed?: string;
  readonly workers?: string;
  readonly profile?: string;
  readonly maxOps?: string;
  readonly json?: boolean;
  readonly corpus?: string;
  readonly minimizeSeconds?: string;
  readonly progressSeconds?: string;
  readonly worker?: string;
  readonly run?: string;
  readonly machineFactory?: string;
  readonly stopOnFailure?: boolean;
  /** commander's --no-swarm / --no-ramp: false when given. */
  readonly swarm?: boolean;
  readonly ramp?: boolean;
  readonly bias?: string;
  readonly hangSeconds?: string;
}

/** A stream the progress display writes to. */
export type ProgressStream = NodeJS.WritableStream & { readonly isTTY?: boolean };

/** The process-side inputs of a campaign (tests replace them). */
export interface FuzzEnvironment {
  /** Milliseconds, monotonic. */
  readonly now: () => number;
  /** A seed when --seed is absent. */
  readonly randomSeed: () => number;
  /** The timestamp stored in new corpus entries. */
  readonly timestamp: () => string;
  /** The default worker count. */
  readonly cpuCount: () => number;
  /** Calls `tick` every `everyMs` until the returned function is called. */
  readonly every: (tick: () => void, everyMs: number) => () => void;
  /** Registers a Ctrl-C handler; the returned function removes it. */
  readonly onInterrupt: (handler: () => void) => () => void;
  /** Where progress goes (default: plain lines on the io's stderr). */
  readonly progressStream?: ProgressStream;
  /** Starts campaign workers (default: worker threads). */
  readonly spawnWorkers?: SpawnWorker;
  /** Boots machines in process (tests; with it, campaigns run their workers in process too). */
  readonly machineFactory?: MachineFactory;
}

/** The real process: performance.now, a random seed, ISO timestamps, setInterval, SIGINT, stderr. */
export function processFuzzEnvironment(): FuzzEnvironment {
  return {
    now: () => performance.now(),
    randomSeed: () => (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0,
    timestamp: () => new Date().toISOString(),
    cpuCount: () => availableParallelism(),
    every: (tick, everyMs) => {
      const timer = setInterval(tick, everyMs);
      return () => clearInterval(timer);
    },
    onInterrupt: (handler) => {
      process.on('SIGINT', handler);
      return () => void process.off('SIGINT', handler);
    },
    progressStream: process.stderr,
  };
}

/** A campaign (or single-run) request after validation. */
interface ParsedFuzz {
  readonly plan: CampaignPlan;
  readonly corpusDir: string;
  readonly progressEveryMs: number;
  readonly stopOnFailure: boolean;
  readonly hangMs: number;
}

function positiveNumber(text: string, flag: string, integer: boolean): Result<number> {
  const value = Number(text);
  const valid = text.trim() !== '' && Number.isFinite(value) && value > 0 && (!integer || Number.isSafeInteger(value));
  return valid ? ok(value) : err('EINVAL', `${flag}: expected a positive ${integer ? 'whole number' : 'number'}, got "${text}"`);
}

function naturalNumber(text: string, flag: string): Result<number> {
  return /^\d+$/.test(text.trim()) && Number.isSafeInteger(Number(text)) ? ok(Number(text)) : err('EINVAL', `${flag}: expected a whole number >= 0, got "${text}"`);
}

function parseSeed(text: string | undefined): Result<number | undefined> {
  if (text === undefined) return ok(undefined);
  if (!/^-?\d+$/.test(text.trim())) return err('EINVAL', `--seed: expected a whole number, got "${text}"`);
  return ok(Number(BigInt.asIntN(32, BigInt(text.trim()))));
}

/** Collects the first error of several parses. */
function all<T extends Record<string, Result<unknown>>>(parts: T): Result<{ [K in keyof T]: T[K] extends Result<infer V> ? V : never }> {
  const values: Record<string, unknown> = {};
  for (const [key, part] of Object.entries(parts)) {
    if (!part.ok) return part;
    values[key] = part.value;
  }
  return ok(values as { [K in keyof T]: T[K] extends Result<infer V> ? V : never });
}

function optional<T>(text: string | undefined, parse: (text: string) => Result<T>, fallback: T): Result<T> {
  return text === undefined ? ok(fallback) : parse(text);
}

function budgetOf(flags: FuzzFlags, seconds: number, runs: number, single: { worker: number; run: number } | undefined): Result<CampaignPlan['budget']> {
  if (flags.seconds !== undefined && flags.runs !== undefined) return err('EINVAL', '--seconds and --runs exclude each other (give one budget)');
  if ((flags.worker === undefined) !== (flags.run === undefined)) return err('EINVAL', '--worker and --run go together (they name one run of a campaign)');
  if (single === undefined) return ok(flags.runs === undefined ? { kind: 'seconds', seconds } : { kind: 'runs', runs });
  if (flags.seed === undefined) return err('EINVAL', '--worker and --run need the campaign\'s --seed');
  if (flags.seconds !== undefined || flags.runs !== undefined || flags.workers !== undefined) return err('EINVAL', '--worker and --run re-run one run: no --seconds, --runs or --workers');
  return ok({ kind: 'single', ...single });
}

function parseFlags(flags: FuzzFlags, environment: FuzzEnvironment): Result<ParsedFuzz> {
  const parts = all({
    seconds: optional(flags.seconds, (text) => positiveNumber(text, '--seconds', false), DEFAULT_FUZZ_SECONDS),
    runs: optional(flags.runs, (text) => positiveNumber(text, '--runs', true), 0),
    workers: optional(flags.workers, (text) => positiveNumber(text, '--workers', true), 0),
    maxOps: optional(flags.maxOps, (text) => positiveNumber(text, '--max-ops', true), DEFAULT_MAX_OPS),
    minimizeSeconds: optional(flags.minimizeSeconds, (text) => positiveNumber(text, '--minimize-seconds', false), DEFAULT_MINIMIZE_SECONDS),
    progressSeconds: optional(flags.progressSeconds, (text) => positiveNumber(text, '--progress-seconds', false), DEFAULT_PROGRESS_SECONDS),
    hangSeconds: optional(flags.hangSeconds, (text) => positiveNumber(text, '--hang-seconds', false), DEFAULT_HANG_SECONDS),
    worker: optional(flags.worker, (text) => naturalNumber(text, '--worker'), -1),
    run: optional(flags.run, (text) => naturalNumber(text, '--run'), -1),
    seed: parseSeed(flags.seed),
  });
  if (!parts.ok) return parts;
  const profile = flags.profile ?? 'buddy';
  if (!isProfileName(profile)) return err('EINVAL', `--profile: expected one of ${PROFILE_NAMES.join(', ')}, got "${profile}"`);
  if (flags.bias !== undefined && !(GENERATION_BIASES as readonly string[]).includes(flags.bias)) return err('EINVAL', `--bias: expected one of ${GENERATION_BIASES.join(', ')}, got "${flags.bias}"`);
  const { seconds, runs, workers, maxOps, minimizeSeconds, progressSeconds, hangSeconds, worker, run, seed } = parts.value;
  if (workers > MAX_WORKERS) return err('EINVAL', `--workers: at most ${MAX_WORKERS}, got ${workers}`);
  const budget = budgetOf(flags, seconds, runs, worker >= 0 && run >= 0 ? { worker, run } : undefined);
  if (!budget.ok) return budget;
  const plan: CampaignPlan = {
    seed: seed ?? environment.randomSeed(), workers: workers === 0 ? Math.min(environment.cpuCount(), MAX_WORKERS) : workers, profile, maxOps, budget: budget.value, minimizeSeconds,
    strategy: { swarm: flags.swarm !== false, ramp: flags.ramp !== false, ...(flags.bias === undefined ? {} : { bias: flags.bias as GenerationBias }) },
    ...(flags.machineFactory === undefined ? {} : { machineFactoryModule: flags.machineFactory }),
  };
  return ok({ plan, corpusDir: flags.corpus ?? 'corpus', progressEveryMs: progressSeconds * 1000, stopOnFailure: flags.stopOnFailure === true, hangMs: hangSeconds * 1000 });
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

function budgetFlag(plan: CampaignPlan): string {
  if (plan.budget.kind === 'single') return `--worker ${plan.budget.worker} --run ${plan.budget.run}`;
  return plan.budget.kind === 'seconds' ? `--seconds ${plan.budget.seconds} --workers ${plan.workers}` : `--runs ${plan.budget.runs} --workers ${plan.workers}`;
}

/** The bias the campaign's runs are generated with: --bias, else the profile's default. */
function biasOf(plan: CampaignPlan): GenerationBias {
  return plan.strategy?.bias ?? defaultBias(plan.profile);
}

/** The flags to repeat: --no-swarm and --bias (single runs too: they change what a run draws), --no-ramp, and --machine-factory (it changes the machines). */
function strategyFlags(plan: CampaignPlan): string {
  const swarm = plan.strategy?.swarm === false ? ' --no-swarm' : '';
  const ramp = plan.strategy?.ramp === false && plan.budget.kind !== 'single' ? ' --no-ramp' : '';
  const bias = plan.strategy?.bias === undefined ? '' : ` --bias ${plan.strategy.bias}`;
  return `${swarm}${ramp}${bias}${machineFactoryFlag(plan)}`;
}

function banner(parsed: ParsedFuzz): string {
  const { plan } = parsed;
  const kinds = profileSpecs(plan.profile).map((spec) => spec.kind);
  const lengths = plan.strategy?.ramp === false ? `every run up to ${plan.maxOps} ops (no ramp)` : `lengths ramp up to ${plan.maxOps} ops`;
  const what = plan.budget.kind === 'single'
    ? `re-running run ${plan.budget.run} of worker ${plan.budget.worker} at ${plan.maxOps} ops`
    : `${plan.workers} workers, budget ${plan.budget.kind === 'seconds' ? `${plan.budget.seconds} s` : `${plan.budget.runs} runs`}, ${lengths}`;
  const draws = plan.strategy?.swarm === false
    ? 'each run draws a machine, a machine seed and an audit cadence; every op kind and fault site is on at fixed weights (no swarm)'
    : `each run draws a machine, a machine seed, an audit cadence, op weights and fault sites (swarm${biasOf(plan) === 'none' ? '' : `, biased: ${biasOf(plan)}`})`;
  const stop = parsed.stopOnFailure ? '; the campaign stops at its first failure' : '';
  return [
    `pagelab fuzz: seed ${plan.seed}, profile ${plan.profile}, ${what} (repeat with: npx pagelab fuzz --seed ${plan.seed} --profile ${plan.profile}${strategyFlags(plan)} --max-ops ${plan.maxOps} ${budgetFlag(plan)})`,
    `  op kinds: ${kinds.join(', ')}; fault sites: ${profileFaultSites(plan.profile).join(', ') || 'none'}`,
    `  ${draws}; new failures go to ${parsed.corpusDir}/${stop}`,
    '',
  ].join('\n');
}

function failureNote(filed: FailureRecord, found: FoundFailure, json: boolean): string {
  const replay = filed.replay ?? filed.rerun;
  const line = `${filed.isNew ? 'NEW' : 'known'} failure ${filed.id} (${filed.opCount} ops from ${filed.originalOps}, worker ${filed.worker} run ${filed.run}): ${filed.message}\n  replay: ${replay}\n`;
  return json ? `pagelab fuzz: ${line}` : `\n${line}minimized:\n${found.report}\n`;
}

function crashNote(crash: CrashRecord): string {
  return `pagelab fuzz: worker ${crash.worker} crashed in run ${crash.run} (seed ${crash.runSeed}): ${crash.message}\n  rerun: ${crash.rerun}\n`;
}

/** The machine factory: the environment's (tests) or the --machine-factory module's. */
async function machineFactoryOf(plan: CampaignPlan, environment: FuzzEnvironment): Promise<Result<MachineFactory | undefined>> {
  if (plan.machineFactoryModule === undefined) return ok(environment.machineFactory);
  const loaded = await loadMachineFactory(plan.machineFactoryModule);
  return loaded.ok ? ok(loaded.value) : err('EINVAL', loaded.detail);
}

function spawnerOf(plan: CampaignPlan, environment: FuzzEnvironment, factory: MachineFactory | undefined): SpawnWorker {
  if (plan.budget.kind === 'single') return inlineSpawner(factory);
  if (environment.spawnWorkers !== undefined) return environment.spawnWorkers;
  // Workers load --machine-factory themselves; a factory given only in process keeps the workers in process.
  return environment.machineFactory !== undefined && plan.machineFactoryModule === undefined ? inlineSpawner(factory) : threadSpawner();
}

/** The status a campaign exits with. */
function exitStatus(summary: CampaignSummary, single: boolean): number {
  if (single) return summary.failures.length > 0 || summary.crashes.length > 0 ? EXIT_NEW_FAILURE : EXIT_OK;
  return summary.newFailures > 0 || summary.crashes.length > 0 ? EXIT_NEW_FAILURE : EXIT_OK;
}

/** Ctrl-C: the first asks the workers to stop (what they found is still written), the second ends them. */
function watchInterrupts(environment: FuzzEnvironment, supervisor: Supervisor, io: CliIo): () => void {
  let interrupts = 0;
  return environment.onInterrupt(() => {
    interrupts++;
    if (interrupts === 1) {
      io.writeStderr('\npagelab fuzz: stopping: finishing the current runs and minimizations (Ctrl-C again to abort them)\n');
      supervisor.stop();
    } else supervisor.kill();
  });
}

/** Runs a validated campaign and prints its summary; returns the exit status. */
async function runCampaign(parsed: ParsedFuzz, deps: CliDeps, environment: FuzzEnvironment, version: string, factory: MachineFactory | undefined, json: boolean): Promise<number> {
  const { io } = deps;
  const { plan } = parsed;
  const findings = new Findings({ plan, corpusDir: parsed.corpusDir, pagelabVersion: version, timestamp: environment.timestamp });
  let progress: ProgressDisplay | undefined;
  const print = (text: string): void => (json ? io.writeStderr(text) : io.writeStdout(text));
  const note = (text: string, write: (text: string) => void): void => (progress === undefined ? write(text) : progress.note(text, write));
  const supervisor = new Supervisor({
    plan, spawn: spawnerOf(plan, environment, factory), now: environment.now, stopOnFailure: parsed.stopOnFailure, hangMs: parsed.hangMs, every: environment.every,
    onFailure: (found, firstHitElapsedMs) => {
      const filed = findings.add(found, firstHitElapsedMs);
      if (filed.firstInCampaign) note(failureNote(filed.record, found, json), print);
    },
    onCrash: (crash) => note(crashNote(crash), (text) => io.writeStderr(text)),
  });
  const stream: ProgressStream = environment.progressStream ?? ({ write: (text: string) => (io.writeStderr(text), true) } as unknown as ProgressStream);
  if (plan.budget.kind !== 'single') {
    progress = startProgress({ budget: plan.budget, snapshot: () => supervisor.snapshot(), failures: () => findings.records().length, stream, every: environment.every, lineEveryMs: parsed.progressEveryMs });
  }
  const unwatch = watchInterrupts(environment, supervisor, io);
  const outcome = await supervisor.run().finally(() => {
    unwatch();
    progress?.stop();
  });
  const budget = plan.budget.kind === 'single' ? { kind: 'runs' as const, runs: 1 } : plan.budget;
  const summary = buildSummary({
    seed: plan.seed, workers: plan.budget.kind === 'single' ? 1 : plan.workers, profile: plan.profile, budget, maxOps: plan.maxOps, interrupted: outcome.interrupted,
    strategy: { ...(plan.strategy ?? DEFAULT_STRATEGY), bias: biasOf(plan) }, stoppedAtFailure: outcome.stoppedAtFailure,
    tally: outcome.tally, failures: findings.records(), crashes: outcome.crashes, restarts: outcome.restarts, elapsedMs: outcome.elapsedMs,
    opsPerWorker: outcome.opsPerWorker, peakHeapBytes: outcome.peakHeapBytes,
  });
  io.writeStdout(json ? `${JSON.stringify(summary)}\n` : formatCampaignSummary(summary));
  return exitStatus(summary, plan.budget.kind === 'single');
}

/**
 * Runs `pagelab fuzz`: 0 when no new failure was found and no worker crashed, 1 otherwise (with
 * --worker/--run: 1 when that run fails), 2 for bad flags.
 */
export async function runFuzzCommand(flags: FuzzFlags, deps: CliDeps, environment: FuzzEnvironment = processFuzzEnvironment()): Promise<number> {
  const { io } = deps;
  const parsed = parseFlags(flags, environment);
  if (!parsed.ok) return reportUsageError(io, parsed.detail);
  const version = pagelabVersion(io);
  if (!version.ok) return reportUsageError(io, version.detail);
  const factory = await machineFactoryOf(parsed.value.plan, environment);
  if (!factory.ok) return reportUsageError(io, factory.detail);
  const json = flags.json === true;
  if (!json) io.writeStdout(banner(parsed.value));
  return runCampaign(parsed.value, deps, environment, version.value, factory.value, json);
}

const EXAMPLES = `
Each worker thread runs its share of the campaign: run R of worker W draws its
seed from (--seed, W, R), then a machine, op weights and fault sites (swarm) and
an op list whose length ramps from 16 ops to --max-ops over the first half of
the budget. A failing run is minimized (chunk removal, then fast-check shrinking
of each op), de-duplicated by signature and written to the corpus directory as
INVARIANT-SIGNATURE.json (never overwritten), with its replay command; fuzzing
goes on. Ctrl-C stops the workers, writes what they found and prints the
summary; a second Ctrl-C ends them at once. A worker that crashes, or makes no
progress for --hang-seconds (an endless loop), is reported with the seed of its
run and restarted after that run. --stop-on-failure ends the campaign at its
first failure or crash (pagelab mutants uses it). --no-swarm and --no-ramp switch
off swarm testing and the length ramp (to measure what they are worth); --bias
busy-cma (the default of --profile cma; --bias none turns it off) draws machines
that always have CMA areas and weights favouring user memory, pins, contig and
CMA ops.

Profiles: buddy (buddy ops), cma (+ contig and CMA ops), heaps (+ heap ops), all.

Examples:
  $ pagelab fuzz --seconds 600
  $ pagelab fuzz --runs 200 --seed 42 --workers 2 --max-ops 5000 --json
  $ pagelab fuzz --seed 42 --profile buddy --worker 1 --run 17 --max-ops 812   # one run again

Testing aid: --machine-factory MODULE boots every machine with MODULE's exported
machineFactory (e.g. a deliberately broken allocator, as the canary tests use).

Exit status: 0 when no new failure was found and no worker crashed, 1 when one
was (with --worker/--run: when the run fails), 2 for bad flags, 70 for a
pagelab bug.`;

/** The `fuzz` subcommand. */
export const fuzzCommand: CliCommand = {
  register(program: Command, deps: CliDeps, report: (status: number) => void): void {
    program
      .command('fuzz')
      .description('a parallel fuzz campaign: swarm runs through the property harness, minimized failures into the corpus')
      .option('--seconds <n>', `wall-clock budget (default ${DEFAULT_FUZZ_SECONDS})`)
      .option('--runs <n>', 'budget in runs instead of seconds (the same seed repeats exactly)')
      .option('--seed <s>', 'campaign seed (default: drawn and printed)')
      .option('--workers <k>', 'worker threads (default: available cores)')
      .option('--profile <name>', `op groups to draw from: ${PROFILE_NAMES.join(', ')} (default buddy)`)
      .option('--max-ops <n>', `the length the ramp grows to (default ${DEFAULT_MAX_OPS}); with --run, that run's length cap`)
      .option('--corpus <dir>', 'where new failures are written (default corpus)')
      .option('--minimize-seconds <n>', `longest minimization of one failure (default ${DEFAULT_MINIMIZE_SECONDS})`)
      .option('--progress-seconds <n>', `seconds between progress lines when stderr is not a terminal (default ${DEFAULT_PROGRESS_SECONDS})`)
      .option('--worker <w>', 'with --run and --seed: re-run one run of a campaign, in process')
      .option('--run <r>', 'with --worker and --seed: the run index')
      .option('--stop-on-failure', 'end the campaign at its first failure (once minimized) or crash')
      .option('--no-swarm', 'no swarm testing: every op kind of the profile and every fault site on, at fixed weights, in every run')
      .option('--no-ramp', 'no length ramp: every run is drawn at --max-ops length from the start')
      .option('--bias <name>', `generation bias: ${GENERATION_BIASES.join(', ')} (busy-cma: CMA-heavy machines and weights; default busy-cma for --profile cma, none otherwise)`)
      .option('--hang-seconds <n>', `end a worker that makes no progress for this long and report its run as a hang (default ${DEFAULT_HANG_SECONDS})`)
      .option('--machine-factory <module>', 'testing aid: boot machines with this module\'s machineFactory export')
      .option('--json', 'print only the summary on stdout, as one JSON object (progress and failure lines go to stderr)')
      .addHelpText('after', EXAMPLES)
      .action(async (flags: FuzzFlags) => report(await runFuzzCommand(flags, deps)));
  },
};
