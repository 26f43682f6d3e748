// `pagelab corpus check`: every entry validated, named and replayed; fixed entries reported and kept, reproducing ones are open bugs (exit 1), malformed files and duplicate signatures reported one line each; --json; a missing directory is exit 2.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCorpus, runCorpusCheckCommand, type CorpusCheck } from '../../src/cli/commands/corpus.ts';
import { SIM_TARGET_FACTORY } from '../../src/cli/wiring.ts';
import { CORPUS_FORMAT, type CorpusEntry } from '../../properties/corpus.ts';
import { failureId } from '../../properties/signature.ts';
import { capturingIo } from './cli-io-fixture.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'pagelab.mjs');
const CONFIG = { banks: [{ name: 'dram0', base: 0, size: '16M', zone: 'Normal' }], cpus: 1 };
const OPS = [{ op: 'allocPages', gfp: 'GFP_KERNEL', order: 0, cpu: 0 }, { op: 'freePages', target: 0 }, { op: 'allocPages', gfp: 'GFP_KERNEL|__GFP_ZERO', order: 0, cpu: 0 }] as const;

/** An entry recording a __GFP_ZERO failure, named by its signature (it passes on the real allocator: fixed). */
function fixedEntry(overrides: Partial<CorpusEntry> = {}): CorpusEntry {
  return {
    format: CORPUS_FORMAT, id: failureId('zeroed-pages', OPS), title: 'zeroed-pages: allocPages, freePages, allocPages (3 ops)', config: CONFIG, seed: '1', auditEvery: 100,
    ops: OPS, failure: { invariant: 'zeroed-pages', opIndex: 2, message: '__GFP_ZERO page still holds data' }, pagelabVersion: '0.1.0', foundBy: 'a test', ...overrides,
  };
}

/** An entry that reproduces on any build: its config cannot boot. */
function openEntry(): CorpusEntry {
  return fixedEntry({ id: failureId('config', []), ops: [], config: { ...CONFIG, cma: { areas: [{ name: 'huge', size: '64M' }] } }, failure: { invariant: 'config', opIndex: -1, message: 'cannot boot' } });
}

function corpusWith(files: Record<string, unknown>): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'pagelab-corpus-check-')), 'corpus');
  spawnSync('mkdir', ['-p', dir]);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return dir;
}

function run(dir: string, json = false): { status: number; stdout: string; stderr: string } {
  const io = capturingIo();
  const status = runCorpusCheckCommand(dir, { json }, { io, simTargetFactory: SIM_TARGET_FACTORY });
  return { status, stdout: io.stdout(), stderr: io.stderr() };
}

describe('pagelab corpus check', () => {
  it('reports fixed entries (kept as regression tests) and exits 0 when every entry is valid and fixed', () => {
    const entry = fixedEntry();
    const dir = corpusWith({ [`${entry.id}.json`]: entry, 'README.md': '# corpus\n' });
    const result = run(dir);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe([
      `corpus check ${dir}: 1 entry`,
      `  fixed     ${join(dir, `${entry.id}.json`)}: passes now; it stays as the regression test of the fix`,
      'result: 1 fixed, 0 reproducing, 0 changed, 0 malformed, 0 duplicated', '',
    ].join('\n'));
    expect(existsSync(join(dir, `${entry.id}.json`))).toBe(true);
  });

  it('an entry that still reproduces is an open bug: exit 1 (CI stays red, as npm test does)', () => {
    const entry = openEntry();
    const result = run(corpusWith({ [`${entry.id}.json`]: entry }));
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/\n {2}OPEN {6}\S+config-[0-9a-f]{12}\.json: config still breaks \(open bug; replay: npx pagelab replay \S+\)\n/);
  });

  it('malformed files are one line each naming the field; stray files and misnamed entries count as malformed', () => {
    const entry = fixedEntry();
    const dir = corpusWith({
      'bad-json.json': '{ "format": "pagelab-corpus/1", }',
      'bad-op.json': { ...entry, id: 'bad-op', ops: [{ op: 'allocPages', gfp: 'GFP_KERNEL', order: -1, cpu: 0 }] },
      'misnamed.json': entry,
      'notes.txt': 'x',
    });
    const result = run(dir);
    expect(result.status).toBe(1);
    const lines = result.stdout.split('\n');
    expect(lines).toContain(`  MALFORMED ${join(dir, 'bad-json.json')}: invalid JSON at line 1 column 33: expected a double-quoted property name (found "}")`);
    expect(lines.some((line) => line.startsWith(`  MALFORMED ${join(dir, 'bad-op.json')}: ops[0].order: `))).toBe(true);
    expect(lines).toContain(`  MALFORMED ${join(dir, 'misnamed.json')}: id: "${entry.id}" does not match the file name`);
    expect(lines).toContain(`  MALFORMED ${join(dir, 'notes.txt')}: not a corpus entry (expected NAME.json)`);
    expect(lines).toContain('result: 0 fixed, 0 reproducing, 0 changed, 4 malformed, 0 duplicated');
  });

  it('reports two entries with one signature as duplicates (exit 1), and an id that is not its signature as a note', () => {
    const entry = fixedEntry();
    const older = fixedEntry({ id: 'zeroed-pages-0123456789ab', ops: [OPS[0], OPS[0], OPS[1], OPS[2]] });
    const dir = corpusWith({ [`${entry.id}.json`]: entry, 'zeroed-pages-0123456789ab.json': older });
    const result = run(dir);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(`  DUPLICATE ${join(dir, 'zeroed-pages-0123456789ab.json')}, ${join(dir, `${entry.id}.json`)}: one signature (the same bug twice)\n`);
    expect(result.stdout).toContain(`  note      ${join(dir, 'zeroed-pages-0123456789ab.json')}: its id is not the signature of its ops`);
  });

  it('--json prints the whole check as one object', () => {
    const fixed = fixedEntry();
    const open = openEntry();
    const result = run(corpusWith({ [`${fixed.id}.json`]: fixed, [`${open.id}.json`]: open }), true);
    const check = JSON.parse(result.stdout) as CorpusCheck;
    expect(check.entries.map((entry) => entry.status).sort()).toEqual(['fixed', 'reproduces']);
    expect(check.duplicates).toEqual([]);
    expect(checkCorpus(check.dir)).toEqual(check);
  });

  it('is wired into the CLI: the default directory, a missing one (exit 2)', () => {
    const cwd = join(corpusWith({}), '..');
    const empty = spawnSync(process.execPath, [BIN, 'corpus', 'check'], { cwd, encoding: 'utf8' });
    expect(empty).toMatchObject({ status: 0, stdout: 'corpus check corpus: 0 entries\nresult: 0 fixed, 0 reproducing, 0 changed, 0 malformed, 0 duplicated\n' });
    const missing = spawnSync(process.execPath, [BIN, 'corpus', 'check', 'absent'], { cwd, encoding: 'utf8' });
    expect(missing).toMatchObject({ status: 2, stdout: '', stderr: 'pagelab: cannot read absent: No such file or directory\n' });
  });
});
