// `pagelab mutants`: meta.json validation with field and position errors, the catalogue loader, per-bug aggregation (median/max, partial and error status, expected outcomes), a campaign summary reduced to its first finding, a stale patch reported (never skipped) with exit 1, bad flags with exit 2, and one real bug detected end to end with a clean control.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregateMutant, spreadOf, totalsOf, unrunMutant, type SeedOutcome } from '../../src/cli/mutants/aggregate.ts';
import { loadCatalogue, loadMutant } from '../../src/cli/mutants/load-catalogue.ts';
import { parseMutantMeta, type MutantMeta } from '../../src/cli/mutants/mutant-meta.ts';
import type { MutantsReport } from '../../src/cli/mutants/mutants-report.ts';
import { fuzzArgs, outcomeOf, type CampaignOutcome } from '../../src/cli/mutants/run-campaign.ts';
import type { CampaignSummary } from '../../properties/campaign-summary.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'pagelab.mjs');

const META: MutantMeta = {
  id: 'M05', title: 'cma_alloc steps the wrong way after -EBUSY', source: { kind: 'pagelab-own', ref: 'pagelab', note: 'kernel-reference §1.4' },
  kernelReference: 'M5', area: 'cma', profile: 'cma', expected: ['cma-probe-order'], description: 'The window sequence after a busy range differs from Linux.',
};

function pagelab(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PAGELAB_DEBUG: '' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function found(invariant: string, firstHitElapsedMs: number, opsBeforeHit: number, minimizedOps?: number): CampaignOutcome {
  return { kind: 'found', invariant, message: 'm', firstHitElapsedMs, opsBeforeHit, ...(minimizedOps === undefined ? {} : { minimizedOps }), rerun: 'r', elapsedMs: firstHitElapsedMs + 10 };
}

describe('meta.json', () => {
  it('accepts a complete meta and names the field of the first problem', () => {
    expect(parseMutantMeta(JSON.stringify(META), 'm.json')).toEqual({ ok: true, value: META });
    const unknown = parseMutantMeta(JSON.stringify({ ...META, severity: 3 }), 'm.json');
    expect(unknown.ok ? 'ok' : unknown.detail).toBe('m.json: severity: unknown field');
    const invariant = parseMutantMeta(JSON.stringify({ ...META, expected: ['cma-probe-order', 'no-such-invariant'] }), 'm.json');
    expect(invariant.ok ? 'ok' : invariant.detail).toMatch(/^m\.json: expected\[1\]: must be an invariant name/);
    const id = parseMutantMeta(JSON.stringify({ ...META, id: 'X1' }), 'm.json');
    expect(id.ok ? 'ok' : id.detail).toMatch(/^m\.json: id: must look like M05, M09a or P01/);
    const profile = parseMutantMeta(JSON.stringify({ ...META, profile: 'everything' }), 'm.json');
    expect(profile.ok ? 'ok' : profile.detail).toMatch(/^m\.json: profile: /);
  });

  it('reports invalid JSON with its line and column', () => {
    const text = parseMutantMeta('{\n  "id": "M05",\n  "title": oops\n}', 'm.json');
    expect(text.ok ? 'ok' : text.detail).toMatch(/^m\.json: invalid JSON at line 3 column 12/);
  });

  it('a bug directory must be named after its id', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pagelab-mutants-meta-'));
    const bug = join(dir, 'M06-wrong-name');
    mkdirSync(bug);
    writeFileSync(join(bug, 'meta.json'), JSON.stringify(META));
    writeFileSync(join(bug, 'patch.diff'), '');
    const loaded = loadMutant(bug, 'M06-wrong-name');
    expect(loaded.ok ? 'ok' : loaded.detail).toMatch(/meta\.json: id: "M05" does not match the directory name M06-wrong-name$/);
    const badName = loadMutant(bug, 'm06 wrong');
    expect(badName.ok ? 'ok' : badName.detail).toMatch(/a seeded bug directory is named ID-SLUG/);
  });
});

describe('aggregation', () => {
  it('median (middle pair averaged) and max', () => {
    expect(spreadOf([])).toBeUndefined();
    expect(spreadOf([7])).toEqual({ median: 7, max: 7 });
    expect(spreadOf([9, 1, 5])).toEqual({ median: 5, max: 9 });
    expect(spreadOf([4, 1, 10, 2])).toEqual({ median: 3, max: 10 });
  });

  it('a bug found in every seed is detected; medians and maxima over the seeds; the fired outcomes against the expected ones', () => {
    const runs: SeedOutcome[] = [
      { seed: 1, outcome: found('cma-probe-order', 1200, 300, 3) },
      { seed: 2, outcome: found('cma-probe-order', 800, 100, 5) },
      { seed: 3, outcome: found('no-exception', 3000, 900, 2) },
    ];
    const report = aggregateMutant(META, runs, 30);
    expect(report).toMatchObject({
      id: 'M05', status: 'detected', seeds: 3, detectedSeeds: 3, firstHitMs: { median: 1200, max: 3000 }, opsBeforeHit: { median: 300, max: 900 },
      minimizedOps: { median: 3, max: 5 }, fired: ['cma-probe-order', 'no-exception'], firedAsExpected: false,
    });
    expect(aggregateMutant(META, runs.slice(0, 2), 30).firedAsExpected).toBe(true);
  });

  it('some seeds clean: partial; none: missed; a broken campaign: error; a hang has no minimized length', () => {
    const clean: CampaignOutcome = { kind: 'clean', runs: 40, opsExecuted: 9000, elapsedMs: 10_000 };
    expect(aggregateMutant(META, [{ seed: 1, outcome: found('hang', 6000, 50) }, { seed: 2, outcome: clean }], 30)).toMatchObject({ status: 'partial', detectedSeeds: 1, firstHitMs: { median: 6000, max: 6000 } });
    expect(aggregateMutant(META, [{ seed: 1, outcome: found('hang', 6000, 50) }], 30).minimizedOps).toBeUndefined();
    expect(aggregateMutant(META, [{ seed: 1, outcome: clean }], 30)).toMatchObject({ status: 'missed', fired: [] });
    expect(aggregateMutant(META, [], 30).status).toBe('missed');
    expect(aggregateMutant(META, [{ seed: 1, outcome: { kind: 'error', detail: 'campaign exited with 70' } }], 30)).toMatchObject({ status: 'error', detail: 'campaign exited with 70' });
  });

  it('totals name the bugs that miss the targets', () => {
    const slow = aggregateMutant({ ...META, id: 'P01' }, [{ seed: 1, outcome: found('cma-probe-order', 7000, 10, 14) }], 30);
    const fast = aggregateMutant(META, [{ seed: 1, outcome: found('cma-probe-order', 900, 10, 2) }], 30);
    const totals = totalsOf([slow, fast, unrunMutant({ ...META, id: 'P02' }, 'stale', 'patch does not apply', 30)]);
    expect(totals).toMatchObject({ bugs: 3, byStatus: { detected: 2, stale: 1 }, medianOfMediansMs: 3950, slowerThanTarget: ['P01'], longerThanTarget: ['P01'], unexpectedOutcome: [] });
  });
});

describe('campaign outcome', () => {
  const base = { runs: 12, opsExecuted: 5000, timing: { elapsedMs: 4000 }, failures: [], crashes: [] } as unknown as CampaignSummary;

  it('the earliest finding of a summary, a hang counted as hang; nothing found is clean', () => {
    expect(outcomeOf(base)).toEqual({ kind: 'clean', runs: 12, opsExecuted: 5000, elapsedMs: 4000 });
    const summary = {
      ...base,
      failures: [{ invariant: 'cma-bitmap', message: 'm', opCount: 4, originalOps: 300, rerun: 'r1', timing: { minimizeMs: 5, firstHitElapsedMs: 2500, opsBeforeFirstHit: 700 } }],
      crashes: [{ message: 'Error: hang: no progress for 5.0 s', rerun: 'r2', timing: { elapsedMs: 1500, opsExecuted: 200 } }],
    } as unknown as CampaignSummary;
    expect(outcomeOf(summary)).toMatchObject({ kind: 'found', invariant: 'hang', firstHitElapsedMs: 1500, opsBeforeHit: 200, rerun: 'r2' });
    expect(outcomeOf({ ...summary, crashes: [] })).toMatchObject({ invariant: 'cma-bitmap', minimizedOps: 4, originalOps: 300, opsBeforeHit: 700 });
  });

  it('the child is a one-worker campaign that stops at its first failure, with its own corpus and the strategy flags', () => {
    const args = fuzzArgs({ projectDir: '/tmp/copy', profile: 'heaps', seed: 7, settings: { seconds: 10, minimizeSeconds: 5, hangSeconds: 3, strategy: { swarm: false, ramp: true } } }, '/tmp/copy/corpus-7');
    expect(args.join(' ')).toBe('/tmp/copy/bin/pagelab.mjs fuzz --json --stop-on-failure --workers 1 --seconds 10 --seed 7 --profile heaps --corpus /tmp/copy/corpus-7 --minimize-seconds 5 --hang-seconds 3 --progress-seconds 3600 --no-swarm');
    const biased = fuzzArgs({ projectDir: '/c', profile: 'cma', seed: 1, settings: { seconds: 5, minimizeSeconds: 5, hangSeconds: 5, strategy: { swarm: true, ramp: false, bias: 'busy-cma' } } }, '/c/k');
    expect(biased.slice(-3)).toEqual(['--no-ramp', '--bias', 'busy-cma']);
  });
});

describe('pagelab mutants (spawned)', () => {
  it('a patch that no longer applies is reported stale, not skipped, and the run fails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pagelab-mutants-stale-'));
    cpSync(join(ROOT, 'mutants', 'P10-bulk-overwrites-populated-slot'), join(dir, 'P10-bulk-overwrites-populated-slot'), { recursive: true });
    const bug = join(dir, 'M05-retry-step');
    mkdirSync(bug);
    writeFileSync(join(bug, 'meta.json'), JSON.stringify(META));
    writeFileSync(join(bug, 'patch.diff'), '--- a/src/cma/cma-area.ts\n+++ b/src/cma/cma-area.ts\n@@ -1,1 +1,1 @@\n-this line is not in the file\n+nor is this one\n');
    const result = pagelab('mutants', '--mutants-dir', dir, '--only', 'M05', '--no-control', '--json');
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout) as MutantsReport;
    expect(report.ok).toBe(false);
    expect(report.mutants).toEqual([expect.objectContaining({ id: 'M05', status: 'stale', seeds: 0 })]);
    expect(report.mutants[0]?.detail).toMatch(/patch failed|does not apply|corrupt/);
    expect(result.stderr).toMatch(/^pagelab mutants: M05: STALE: /m);
  });

  it('a patch that applies but leaves a simulator that cannot even load is an error, not a detection', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pagelab-mutants-broken-'));
    const bug = join(dir, 'P98-does-not-load');
    mkdirSync(bug);
    writeFileSync(join(bug, 'meta.json'), JSON.stringify({ ...META, id: 'P98', kernelReference: undefined }));
    const [first, second, third] = readFileSync(join(ROOT, 'src', 'base', 'units.ts'), 'utf8').split('\n');
    writeFileSync(join(bug, 'patch.diff'), `--- a/src/base/units.ts\n+++ b/src/base/units.ts\n@@ -1,3 +1,4 @@\n ${first}\n+))) not TypeScript\n ${second}\n ${third}\n`);
    const result = pagelab('mutants', '--mutants-dir', dir, '--seeds', '1', '--no-control', '--json');
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout) as MutantsReport;
    expect(report.mutants).toEqual([expect.objectContaining({ id: 'P98', status: 'error', detectedSeeds: 0 })]);
    expect(report.mutants[0]?.detail).toMatch(/^campaign exited with \d+: /);
  });

  it('bad flags and unknown ids exit 2 with one line', () => {
    for (const [args, message] of [
      [['--jobs', '3'], /--jobs: at most 2/],
      [['--seeds', '0'], /--seeds: expected a positive whole number, got "0"/],
      [['--only', 'M99'], /--only: no seeded bug M99 \(known: /],
      [['--bias', 'near-full'], /--bias: expected one of none, busy-cma, got "near-full"/],
      [['--mutants-dir', '/nonexistent/mutants'], /cannot read the catalogue \/nonexistent\/mutants/],
    ] as const) {
      const result = pagelab('mutants', ...args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('detects a real seeded bug end to end, and the control on the unpatched copy finds nothing', () => {
    const result = pagelab('mutants', '--only', 'P10', '--seeds', '1', '--seconds-per-mutant', '6', '--json');
    const report = JSON.parse(result.stdout) as MutantsReport;
    expect(report.mutants[0]).toMatchObject({ id: 'P10', status: 'detected', detectedSeeds: 1, fired: ['bulk-contract'], firedAsExpected: true });
    expect(report.mutants[0]?.minimizedOps?.max).toBeLessThanOrEqual(10);
    expect(report.control).toMatchObject({ status: 'clean', profiles: ['buddy'] });
    expect(report.control.runs).toHaveLength(1);
    expect(report).toMatchObject({ ok: true, conditions: { secondsPerMutant: 6, seeds: [1], jobs: 1, strategy: { swarm: true, ramp: true } } });
    expect(result.status).toBe(0);
  }, 60_000);
});

describe('the catalogue', () => {
  it('holds at least 25 seeded bugs with valid metadata', () => {
    const catalogue = loadCatalogue(join(ROOT, 'mutants'));
    expect(catalogue.ok ? catalogue.value.length : catalogue.detail).toBeGreaterThanOrEqual(25);
  });
});
