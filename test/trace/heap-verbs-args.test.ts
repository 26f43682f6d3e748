// Argument checking of the heap, dma-buf, shrinker and pressure sim verbs: what a trace author reads when a statement is rejected before the trace runs, and the edge values that are accepted.
import { describe, expect, it } from 'vitest';
import { checkErrno, heapTarget, rejection } from './heap-verbs-fixtures.ts';
import { runLines, simTarget } from './trace-fixtures.ts';

const HEAP_ALLOC = 'sim heap-alloc HEAP LEN [FD_FLAGS] [as=NAME]';
const BUF_MAP = 'sim buf-map NAME [r|w|rw] [off=PAGE] [pages=N] [as=MAP]';
const BUF_WRITE = 'sim buf-write MAP [off=PAGE] [pages=N]';
const BUF_READ = 'sim buf-read MAP [off=PAGE] [pages=N]';
const BUF_ATTACH = 'sim buf-attach NAME [DEVICE] [as=ATT]';
const PRESSURE = 'sim pressure PAGES [GFP] [kswapd] [order=N]';
const AS_RULE = 'a handle is a letter followed by up to 31 letters, digits, _ . -';

/** The rejection text of `statement` (line 1 of t.trace) for a verb with `usage`; each case also checks the verb's own errno is EINVAL. */
const rejected = (statement: string, detail: string, usage: string): string => {
  const verb = statement.split(' ')[1] as string;
  return `t.trace:1: sim ${verb}: ${detail} (usage: ${usage}): ${statement}`;
};

describe('heap-alloc arguments', () => {
  const cases: readonly (readonly [string, string])[] = [
    ['sim heap-alloc system 4096 foo=1', 'unknown option "foo=" (allowed: as)'],
    ['sim heap-alloc system', 'expected 2..3 arguments (HEAP LEN [FD_FLAGS]), got 1'],
    ['sim heap-alloc system 4096 2 3', 'expected 2..3 arguments (HEAP LEN [FD_FLAGS]), got 4'],
    ['sim heap-alloc system 12Q', 'LEN must be a number (decimal, 0x-hex, optional K/M/G suffix), got "12Q"'],
    ['sim heap-alloc system abc4096', 'LEN must be a number (decimal, 0x-hex, optional K/M/G suffix), got "abc4096"'],
    ['sim heap-alloc system 0x', 'LEN must be a number (decimal, 0x-hex, optional K/M/G suffix), got "0x"'],
    ['sim heap-alloc system 0x10000000000000000', 'LEN 0x10000000000000000 does not fit in 64 bits'],
    ['sim heap-alloc system 18446744073709551616', 'LEN 18446744073709551616 does not fit in 64 bits'],
    ['sim heap-alloc system 17179869184G', 'LEN 17179869184G does not fit in 64 bits'],
    ['sim heap-alloc system 4096 rw', 'FD_FLAGS must be a number, got "rw"'],
    ['sim heap-alloc system 4096 0x100000000', 'FD_FLAGS must be in 0..4294967295, got 0x100000000'],
    ['sim heap-alloc system 4096 as=9lives', `as=9lives: ${AS_RULE}`],
  ];
  for (const [statement, detail] of cases) {
    it(`rejects "${statement}": ${detail}`, () => {
      const t = simTarget();
      expect(rejection(statement, t)).toBe(rejected(statement, detail, HEAP_ALLOC));
      expect(checkErrno(statement, t)).toBe('EINVAL');
    });
  }

  it('takes LEN in hex, with K/M/G suffixes, and up to 2^64 - 1 (which the ioctl then rejects as it wraps to 0)', () => {
    const t = simTarget();
    const out = runLines([
      'sim heap-alloc system 0x1000 as=hex',
      'sim heap-alloc system 0xFf000 as=mixed',
      'sim heap-alloc system 1K as=kib',
      'sim heap-alloc system 2M as=mib',
      'sim heap-alloc system 0xffffffffffffffff',
      'sim heap-alloc system 18446744073709551615',
      'sim heap-alloc system 4096 0 as=ro',
    ], t);
    expect(out.stdout).toEqual([
      '1 ok hex len=4096 chunks=1 orders=0:1',
      '2 ok mixed len=1044480 chunks=30 orders=4:15,0:15',
      '3 ok kib len=4096 chunks=1 orders=0:1',
      '4 ok mib len=2097152 chunks=2 orders=8:2',
      '5 err EINVAL',
      '6 err EINVAL',
      '7 ok ro len=4096 chunks=1 orders=0:1',
    ]);
    expect(out.stderr).toBe('sim heap-alloc: len 18446744073709551615 is 0 after PAGE_ALIGN\n'.repeat(2));
    expect(t.machine.heaps.buffers.live().map((buf) => buf.fdFlags)).toEqual([0x80002, 0x80002, 0x80002, 0x80002, 0]);
  });
});

describe('buffer, mapping and attachment handle arguments', () => {
  const cases: readonly (readonly [string, string, string])[] = [
    ['sim buf-dup b1 foo=1', 'unknown option "foo=" (allowed: as)', 'sim buf-dup NAME [as=NAME2]'],
    ['sim buf-dup b1 b2', 'expected one buffer handle, got 2 arguments', 'sim buf-dup NAME [as=NAME2]'],
    ['sim buf-dup', 'expected one buffer handle, got 0 arguments', 'sim buf-dup NAME [as=NAME2]'],
    ['sim buf-dup b1 as=x/y', `as=x/y: ${AS_RULE}`, 'sim buf-dup NAME [as=NAME2]'],
    ['sim buf-close b1 b2', 'expected one buffer handle, got 2 arguments', 'sim buf-close NAME'],
    ['sim buf-map b1 len=1', 'unknown option "len=" (allowed: off, pages, as)', BUF_MAP],
    ['sim buf-map b1 r w', 'expected 1..2 arguments (NAME [r|w|rw]), got 3', BUF_MAP],
    ['sim buf-map b1 rx', 'access must be r, w or rw, got "rx"', BUF_MAP],
    ['sim buf-map b1 off=x', 'off= must be a number, got "x"', BUF_MAP],
    ['sim buf-map b1 pages=x', 'pages= must be a number, got "x"', BUF_MAP],
    ['sim buf-map b1 as=1m', `as=1m: ${AS_RULE}`, BUF_MAP],
    ['sim buf-unmap m1 m2', 'expected one mapping handle, got 2 arguments', 'sim buf-unmap MAP'],
    ['sim buf-write m1 as=x', 'unknown option "as=" (allowed: off, pages)', BUF_WRITE],
    ['sim buf-read m1 m2', 'expected one mapping handle, got 2 arguments', BUF_READ],
    ['sim buf-write m1 off=-1', 'off= must be a number, got "-1"', BUF_WRITE],
    ['sim buf-read m1 pages=0', 'pages= must be in 1..2147483648, got 0', BUF_READ],
    ['sim buf-attach b1 dev=gpu', 'unknown option "dev=" (allowed: as)', BUF_ATTACH],
    ['sim buf-attach b1 gpu isp', 'expected 1..2 arguments (NAME [DEVICE]), got 3', BUF_ATTACH],
    ['sim buf-attach b1 as=.a', `as=.a: ${AS_RULE}`, BUF_ATTACH],
    ['sim buf-detach a1 a2', 'expected one attachment handle, got 2 arguments', 'sim buf-detach ATT'],
    ['sim buf-stat', 'expected one buffer handle, got 0 arguments', 'sim buf-stat NAME'],
  ];
  for (const [statement, detail, usage] of cases) {
    it(`rejects "${statement}": ${detail}`, () => {
      const t = simTarget();
      expect(rejection(statement, t)).toBe(rejected(statement, detail, usage));
      expect(checkErrno(statement, t)).toBe('EINVAL');
    });
  }
});

describe('pressure, shrink, fatal, pool-stat and heaps arguments', () => {
  const cases: readonly (readonly [string, string, string])[] = [
    ['sim pressure 10 prio=1', 'unknown option "prio=" (allowed: order)', PRESSURE],
    ['sim pressure 10 GFP_KERNEL kswapd extra', 'expected 1..3 arguments (PAGES [GFP] [kswapd]), got 4', PRESSURE],
    ['sim pressure lots', 'PAGES must be a number, got "lots"', PRESSURE],
    ['sim pressure 10 GFP_BOGUS', 'unknown gfp flag "GFP_BOGUS" in "GFP_BOGUS"', PRESSURE],
    ['sim pressure 10 kswapd GFP_BOGUS', 'unknown gfp flag "GFP_BOGUS" in "GFP_BOGUS"', PRESSURE],
    ['sim shrink', 'expected 1..2 arguments ([NAME] PAGES), got 0', 'sim shrink [NAME] PAGES'],
    ['sim shrink dmabuf-page-pool lots', 'PAGES must be a number, got "lots"', 'sim shrink [NAME] PAGES'],
    ['sim fatal 1 2', 'fatal takes at most one number', 'sim fatal [COUNT]'],
    ['sim fatal x', 'COUNT must be a number, got "x"', 'sim fatal [COUNT]'],
    ['sim pool-stat all', 'takes no arguments', 'sim pool-stat'],
    ['sim heaps system', 'takes no arguments', 'sim heaps'],
  ];
  for (const [statement, detail, usage] of cases) {
    it(`rejects "${statement}": ${detail}`, () => {
      const t = heapTarget();
      expect(rejection(statement, t)).toBe(rejected(statement, detail, usage));
      expect(checkErrno(statement, t)).toBe('EINVAL');
    });
  }

  it('fatal arms COUNT more fatal-signal checks (default 1, 0 arms none)', () => {
    const out = runLines(['sim fatal 2', 'sim fatal', 'sim fatal 0'], simTarget());
    expect(out.stdout).toEqual(['1 ok armed=2', '2 ok armed=3', '3 ok armed=3']);
  });
});
