// Trace parser, word level: how a line splits into sh words and redirections (tabs, quoting, fd-number redirects, ~ and ` inside words), checked against what busybox sh would do with the same line.
import { describe, expect, it } from 'vitest';
import { err, ok } from '../../src/base/errno.ts';
import { parseTrace } from '../../src/trace/parse.ts';

describe('words are separated by blanks, tabs included', () => {
  it('a line whose words are separated by tabs parses like one with spaces', () => {
    expect(parseTrace('echo\t16\t>\t/sys/kernel/debug/cma/reserved/alloc', 't.trace')).toEqual(ok([
      { kind: 'echo', line: 1, source: 'echo\t16\t>\t/sys/kernel/debug/cma/reserved/alloc', path: '/sys/kernel/debug/cma/reserved/alloc', data: '16\n' },
    ]));
  });

  it('cat takes tab-separated paths', () => {
    expect(parseTrace('cat\t/proc/meminfo\t/proc/buddyinfo', 't.trace')).toEqual(ok([
      { kind: 'cat', line: 1, source: 'cat\t/proc/meminfo\t/proc/buddyinfo', paths: ['/proc/meminfo', '/proc/buddyinfo'] },
    ]));
  });
});

describe('only an unquoted all-digit word right before > names a file descriptor', () => {
  it.each([
    ['echo a1>/a', 'a1\n'],
    ['echo 1a>/a', '1a\n'],
    ['echo x2y>/a', 'x2y\n'],
  ])('%s writes the word itself to the file', (line, data) => {
    expect(parseTrace(line, 't.trace')).toEqual(ok([{ kind: 'echo', line: 1, source: line, path: '/a', data }]));
  });

  it.each([
    ['echo \\2>/a', '2\n'],
    ['echo "2">/a', '2\n'],
    ["echo '2'>/a", '2\n'],
    ['echo 1\\6>/a', '16\n'],
  ])('%s: a quoted or escaped digit is data, not a descriptor', (line, data) => {
    expect(parseTrace(line, 't.trace')).toEqual(ok([{ kind: 'echo', line: 1, source: line, path: '/a', data }]));
  });

  it('the unquoted 2> of the same line redirects stderr and is refused', () => {
    expect(parseTrace('echo 2>/a', 't.trace')).toEqual(err('EINVAL', 't.trace:1: "2>" redirects file descriptor 2: echo 2>/a'));
  });
});

describe('~ and ` inside words', () => {
  it('~ inside a word is an ordinary character (sh expands it only at the start of a word)', () => {
    expect(parseTrace('echo a~b > /a', 't.trace')).toEqual(ok([{ kind: 'echo', line: 1, source: 'echo a~b > /a', path: '/a', data: 'a~b\n' }]));
    expect(parseTrace('cat /tmp/x~', 't.trace')).toEqual(ok([{ kind: 'cat', line: 1, source: 'cat /tmp/x~', paths: ['/tmp/x~'] }]));
  });

  it('a backquote inside double quotes is command substitution and is refused', () => {
    expect(parseTrace('echo "`date`" > /a', 't.trace')).toEqual(
      err('EINVAL', 't.trace:1: command substitution (`) is not supported: echo "`date`" > /a'));
  });

  it('an escaped backquote inside double quotes is a literal backquote', () => {
    expect(parseTrace('echo "a\\`b" > /a', 't.trace')).toEqual(ok([{ kind: 'echo', line: 1, source: 'echo "a\\`b" > /a', path: '/a', data: 'a`b\n' }]));
  });
});

describe('redirection targets', () => {
  it('"> >" with a blank between is two redirections, and the first has no file name', () => {
    expect(parseTrace('echo 1 > > /a', 't.trace')).toEqual(err('EINVAL', 't.trace:1: > needs a file name: echo 1 > > /a'));
  });
});
