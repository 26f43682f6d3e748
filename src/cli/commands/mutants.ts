// `pagelab mutants`: runs the seeded-bug catalogue (mutants/): each bug's patch applied to a temporary copy of the project, K fuzz campaigns on it, a report per bug (detected k/K, time and ops to detection, minimized length, the invariant that fired), stale patches reported, and a control campaign set on the unpatched copy that must find nothing.
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { err, ok, type Result } from '../../base/errno.ts';
import type { ProfileName } from '../../../properties/campaign-profile.ts';
import { GENERATION_BIASES, type GenerationBias } from '../../../properties/campaign-run.ts';
import { EXIT_OK, reportUsageError, type CliIo } from '../io.ts';
import { aggregateMutant, unrunMutant, type MutantReport, type SeedOutcome } from '../mutants/aggregate.ts';
import { applyPatch } from '../mutants/apply-patch.ts';
import { formatMutantsReport } from '../mutants/format-report.ts';
import { runJobs } from '../mutants/run-jobs.ts';
import { loadCatalogue, type Mutant } from '../mutants/load-catalogue.ts';
import { buildMutantsReport, controlReport, type ControlReport, type ControlRun, type MutantsConditions } from '../mutants/mutants-report.ts';
import { DEFAULT_BUDGET_SECONDS } from '../mutants/mutant-meta.ts';
import { copyProject, removeProjectCopy } from '../mutants/project-copy.ts';
import { runCampaign, type CampaignOutcome, type CampaignSettings } from '../mutants/run-campaign.ts';
import type { CliCommand, CliDeps } from './command.ts';

/** Exit status when a bug was missed in some seed, a patch is stale or broke a campaign, or the control found something. */
export const EXIT_MUTANTS_FAILED = 1;
/** Seeds (campaigns) per bug by default. */
export const DEFAULT_MUTANT_SEEDS = 3;
/** Minimization budget of a found failure by default (it does not count in the time to detection). */
export const DEFAULT_MUTANT_MINIMIZE_SECONDS = 15;
/** A campaign worker without progress for this long is a hang (a detection) by default. */
export const DEFAULT_MUTANT_HANG_SECONDS = 5;
/** Campaigns at the same time at most: the timings are the point, and each campaign is a process with a worker thread. */
export const MAX_MUTANT_JOBS = 2;

/** The project root (where mutants/, src/ and bin/ live). */
const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The flags as commander hands them over. */
export interface MutantsFlags {
  readonly only?: string[];
  readonly secondsPerMutant?: string;
  readonly seeds?: string;
  readonly seed?: string;
  readonly jobs?: string;
  readonly minimizeSeconds?: string;
  readonly hangSeconds?: string;
  readonly json?: boolean;
  readonly swarm?: boolean;
  readonly ramp?: boolean;
  readonly bias?: string;
  readonly control?: boolean;
  readonly mutantsDir?: string;
}

/** A validated request. */
interface MutantsPlan {
  readonly mutants: readonly Mutant[];
  readonly seeds: readonly number[];
  readonly jobs: number;
  /** --seconds-per-mutant: one budget for every bug instead of each bug's own. */
  readonly secondsOverride?: number;
  readonly settings: Omit<CampaignSettings, 'seconds'>;
  readonly control: boolean;
  /** Set by Ctrl-C: no further campaign starts (the running ones stop themselves: they get the SIGINT too). */
  readonly stop: { requested: boolean };
}

/** A bug's campaign budget: --seconds-per-mutant, else its meta budgetSeconds, else DEFAULT_BUDGET_SECONDS. */
function budgetOf(mutant: Mutant, plan: MutantsPlan): number {
  return plan.secondsOverride ?? mutant.meta.budgetSeconds ?? DEFAULT_BUDGET_SECONDS;
}

function positive(text: string | undefined, flag: string, fallback: number, integer: boolean): Result<number> {
  if (text === undefined) return ok(fallback);
  const value = Number(text);
  const valid = text.trim() !== '' && Number.isFinite(value) && value > 0 && (!integer || Number.isSafeInteger(value));
  return valid ? ok(value) : err('EINVAL', `${flag}: expected a positive ${integer ? 'whole number' : 'number'}, got "${text}"`);
}

function firstSeed(text: string | undefined): Result<number> {
  if (text === undefined) return ok(1);
  return /^-?\d+$/.test(text.trim()) && Number.isSafeInteger(Number(text)) ? ok(Number(text)) : err('EINVAL', `--seed: expected a whole number, got "${text}"`);
}

/** The bugs --only names (comma-separated ids, the flag repeatable), or all; an unknown id is an error. */
function selectMutants(catalogue: readonly Mutant[], only: readonly string[] | undefined): Result<Mutant[]> {
  if (only === undefined) return ok([...catalogue]);
  const ids = only.flatMap((text) => text.split(',')).map((id) => id.trim()).filter((id) => id !== '');
  const unknown = ids.filter((id) => !catalogue.some((mutant) => mutant.meta.id === id));
  if (unknown.length > 0) return err('EINVAL', `--only: no seeded bug ${unknown.join(', ')} (known: ${catalogue.map((mutant) => mutant.meta.id).join(', ')})`);
  return ok(catalogue.filter((mutant) => ids.includes(mutant.meta.id)));
}

/** The numeric flags, validated. */
interface MutantNumbers {
  readonly seconds: number;
  readonly seeds: number;
  readonly seed: number;
  readonly jobs: number;
  readonly minimizeSeconds: number;
  readonly hangSeconds: number;
}

function parseNumbers(flags: MutantsFlags): Result<MutantNumbers> {
  const seconds = positive(flags.secondsPerMutant, '--seconds-per-mutant', DEFAULT_BUDGET_SECONDS, false);
  if (!seconds.ok) return seconds;
  const seeds = positive(flags.seeds, '--seeds', DEFAULT_MUTANT_SEEDS, true);
  if (!seeds.ok) return seeds;
  const seed = firstSeed(flags.seed);
  if (!seed.ok) return seed;
  const jobs = positive(flags.jobs, '--jobs', 1, true);
  if (!jobs.ok) return jobs;
  const minimizeSeconds = positive(flags.minimizeSeconds, '--minimize-seconds', DEFAULT_MUTANT_MINIMIZE_SECONDS, false);
  if (!minimizeSeconds.ok) return minimizeSeconds;
  const hangSeconds = positive(flags.hangSeconds, '--hang-seconds', DEFAULT_MUTANT_HANG_SECONDS, false);
  if (!hangSeconds.ok) return hangSeconds;
  return ok({ seconds: seconds.value, seeds: seeds.value, seed: seed.value, jobs: jobs.value, minimizeSeconds: minimizeSeconds.value, hangSeconds: hangSeconds.value });
}

function parseFlags(flags: MutantsFlags): Result<MutantsPlan> {
  const numbers = parseNumbers(flags);
  if (!numbers.ok) return numbers;
  const { seconds, seeds, seed, jobs, minimizeSeconds, hangSeconds } = numbers.value;
  if (jobs > MAX_MUTANT_JOBS) return err('EINVAL', `--jobs: at most ${MAX_MUTANT_JOBS} (timings are the point), got ${jobs}`);
  const catalogue = loadCatalogue(flags.mutantsDir ?? join(PROJECT_ROOT, 'mutants'));
  if (!catalogue.ok) return catalogue;
  const mutants = selectMutants(catalogue.value, flags.only);
  if (!mutants.ok) return mutants;
  if (flags.bias !== undefined && !(GENERATION_BIASES as readonly string[]).includes(flags.bias)) return err('EINVAL', `--bias: expected one of ${GENERATION_BIASES.join(', ')}, got "${flags.bias}"`);
  const bias = flags.bias === undefined ? {} : { bias: flags.bias as GenerationBias };
  return ok({
    mutants: mutants.value, seeds: Array.from({ length: seeds }, (_, index) => seed + index), jobs, control: flags.control !== false, stop: { requested: false },
    ...(flags.secondsPerMutant === undefined ? {} : { secondsOverride: seconds }),
    settings: { minimizeSeconds, hangSeconds, strategy: { swarm: flags.swarm !== false, ramp: flags.ramp !== false, ...bias } },
  });
}

/** One line of progress on stderr per campaign. */
function campaignLine(label: string, seed: number, outcome: CampaignOutcome): string {
  if (outcome.kind === 'clean') return `pagelab mutants: ${label} seed ${seed}: nothing found (${outcome.runs} runs, ${outcome.opsExecuted} ops)\n`;
  if (outcome.kind === 'error') return `pagelab mutants: ${label} seed ${seed}: ERROR ${outcome.detail}\n`;
  const minimized = outcome.minimizedOps === undefined ? '' : `, minimized to ${outcome.minimizedOps} ops`;
  return `pagelab mutants: ${label} seed ${seed}: ${outcome.invariant} after ${Math.round(outcome.firstHitElapsedMs)} ms (${outcome.opsBeforeHit} ops)${minimized}\n`;
}

/** Runs the seeds of one campaign set in a copy; the copy and its corpora are removed afterwards. */
async function campaignsIn(copy: string, campaign: { readonly profile: ProfileName; readonly seconds: number }, plan: MutantsPlan, label: string, io: CliIo): Promise<SeedOutcome[]> {
  const runs: SeedOutcome[] = [];
  const settings: CampaignSettings = { ...plan.settings, seconds: campaign.seconds };
  try {
    for (const seed of plan.seeds) {
      if (plan.stop.requested) break;
      const outcome = await runCampaign({ projectDir: copy, profile: campaign.profile, seed, settings }, join(copy, `corpus-${seed}`));
      io.writeStderr(campaignLine(label, seed, outcome));
      runs.push({ seed, outcome });
    }
  } finally {
    removeProjectCopy(copy);
  }
  return runs;
}

/** One bug: copy, patch (stale when it does not apply), campaigns, aggregate. */
async function runMutant(mutant: Mutant, plan: MutantsPlan, io: CliIo): Promise<MutantReport> {
  if (plan.stop.requested) return unrunMutant(mutant.meta, 'error', 'not run: interrupted', budgetOf(mutant, plan));
  const copy = copyProject(PROJECT_ROOT, mutant.meta.id);
  const applied = applyPatch(copy, mutant.patchPath);
  if (!applied.ok) {
    removeProjectCopy(copy);
    const status = applied.errno === 'ENOENT' ? 'error' : 'stale';
    io.writeStderr(`pagelab mutants: ${mutant.meta.id}: ${status.toUpperCase()}: ${applied.detail}\n`);
    return unrunMutant(mutant.meta, status, applied.detail, budgetOf(mutant, plan));
  }
  const seconds = budgetOf(mutant, plan);
  return aggregateMutant(mutant.meta, await campaignsIn(copy, { profile: mutant.meta.profile, seconds }, plan, mutant.meta.id, io), seconds);
}

/** The control: every profile the selected bugs use, on an unpatched copy, same seeds, each with the largest budget of its bugs. */
async function runControl(plan: MutantsPlan, io: CliIo): Promise<ControlReport> {
  const profiles = [...new Set(plan.mutants.map((mutant) => mutant.meta.profile))].sort();
  if (!plan.control) return { status: 'skipped', profiles, runs: [] };
  const tasks = profiles.map((profile) => async (): Promise<ControlRun[]> => {
    const seconds = Math.max(...plan.mutants.filter((mutant) => mutant.meta.profile === profile).map((mutant) => budgetOf(mutant, plan)));
    const runs = await campaignsIn(copyProject(PROJECT_ROOT, `control-${profile}`), { profile, seconds }, plan, `control ${profile}`, io);
    return runs.map((run) => ({ profile, seconds, ...run }));
  });
  return controlReport(profiles, (await runJobs(tasks, plan.jobs)).flat());
}

/** Ctrl-C: no new campaign starts (the running ones get the SIGINT too, stop and report). */
function watchInterrupt(plan: MutantsPlan, io: CliIo): () => void {
  const onInterrupt = (): void => {
    plan.stop.requested = true;
    io.writeStderr('\npagelab mutants: stopping: the running campaigns end and report; no new one starts\n');
  };
  process.on('SIGINT', onInterrupt);
  return () => void process.off('SIGINT', onInterrupt);
}

/** What the run was measured under, taken at its end. */
function conditionsOf(plan: MutantsPlan, started: { readonly ms: number; readonly loadAverage: number[] }): MutantsConditions {
  const { settings } = plan;
  return {
    ...(plan.secondsOverride === undefined ? {} : { secondsPerMutant: plan.secondsOverride }), seeds: plan.seeds, jobs: plan.jobs, strategy: settings.strategy,
    minimizeSeconds: settings.minimizeSeconds, hangSeconds: settings.hangSeconds, cpus: availableParallelism(), loadAverageStart: started.loadAverage,
    loadAverageEnd: loadavg(), node: process.version, elapsedMs: Math.round(performance.now() - started.ms), interrupted: plan.stop.requested,
  };
}

/**
 * Runs `pagelab mutants`: 0 when every selected bug was detected in every seed, no patch is stale
 * and the control found nothing; 1 otherwise; 2 for bad flags or a malformed catalogue.
 */
export async function runMutantsCommand(flags: MutantsFlags, deps: CliDeps): Promise<number> {
  const { io } = deps;
  const parsed = parseFlags(flags);
  if (!parsed.ok) return reportUsageError(io, parsed.detail);
  const plan = parsed.value;
  const started = { ms: performance.now(), loadAverage: loadavg() };
  const unwatch = watchInterrupt(plan, io);
  const mutants = await runJobs(plan.mutants.map((mutant) => () => runMutant(mutant, plan, io)), plan.jobs);
  const control = await runControl(plan, io);
  unwatch();
  const report = buildMutantsReport(conditionsOf(plan, started), mutants, control);
  io.writeStdout(flags.json === true ? `${JSON.stringify(report)}\n` : formatMutantsReport(report));
  return report.ok ? EXIT_OK : EXIT_MUTANTS_FAILED;
}

const EXAMPLES = `
Each seeded bug is a directory mutants/ID-SLUG with patch.diff (against the
project root) and meta.json (id, title, source, area, profile, expected
invariants; see docs/mutants.md). For each selected bug the project (src/,
properties/, bin/, package.json, tsconfig.json; node_modules linked) is copied to
a temporary directory, the patch applied with git apply (a patch that does not
apply is reported STALE), and --seeds campaigns run there one after another:
pagelab fuzz --json --workers 1 --stop-on-failure --seconds N --seed S
--profile P with an empty corpus, seeds --seed, --seed+1, ... A worker that makes
no progress for --hang-seconds counts as a detection (hang). Time and ops to
detection are measured inside the campaign from its start; the minimization that
follows does not count. The control runs the same campaigns on an unpatched
copy for every profile the bugs use and must find nothing.

--jobs 2 runs two campaigns at once; the default 1 keeps them from competing
for the cores (which distorts the timings): use 1 for measurements.

Examples:
  $ pagelab mutants --seeds 1 --seconds-per-mutant 30        # what CI runs
  $ pagelab mutants --only M05,P01 --seeds 10 --json
  $ pagelab mutants --no-swarm --no-control --seeds 10       # measure swarm testing

Exit status: 0 when every bug was detected in every seed, no patch is stale and
the control found nothing; 1 otherwise; 2 for bad flags or a malformed
catalogue; 70 for a pagelab bug.`;

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The `mutants` subcommand. */
export const mutantsCommand: CliCommand = {
  register(program: Command, deps: CliDeps, report: (status: number) => void): void {
    program
      .command('mutants')
      .description('run the seeded-bug catalogue: each patch on a copy of the project, fuzz campaigns, detection report, control')
      .option('--only <ids>', 'only these bugs (comma-separated ids; repeatable)', collect)
      .option('--seconds-per-mutant <n>', `one campaign budget for every bug and seed (default: each bug's budgetSeconds, else ${DEFAULT_BUDGET_SECONDS})`)
      .option('--seeds <k>', `campaigns per bug, seeds --seed .. --seed+k-1 (default ${DEFAULT_MUTANT_SEEDS})`)
      .option('--seed <s>', 'the first campaign seed (default 1)')
      .option('--jobs <n>', `campaigns at the same time, at most ${MAX_MUTANT_JOBS} (default 1: undistorted timings)`)
      .option('--minimize-seconds <n>', `minimization budget per found failure (default ${DEFAULT_MUTANT_MINIMIZE_SECONDS})`)
      .option('--hang-seconds <n>', `no progress for this long is a hang, i.e. a detection (default ${DEFAULT_MUTANT_HANG_SECONDS})`)
      .option('--no-swarm', 'campaigns without swarm testing (fuzz --no-swarm)')
      .option('--no-ramp', 'campaigns without the length ramp (fuzz --no-ramp)')
      .option('--bias <name>', `campaigns with a biased generation strategy: ${GENERATION_BIASES.join(', ')} (fuzz --bias)`)
      .option('--no-control', 'skip the control campaigns on the unpatched copy (measurement loops)')
      .option('--mutants-dir <dir>', 'the catalogue directory (default: mutants/ of the project)')
      .option('--json', 'print the report as one JSON object (progress lines go to stderr)')
      .addHelpText('after', EXAMPLES)
      .action(async (flags: MutantsFlags) => report(await runMutantsCommand(flags, deps)));
  },
};
