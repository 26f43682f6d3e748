// `pagelab replay`: spawned through bin/pagelab.mjs for exit statuses, the transcript (real and model counters with deltas, event changes) and --json; in process with a broken allocator for a failure that still reproduces (expected-vs-actual, exit 1).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Result } from '../../src/base/errno.ts';
import type { Pfn } from '../../src/base/units.ts';
import { PageAllocator, type AllocOptions } from '../../src/buddy/page-allocator.ts';
import { runReplayCommand } from '../../src/cli/commands/replay.ts';
import { SIM_TARGET_FACTORY } from '../../src/cli/wiring.ts';
import { __GFP_ZERO, type Gfp } from '../../src/mem/gfp.ts';
import { CORPUS_FORMAT, type CorpusEntry } from '../../properties/corpus.ts';
import { machineWith } from '../properties/harness-fixtures.ts';
import { capturingIo } from './cli-io-fixture.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'pagelab.mjs');
const DIR = mkdtempSync(join(tmpdir(), 'pagelab-replay-'));
const CONFIG = { banks: [{ name: 'dram0', base: 0, size: '16M', zone: 'Normal' }], cpus: 1 };

function pagelab(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: DIR, encoding: 'utf8', env: { ...process.env, PAGELAB_DEBUG: '' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A corpus entry recording a __GFP_ZERO failure after alloc, free, alloc. */
function zeroEntry(overrides: Partial<CorpusEntry> = {}): CorpusEntry {
  return {
    format: CORPUS_FORMAT, id: 'zeroed-pages-0123456789ab', title: 'zeroed-pages: allocPages, freePages, allocPages (3 ops)',
    config: CONFIG, seed: '1', auditEvery: 100,
    ops: [
      { op: 'allocPages', gfp: 'GFP_KERNEL', order: 0, cpu: 0 },
      { op: 'freePages', target: 0 },
      { op: 'allocPages', gfp: 'GFP_KERNEL|__GFP_ZERO', order: 0, cpu: 0 },
    ],
    failure: { invariant: 'zeroed-pages', opIndex: 2, message: '__GFP_ZERO page still holds data' },
    pagelabVersion: '0.1.0', foundBy: 'a test', ...overrides,
  };
}

function entryFile(name: string, entry: unknown): string {
  const path = join(DIR, name);
  writeFileSync(path, typeof entry === 'string' ? entry : JSON.stringify(entry, null, 2));
  return path;
}

/** Never zeroes a __GFP_ZERO allocation. */
class NeverZeroes extends PageAllocator {
  override allocPages(gfp: Gfp, order: number, options: AllocOptions): Result<Pfn> {
    return super.allocPages(gfp & ~__GFP_ZERO, order, options);
  }
}

describe('pagelab replay (spawned)', () => {
  it('prints the transcript with real and model counters, what changed and the events each op moved; exits 0 when the sequence now passes', () => {
    entryFile('fixed.json', zeroEntry());
    const result = pagelab('replay', 'fixed.json');
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('replaying fixed.json: zeroed-pages: allocPages, freePages, allocPages (3 ops)');
    expect(lines[1]).toBe('  recorded: zeroed-pages at op 2: __GFP_ZERO page still holds data');
    expect(lines[2]).toBe('  found by a test (pagelab 0.1.0)');
    expect(lines[4]).toMatch(/^ {2}0 {2}allocPages GFP_KERNEL order 0 cpu 0 → #1 pfn \d+ {3}\[real: free \d+, pcp 0, isolated 0 \| model: allocated 1, live 1\] {2}pgalloc\+1 .*pcp_refill\+1$/);
    expect(lines[5]).toMatch(/^ {2}1 {2}freePages target 0 → #1 pfn \d+ order 0 {3}\[real: free \d+, pcp 1 \+1, isolated 0 \| model: allocated 0 -1, live 0 -1\] {2}pgfree\+1$/);
    expect(lines[6]).toMatch(/^ {2}2 {2}allocPages GFP_KERNEL\|__GFP_ZERO order 0 cpu 0 → #2 pfn \d+ {3}\[real: .* \| model: allocated 1 \+1, live 1 \+1\] {2}pgalloc\+1$/);
    expect(lines[7]).toBe('result: the sequence now passes');
  });

  it('--json prints one object with the verdict and the records', () => {
    entryFile('fixed.json', zeroEntry());
    const result = pagelab('replay', '--json', 'fixed.json');
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as { reproduces: boolean; failure: unknown; ops: { index: number; status: string; op: unknown; events: Record<string, number> }[]; recorded: unknown };
    expect(report).toMatchObject({ file: 'fixed.json', id: 'zeroed-pages-0123456789ab', reproduces: false, failure: null, recorded: zeroEntry().failure });
    expect(report.ops.map((op) => op.status)).toEqual(['ok', 'ok', 'ok']);
    expect(report.ops[1]).toMatchObject({ op: { op: 'freePages', target: 0 }, facts: { pcp: 1, allocated: 0, live: 0 }, events: { pgfree: 1 } });
  });

  it('exits 1 while a failure reproduces (here: a config that cannot boot)', () => {
    const config = { ...CONFIG, cma: { areas: [{ name: 'huge', size: '64M' }] } };
    entryFile('boot.json', zeroEntry({ id: 'config-0123456789ab', config, failure: { invariant: 'config', opIndex: -1, message: 'cannot boot' } }));
    const result = pagelab('replay', 'boot.json');
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/\nbroken invariant: config at boot \(the scenario config boots\): scenario config: cma\.areas\[0\] \(huge\): /);
    expect(result.stdout).toMatch(/\nresult: the recorded failure still reproduces\n$/);
  });

  it('a malformed or missing file is one line and exit 2', () => {
    entryFile('broken.json', '{ "format": "pagelab-corpus/1", }');
    const broken = pagelab('replay', 'broken.json');
    expect(broken).toMatchObject({ status: 2, stdout: '', stderr: 'pagelab: broken.json: invalid JSON at line 1 column 33: expected a double-quoted property name (found "}")\n' });
    entryFile('bad-op.json', { ...zeroEntry(), ops: [{ op: 'allocPages', gfp: 'GFP_KERNEL', order: -1, cpu: 0 }] });
    expect(pagelab('replay', 'bad-op.json').stderr).toMatch(/^pagelab: bad-op\.json: ops\[0\]\.order: [^\n]+\n$/);
    expect(pagelab('replay', 'absent.json')).toMatchObject({ status: 2, stderr: 'pagelab: cannot read absent.json: No such file or directory\n' });
  });
});

describe('pagelab replay (in process, broken allocator)', () => {
  it('stops at the broken invariant with expected, actual and the facts behind them, exit 1', () => {
    const path = entryFile('zero.json', zeroEntry());
    const io = capturingIo();
    expect(runReplayCommand(path, {}, { io, simTargetFactory: SIM_TARGET_FACTORY }, machineWith(NeverZeroes))).toBe(1);
    expect(io.stdout()).toMatch(/\nbroken invariant: zeroed-pages at op 2 \(every page of a __GFP_ZERO allocation reads as zero\): __GFP_ZERO page \d+ still holds data written by #1\n {2}expected: 0\n {2}actual: {3}1\n {2}facts: pfn=\d+\nresult: the recorded failure still reproduces\n$/);
  });

  it('says so when a different invariant breaks', () => {
    const path = entryFile('other.json', zeroEntry({ failure: { invariant: 'cma-migratetype', opIndex: 2, message: 'x' } }));
    const io = capturingIo();
    expect(runReplayCommand(path, {}, { io, simTargetFactory: SIM_TARGET_FACTORY }, machineWith(NeverZeroes))).toBe(1);
    expect(io.stdout()).toMatch(/\nresult: a different invariant broke \(zeroed-pages, recorded cma-migratetype\)\n$/);
  });

  it('--machine-factory boots the module\'s machines, as the campaign that found the entry did; a module that cannot load is exit 2', () => {
    const path = entryFile('zero-factory.json', zeroEntry());
    const fixture = join(import.meta.dirname, 'fixtures', 'never-zeroes-machine.ts');
    const broken = pagelab('replay', '--machine-factory', fixture, path);
    expect(broken.status).toBe(1);
    expect(broken.stdout).toMatch(/result: the recorded failure still reproduces\n$/);
    expect(pagelab('replay', path).status).toBe(0);
    const missing = pagelab('replay', '--machine-factory', join(DIR, 'nowhere.ts'), path);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^pagelab: --machine-factory .*nowhere\.ts: cannot load: /);
    expect(missing.stdout).toBe('');
  });
});
