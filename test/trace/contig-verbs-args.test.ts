// The argument checks of the contig verbs (user memory, pins, contig ranges/pages, compact, pageblock, fault): what a trace is rejected with before anything runs.
import { describe, expect, it } from 'vitest';
import { loadTrace } from '../../src/trace/parse.ts';
import { checked } from './contig-verbs-fixtures.ts';
import { simTarget } from './trace-fixtures.ts';

const USAGE: Record<string, string> = {
  'user-map': 'user-map PAGES [GFP] [file] [cpu=N] [as=NAME]',
  'user-unmap': 'user-unmap NAME',
  'user-write': 'user-write NAME SLOT TAG',
  'user-read': 'user-read NAME SLOT',
  'user-info': 'user-info NAME',
  'lru-drain': 'lru-drain [cpu=N]',
  pin: 'pin NAME SLOT [COUNT] [longterm] [as=PIN]',
  unpin: 'unpin PIN',
  'contig-range': 'contig-range PFN_START PFN_END [cma] [fast] [cpu=N] [as=NAME]',
  'contig-pages': 'contig-pages NR [GFP] [fast] [as=NAME]',
  'contig-free': 'contig-free NAME',
  compact: 'compact [ORDER] [GFP]',
  pageblock: 'pageblock PFN',
  fault: 'fault SITE [COUNT]',
};

/** The EINVAL a statement is rejected with: `sim VERB: WHAT (usage: sim USAGE)`. */
function einval(statement: string, what: string): { errno: string; detail: string } {
  const verb = statement.split(' ')[1]!;
  return { errno: 'EINVAL', detail: `sim ${verb}: ${what} (usage: sim ${USAGE[verb]!})` };
}

const HANDLE_RULE = 'a handle is a letter followed by up to 31 letters, digits, _ . -';

describe('user memory verbs reject bad arguments before the trace runs', () => {
  it.each([
    ['sim user-map', 'expected 1..2 arguments (PAGES [GFP] [file]), got 0'],
    ['sim user-map 1 GFP_KERNEL file extra', 'expected 1..2 arguments (PAGES [GFP] [file]), got 3'],
    ['sim user-map x', 'PAGES must be a number, got "x"'],
    ['sim user-map 0', 'PAGES must be in 1..4194304, got 0'],
    ['sim user-map 4 NOPE', 'unknown gfp flag "NOPE" in "NOPE"'],
    ['sim user-map 4 cpu=2', 'cpu= must be in 0..1, got 2'],
    ['sim user-map 4 as=9x', `as=9x: ${HANDLE_RULE}`],
    ['sim user-map 4 pid=3', 'unknown option "pid=" (allowed: cpu, as)'],
    ['sim user-unmap', 'expected one mapping handle, got 0 arguments'],
    ['sim user-unmap a b', 'expected one mapping handle, got 2 arguments'],
    ['sim user-write a 1', 'expected 3 arguments (NAME SLOT TAG), got 2'],
    ['sim user-write a 1 x', 'TAG must be a number, got "x"'],
    ['sim user-write a 1 4294967296', 'TAG must be in 0..4294967295, got 4294967296'],
    ['sim user-read a', 'expected 2 arguments (NAME SLOT), got 1'],
    ['sim user-info a b', 'expected one mapping handle, got 2 arguments'],
    ['sim lru-drain 1', 'lru-drain takes only cpu=N'],
    ['sim lru-drain cpu=2', 'cpu= must be in 0..1, got 2'],
    ['sim lru-drain as=x', 'unknown option "as=" (allowed: cpu)'],
  ])('%s → EINVAL: %s', (statement, what) => {
    expect(checked(statement)).toEqual(einval(statement, what));
  });

  it.each(['sim user-map 4 GFP_KERNEL file cpu=1 as=m', 'sim user-map file 4', 'sim user-write a 0 4294967295', 'sim user-read a 0', 'sim lru-drain', 'sim lru-drain cpu=1'])(
    '%s is accepted',
    (statement) => {
      expect(checked(statement)).toBe('ok');
    },
  );
});

describe('pin verbs reject bad arguments before the trace runs', () => {
  it.each([
    ['sim pin a', 'expected 2..3 arguments (NAME SLOT [COUNT] [longterm]), got 1'],
    ['sim pin a 0 1 2 longterm', 'expected 2..3 arguments (NAME SLOT [COUNT] [longterm]), got 4'],
    ['sim pin a 0 x', 'COUNT must be a number, got "x"'],
    ['sim pin a 0 0', 'COUNT must be in 1..4194304, got 0'],
    ['sim pin a 0 as=-p', `as=-p: ${HANDLE_RULE}`],
    ['sim pin a 0 cpu=1', 'unknown option "cpu=" (allowed: as)'],
    ['sim unpin', 'expected one pin handle, got 0 arguments'],
    ['sim unpin a b', 'expected one pin handle, got 2 arguments'],
  ])('%s → EINVAL: %s', (statement, what) => {
    expect(checked(statement)).toEqual(einval(statement, what));
  });

  it.each(['sim pin a 0', 'sim pin longterm a 0 3 as=p'])('%s is accepted', (statement) => {
    expect(checked(statement)).toBe('ok');
  });
});

describe('contig verbs reject bad arguments before the trace runs', () => {
  it.each([
    ['sim contig-range 1', 'expected 2 arguments (PFN_START PFN_END [cma] [fast]), got 1'],
    ['sim contig-range 0 512 1024 cma', 'expected 2 arguments (PFN_START PFN_END [cma] [fast]), got 3'],
    ['sim contig-range x 5', 'PFN_START must be a number, got "x"'],
    ['sim contig-range 2147483649 5', 'PFN_START must be in 0..2147483648, got 2147483649'],
    ['sim contig-range 5 x', 'PFN_END must be a number, got "x"'],
    ['sim contig-range 5 2147483649', 'PFN_END must be in 0..2147483648, got 2147483649'],
    ['sim contig-range 0 512 cpu=2', 'cpu= must be in 0..1, got 2'],
    ['sim contig-range 0 512 as=1r', `as=1r: ${HANDLE_RULE}`],
    ['sim contig-range 0 512 gfp=1', 'unknown option "gfp=" (allowed: cpu, as)'],
    ['sim contig-pages', 'expected 1..2 arguments (NR [GFP] [fast]), got 0'],
    ['sim contig-pages 1 GFP_KERNEL 3 fast', 'expected 1..2 arguments (NR [GFP] [fast]), got 3'],
    ['sim contig-pages x', 'NR must be a number, got "x"'],
    ['sim contig-pages 0', 'NR must be in 1..4194304, got 0'],
    ['sim contig-pages 4 NOPE', 'unknown gfp flag "NOPE" in "NOPE"'],
    ['sim contig-pages 4 as=.x', `as=.x: ${HANDLE_RULE}`],
    ['sim contig-pages 4 cpu=0', 'unknown option "cpu=" (allowed: as)'],
    ['sim contig-free', 'expected one contig handle, got 0 arguments'],
    ['sim contig-free a b', 'expected one contig handle, got 2 arguments'],
  ])('%s → EINVAL: %s', (statement, what) => {
    expect(checked(statement)).toEqual(einval(statement, what));
  });

  it.each(['sim contig-range fast 0 512', 'sim contig-range 0 512 cma fast cpu=1 as=r', 'sim contig-pages 512 GFP_USER fast as=big', 'sim contig-pages fast 512'])(
    '%s is accepted',
    (statement) => {
      expect(checked(statement)).toBe('ok');
    },
  );
});

describe('compact, pageblock and fault reject bad arguments before the trace runs', () => {
  it.each([
    ['sim compact 1 GFP_KERNEL x', 'expected 0..2 arguments ([ORDER] [GFP]), got 3'],
    ['sim compact x', 'ORDER must be a number, got "x"'],
    ['sim compact 11', 'ORDER must be in 0..10, got 11'],
    ['sim compact 9 NOPE', 'unknown gfp flag "NOPE" in "NOPE"'],
    ['sim pageblock', 'expected one PFN'],
    ['sim pageblock 1 2', 'expected one PFN'],
    ['sim pageblock x', 'PFN must be a number, got "x"'],
    ['sim pageblock 2147483649', 'PFN must be in 0..2147483648, got 2147483649'],
    ['sim fault', 'expected 1..2 arguments (SITE [COUNT]), got 0'],
    ['sim fault migrate 1 2', 'expected 1..2 arguments (SITE [COUNT]), got 3'],
    ['sim fault nosuch', 'unknown fault site "nosuch" (sites: page_alloc, migrate, isolate, transient_pin, fatal_signal)'],
    ['sim fault migrate x', 'COUNT must be a number, got "x"'],
    ['sim fault migrate 1048577', 'COUNT must be in 0..1048576, got 1048577'],
  ])('%s → EINVAL: %s', (statement, what) => {
    expect(checked(statement)).toEqual(einval(statement, what));
  });

  it.each(['sim compact', 'sim compact 0', 'sim compact 10 GFP_KERNEL', 'sim pageblock 0', 'sim fault fatal_signal', 'sim fault page_alloc 0'])('%s is accepted', (statement) => {
    expect(checked(statement)).toBe('ok');
  });

  it('the loader names the file and line of a rejected statement and stops before running anything', () => {
    const target = simTarget();
    const loaded = loadTrace('sim user-map 4 as=app\nsim user-unmap app extra\n', 'bad.trace', target.sim);
    expect(loaded.ok ? 'ok' : loaded.detail).toBe(
      'bad.trace:2: sim user-unmap: expected one mapping handle, got 2 arguments (usage: sim user-unmap NAME): sim user-unmap app extra',
    );
    expect(target.machine.user.list()).toEqual([]);
  });
});
