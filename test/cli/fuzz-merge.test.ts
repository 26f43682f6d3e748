// `pagelab fuzz-merge`: shard summaries written by `pagelab fuzz --json` merged into one (text and --json), failures de-duplicated, exit 1 when a shard found something new, 2 for a bad file.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CampaignSummary, MergedSummary } from '../../properties/campaign-summary.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'pagelab.mjs');
const DIR = mkdtempSync(join(tmpdir(), 'pagelab-fuzz-merge-'));

function pagelab(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: DIR, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function shard(seed: number): CampaignSummary {
  const result = pagelab('fuzz', '--runs', '4', '--seed', String(seed), '--workers', '1', '--max-ops', '100', '--json');
  writeFileSync(join(DIR, `shard-${seed}.json`), result.stdout);
  return JSON.parse(result.stdout) as CampaignSummary;
}

describe('pagelab fuzz-merge', () => {
  it('merges shard summaries: counts add up, every shard listed; exit 0 without new failures', () => {
    const [first, second] = [shard(1), shard(2)];
    const merged = pagelab('fuzz-merge', '--json', 'shard-1.json', 'shard-2.json');
    expect(merged.status).toBe(0);
    const summary = JSON.parse(merged.stdout) as MergedSummary;
    expect(summary).toMatchObject({ format: 'pagelab-fuzz-merged/1', runs: 8, opsExecuted: first.opsExecuted + second.opsExecuted, checks: first.checks + second.checks, newFailures: 0 });
    expect(summary.shards.map((line) => line.seed)).toEqual([1, 2]);
    const text = pagelab('fuzz-merge', 'shard-1.json', 'shard-2.json');
    expect(text.stdout).toMatch(/^pagelab fuzz: 2 shards, 8 runs, \d+ ops in [\d.]+ s/);
    expect(text.stdout).toContain('\n  shards: seed 1 (1 workers, 4 runs); seed 2 (1 workers, 4 runs)\n');
  });

  it('exits 1 when a shard found a new failure, and keeps one record per signature', () => {
    const base = shard(3);
    const failure = {
      signature: 'aaaaaaaaaaaa', id: 'zeroed-pages-aaaaaaaaaaaa', invariant: 'zeroed-pages', message: 'm', opCount: 3, originalOps: 90, worker: 0, run: 1, runSeed: 5, lengthCap: 100,
      rerun: 'npx pagelab fuzz --seed 3 --profile buddy --worker 0 --run 1 --max-ops 100', isNew: true, hits: 1, minimizeRuns: 9, minimizeComplete: true, timing: { minimizeMs: 4 },
    };
    writeFileSync(join(DIR, 'found-a.json'), JSON.stringify({ ...base, failures: [failure], newFailures: 1 }));
    writeFileSync(join(DIR, 'found-b.json'), JSON.stringify({ ...base, failures: [{ ...failure, isNew: false, hits: 2 }] }));
    const merged = pagelab('fuzz-merge', '--json', 'found-a.json', 'found-b.json');
    expect(merged.status).toBe(1);
    expect((JSON.parse(merged.stdout) as MergedSummary).failures).toEqual([{ ...failure, hits: 3 }]);
  });

  it('a missing or malformed summary is one line and exit 2', () => {
    writeFileSync(join(DIR, 'bad.json'), JSON.stringify({ format: 'pagelab-fuzz-summary/1', seed: 'x' }));
    expect(pagelab('fuzz-merge', 'bad.json')).toMatchObject({ status: 2, stdout: '', stderr: expect.stringMatching(/^pagelab: bad\.json: seed: [^\n]+\n$/) as unknown });
    expect(pagelab('fuzz-merge', 'absent.json')).toMatchObject({ status: 2, stderr: 'pagelab: cannot read absent.json: No such file or directory\n' });
  });
});
