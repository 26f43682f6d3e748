// Trace parser: every statement form, sh quoting, line numbering with comments and blank lines, and parse errors naming the line.
import { describe, expect, it } from 'vitest';
import { err, ok } from '../../src/base/errno.ts';
import {
  checkSimStatements, DEFAULT_DMA_HEAP_FD_FLAGS, loadTrace, parseTrace, parseUnsigned, type Statement,
} from '../../src/trace/parse.ts';
import { SimVerbRegistry } from '../../src/trace/sim-verbs.ts';

const ALLOC = '/sys/kernel/debug/cma/reserved/alloc';

function parseOne(line: string): Statement {
  const result = parseTrace(line, 't.trace');
  if (!result.ok) throw new Error(result.detail);
  expect(result.value).toHaveLength(1);
  return result.value[0] as Statement;
}

function parseError(text: string): string {
  const result = parseTrace(text, 't.trace');
  expect(result.ok).toBe(false);
  return result.ok ? '' : result.detail;
}

describe('echo', () => {
  it.each([
    [`echo 16 > ${ALLOC}`, '16\n'],
    [`echo "16" >${ALLOC}`, '16\n'],
    [`echo '16'>${ALLOC}`, '16\n'],
    [`   echo   16    >    ${ALLOC}   `, '16\n'],
    [`\techo 16 1> ${ALLOC}`, '16\n'],
    [`echo >${ALLOC} 16`, '16\n'],
    [`echo 16 >> ${ALLOC}`, '16\n'],
    [`echo 16 >| ${ALLOC}`, '16\n'],
    [`echo -n 16 > ${ALLOC}`, '16'],
    [`echo 1 2 > ${ALLOC}`, '1 2\n'],
    [`echo > ${ALLOC}`, '\n'],
    [`echo a\\ b > ${ALLOC}`, 'a b\n'],
    [`echo "a\\"b\\\\c\\d" > ${ALLOC}`, 'a"b\\c\\d\n'],
    [`echo 'a "b" $c' > ${ALLOC}`, 'a "b" $c\n'],
    [`echo a#b > ${ALLOC} # a comment`, 'a#b\n'],
  ])('%s', (line, data) => {
    expect(parseOne(line)).toEqual({ kind: 'echo', line: 1, source: line.trim(), path: ALLOC, data });
  });

  it('quoted paths are paths', () => {
    expect(parseOne(`echo 1 > "${ALLOC}"`)).toMatchObject({ path: ALLOC });
  });
});

describe('cat', () => {
  it('takes one or more absolute paths', () => {
    expect(parseOne('cat /proc/meminfo')).toEqual({ kind: 'cat', line: 1, source: 'cat /proc/meminfo', paths: ['/proc/meminfo'] });
    expect(parseOne('cat /proc/buddyinfo  /sys/kernel/debug/cma/reserved/used')).toMatchObject({
      paths: ['/proc/buddyinfo', '/sys/kernel/debug/cma/reserved/used'],
    });
  });
});

describe('dma-heap-alloc', () => {
  it('defaults FD_FLAGS to O_RDWR|O_CLOEXEC and HEAP_FLAGS to 0', () => {
    expect(parseOne('dma-heap-alloc system 4096')).toEqual({
      kind: 'dma-heap-alloc', line: 1, source: 'dma-heap-alloc system 4096',
      heap: 'system', lenBytes: 4096n, fdFlags: DEFAULT_DMA_HEAP_FD_FLAGS, heapFlags: 0n,
    });
    expect(DEFAULT_DMA_HEAP_FD_FLAGS).toBe(0x80002);
  });

  it('reads decimal and hex, LEN and HEAP_FLAGS as u64 bigints', () => {
    expect(parseOne('dma-heap-alloc reserved 0x100000 0x2 0xffffffffffffffff')).toMatchObject({
      heap: 'reserved', lenBytes: 0x100000n, fdFlags: 2, heapFlags: 0xffff_ffff_ffff_ffffn,
    });
    expect(parseOne('dma-heap-alloc system 18446744073709551615 0')).toMatchObject({ lenBytes: 18446744073709551615n, fdFlags: 0 });
    expect(parseOne('dma-heap-alloc system 0')).toMatchObject({ lenBytes: 0n });
  });

  it.each([
    ['dma-heap-alloc system', 't.trace:1: usage: dma-heap-alloc HEAP LEN [FD_FLAGS [HEAP_FLAGS]]: dma-heap-alloc system'],
    ['dma-heap-alloc system 1 2 3 4', 't.trace:1: usage: dma-heap-alloc HEAP LEN [FD_FLAGS [HEAP_FLAGS]]: dma-heap-alloc system 1 2 3 4'],
    ['dma-heap-alloc system 18446744073709551616', 't.trace:1: LEN 18446744073709551616 does not fit in u64: dma-heap-alloc system 18446744073709551616'],
    ['dma-heap-alloc system 1 0x100000000', 't.trace:1: FD_FLAGS 0x100000000 does not fit in u32: dma-heap-alloc system 1 0x100000000'],
    ['dma-heap-alloc system 010', 't.trace:1: LEN must be a decimal or 0x-hex number without leading zeros (got "010"): dma-heap-alloc system 010'],
    ['dma-heap-alloc system -1', 't.trace:1: LEN must be a decimal or 0x-hex number without leading zeros (got "-1"): dma-heap-alloc system -1'],
    ['dma-heap-alloc /dev/dma_heap/system 1', 't.trace:1: HEAP is a heap name such as "system" (got "/dev/dma_heap/system"): dma-heap-alloc /dev/dma_heap/system 1'],
    ['dma-heap-alloc system 1 > /tmp/x', 't.trace:1: dma-heap-alloc output cannot be redirected in a trace: dma-heap-alloc system 1 > /tmp/x'],
  ])('%s', (line, message) => {
    expect(parseError(line)).toBe(message);
  });

  it('parseUnsigned returns ERANGE above the limit', () => {
    expect(parseUnsigned('0x10', 15n, 'X')).toMatchObject({ ok: false, errno: 'ERANGE' });
    expect(parseUnsigned('0XfF', 255n, 'X')).toEqual(ok(255n));
  });
});

describe('sim', () => {
  it('keeps the verb and arguments generic', () => {
    expect(parseOne("sim cma-alloc reserved 16 'a b'")).toEqual({
      kind: 'sim', line: 1, source: "sim cma-alloc reserved 16 'a b'", verb: 'cma-alloc', args: ['reserved', '16', 'a b'],
    });
  });
});

describe('lines', () => {
  it('counts blank and comment lines and strips CR', () => {
    const result = parseTrace('# header\n\necho 1 > /a\r\n   \n  # indented comment\ncat /b\n', 't.trace');
    expect(result.ok && result.value.map((s) => [s.kind, s.line])).toEqual([['echo', 3], ['cat', 6]]);
  });

  it('an empty trace has no statements', () => {
    expect(parseTrace('', 't.trace')).toEqual(ok([]));
    expect(parseTrace('\n# only a comment\n', 't.trace')).toEqual(ok([]));
  });
});

describe('parse errors name the file, the line and the text', () => {
  it.each([
    ['ls /sys', 't.trace:3: unknown command "ls" (expected echo, cat, dma-heap-alloc or sim): ls /sys'],
    [`echo 16>${ALLOC}`, `t.trace:3: "16>" redirects file descriptor 16; to write 16, put a space before >: echo 16 > PATH: echo 16>${ALLOC}`],
    [`echo 1 2>${ALLOC}`, `t.trace:3: "2>" redirects file descriptor 2: echo 1 2>${ALLOC}`],
    ['echo 16 > sys/alloc', 't.trace:3: path "sys/alloc" is relative; trace paths must start with /: echo 16 > sys/alloc'],
    ['echo 16', 't.trace:3: echo without "> PATH" only prints; write "echo N > PATH": echo 16'],
    [`echo -e 16 > ${ALLOC}`, `t.trace:3: echo -e is not supported (only -n): echo -e 16 > ${ALLOC}`],
    ['echo 1 > /a > /b', 't.trace:3: only one output redirection per statement: echo 1 > /a > /b'],
    ['echo 1 >', 't.trace:3: > needs a file name: echo 1 >'],
    ['echo 1 >&2', 't.trace:3: descriptor duplication (>&) is not supported: echo 1 >&2'],
    ['cat /sys/kernel/debug/cma/*/used', 't.trace:3: glob patterns (* ? [) are not supported; name each file: cat /sys/kernel/debug/cma/*/used'],
    ['cat /sys/kernel/debug/cma/reserved/{used,count}', 't.trace:3: brace lists ({a,b}) are not expanded by sh; name each file: cat /sys/kernel/debug/cma/reserved/{used,count}'],
    ['cat $FILE', 't.trace:3: $ expansions are not supported; write the value out: cat $FILE'],
    ['echo "$N" > /a', 't.trace:3: $ expansions are not supported; write the value out: echo "$N" > /a'],
    ['cat ~/x', 't.trace:3: ~ expansion is not supported; write the path out: cat ~/x'],
    ['cat /a | cat', 't.trace:3: pipes (|) are not supported; one command per line: cat /a | cat'],
    ['cat /a; cat /b', 't.trace:3: ; is not supported; one command per line: cat /a; cat /b'],
    ['cat < /a', 't.trace:3: input redirection (<) is not supported: cat < /a'],
    ["echo 'x > /a", "t.trace:3: unterminated ' quote: echo 'x > /a"],
    ['echo "x > /a', 't.trace:3: unterminated " quote: echo "x > /a'],
    ['echo 1 > /a \\', 't.trace:3: line continuation (\\ at the end of a line) is not supported: echo 1 > /a \\'],
    ['cat', 't.trace:3: cat needs at least one file (it would read stdin): cat'],
    ['cat -A /proc/meminfo', 't.trace:3: cat options (-A) are not supported: cat -A /proc/meminfo'],
    ['cat /a > /b', 't.trace:3: cat output cannot be redirected in a trace: cat /a > /b'],
    ['sim', 't.trace:3: sim needs a verb (sim help lists them): sim'],
    ['> /a', 't.trace:3: expected a command (echo, cat, dma-heap-alloc or sim): > /a'],
  ])('%s', (line, message) => {
    expect(parseError(`echo 1 > /ok\n# two\n${line}\necho 1 > /after\n`)).toBe(message);
  });

  it('the first bad line wins', () => {
    expect(parseError('frob\nls\n')).toBe('t.trace:1: unknown command "frob" (expected echo, cat, dma-heap-alloc or sim): frob');
  });
});

describe('checkSimStatements and loadTrace', () => {
  function registry(): SimVerbRegistry {
    const verbs = new SimVerbRegistry();
    verbs.register({
      verb: 'tick',
      usage: 'tick NS',
      summary: 'advances the clock',
      parseArgs: (args) => (args.length === 1 && /^[0-9]+$/.test(args[0] ?? '') ? ok(Number(args[0])) : err('EINVAL', 'NS must be a number')),
      run: (ns) => ok(`now ${ns}`),
    });
    return verbs;
  }

  it('accepts known verbs with good arguments', () => {
    expect(loadTrace('sim tick 5\nsim help\nsim help tick\n', 't.trace', registry()).ok).toBe(true);
  });

  it('an unknown verb is an error naming the line', () => {
    expect(loadTrace('echo 1 > /a\nsim frob 1\n', 't.trace', registry())).toEqual(
      err('EINVAL', 't.trace:2: unknown sim verb "frob" (sim help lists them: help, tick): sim frob 1'));
  });

  it('bad arguments are an error naming the line and the usage', () => {
    const parsed = parseTrace('sim tick soon', 't.trace');
    expect(parsed.ok && checkSimStatements(parsed.value, registry(), 't.trace')).toEqual(
      err('EINVAL', 't.trace:1: sim tick: NS must be a number (usage: sim tick NS): sim tick soon'));
    expect(loadTrace('sim help frob', 't.trace', registry())).toEqual(
      err('EINVAL', 't.trace:1: sim help: no verb named "frob" (known: help, tick) (usage: sim help [VERB]): sim help frob'));
  });

  it('syntax errors come before verb checks', () => {
    expect(loadTrace('sim frob\nls\n', 't.trace', registry())).toMatchObject({ ok: false, detail: expect.stringMatching(/^t\.trace:2: /) });
  });
});
