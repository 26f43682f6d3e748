// `pagelab fuzz`: spawned through bin/pagelab.mjs with real worker threads (exit statuses, --json shape, same seed ⇒ same summary, Ctrl-C, a crashing worker restarted, failures into the corpus) and in process (bad flags, a failure found and then known, the re-run of one run).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Result } from '../../src/base/errno.ts';
import type { Pfn } from '../../src/base/units.ts';
import { PageAllocator, type AllocOptions } from '../../src/buddy/page-allocator.ts';
import { runFuzzCommand, type FuzzEnvironment, type FuzzFlags } from '../../src/cli/commands/fuzz.ts';
import { SIM_TARGET_FACTORY } from '../../src/cli/wiring.ts';
import { __GFP_ZERO, type Gfp } from '../../src/mem/gfp.ts';
import { loadCorpusEntry } from '../../properties/corpus.ts';
import { withoutTimings, type CampaignSummary } from '../../properties/campaign-summary.ts';
import { machineWith } from '../properties/harness-fixtures.ts';
import { capturingIo, type CapturingIo } from './cli-io-fixture.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'pagelab.mjs');
const FIXTURES = join(import.meta.dirname, 'fixtures');

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'pagelab-fuzz-cli-'));
}

function pagelab(cwd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, PAGELAB_DEBUG: '' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Never zeroes a __GFP_ZERO allocation. */
class NeverZeroes extends PageAllocator {
  override allocPages(gfp: Gfp, order: number, options: AllocOptions): Result<Pfn> {
    return super.allocPages(gfp & ~__GFP_ZERO, order, options);
  }
}

/** An in-process environment: a stepping clock, no timers, no signals, workers in this thread. */
function testEnvironment(overrides: Partial<FuzzEnvironment> = {}): FuzzEnvironment {
  let nowMs = 0;
  return {
    now: () => (nowMs += 1), randomSeed: () => 4242, timestamp: () => '2026-01-01T00:00:00Z', cpuCount: () => 3,
    every: () => () => undefined, onInterrupt: () => () => undefined, ...overrides,
  };
}

async function fuzzInProcess(flags: FuzzFlags, environment: FuzzEnvironment = testEnvironment()): Promise<{ status: number; io: CapturingIo }> {
  const io = capturingIo();
  const status = await runFuzzCommand(flags, { io, simTargetFactory: SIM_TARGET_FACTORY }, environment);
  return { status, io };
}

describe('pagelab fuzz (spawned, worker threads)', () => {
  it('runs a bounded campaign: banner with the seed and repeat command, summary, exit 0, nothing written', () => {
    const dir = tempDir();
    const result = pagelab(dir, 'fuzz', '--runs', '6', '--seed', '5', '--workers', '2', '--max-ops', '200');
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^pagelab fuzz: seed 5, profile buddy, 2 workers, budget 6 runs, lengths ramp up to 200 ops \(repeat with: npx pagelab fuzz --seed 5 --profile buddy --max-ops 200 --runs 6 --workers 2\)\n/);
    expect(result.stdout).toMatch(/\npagelab fuzz: 6 runs, \d+ ops in [\d.]+ s \(\d+ checked ops\/s; per worker \d+, \d+\), \d+ invariant checks\n/);
    expect(result.stdout).toMatch(/\n {2}ramp \(budget quarters\): Q1 \d+ runs, mean \d+ ops, cap \d+; Q2 /);
    expect(result.stdout).toMatch(/\n {2}op {18}executed {3}skipped {5}errno\n/);
    expect(result.stdout).toMatch(/\n {4}fired pcp-refill +\d+ {2}a per-CPU list was refilled/);
    expect(result.stdout).toContain('\n  failures: none\n  crashes: none\n');
    expect(existsSync(join(dir, 'corpus'))).toBe(false);
  });

  it('--json prints one summary object; the same seed and run budget give the same summary but for timings', () => {
    const dir = tempDir();
    const args = ['fuzz', '--runs', '10', '--seed', '-12', '--workers', '2', '--max-ops', '300', '--json'];
    const first = pagelab(dir, ...args);
    const second = pagelab(dir, ...args);
    expect(first.status).toBe(0);
    const summary = JSON.parse(first.stdout) as CampaignSummary;
    expect(summary).toMatchObject({ format: 'pagelab-fuzz-summary/1', seed: -12, workers: 2, profile: 'buddy', runs: 10, failures: [], newFailures: 0, crashes: [], interrupted: false });
    expect(Object.keys(summary)).toEqual(expect.arrayContaining(['opsExecuted', 'kindCounts', 'checks', 'ramp', 'swarm', 'sometimes', 'warnings', 'minimize', 'timing']));
    expect(summary.timing.opsPerSecondPerWorker).toHaveLength(2);
    expect(withoutTimings(JSON.parse(second.stdout) as CampaignSummary)).toEqual(withoutTimings(summary));
    const other = JSON.parse(pagelab(dir, ...args.slice(0, 4), '-13', ...args.slice(5)).stdout) as CampaignSummary;
    expect(other.opsExecuted).not.toBe(summary.opsExecuted);
  });

  it('writes minimized failures found by the workers to the corpus, prints their replay command, exits 1; found again they are known, exit 0', () => {
    const dir = tempDir();
    const args = ['fuzz', '--runs', '6', '--seed', '3', '--workers', '2', '--max-ops', '300', '--machine-factory', join(FIXTURES, 'never-zeroes-machine.ts')];
    const result = pagelab(dir, ...args);
    expect(result.status).toBe(1);
    const files = readdirSync(join(dir, 'corpus'));
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((file) => /^zeroed-pages-[0-9a-f]{12}\.json$/.test(file))).toBe(true);
    // The factory changes the machines, so every command printed to repeat or replay carries it.
    const factoryFlag = `--machine-factory ${join(FIXTURES, 'never-zeroes-machine.ts')}`.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    expect(result.stdout).toMatch(new RegExp(`\\(repeat with: npx pagelab fuzz --seed 3 --profile buddy ${factoryFlag} --max-ops 300 --runs 6 --workers 2\\)`));
    expect(result.stdout).toMatch(new RegExp(`\\nNEW failure zeroed-pages-[0-9a-f]{12} \\(\\d+ ops from \\d+, worker \\d run \\d+\\): __GFP_ZERO page \\d+ still holds data written by #\\d+\\n {2}replay: npx pagelab replay ${factoryFlag} corpus/zeroed-pages-[0-9a-f]{12}\\.json\\nminimized:\\nmachine seed: `));
    const entry = loadCorpusEntry(join(dir, 'corpus', files[0]!));
    expect(entry.ok && entry.value.foundBy).toMatch(new RegExp(`^npx pagelab fuzz --seed 3 --profile buddy ${factoryFlag} --worker \\d --run \\d+ --max-ops \\d+$`));
    const again = pagelab(dir, ...args, '--json');
    expect(again.status).toBe(0);
    const summary = JSON.parse(again.stdout) as CampaignSummary;
    expect(summary.newFailures).toBe(0);
    expect(summary.failures.every((failure) => !failure.isNew)).toBe(true);
    expect(again.stderr).toMatch(/^pagelab fuzz: known failure zeroed-pages-/);
  });

  it('a crashing worker is reported with the seed of its run and restarted after it; the crash re-runs in process', () => {
    const dir = tempDir();
    const factory = ['--machine-factory', join(FIXTURES, 'crashing-machine.ts')];
    const result = pagelab(dir, 'fuzz', '--runs', '40', '--seed', '3', '--workers', '2', '--max-ops', '100', '--json', ...factory);
    expect(result.status).toBe(1);
    const summary = JSON.parse(result.stdout) as CampaignSummary;
    expect(summary.crashes.length).toBeGreaterThan(0);
    expect(summary.restarts).toBeGreaterThan(0);
    expect(summary.restarts).toBeLessThanOrEqual(summary.crashes.length);
    expect(summary.runs + summary.crashes.length).toBe(40);
    const [crash] = summary.crashes;
    expect(crash!.message).toBe('Error: test fixture: this machine factory crashes on 3-CPU two-bank machines');
    expect(result.stderr).toContain(`pagelab fuzz: worker ${crash!.worker} crashed in run ${crash!.run} (seed ${crash!.runSeed}): `);
    const rerun = pagelab(dir, ...crash!.rerun.replace(/^npx pagelab /, '').split(' '), ...factory);
    expect(rerun.status).toBe(1);
    expect(rerun.stdout).toMatch(new RegExp(`\\n {4}worker ${crash!.worker} run ${crash!.run} \\(seed ${crash!.runSeed}\\): Error: test fixture`));
  });

  it('a worker that stops making progress is ended by the hang watchdog and reported as a hang of its run; --stop-on-failure ends the campaign there', () => {
    const dir = tempDir();
    const factory = ['--machine-factory', join(FIXTURES, 'hanging-machine.ts')];
    const result = pagelab(dir, 'fuzz', '--runs', '40', '--seed', '3', '--workers', '1', '--max-ops', '100', '--hang-seconds', '1', '--stop-on-failure', '--json', ...factory);
    expect(result.status).toBe(1);
    const summary = JSON.parse(result.stdout) as CampaignSummary;
    expect(summary.crashes).toHaveLength(1);
    expect(summary.crashes[0]!.message).toBe('Error: hang: no progress for 1.0 s (an endless loop in the simulator?); the worker was ended');
    expect(summary.crashes[0]!.timing.elapsedMs).toBeGreaterThanOrEqual(1000);
    expect(summary).toMatchObject({ stoppedAtFailure: true, interrupted: false, restarts: 0 });
    expect(summary.runs).toBe(summary.crashes[0]!.run);
  });

  it('Ctrl-C stops the workers and still prints the summary', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [BIN, 'fuzz', '--seconds', '120', '--seed', '8', '--workers', '2', '--json', '--progress-seconds', '0.5'], { cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/ [1-9]\d* runs, /.test(stderr) && !child.killed) child.kill('SIGINT');
    });
    const status = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    expect(status).toBe(0);
    expect(stderr).toMatch(/^pagelab fuzz: \d+s elapsed, \d+m\d+s left, \d+ runs, \d+ ops \(\d+ ops\/s\), length cap \d+, 0 failures, 0 crashes\n/);
    expect(stderr).toContain('pagelab fuzz: stopping: finishing the current runs and minimizations');
    const summary = JSON.parse(stdout) as CampaignSummary;
    expect(summary.interrupted).toBe(true);
    expect(summary.runs).toBeGreaterThan(0);
    expect(summary.timing.elapsedMs).toBeLessThan(60_000);
  });

  it('bad flags are one line and exit 2; --help shows the examples and the testing aid', () => {
    const dir = tempDir();
    expect(pagelab(dir, 'fuzz', '--seconds', '1', '--runs', '2')).toMatchObject({ status: 2, stdout: '', stderr: 'pagelab: --seconds and --runs exclude each other (give one budget)\n' });
    expect(pagelab(dir, 'fuzz', '--profile', 'slab')).toMatchObject({ status: 2, stderr: 'pagelab: --profile: expected one of buddy, cma, heaps, all, got "slab"\n' });
    const help = pagelab(dir, 'fuzz', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('$ pagelab fuzz --seed 42 --profile buddy --worker 1 --run 17 --max-ops 812');
    expect(help.stdout).toContain('Testing aid: --machine-factory MODULE');
  });
});

describe('pagelab fuzz (in process)', () => {
  it('rejects bad flags with one line and exit 2', async () => {
    const cases: [FuzzFlags, string][] = [
      [{ runs: 'many' }, '--runs: expected a positive whole number, got "many"'],
      [{ seconds: '-3' }, '--seconds: expected a positive number, got "-3"'],
      [{ seed: '0x10' }, '--seed: expected a whole number, got "0x10"'],
      [{ maxOps: '1.5' }, '--max-ops: expected a positive whole number, got "1.5"'],
      [{ workers: '0' }, '--workers: expected a positive whole number, got "0"'],
      [{ workers: '300' }, '--workers: at most 256, got 300'],
      [{ minimizeSeconds: 'x' }, '--minimize-seconds: expected a positive number, got "x"'],
      [{ hangSeconds: '0' }, '--hang-seconds: expected a positive number, got "0"'],
      [{ bias: 'fragmentation' }, '--bias: expected one of none, busy-cma, got "fragmentation"'],
      [{ worker: '1' }, '--worker and --run go together (they name one run of a campaign)'],
      [{ worker: '1', run: '2' }, '--worker and --run need the campaign\'s --seed'],
      [{ worker: '1', run: '2', seed: '3', runs: '4' }, '--worker and --run re-run one run: no --seconds, --runs or --workers'],
      [{ worker: '-1', run: '2', seed: '3' }, '--worker: expected a whole number >= 0, got "-1"'],
      [{ machineFactory: join(FIXTURES, 'absent.ts') }, `--machine-factory ${join(FIXTURES, 'absent.ts')}: cannot load: `],
      [{ machineFactory: join(FIXTURES, '..', 'cli-io-fixture.ts') }, `--machine-factory ${join(FIXTURES, '..', 'cli-io-fixture.ts')}: the module exports no machineFactory function`],
    ];
    for (const [flags, line] of cases) {
      const { status, io } = await fuzzInProcess(flags);
      expect(status).toBe(2);
      expect(io.stderr()).toMatch(new RegExp(`^pagelab: ${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^\n]*\n$`));
      expect(io.stdout()).toBe('');
    }
  });

  it('without --seed or --workers, draws the seed and uses the available cores, and says so', async () => {
    const { status, io } = await fuzzInProcess({ runs: '1', maxOps: '10', corpus: join(tempDir(), 'unused') }, testEnvironment({ machineFactory: machineWith(PageAllocator) }));
    expect(status).toBe(0);
    expect(io.stdout()).toMatch(/^pagelab fuzz: seed 4242, profile buddy, 3 workers, budget 1 runs,/);
  });

  it('a new failure: printed minimized and written to the corpus (exit 1); found again: known (exit 0); its run re-runs alone', async () => {
    const corpus = join(tempDir(), 'corpus');
    const environment = testEnvironment({ machineFactory: machineWith(NeverZeroes) });
    const flags: FuzzFlags = { runs: '6', seed: '1', workers: '2', maxOps: '300', corpus };
    const first = await fuzzInProcess(flags, environment);
    expect(first.status).toBe(1);
    const files = readdirSync(corpus);
    expect(files.length).toBeGreaterThan(0);
    expect(first.io.stdout()).toMatch(/ {2}failures: [1-9]\d* new, 0 known\n {4}NEW zeroed-pages-[0-9a-f]{12} \(\d+ ops from \d+(, found \d+×)?; worker \d run \d+\): /);
    expect(first.io.stdout()).toContain(`      replay: npx pagelab replay ${join(corpus, files[0]!)}`);
    const again = await fuzzInProcess(flags, environment);
    expect(again.status).toBe(0);
    expect(again.io.stdout()).toMatch(/ {2}failures: 0 new, [1-9]\d* known\n {4}known zeroed-pages/);
    const rerun = /rerun: {2}npx pagelab fuzz --seed 1 --profile buddy --worker (\d) --run (\d+) --max-ops (\d+)/.exec(first.io.stdout());
    expect(rerun).not.toBeNull();
    const single = await fuzzInProcess({ seed: '1', worker: rerun![1]!, run: rerun![2]!, maxOps: rerun![3]!, corpus }, environment);
    expect(single.status).toBe(1);
    expect(single.io.stdout()).toMatch(new RegExp(`^pagelab fuzz: seed 1, profile buddy, re-running run ${rerun![2]} of worker ${rerun![1]} at ${rerun![3]} ops`));
    expect(single.io.stdout()).toMatch(/\npagelab fuzz: 1 runs, /);
    expect(single.io.stdout()).toMatch(/ {4}known zeroed-pages-/);
  });

  it('--no-swarm, --no-ramp and --stop-on-failure: in the banner, the summary and the re-run commands; the first failure ends the campaign with its hit time', async () => {
    const flags: FuzzFlags = { runs: '30', seed: '1', workers: '1', maxOps: '300', swarm: false, ramp: false, stopOnFailure: true, corpus: join(tempDir(), 'corpus') };
    const { status, io } = await fuzzInProcess(flags, testEnvironment({ machineFactory: machineWith(NeverZeroes) }));
    expect(status).toBe(1);
    expect(io.stdout()).toMatch(/^pagelab fuzz: seed 1, profile buddy, 1 workers, budget 30 runs, every run up to 300 ops \(no ramp\) \(repeat with: npx pagelab fuzz --seed 1 --profile buddy --no-swarm --no-ramp --max-ops 300 --runs 30 --workers 1\)\n/);
    expect(io.stdout()).toContain('every op kind and fault site is on at fixed weights (no swarm); new failures go to ');
    expect(io.stdout()).toContain('; the campaign stops at its first failure\n');
    expect(io.stdout()).toMatch(/ {6}rerun: {2}npx pagelab fuzz --seed 1 --profile buddy --no-swarm --worker 0 --run \d+ --max-ops 300\n/);
    const json = await fuzzInProcess({ ...flags, json: true, corpus: join(tempDir(), 'corpus') }, testEnvironment({ machineFactory: machineWith(NeverZeroes) }));
    const summary = JSON.parse(json.io.stdout()) as CampaignSummary;
    expect(summary).toMatchObject({ strategy: { swarm: false, ramp: false }, stoppedAtFailure: true, interrupted: false });
    const biased = await fuzzInProcess({ runs: '3', seed: '1', workers: '1', maxOps: '50', profile: 'cma', json: true }, testEnvironment({ machineFactory: machineWith(PageAllocator) }));
    expect(JSON.parse(biased.io.stdout())).toMatchObject({ strategy: { swarm: true, ramp: true, bias: 'busy-cma' }, runs: 3, swarm: { withCma: 3 } });
    const plain = await fuzzInProcess({ runs: '3', seed: '1', workers: '1', maxOps: '50', profile: 'cma', bias: 'none' }, testEnvironment({ machineFactory: machineWith(PageAllocator) }));
    expect(plain.io.stdout()).toContain('(repeat with: npx pagelab fuzz --seed 1 --profile cma --bias none --max-ops 50 --runs 3 --workers 1)');
    expect(plain.io.stdout()).toContain('op weights and fault sites (swarm); new failures');
    expect(summary.failures).toHaveLength(1);
    expect(summary.runs).toBe(summary.failures[0]!.run + 1);
    expect(summary.failures[0]!.timing.firstHitElapsedMs).toBeGreaterThan(0);
    expect(summary.failures[0]!.timing.opsBeforeFirstHit).toBeLessThanOrEqual(summary.opsExecuted);
  });

  it('--json keeps stdout to the summary; failure lines go to stderr', async () => {
    const { status, io } = await fuzzInProcess({ runs: '4', seed: '1', workers: '1', maxOps: '300', json: true, corpus: join(tempDir(), 'corpus') }, testEnvironment({ machineFactory: machineWith(NeverZeroes) }));
    expect(status).toBe(1);
    const summary = JSON.parse(io.stdout()) as CampaignSummary;
    expect(summary.newFailures).toBeGreaterThan(0);
    expect(io.stderr()).toMatch(/^pagelab fuzz: NEW failure zeroed-pages-[0-9a-f]{12} .*\n {2}replay: npx pagelab replay /);
  });
});
