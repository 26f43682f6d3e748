// A CliIo for in-process command tests: captures stdout/stderr, reads real files, no environment.
import { readFileSync } from 'node:fs';
import { err, ok } from '../../src/base/errno.ts';
import type { CliIo } from '../../src/cli/io.ts';

/** The captured streams next to the io. */
export interface CapturingIo extends CliIo {
  readonly stdout: () => string;
  readonly stderr: () => string;
}

/** An io that records what a command prints and reads files from disk. */
export function capturingIo(): CapturingIo {
  let out = '';
  let errText = '';
  return {
    writeStdout: (text) => void (out += text),
    writeStderr: (text) => void (errText += text),
    readTextFile: (path) => {
      try {
        return ok(readFileSync(path, 'utf8'));
      } catch {
        return err('ENOENT', `cannot read ${path}: No such file or directory`);
      }
    },
    env: () => undefined,
    stdout: () => out,
    stderr: () => errText,
  };
}
