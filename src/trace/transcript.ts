// Formats a run's transcript: the annotated form of TRACE.md (`LINE rc=STATUS`, `LINE OUTPUT`) or the plain form (what the shell itself would print), as ordered stdout/stderr chunks.
import type { TranscriptLine } from './run.ts';

/** 'annotated' (--annotate): one stdout line per statement; 'plain': exactly what sh would print. */
export type TranscriptMode = 'annotated' | 'plain';

/** A piece of output for one stream; chunks keep statement order across both streams. */
export interface OutputChunk {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

/**
 * A statement's stdout as one annotated field: the final newline dropped and the remaining lines
 * joined with single spaces (text inside a line is kept as printed).
 */
export function joinOutputLines(stdout: string): string {
  const body = stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout;
  return body.split('\n').join(' ');
}

/**
 * One annotated line: `LINE rc=STATUS` for a write, `LINE OUTPUT` otherwise. Trailing blanks are
 * dropped, so a statement that printed nothing shows as just `LINE`.
 */
export function annotatedLine(line: TranscriptLine): string {
  const field = line.kind === 'write' ? `rc=${line.status}` : joinOutputLines(line.stdout);
  return `${line.line} ${field}`.trimEnd();
}

/** The output of a run as ordered chunks: each statement's stdout (in `mode`), then its stderr. */
export function renderTranscript(lines: readonly TranscriptLine[], mode: TranscriptMode): OutputChunk[] {
  const chunks: OutputChunk[] = [];
  for (const line of lines) {
    const stdout = mode === 'annotated' ? `${annotatedLine(line)}\n` : line.stdout;
    if (stdout !== '') chunks.push({ stream: 'stdout', text: stdout });
    if (line.stderr !== '') chunks.push({ stream: 'stderr', text: line.stderr });
  }
  return chunks;
}

/** The whole stdout and stderr text of a run (for tests and comparisons). */
export function formatTranscript(lines: readonly TranscriptLine[], mode: TranscriptMode): { stdout: string; stderr: string } {
  const chunks = renderTranscript(lines, mode);
  const text = (stream: OutputChunk['stream']): string =>
    chunks.filter((chunk) => chunk.stream === stream).map((chunk) => chunk.text).join('');
  return { stdout: text('stdout'), stderr: text('stderr') };
}
