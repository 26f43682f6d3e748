// Corpus entries: built from a failing scenario, written atomically under a deterministic name (never overwritten), validated on load with one-line errors, replayed through the interpreter.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  corpusEntryFor, failureSignature, listCorpusFiles, loadCorpusEntry, parseCorpusEntry, replayCorpusEntry, writeCorpusEntry, type CorpusEntry,
} from '../../properties/corpus.ts';
import type { Op } from '../../properties/ops/registry.ts';
import { runScenario, type Scenario } from '../../properties/scenario.ts';
import { SMALL_CONFIG } from './harness-fixtures.ts';

const OPS: Op[] = [{ op: 'allocPages', gfp: 'GFP_KERNEL', order: 11, cpu: 0 }, { op: 'tick', deltaMs: 1 }];
const SCENARIO: Scenario = { config: SMALL_CONFIG, seed: '7', auditEvery: 250, weights: { allocPages: 3, tick: 1 }, ops: OPS };

function entry(overrides: Partial<CorpusEntry> = {}): CorpusEntry {
  const failure = { invariant: 'predicted-outcome' as const, opIndex: 0, message: 'allocPages succeeded', details: {}, phase: 'op' as const };
  return { ...corpusEntryFor({ scenario: SCENARIO, failure, pagelabVersion: '0.1.0', foundBy: 'a test', createdAt: '2026-01-01T00:00:00Z' }), ...overrides };
}

function detail(value: unknown, source = 'corpus/x.json'): string {
  const parsed = parseCorpusEntry(typeof value === 'string' ? value : JSON.stringify(value), source);
  return parsed.ok ? 'ok' : parsed.detail;
}

describe('corpus entries', () => {
  it('are named by a signature of the invariant and the op kinds', () => {
    const e = entry();
    expect(e.id).toBe(`predicted-outcome-${failureSignature('predicted-outcome', OPS)}`);
    expect(e.id).toMatch(/^predicted-outcome-[0-9a-f]{12}$/);
    expect(e.title).toBe('predicted-outcome: allocPages, tick (2 ops)');
    expect(failureSignature('predicted-outcome', OPS)).not.toBe(failureSignature('zeroed-pages', OPS));
    expect(failureSignature('x', OPS)).toBe(failureSignature('x', [{ op: 'allocPages', gfp: 'GFP_ATOMIC', order: 0, cpu: 3 }, { op: 'tick', deltaMs: 9 }]));
  });

  it('round-trip through a file written atomically, which is never overwritten', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pagelab-corpus-')), 'corpus');
    const first = writeCorpusEntry(dir, entry());
    expect(first).toEqual({ path: join(dir, `${entry().id}.json`), written: true });
    expect(writeCorpusEntry(dir, entry({ title: 'changed' }))).toEqual({ path: first.path, written: false });
    expect(readdirSync(dir)).toEqual([`${entry().id}.json`]);
    expect(loadCorpusEntry(first.path)).toEqual({ ok: true, value: entry() });
    expect(listCorpusFiles(dir)).toEqual({ ok: true, value: [first.path] });
  });

  it('replay: an entry reproduces while the same invariant breaks', () => {
    expect(replayCorpusEntry(entry()).reproduces).toBe(false);
    expect(replayCorpusEntry(entry()).result.failure).toBeNull();
    const failing = runScenario({ ...SCENARIO, config: { banks: [] } });
    expect(failing.failure?.invariant).toBe('config');
  });

  it('listing rejects stray files and accepts a missing directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pagelab-corpus-'));
    writeFileSync(join(dir, 'README.md'), '# corpus\n');
    expect(listCorpusFiles(dir)).toEqual({ ok: true, value: [] });
    writeFileSync(join(dir, 'notes.txt'), 'x');
    expect(listCorpusFiles(dir)).toEqual({ ok: false, errno: 'EINVAL', detail: `${join(dir, 'notes.txt')}: not a corpus entry (expected NAME.json)` });
    expect(listCorpusFiles(join(dir, 'absent'))).toEqual({ ok: true, value: [] });
  });
});

describe('corpus validation errors', () => {
  const good = JSON.parse(JSON.stringify(entry())) as Record<string, unknown>;

  it('malformed JSON names the line and column', () => {
    expect(detail('{\n  "format": "pagelab-corpus/1",\n  "id": }\n')).toBe('corpus/x.json: invalid JSON at line 3 column 9: expected a value (found "}")');
    expect(detail('{"a": 1,}')).toBe('corpus/x.json: invalid JSON at line 1 column 9: expected a double-quoted property name (found "}")');
    expect(detail('')).toBe('corpus/x.json: invalid JSON at line 1 column 1: expected a value (found the end of the file)');
    expect(detail('["abc')).toBe('corpus/x.json: invalid JSON at line 1 column 6: unterminated string (found the end of the file)');
    expect(detail('[1 2]')).toBe("corpus/x.json: invalid JSON at line 1 column 4: expected ',' or ']' (found \"2\")");
    expect(detail('{} x')).toBe('corpus/x.json: invalid JSON at line 1 column 4: unexpected text after the JSON value (found "x")');
  });

  it('a missing file is one line', () => {
    expect(loadCorpusEntry('/nonexistent/entry.json')).toEqual({ ok: false, errno: 'ENOENT', detail: 'cannot read /nonexistent/entry.json: No such file or directory' });
  });

  it('schema problems name the field path', () => {
    expect(detail({ ...good, format: 'pagelab-corpus/0' })).toBe('corpus/x.json: format: must be "pagelab-corpus/1" (got "pagelab-corpus/0")');
    const { seed: _seed, ...noSeed } = good;
    expect(detail(noSeed)).toBe('corpus/x.json: seed: missing (required)');
    expect(detail({ ...good, extra: 1 })).toBe('corpus/x.json: extra: unknown field');
    expect(detail({ ...good, failure: { invariant: 'made-up', opIndex: 0, message: '' } })).toBe('corpus/x.json: failure.invariant: unknown invariant name (got "made-up")');
    expect(detail({ ...good, id: 'Bad Id' })).toMatch(/^corpus\/x\.json: id: must be lower-case letters/);
    expect(detail({ ...good, auditEvery: 'often' })).toBe('corpus/x.json: auditEvery: expected a number, got "often"');
  });

  it('ops and config are validated with their own messages', () => {
    expect(detail({ ...good, ops: [OPS[0], { op: 'tick' }] })).toBe('corpus/x.json: ops[1].deltaMs: missing (required)');
    expect(detail({ ...good, config: { banks: [{ name: 'd', base: 0, size: '3M', zone: 'Normal' }] } })).toBe('corpus/x.json: config: banks[0].size: must be a multiple of 2M (got 3M)');
    expect(detail({ ...good, failure: { invariant: 'end-state', opIndex: 9, message: '' } })).toBe('corpus/x.json: failure.opIndex: 9 is beyond the 2 ops');
  });

  it('accepts the file it wrote', () => {
    expect(detail(readFileSync(writeCorpusEntry(mkdtempSync(join(tmpdir(), 'pagelab-corpus-')), entry()).path, 'utf8'))).toBe('ok');
  });
});
