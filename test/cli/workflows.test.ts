// The GitHub Actions workflows parse as YAML (the yaml package, YAML 1.2 like GitHub's parser), run Node 20 with the npm cache, and call pagelab with flags the CLI really has.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'pagelab.mjs');

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, unknown>;
}

interface Job {
  readonly 'runs-on': string;
  readonly 'timeout-minutes': number;
  readonly needs?: string;
  readonly if?: string;
  readonly strategy?: { readonly matrix: { readonly shard: readonly number[] } };
  readonly steps: readonly Step[];
}

interface Workflow {
  readonly name: string;
  readonly on: Record<string, unknown>;
  readonly jobs: Record<string, Job>;
}

/** Parses a workflow file as YAML 1.2, where the bare key `on` stays a string (as GitHub reads it). */
function loadWorkflow(name: string): Workflow {
  const path = join(ROOT, '.github', 'workflows', name);
  return parseYaml(readFileSync(path, 'utf8')) as Workflow;
}

function runs(job: Job): string {
  return job.steps.map((step) => step.run ?? '').join('\n');
}

/** Every `--flag` a `pagelab SUBCOMMAND` line of the workflows uses. */
function pagelabFlags(text: string, subcommand: string): string[] {
  const lines = text.split('\n').filter((line) => line.includes(`npx pagelab ${subcommand} `));
  return [...new Set(lines.flatMap((line) => line.match(/--[a-z-]+/g) ?? []))];
}

function expectNodeSetup(workflow: Workflow): void {
  for (const job of Object.values(workflow.jobs)) {
    const setup = job.steps.find((step) => step.uses?.startsWith('actions/setup-node@'));
    expect(setup?.with).toMatchObject({ 'node-version': 20, cache: 'npm' });
    expect(runs(job)).toContain('npm ci');
    expect(job['timeout-minutes']).toBeGreaterThan(0);
  }
}

describe('.github/workflows', () => {
  it('ci.yml: npm ci && npm test, and a short fuzz lane, on every push', () => {
    const ci = loadWorkflow('ci.yml');
    expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
    expectNodeSetup(ci);
    expect(runs(ci.jobs['test']!)).toMatch(/npm ci\nnpm test/);
    expect(runs(ci.jobs['fuzz']!)).toMatch(/npx pagelab fuzz --seconds \d+ --seed "\$\{\{ github\.run_id \}\}" --json > fuzz-summary\.json/);
    expect(ci.jobs['fuzz']!.steps.some((step) => step.uses?.startsWith('actions/upload-artifact@') === true && step.if === 'always()')).toBe(true);
  });

  it('ci.yml: a seeded-bug lane runs the mutants catalogue and keeps its report', () => {
    const mutants = loadWorkflow('ci.yml').jobs['mutants']!;
    expect(runs(mutants)).toMatch(/^npx pagelab mutants --seeds 1 .*--json > mutants-report\.json$/m);
    expect(mutants.steps.some((step) => step.uses?.startsWith('actions/upload-artifact@') === true && step.if === 'always()')).toBe(true);
  });

  it('nightly-fuzz.yml: scheduled shards with seeds from the run id and shard index, artifacts, and a merge job', () => {
    const nightly = loadWorkflow('nightly-fuzz.yml');
    expect(nightly.on).toMatchObject({ schedule: [{ cron: expect.stringMatching(/^\S+ \S+ \* \* \*$/) as unknown }] });
    expect(Object.keys(nightly.on)).toContain('workflow_dispatch');
    expectNodeSetup(nightly);
    const shard = nightly.jobs['shard']!;
    expect(shard.strategy?.matrix.shard).toEqual([0, 1, 2, 3]);
    expect(shard['timeout-minutes']).toBeLessThanOrEqual(360);
    expect(runs(shard)).toContain('seed=$(( (RUN_ID * 4 + SHARD) % 2147483647 ))');
    expect(runs(shard)).toContain('npx pagelab fuzz --seconds "$BUDGET_SECONDS" --seed "$seed" --json > "summary-$SHARD.json"');
    expect(shard.steps.filter((step) => step.if === 'always()').map((step) => step.uses ?? step.run)).toHaveLength(2);
    const merge = nightly.jobs['merge']!;
    expect(merge).toMatchObject({ needs: 'shard', if: 'always()' });
    expect(runs(merge)).toContain('npx pagelab fuzz-merge --json shards/summary-*.json > fuzz-merged.json');
  });

  it('use only flags the CLI has', () => {
    const text = ['ci.yml', 'nightly-fuzz.yml'].map((name) => readFileSync(join(ROOT, '.github', 'workflows', name), 'utf8')).join('\n');
    for (const subcommand of ['fuzz', 'fuzz-merge', 'mutants']) {
      const help = spawnSync(process.execPath, [BIN, subcommand, '--help'], { encoding: 'utf8' }).stdout;
      for (const flag of pagelabFlags(text, subcommand)) expect(help, `${subcommand} ${flag}`).toContain(flag);
    }
  });
});
