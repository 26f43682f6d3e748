// The CLI's contact with the process: stdout/stderr writes, file reading, environment, exit statuses, and the one-line error convention.
import { readFileSync } from 'node:fs';
import { err, isErrno, ok, strerror, type Result } from '../base/errno.ts';

/** Exit status of a completed run. */
export const EXIT_OK = 0;
/** Exit status for bad input: flags, unreadable or invalid files, unparsable traces (2, as sh and most CLIs use for usage errors). */
export const EXIT_USAGE = 2;
/** Exit status for an internal error, i.e. a pagelab bug (sysexits.h EX_SOFTWARE). */
export const EXIT_SOFTWARE = 70;

/** Everything the commands need from the process, so they run the same under tests. */
export interface CliIo {
  /** Writes to standard output as is. */
  writeStdout(text: string): void;
  /** Writes to standard error as is. */
  writeStderr(text: string): void;
  /** Reads a UTF-8 file; the error detail is one line: `cannot read PATH: REASON`. */
  readTextFile(path: string): Result<string>;
  /** An environment variable, or undefined. */
  env(name: string): string | undefined;
}

/** Texts for Node fs error codes that errno.ts does not carry. */
const FS_ERROR_TEXT: Readonly<Record<string, string>> = {
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
};

function fsErrorText(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (isErrno(code)) return strerror(code);
    const text = FS_ERROR_TEXT[code];
    if (text !== undefined) return text;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The real process: writes go to process.stdout/stderr, a closed stdout pipe (EPIPE) is not an error. */
export function processIo(): CliIo {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  return {
    writeStdout: (text) => void process.stdout.write(text),
    writeStderr: (text) => void process.stderr.write(text),
    readTextFile: (path) => {
      try {
        return ok(readFileSync(path, 'utf8'));
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        return err(typeof code === 'string' && isErrno(code) ? code : 'EINVAL', `cannot read ${path}: ${fsErrorText(error)}`);
      }
    },
    env: (name) => process.env[name],
  };
}

/** Prints the one-line bad-input message `pagelab: DETAIL` and returns EXIT_USAGE. */
export function reportUsageError(io: CliIo, detail: string): number {
  io.writeStderr(`pagelab: ${detail.replace(/\s*\n\s*/g, ' ')}\n`);
  return EXIT_USAGE;
}

/** Prints a short internal-error message (the stack only with PAGELAB_DEBUG=1) and returns EXIT_SOFTWARE. */
export function reportInternalError(io: CliIo, error: unknown): number {
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  io.writeStderr(`pagelab: internal error: ${what.replace(/\s*\n\s*/g, ' ')}\n`);
  io.writeStderr('pagelab: this is a pagelab bug; please report it with the command line and input files' +
    ' (PAGELAB_DEBUG=1 prints the stack)\n');
  if (io.env('PAGELAB_DEBUG') === '1' && error instanceof Error && error.stack !== undefined) io.writeStderr(`${error.stack}\n`);
  return EXIT_SOFTWARE;
}

/** JSON.parse with a one-line error naming the file. */
export function parseJsonText(text: string, source: string): Result<unknown> {
  try {
    return ok(JSON.parse(text) as unknown);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return err('EINVAL', `${source}: invalid JSON: ${message.replace(/\s+/g, ' ')}`);
  }
}
