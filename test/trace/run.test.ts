// Trace runner and transcript against a fake target: statuses, busybox stderr texts, joined outputs, failures that do not stop the run, and the sim verb registry.
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/base/assert.ts';
import { err, ok } from '../../src/base/errno.ts';
import { VfsRegistry } from '../../src/sysfs/vfs.ts';
import { loadTrace, parseTrace, type Statement } from '../../src/trace/parse.ts';
import { runTrace, type TraceTarget, type TranscriptLine } from '../../src/trace/run.ts';
import { SimVerbRegistry } from '../../src/trace/sim-verbs.ts';
import { createConfigOnlyTarget } from '../../src/trace/target-factory.ts';
import { annotatedLine, formatTranscript, joinOutputLines, renderTranscript } from '../../src/trace/transcript.ts';
import { defaultMachineConfig } from '../../src/machine/config.ts';

const CMA = '/sys/kernel/debug/cma/reserved';

interface FakeTarget extends TraceTarget {
  readonly allocated: number[];
  readonly heapCalls: string[];
}

function fakeTarget(): FakeTarget {
  const vfs = new VfsRegistry();
  const allocated: number[] = [];
  const heapCalls: string[] = [];
  vfs.registerFile(`${CMA}/alloc`, {
    write: (text) => {
      const pages = Number(text.trim());
      if (pages > 100) return err('ENOMEM', 'cma_alloc failed');
      allocated.push(pages);
      return ok(undefined);
    },
  });
  vfs.registerFile(`${CMA}/used`, { read: () => ok(`${allocated.reduce((a, b) => a + b, 0)}\n`) });
  vfs.registerFile(`${CMA}/count`, { read: () => ok('4096\n') });
  vfs.registerFile(`${CMA}/bitmap`, { read: () => ok('7 0 0\n'), flavor: 'fops' });
  vfs.registerFile('/proc/buddyinfo', { read: () => ok('Node 0, zone   Normal      1      2 \nNode 0, zone  Movable      0      3 \n') });
  const sim = new SimVerbRegistry();
  sim.register({
    verb: 'tick',
    usage: 'tick NS',
    summary: 'advances the virtual clock by NS nanoseconds',
    parseArgs: (args) => (args.length === 1 ? ok(Number(args[0])) : err('EINVAL', 'expected NS')),
    run: (ns) => (ns > 1000 ? err('EINVAL', 'too far') : ok(`now=${ns}\nqueued=0`)),
  });
  const dmaHeapAlloc = (heap: string, lenBytes: bigint, fdFlags: number, heapFlags: bigint): string => {
    heapCalls.push(`${heap} ${lenBytes} ${fdFlags} ${heapFlags}`);
    return heap === 'system' ? `ok len=${lenBytes} zero=1` : 'err ENOENT';
  };
  return { vfs, sim, dmaHeapAlloc, allocated, heapCalls };
}

function statements(text: string, target: TraceTarget): Statement[] {
  const loaded = loadTrace(text, 't.trace', target.sim);
  if (!loaded.ok) throw new Error(loaded.detail);
  return loaded.value;
}

function run(text: string, target: TraceTarget = fakeTarget()): TranscriptLine[] {
  return runTrace(statements(text, target), target);
}

describe('writes', () => {
  it('report rc=0 and reach the file', () => {
    const target = fakeTarget();
    expect(run(`echo 16 > ${CMA}/alloc\n`, target)).toEqual([{ line: 1, kind: 'write', status: 0, stdout: '', stderr: '' }]);
    expect(target.allocated).toEqual([16]);
  });

  it('a failing write reports rc=1 and busybox "write error" with strerror', () => {
    expect(run(`echo 500 > ${CMA}/alloc\n`)).toEqual([
      { line: 1, kind: 'write', status: 1, stdout: '', stderr: 'sh: write error: Cannot allocate memory\n' },
    ]);
  });

  it('writing a read-only attribute is EACCES, a read-only fops file EINVAL', () => {
    const lines = run(`echo 1 > ${CMA}/used\necho 1 > ${CMA}/bitmap\n`);
    expect(lines.map((l) => l.stderr)).toEqual(['sh: write error: Permission denied\n', 'sh: write error: Invalid argument\n']);
  });

  it('a failing open reports busybox "can\'t create" (ENOENT reads "nonexistent directory")', () => {
    const lines = run('echo 1 > /sys/kernel/debug/cma/other/alloc\necho 1 > /sys/kernel/debug/cma/reserved/nosuch\n');
    expect(lines.map((l) => [l.status, l.stderr])).toEqual([
      [1, "sh: can't create /sys/kernel/debug/cma/other/alloc: nonexistent directory\n"],
      [1, "sh: can't create /sys/kernel/debug/cma/reserved/nosuch: Permission denied\n"],
    ]);
  });
});

describe('reads', () => {
  it('print the file; several files concatenate', () => {
    expect(run(`cat ${CMA}/count ${CMA}/used\n`)).toEqual([{ line: 1, kind: 'output', status: 0, stdout: '4096\n0\n', stderr: '' }]);
  });

  it('a missing file or a write-only file fails with cat\'s messages and cat goes on', () => {
    expect(run(`cat /proc/nosuch ${CMA}/alloc ${CMA}/count\n`)).toEqual([{
      line: 1, kind: 'output', status: 1, stdout: '4096\n',
      stderr: "cat: can't open '/proc/nosuch': No such file or directory\ncat: read error: Permission denied\n",
    }]);
  });
});

describe('commands', () => {
  it('dma-heap-alloc passes its arguments and prints one line', () => {
    const target = fakeTarget();
    const lines = run('dma-heap-alloc system 4096\ndma-heap-alloc nosuch 0x1000 0 1\n', target);
    expect(target.heapCalls).toEqual(['system 4096 524290 0', 'nosuch 4096 0 1']);
    expect(lines.map((l) => [l.status, l.stdout])).toEqual([[0, 'ok len=4096 zero=1\n'], [1, 'err ENOENT\n']]);
  });

  it('sim verbs print their output; a failure prints err ERRNO and the detail on stderr', () => {
    expect(run('sim tick 5\nsim tick 5000\n')).toEqual([
      { line: 1, kind: 'output', status: 0, stdout: 'now=5\nqueued=0\n', stderr: '' },
      { line: 2, kind: 'output', status: 1, stdout: 'err EINVAL\n', stderr: 'sim tick: too far\n' },
    ]);
  });

  it('sim help lists every verb with its usage, or one verb', () => {
    const [all, one] = run('sim help\nsim help tick\n');
    expect(all?.stdout).toBe(
      'sim help [VERB]: lists every sim verb with its usage, or describes one verb\n' +
      'sim tick NS: advances the virtual clock by NS nanoseconds\n');
    expect(one?.stdout).toBe('sim tick NS: advances the virtual clock by NS nanoseconds\n');
  });
});

describe('a run', () => {
  const TRACE = [
    '# allocate, fail, read back',
    `echo 16 > ${CMA}/alloc`,
    `echo 500 > ${CMA}/alloc`,
    '',
    `cat ${CMA}/used`,
    'cat /proc/buddyinfo',
    'dma-heap-alloc system 4096',
    `cat ${CMA}/alloc`,
    'sim tick 7',
  ].join('\n');

  it('does not stop at failures and numbers lines by the file', () => {
    const lines = run(TRACE);
    expect(lines.map((l) => l.line)).toEqual([2, 3, 5, 6, 7, 8, 9]);
    expect(formatTranscript(lines, 'annotated')).toEqual({
      stdout: [
        '2 rc=0',
        '3 rc=1',
        '5 16',
        '6 Node 0, zone   Normal      1      2  Node 0, zone  Movable      0      3',
        '7 ok len=4096 zero=1',
        '8',
        '9 now=7 queued=0',
        '',
      ].join('\n'),
      stderr: 'sh: write error: Cannot allocate memory\ncat: read error: Permission denied\n',
    });
  });

  it('plain mode prints what the shell prints', () => {
    expect(formatTranscript(run(TRACE), 'plain')).toEqual({
      stdout: '16\nNode 0, zone   Normal      1      2 \nNode 0, zone  Movable      0      3 \nok len=4096 zero=1\nnow=7\nqueued=0\n',
      stderr: 'sh: write error: Cannot allocate memory\ncat: read error: Permission denied\n',
    });
  });

  it('renders chunks in statement order across both streams', () => {
    const chunks = renderTranscript(run(`echo 500 > ${CMA}/alloc\ncat ${CMA}/count\n`), 'annotated');
    expect(chunks).toEqual([
      { stream: 'stdout', text: '1 rc=1\n' },
      { stream: 'stderr', text: 'sh: write error: Cannot allocate memory\n' },
      { stream: 'stdout', text: '2 4096\n' },
    ]);
  });
});

describe('transcript helpers', () => {
  it('joinOutputLines drops the final newline and joins lines with single spaces', () => {
    expect(joinOutputLines('71 0\n0 0\n')).toBe('71 0 0 0');
    expect(joinOutputLines('no newline')).toBe('no newline');
    expect(joinOutputLines('')).toBe('');
  });

  it('annotatedLine shows an empty output as the bare line number', () => {
    expect(annotatedLine({ line: 4, kind: 'output', status: 1, stdout: '', stderr: 'x\n' })).toBe('4');
    expect(annotatedLine({ line: 3, kind: 'write', status: 0, stdout: '', stderr: '' })).toBe('3 rc=0');
  });
});

describe('SimVerbRegistry', () => {
  it('rejects malformed or repeated verbs (programmer errors)', () => {
    const verbs = new SimVerbRegistry();
    const verb = { verb: 'x', usage: 'x', summary: 's', parseArgs: () => ok(0), run: () => ok('') };
    verbs.register(verb);
    expect(() => verbs.register(verb)).toThrow(AssertionError);
    expect(() => verbs.register({ ...verb, verb: 'Bad' , usage: 'Bad' })).toThrow(AssertionError);
    expect(() => verbs.register({ ...verb, verb: 'y', usage: 'z y' })).toThrow(AssertionError);
    expect(verbs.has('x')).toBe(true);
    expect(verbs.list().map((v) => v.verb)).toEqual(['help', 'x']);
  });

  it('running an unchecked statement is a programmer error', () => {
    const target = fakeTarget();
    const parsed = parseTrace('sim tick\nsim nosuch\n', 't.trace');
    const [bad, unknown] = parsed.ok ? parsed.value : [];
    expect(() => runTrace([bad as Statement], target)).toThrow(AssertionError);
    expect(() => runTrace([unknown as Statement], target)).toThrow(AssertionError);
  });
});

describe('createConfigOnlyTarget', () => {
  it('has no files, no heaps, and only sim help', () => {
    const config = defaultMachineConfig({ memBytes: 64 * 2 ** 20, cmdline: '' });
    const target = config.ok ? createConfigOnlyTarget(config.value, 'seed') : undefined;
    if (target === undefined || !target.ok) throw new Error('no target');
    const lines = run('cat /proc/meminfo\necho 1 > /sys/kernel/debug/cma/reserved/alloc\ndma-heap-alloc system 4096\nsim help\n', target.value);
    expect(formatTranscript(lines, 'annotated').stdout).toBe(
      '1\n2 rc=1\n3 err ENOENT\n4 sim help [VERB]: lists every sim verb with its usage, or describes one verb\n');
  });
});
