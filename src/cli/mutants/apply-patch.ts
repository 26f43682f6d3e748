// Applies a seeded bug's patch with `git apply` (which works outside a repository too); a patch that does not apply is stale, with git's first complaint as the reason.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { err, ok, type Result } from '../../base/errno.ts';

/** git's complaint, one line: its first `error:` line, else its first line. */
function firstComplaint(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  return (lines.find((line) => line.startsWith('error:')) ?? lines[0] ?? 'git apply failed').replace(/^error:\s*/, '');
}

/**
 * Runs `git apply [--check] PATCH` in `projectDir`. EINVAL (stale) with git's reason when the patch
 * does not apply; ENOENT when git cannot be run at all.
 */
export function applyPatch(projectDir: string, patchPath: string, options: { readonly checkOnly?: boolean } = {}): Result<void> {
  const args = ['apply', ...(options.checkOnly === true ? ['--check'] : []), resolve(patchPath)];
  const result = spawnSync('git', args, { cwd: projectDir, encoding: 'utf8' });
  if (result.error !== undefined) return err('ENOENT', `cannot run git: ${result.error.message}`);
  return result.status === 0 ? ok(undefined) : err('EINVAL', firstComplaint(result.stderr));
}
