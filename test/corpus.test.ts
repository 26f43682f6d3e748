// Replays every corpus entry (corpus/*.json): each must load cleanly and now pass; an entry stays forever as the regression test of the bug it found.
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listCorpusFiles, loadCorpusEntry, replayCorpusEntry, scenarioOf } from '../properties/corpus.ts';
import { formatScenario } from '../properties/scenario.ts';

const ROOT = join(import.meta.dirname, '..');
const CORPUS_DIR = join(ROOT, 'corpus');
const listed = listCorpusFiles(CORPUS_DIR);
const files = listed.ok ? listed.value.map((file) => [relative(ROOT, file), file] as const) : [];

describe('corpus/', () => {
  it('holds only valid entries (NAME.json) and README.md', () => {
    expect(listed.ok ? 'ok' : listed.detail).toBe('ok');
    for (const [, file] of files) {
      const entry = loadCorpusEntry(file);
      expect(entry.ok ? 'ok' : entry.detail).toBe('ok');
    }
  });

  it.each(files)('%s no longer fails', (name, file) => {
    const entry = loadCorpusEntry(file);
    if (!entry.ok) throw new Error(entry.detail);
    expect(`${entry.value.id}.json`, 'the file name is the entry id').toBe(name.split('/').pop());
    const { result } = replayCorpusEntry(entry.value, { record: true });
    if (result.failure === null) return;
    throw new Error(`${name} still fails (replay: npx pagelab replay ${name})\n${formatScenario(scenarioOf(entry.value), result)}`);
  });
});
