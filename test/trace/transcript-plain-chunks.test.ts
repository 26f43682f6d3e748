// Transcript rendering in plain mode (what sh itself prints): statements that print nothing leave no chunk, and stdout/stderr chunks keep statement order.
import { describe, expect, it } from 'vitest';
import type { TranscriptLine } from '../../src/trace/run.ts';
import { renderTranscript } from '../../src/trace/transcript.ts';

const LINES: readonly TranscriptLine[] = [
  { line: 1, kind: 'write', status: 0, stdout: '', stderr: '' },
  { line: 2, kind: 'write', status: 1, stdout: '', stderr: 'sh: write error: Cannot allocate memory\n' },
  { line: 3, kind: 'output', status: 0, stdout: '4096\n', stderr: '' },
  { line: 4, kind: 'output', status: 0, stdout: '', stderr: '' },
  { line: 5, kind: 'output', status: 1, stdout: 'err ENOMEM\n', stderr: 'sim alloc: no memory\n' },
];

describe('plain transcript chunks', () => {
  it('a statement that prints nothing contributes no chunk at all', () => {
    expect(renderTranscript(LINES, 'plain')).toEqual([
      { stream: 'stderr', text: 'sh: write error: Cannot allocate memory\n' },
      { stream: 'stdout', text: '4096\n' },
      { stream: 'stdout', text: 'err ENOMEM\n' },
      { stream: 'stderr', text: 'sim alloc: no memory\n' },
    ]);
  });

  it('annotated mode still gives every statement its numbered line', () => {
    expect(renderTranscript(LINES, 'annotated').filter((chunk) => chunk.stream === 'stdout').map((chunk) => chunk.text)).toEqual([
      '1 rc=0\n', '2 rc=1\n', '3 4096\n', '4\n', '5 err ENOMEM\n',
    ]);
  });
});
