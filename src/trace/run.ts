// Runs parsed trace statements against a target (the machine, or anything that offers files, dma-heap allocation and sim verbs), producing what a busybox shell would print for each.
//
// Like `sh` without `-e`, a failing statement does not stop the run. What gets printed:
// - echo ... > PATH: nothing on stdout; status 0, or 1 on failure with busybox's message on stderr:
//   `sh: can't create PATH: STRERROR` when open(2) fails (ash's openredirect(); ENOENT reads
//   "nonexistent directory" there) and `sh: write error: STRERROR` when write(2) fails (echo).
// - cat PATH...: the files' contents concatenated; a file that cannot be opened or read adds
//   `cat: can't open 'PATH': STRERROR` or `cat: read error: STRERROR` to stderr, makes the status 1,
//   and cat goes on with the next file.
// - dma-heap-alloc: the target's one-line result; status 0 when it starts with "ok".
// - sim VERB: the verb's output; on failure `err ERRNO` on stdout and `sim VERB: DETAIL` on stderr.
import { strerror, type Errno } from '../base/errno.ts';
import { unreachable } from '../base/assert.ts';
import type { VirtualFs } from '../sysfs/vfs.ts';
import type { CatStatement, DmaHeapAllocStatement, EchoStatement, SimStatement, Statement } from './parse.ts';
import type { SimVerbRegistry } from './sim-verbs.ts';

/** What a trace runs against. The machine implements it; tests use fakes. */
export interface TraceTarget {
  /** The files `echo` and `cat` reach (debugfs, procfs, /dev). */
  readonly vfs: VirtualFs;
  /**
   * Allocates one dma-buf from /dev/dma_heap/HEAP, maps it, checks it is zero, releases it; returns
   * the printed result: `ok len=BYTES zero=1|0`, `ok len=BYTES mmap=ERRNO` or `err ERRNO` (TRACE.md).
   */
  dmaHeapAlloc(heap: string, lenBytes: bigint, fdFlags: number, heapFlags: bigint): string;
  /** The `sim` verbs this target offers. */
  readonly sim: SimVerbRegistry;
}

/** The result of one statement, in statement order. */
export interface TranscriptLine {
  /** 1-based line of the statement in the trace file. */
  readonly line: number;
  /** 'write' for `echo ... > FILE` (annotated as rc=STATUS), 'output' for everything else. */
  readonly kind: 'write' | 'output';
  /** The exit status a shell would see ($?). */
  readonly status: number;
  /** Exactly what the statement prints on stdout. */
  readonly stdout: string;
  /** Exactly what it prints on stderr (each message ends with "\n"). */
  readonly stderr: string;
}

/** ash's errmsg(): ENOENT (and ENOTDIR) read "nonexistent directory" in "can't create". */
function createErrorText(errno: Errno): string {
  return errno === 'ENOENT' ? 'nonexistent directory' : strerror(errno);
}

function runEcho(statement: EchoStatement, vfs: VirtualFs): TranscriptLine {
  const base = { line: statement.line, kind: 'write', stdout: '' } as const;
  const opened = vfs.open(statement.path, 'write');
  if (!opened.ok) {
    return { ...base, status: 1, stderr: `sh: can't create ${statement.path}: ${createErrorText(opened.errno)}\n` };
  }
  const written = vfs.write(statement.path, statement.data);
  if (!written.ok) return { ...base, status: 1, stderr: `sh: write error: ${strerror(written.errno)}\n` };
  return { ...base, status: 0, stderr: '' };
}

function runCat(statement: CatStatement, vfs: VirtualFs): TranscriptLine {
  let stdout = '';
  let stderr = '';
  for (const path of statement.paths) {
    const opened = vfs.open(path, 'read');
    if (!opened.ok) {
      stderr += `cat: can't open '${path}': ${strerror(opened.errno)}\n`;
      continue;
    }
    const content = vfs.read(path);
    if (content.ok) stdout += content.value;
    else stderr += `cat: read error: ${strerror(content.errno)}\n`;
  }
  return { line: statement.line, kind: 'output', status: stderr === '' ? 0 : 1, stdout, stderr };
}

function runDmaHeapAlloc(statement: DmaHeapAllocStatement, target: TraceTarget): TranscriptLine {
  const result = target.dmaHeapAlloc(statement.heap, statement.lenBytes, statement.fdFlags, statement.heapFlags);
  const status = result.startsWith('ok') ? 0 : 1;
  return { line: statement.line, kind: 'output', status, stdout: `${result}\n`, stderr: '' };
}

function runSim(statement: SimStatement, verbs: SimVerbRegistry): TranscriptLine {
  const base = { line: statement.line, kind: 'output' } as const;
  const result = verbs.invoke(statement.verb, statement.args, { line: statement.line });
  if (!result.ok) {
    return { ...base, status: 1, stdout: `err ${result.errno}\n`, stderr: `sim ${statement.verb}: ${result.detail}\n` };
  }
  const stdout = result.value === '' || result.value.endsWith('\n') ? result.value : `${result.value}\n`;
  return { ...base, status: 0, stdout, stderr: '' };
}

function runStatement(statement: Statement, target: TraceTarget): TranscriptLine {
  switch (statement.kind) {
    case 'echo': return runEcho(statement, target.vfs);
    case 'cat': return runCat(statement, target.vfs);
    case 'dma-heap-alloc': return runDmaHeapAlloc(statement, target);
    case 'sim': return runSim(statement, target.sim);
    default: return unreachable(statement, 'statement kind');
  }
}

/**
 * Runs every statement in order against `target` and returns one transcript line per statement.
 * Statements must come from loadTrace (sim arguments already checked); failures never stop the run.
 */
export function runTrace(statements: readonly Statement[], target: TraceTarget): TranscriptLine[] {
  return statements.map((statement) => runStatement(statement, target));
}
