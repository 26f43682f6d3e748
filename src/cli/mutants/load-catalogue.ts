// Reads the seeded-bug catalogue: one directory per bug, named ID-SLUG, holding patch.diff and meta.json; everything else in the folder (README.md) is ignored.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type Result } from '../../base/errno.ts';
import { parseMutantMeta, type MutantMeta } from './mutant-meta.ts';

/** One seeded bug as found on disk. */
export interface Mutant {
  readonly meta: MutantMeta;
  /** The bug's directory (ID-SLUG). */
  readonly dir: string;
  /** Its patch against the project root (paths a/src/..., b/src/...). */
  readonly patchPath: string;
}

/** The name a bug directory must have: its meta id, a dash, a lower-case slug. */
const DIR_NAME = /^([A-Z]\d{2}[a-z]?)-[a-z0-9]+(-[a-z0-9]+)*$/;

function readText(path: string): Result<string> {
  try {
    return ok(readFileSync(path, 'utf8'));
  } catch (error) {
    return err('ENOENT', `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Loads one bug directory; errors name the file and what is wrong with it. */
export function loadMutant(dir: string, name: string): Result<Mutant> {
  const match = DIR_NAME.exec(name);
  if (match === null) return err('EINVAL', `${dir}: a seeded bug directory is named ID-SLUG (e.g. M05-cma-retry-step), got "${name}"`);
  const metaPath = join(dir, 'meta.json');
  const text = readText(metaPath);
  if (!text.ok) return text;
  const meta = parseMutantMeta(text.value, metaPath);
  if (!meta.ok) return meta;
  if (meta.value.id !== match[1]) return err('EINVAL', `${metaPath}: id: "${meta.value.id}" does not match the directory name ${name}`);
  const patchPath = join(dir, 'patch.diff');
  if (!existsSync(patchPath)) return err('ENOENT', `${dir}: no patch.diff`);
  return ok({ meta: meta.value, dir, patchPath });
}

/** Every bug of the catalogue in `dir`, sorted by directory name; the first malformed one is the error. Ids are unique. */
export function loadCatalogue(dir: string): Result<Mutant[]> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => statSync(join(dir, name)).isDirectory()).sort();
  } catch (error) {
    return err('ENOENT', `cannot read the catalogue ${dir}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const mutants: Mutant[] = [];
  for (const name of names) {
    const mutant = loadMutant(join(dir, name), name);
    if (!mutant.ok) return mutant;
    if (mutants.some((known) => known.meta.id === mutant.value.meta.id)) return err('EINVAL', `${mutant.value.dir}: id ${mutant.value.meta.id} is used twice`);
    mutants.push(mutant.value);
  }
  return mutants.length > 0 ? ok(mutants) : err('ENOENT', `${dir}: no seeded bugs (ID-SLUG directories)`);
}
