// A throw-away copy of the project for one seeded bug (or the control): src/, properties/, bin/, package.json and tsconfig.json copied into a fresh temporary directory, node_modules linked, nothing else (no corpus: a campaign there starts from an empty one).
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a campaign needs from the project, relative to its root. */
export const COPIED_ENTRIES = ['src', 'properties', 'bin', 'package.json', 'tsconfig.json'] as const;

/** Copies the project at `rootDir` into a new directory under the system temp dir (named after `label`) and returns its path. */
export function copyProject(rootDir: string, label: string): string {
  const copy = mkdtempSync(join(tmpdir(), `pagelab-mutant-${label}-`));
  for (const entry of COPIED_ENTRIES) cpSync(join(rootDir, entry), join(copy, entry), { recursive: true });
  symlinkSync(join(rootDir, 'node_modules'), join(copy, 'node_modules'), 'dir');
  return copy;
}

/** Deletes a copy made by copyProject (the node_modules link, not its target). */
export function removeProjectCopy(copy: string): void {
  rmSync(copy, { recursive: true, force: true });
}
