// Trace runner: the exact TranscriptLine each statement kind produces — echo opens for writing, dma-heap-alloc is an output line, sim verbs see their line and get exactly one final newline — and an unknown statement kind is a pagelab bug.
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/base/assert.ts';
import { ok, type Result } from '../../src/base/errno.ts';
import { VfsRegistry, type OpenMode, type VirtualFs } from '../../src/sysfs/vfs.ts';
import { loadTrace, type Statement } from '../../src/trace/parse.ts';
import { runTrace, type TraceTarget, type TranscriptLine } from '../../src/trace/run.ts';
import { SimVerbRegistry } from '../../src/trace/sim-verbs.ts';
import { formatTranscript } from '../../src/trace/transcript.ts';
import { simTarget } from './trace-fixtures.ts';

/** A VirtualFs that records every open(2) as "MODE PATH" before passing it on. */
class RecordingFs implements VirtualFs {
  readonly opens: string[] = [];
  constructor(private readonly inner: VfsRegistry) {}
  open(path: string, mode: OpenMode): Result<void> {
    this.opens.push(`${mode} ${path}`);
    return this.inner.open(path, mode);
  }
  read(path: string): Result<string> {
    return this.inner.read(path);
  }
  write(path: string, text: string): Result<void> {
    return this.inner.write(path, text);
  }
}

/** A target whose sim verbs print fixed texts: `where` prints its line, `quiet` nothing, `lines` and `bare` two lines with and without a final newline. */
function fakeTarget(): TraceTarget & { readonly fs: RecordingFs; readonly written: string[] } {
  const inner = new VfsRegistry();
  const written: string[] = [];
  inner.registerFile('/sys/kernel/debug/cma/reserved/alloc', { write: (text) => { written.push(text); return ok(undefined); } });
  inner.registerFile('/proc/meminfo', { read: () => ok('MemTotal: 1 kB\n'), flavor: 'proc' });
  const fs = new RecordingFs(inner);
  const sim = new SimVerbRegistry();
  const fixed = (verb: string, text: string): void => {
    sim.register({ verb, usage: verb, summary: `prints ${JSON.stringify(text)}`, parseArgs: () => ok(undefined), run: () => ok(text) });
  };
  sim.register({ verb: 'where', usage: 'where', summary: 'prints its line', parseArgs: () => ok(undefined), run: (_, ctx) => ok(`line=${ctx.line}`) });
  fixed('quiet', '');
  fixed('lines', 'a\nb\n');
  fixed('bare', 'a\nb');
  return { vfs: fs, sim, dmaHeapAlloc: () => 'err ENOENT', fs, written };
}

function run(text: string, target: TraceTarget): TranscriptLine[] {
  const loaded = loadTrace(text, 't.trace', target.sim);
  if (!loaded.ok) throw new Error(loaded.detail);
  return runTrace(loaded.value, target);
}

describe('echo and cat', () => {
  it('echo opens its file for writing and cat for reading', () => {
    const target = fakeTarget();
    expect(run('echo 8 > /sys/kernel/debug/cma/reserved/alloc\ncat /proc/meminfo\n', target)).toEqual([
      { line: 1, kind: 'write', status: 0, stdout: '', stderr: '' },
      { line: 2, kind: 'output', status: 0, stdout: 'MemTotal: 1 kB\n', stderr: '' },
    ]);
    expect(target.fs.opens).toEqual(['write /sys/kernel/debug/cma/reserved/alloc', 'read /proc/meminfo']);
    expect(target.written).toEqual(['8\n']);
  });
});

describe('dma-heap-alloc', () => {
  it('is an output line with the probe result and one newline, on the machine', () => {
    const target = simTarget();
    expect(run('# probe\ndma-heap-alloc system 4096\ndma-heap-alloc nosuch 4096\n', target)).toEqual([
      { line: 2, kind: 'output', status: 0, stdout: 'ok len=4096 zero=1\n', stderr: '' },
      { line: 3, kind: 'output', status: 1, stdout: 'err ENOENT\n', stderr: '' },
    ]);
  });
});

describe('sim verbs', () => {
  it('a running verb learns the line of its statement', () => {
    const target = fakeTarget();
    const lines = run('sim where\n\n# comment\nsim where\n', target);
    expect(lines).toEqual([
      { line: 1, kind: 'output', status: 0, stdout: 'line=1\n', stderr: '' },
      { line: 4, kind: 'output', status: 0, stdout: 'line=4\n', stderr: '' },
    ]);
    expect(formatTranscript(lines, 'annotated').stdout).toBe('1 line=1\n4 line=4\n');
  });

  it('an empty output stays empty, and output gets exactly one final newline whether or not the verb ended with one', () => {
    const target = fakeTarget();
    const lines = run('sim quiet\nsim lines\nsim bare\n', target);
    expect(lines.map((l) => l.stdout)).toEqual(['', 'a\nb\n', 'a\nb\n']);
    expect(formatTranscript(lines, 'plain')).toEqual({ stdout: 'a\nb\na\nb\n', stderr: '' });
    expect(formatTranscript(lines, 'annotated').stdout).toBe('1\n2 a b\n3 a b\n');
  });
});

describe('statement kinds', () => {
  it('a statement of a kind the runner does not know is a pagelab bug, not a silently skipped line', () => {
    const bogus = { kind: 'pipe', line: 1, source: 'cat /a | cat' } as unknown as Statement;
    expect(() => runTrace([bogus], fakeTarget())).toThrow(AssertionError);
    expect(() => runTrace([bogus], fakeTarget())).toThrow(/^unreachable statement kind: /);
  });
});
