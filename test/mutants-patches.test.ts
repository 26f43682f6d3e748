// Every seeded bug in mutants/ still applies to the current tree (git apply --check), patches only src/ and stays small: a refactoring that makes a patch stale turns npm test red instead of silently shrinking the catalogue.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyPatch } from '../src/cli/mutants/apply-patch.ts';
import { loadCatalogue } from '../src/cli/mutants/load-catalogue.ts';

const ROOT = join(import.meta.dirname, '..');
/** Changed lines (added plus removed) a seeded bug may have: a few, so it stays one reviewable mistake. */
const MAX_CHANGED_LINES = 8;

const catalogue = loadCatalogue(join(ROOT, 'mutants'));
const mutants = catalogue.ok ? catalogue.value : [];

describe('mutants/ patches', () => {
  it('the catalogue loads', () => {
    expect(catalogue.ok ? 'ok' : catalogue.detail).toBe('ok');
  });

  it.each(mutants.map((mutant) => [mutant.meta.id, mutant] as const))('%s applies to the current src/ and is a small src/ change', (_id, mutant) => {
    const applied = applyPatch(ROOT, mutant.patchPath, { checkOnly: true });
    expect(applied.ok ? 'applies' : `stale: ${applied.detail}`).toBe('applies');
    const lines = readFileSync(mutant.patchPath, 'utf8').split('\n');
    const files = lines.filter((line) => line.startsWith('+++ ')).map((line) => line.slice(4));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(file).toMatch(/^b\/src\/[\w/.-]+\.ts$/);
    const changed = lines.filter((line) => /^[+-](?![+-]{2} )/.test(line)).length;
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThanOrEqual(MAX_CHANGED_LINES);
  });
});
