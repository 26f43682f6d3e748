// The per-folder mutation-score tally of scripts/mutation-score.ts: Stryker's score formula, newest report wins per file, bad reports named.
import { describe, expect, it } from 'vitest';
import { folderOf, mergeReports, parseMutationReport, renderScores, scopeReport, scoresByFolder, undetectedMutants } from '../../scripts/mutation-score.ts';

function reportText(files: Record<string, string[]>): string {
  return JSON.stringify({
    schemaVersion: '2',
    thresholds: { high: 90, low: 80 },
    files: Object.fromEntries(Object.entries(files).map(([path, statuses]) => [path, { language: 'typescript', source: 'const a = 1;\n  if (a > 0) f();\n', mutants: statuses.map((status, id) => ({ id: String(id), mutatorName: 'EqualityOperator', replacement: 'a >= 0', location: { start: { line: 2, column: 7 }, end: { line: 2, column: 12 } }, status })) }])),
  });
}

describe('folderOf', () => {
  it.each([
    ['src/cma/cma-area.ts', 'src/cma'],
    ['/abs/project/src/heaps/pools/pool.ts', 'src/heaps'],
    ['src/index.ts', 'src'],
    ['other/file.ts', 'other'],
  ])('%s is in %s', (path, folder) => {
    expect(folderOf(path)).toBe(folder);
  });
});

describe('scoresByFolder', () => {
  it('counts timeouts as detected, no-coverage as undetected, errors and ignored as neither', () => {
    const report = parseMutationReport(reportText({
      'src/cma/a.ts': ['Killed', 'Killed', 'Timeout', 'Survived', 'NoCoverage', 'Ignored', 'RuntimeError'],
      'src/cma/b.ts': ['Killed'],
      'src/base/c.ts': ['Survived'],
    }), 'r.json');
    const [base, cma, total] = scoresByFolder(report);
    expect(base).toMatchObject({ folder: 'src/base', scorePercent: 0 });
    expect(cma?.folder).toBe('src/cma');
    expect(cma?.scorePercent).toBeCloseTo((100 * 4) / 6);
    expect(cma?.coveredScorePercent).toBeCloseTo((100 * 4) / 5);
    expect(total?.folder).toBe('total');
    expect(total?.scorePercent).toBeCloseTo((100 * 4) / 7);
  });

  it('a folder without scorable mutants has no score', () => {
    const [row] = scoresByFolder(parseMutationReport(reportText({ 'src/x/a.ts': ['Ignored'] }), 'r.json'));
    expect(row?.scorePercent).toBeNaN();
    expect(renderScores([row!])).toContain('| src/x | 1 | 0 | 0 | 0 | 0 | 1 | 0 | - | - |');
  });
});

describe('mergeReports', () => {
  it('takes each file from the newest report that has it', () => {
    const old = parseMutationReport(reportText({ 'src/cma/a.ts': ['Survived'], 'src/buddy/b.ts': ['Killed'] }), 'old.json');
    const fresh = parseMutationReport(reportText({ 'src/cma/a.ts': ['Killed'] }), 'new.json');
    const merged = mergeReports([old, fresh]);
    expect(merged.get('src/cma/a.ts')?.map((m) => m.status)).toEqual(['Killed']);
    expect(merged.get('src/buddy/b.ts')?.map((m) => m.status)).toEqual(['Killed']);
  });
});

describe('scopeReport', () => {
  it('keeps one folder: a folder run re-emits other files from its incremental file unchanged', () => {
    const report = parseMutationReport(reportText({ 'src/cma/a.ts': ['Killed'], 'src/buddy/b.ts': ['Survived'] }), 'cma.json');
    expect([...scopeReport(report, 'src/cma').keys()]).toEqual(['src/cma/a.ts']);
  });
});

describe('undetectedMutants', () => {
  it('lists the survived and uncovered mutants of one folder with their source line', () => {
    const report = parseMutationReport(reportText({ 'src/cma/a.ts': ['Killed', 'Survived', 'NoCoverage'], 'src/base/b.ts': ['Survived'] }), 'r.json');
    expect(undetectedMutants(report, 'src/cma')).toEqual([
      'src/cma/a.ts:2 EqualityOperator Survived: a >= 0 | if (a > 0) f();',
      'src/cma/a.ts:2 EqualityOperator NoCoverage: a >= 0 | if (a > 0) f();',
    ]);
  });
});

describe('parseMutationReport rejects what is not a report', () => {
  it.each([
    ['{', /^bad\.json: not JSON/],
    ['{"files": 3}', /^bad\.json: not a Stryker mutation report at files: /],
    [reportText({ 'src/a.ts': ['Dead'] }), /^bad\.json: not a Stryker mutation report at files\.src\/a\.ts\.mutants\.0\.status: /],
  ])('%s', (text, message) => {
    expect(() => parseMutationReport(text, 'bad.json')).toThrow(message);
  });
});
