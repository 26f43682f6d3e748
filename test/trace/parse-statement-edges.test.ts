// Trace parser, statement level: echo option words, every cat path checked, dma-heap-alloc HEAP and HEAP_FLAGS, sim redirections, CRLF and blank lines, and the EINVAL errno and trimmed text of parse errors.
import { describe, expect, it } from 'vitest';
import { err, ok } from '../../src/base/errno.ts';
import { parseTrace, parseUnsigned } from '../../src/trace/parse.ts';

describe('echo options (busybox: an option word is "-" followed only by n, e, E)', () => {
  it.each([
    ['echo -nx > /a', '-nx\n'],
    ['echo a-n > /a', 'a-n\n'],
    ['echo -n -nx > /a', '-nx'],
    ['echo - > /a', '-\n'],
  ])('%s prints the word, since it is not an option', (line, data) => {
    expect(parseTrace(line, 't.trace')).toEqual(ok([{ kind: 'echo', line: 1, source: line, path: '/a', data }]));
  });

  it.each(['-ee', '-nE', '-En'])('echo %s is an option pagelab does not support', (option) => {
    expect(parseTrace(`echo ${option} 1 > /a`, 't.trace')).toEqual(
      err('EINVAL', `t.trace:1: echo ${option} is not supported (only -n): echo ${option} 1 > /a`));
  });
});

describe('cat checks every path', () => {
  it('a relative path after an absolute one is still an error naming it', () => {
    expect(parseTrace('cat /proc/meminfo proc/buddyinfo', 't.trace')).toEqual(
      err('EINVAL', 't.trace:1: path "proc/buddyinfo" is relative; trace paths must start with /: cat /proc/meminfo proc/buddyinfo'));
  });
});

describe('dma-heap-alloc', () => {
  it('HEAP is one name: a slash anywhere in it is refused', () => {
    expect(parseTrace('dma-heap-alloc sys/tem 4096', 't.trace')).toEqual(
      err('EINVAL', 't.trace:1: HEAP is a heap name such as "system" (got "sys/tem"): dma-heap-alloc sys/tem 4096'));
  });

  it('a bad HEAP_FLAGS is named as HEAP_FLAGS', () => {
    expect(parseTrace('dma-heap-alloc system 4096 0x80002 x', 't.trace')).toEqual(
      err('EINVAL', 't.trace:1: HEAP_FLAGS must be a decimal or 0x-hex number without leading zeros (got "x"): dma-heap-alloc system 4096 0x80002 x'));
    expect(parseTrace('dma-heap-alloc system 4096 0 0x10000000000000000', 't.trace')).toEqual(
      err('EINVAL', 't.trace:1: HEAP_FLAGS 0x10000000000000000 does not fit in u64: dma-heap-alloc system 4096 0 0x10000000000000000'));
  });

  it('parseUnsigned refuses leading zeros with EINVAL (strtoul would read them as octal)', () => {
    expect(parseUnsigned('010', 0xffn, 'LEN')).toEqual(err('EINVAL', 'LEN must be a decimal or 0x-hex number without leading zeros (got "010")'));
  });
});

describe('sim', () => {
  it('sim output cannot be redirected', () => {
    expect(parseTrace('sim help > /a', 't.trace')).toEqual(err('EINVAL', 't.trace:1: sim output cannot be redirected in a trace: sim help > /a'));
  });
});

describe('lines', () => {
  it('a CRLF line ending is not part of the last word', () => {
    expect(parseTrace('cat /proc/meminfo\r\necho 1 > /a\r\n', 't.trace')).toEqual(ok([
      { kind: 'cat', line: 1, source: 'cat /proc/meminfo', paths: ['/proc/meminfo'] },
      { kind: 'echo', line: 2, source: 'echo 1 > /a', path: '/a', data: '1\n' },
    ]));
  });

  it('a last line without a final newline is parsed, even after a blank line', () => {
    expect(parseTrace('cat /a\n\ncat /b', 't.trace')).toEqual(ok([
      { kind: 'cat', line: 1, source: 'cat /a', paths: ['/a'] },
      { kind: 'cat', line: 3, source: 'cat /b', paths: ['/b'] },
    ]));
  });

  it('a parse error is EINVAL and quotes the line without its surrounding blanks', () => {
    expect(parseTrace('echo 1 > /a\n   frob  \t\r\n', 't.trace')).toEqual(
      err('EINVAL', 't.trace:2: unknown command "frob" (expected echo, cat, dma-heap-alloc or sim): frob'));
  });
});
