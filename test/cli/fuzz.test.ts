// `pagelab fuzz`: spawned through bin/pagelab.mjs for exit statuses, the banner, the summary and --json; in process with a broken allocator for the new-failure path (exit 1, corpus entry, replay line).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Result } from '../../src/base/errno.ts';
import type { Pfn } from '../../src/base/units.ts';
import { PageAllocator, type AllocOptions } from '../../src/buddy/page-allocator.ts';
import { runFuzzCommand } from '../../src/cli/commands/fuzz.ts';
import { SIM_TARGET_FACTORY } from '../../src/cli/wiring.ts';
import { __GFP_ZERO, type Gfp } from '../../src/mem/gfp.ts';
import { machineWith } from '../properties/harness-fixtures.ts';
import { capturingIo } from './cli-io-fixture.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'pagelab.mjs');
const DIR = mkdtempSync(join(tmpdir(), 'pagelab-fuzz-cli-'));

function pagelab(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: DIR, encoding: 'utf8', env: { ...process.env, PAGELAB_DEBUG: '' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Never zeroes a __GFP_ZERO allocation. */
class NeverZeroes extends PageAllocator {
  override allocPages(gfp: Gfp, order: number, options: AllocOptions): Result<Pfn> {
    return super.allocPages(gfp & ~__GFP_ZERO, order, options);
  }
}

describe('pagelab fuzz (spawned)', () => {
  it('runs a bounded campaign: banner with the seed, summary table, exit 0, nothing written', () => {
    const result = pagelab('fuzz', '--runs', '4', '--seed', '5', '--max-ops', '200');
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^pagelab fuzz: seed 5, budget 4 scenarios, 0\.\.200 ops per scenario \(repeat with: npx pagelab fuzz --seed 5 --runs 4\)\n/);
    expect(result.stdout).toMatch(/\npagelab fuzz: 4 scenarios, \d+ ops in [\d.]+ s \(\d+ ops\/s with 0 shrink runs\), \d+ invariant checks\n/);
    expect(result.stdout).toMatch(/\n {2}op {16}executed {3}skipped {4}failed\n {2}allocPages {6}/);
    expect(result.stdout).toContain('\n  failures: none\n');
    expect(existsSync(join(DIR, 'corpus'))).toBe(false);
  });

  it('--json prints only the summary as one JSON object; --verbose lists every scenario', () => {
    const json = pagelab('fuzz', '--runs', '3', '--seed', '-12', '--max-ops', '100', '--json');
    expect(json.status).toBe(0);
    const summary = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ seed: -12, runs: 3, failures: [], newFailures: 0 });
    expect(Object.keys(summary)).toEqual(expect.arrayContaining(['opsExecuted', 'opsPerSecond', 'kindCounts', 'checks', 'swarm', 'elapsedMs']));
    const verbose = pagelab('fuzz', '--runs', '2', '--seed', '3', '--max-ops', '50', '--verbose');
    expect(verbose.stdout).toMatch(/\n {2}run 1: seed \d+ \d+ ops, audit every \d+; \{"banks":.*\}; allocPages=/);
    expect(verbose.stdout).toMatch(/\n {2}run 2: /);
  });

  it('bad flags are one line and exit 2', () => {
    const spawned = pagelab('fuzz', '--seconds', '1', '--runs', '2');
    expect(spawned).toMatchObject({ status: 2, stdout: '', stderr: 'pagelab: --seconds and --runs exclude each other (give one budget)\n' });
    const cases: [Record<string, string>, string][] = [
      [{ runs: 'many' }, '--runs: expected a positive whole number, got "many"'],
      [{ seconds: '-3' }, '--seconds: expected a positive number, got "-3"'],
      [{ seed: '0x10' }, '--seed: expected a whole number, got "0x10"'],
      [{ maxOps: '1.5' }, '--max-ops: expected a positive whole number, got "1.5"'],
    ];
    for (const [flags, line] of cases) {
      const io = capturingIo();
      expect(runFuzzCommand(flags, { io, simTargetFactory: SIM_TARGET_FACTORY })).toBe(2);
      expect(io.stderr()).toBe(`pagelab: ${line}\n`);
      expect(io.stdout()).toBe('');
    }
  });

  it('--help shows the examples', () => {
    const help = pagelab('fuzz', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('$ pagelab fuzz --runs 200 --seed 42 --max-ops 5000');
  });
});

describe('pagelab fuzz (in process, broken allocator)', () => {
  it('without --seed, draws one from the environment and prints it', () => {
    const io = capturingIo();
    const environment = { now: () => 0, randomSeed: () => 4242, timestamp: () => 't' };
    expect(runFuzzCommand({ runs: '1', maxOps: '10', corpus: join(DIR, 'unused') }, { io, simTargetFactory: SIM_TARGET_FACTORY }, environment)).toBe(0);
    expect(io.stdout()).toMatch(/^pagelab fuzz: seed 4242, budget 1 scenario, 0\.\.10 ops per scenario/);
  });

  it('a new failure: printed minimized, written to the corpus with its replay command, exit 1; found again: known, exit 0', () => {
    const corpus = join(mkdtempSync(join(tmpdir(), 'pagelab-fuzz-cli-')), 'corpus');
    let clockMs = 0;
    const environment = { now: () => (clockMs += 1), randomSeed: () => 77, timestamp: () => '2026-01-01T00:00:00Z', machineFactory: machineWith(NeverZeroes) };
    const io = capturingIo();
    const flags = { runs: '3', seed: '18', maxOps: '300', corpus };
    expect(runFuzzCommand(flags, { io, simTargetFactory: SIM_TARGET_FACTORY }, environment)).toBe(1);
    const [file] = readdirSync(corpus);
    expect(file).toMatch(/^zeroed-pages-[0-9a-f]{12}\.json$/);
    expect(io.stdout()).toContain('pagelab fuzz: seed 18, budget 3 scenarios');
    expect(io.stdout()).toMatch(/\nminimized failure \(new\):\nmachine seed: /);
    expect(io.stdout()).toContain(`replay: npx pagelab replay ${join(corpus, file!)}`);
    expect(io.stdout()).toMatch(/ {2}failures: 1 new, \d+ known\n {2}NEW zeroed-pages \(\d+ ops, signature [0-9a-f]{12}\): /);
    const again = capturingIo();
    expect(runFuzzCommand(flags, { io: again, simTargetFactory: SIM_TARGET_FACTORY }, environment)).toBe(0);
    expect(again.stdout()).toMatch(/ {2}failures: 0 new, [1-9]\d* known\n {2}known zeroed-pages/);
  });
});
