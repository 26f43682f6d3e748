// What the memory-hog sim verbs (hog-grow, hog-shrink, hog-release, hog-stat) refuse before a trace runs, and the exact reason a trace author reads.
import { describe, expect, it } from 'vitest';
import { loadError, rejection } from './bch-verbs-fixtures.ts';
import { simTarget } from './trace-fixtures.ts';

describe('sim hog-grow checks its arguments before the trace runs', () => {
  it('names the line, the problem, the usage and the statement', () => {
    expect(loadError('sim hog-grow', simTarget())).toBe(
      't.trace:1: sim hog-grow: expected 1 arguments (PAGES), got 0 (usage: sim hog-grow PAGES [pinned=PCT] [longterm=PCT] [pattern=dense|interleave|random] [as=NAME]): sim hog-grow',
    );
  });

  it('takes one page count of at least 1', () => {
    const t = simTarget();
    expect(rejection('sim hog-grow 10 20', t)).toBe('expected 1 arguments (PAGES), got 2');
    expect(rejection('sim hog-grow 0', t)).toBe('PAGES must be in 1..4194304, got 0');
    expect(rejection('sim hog-grow many', t)).toBe('PAGES must be a number, got "many"');
    expect(rejection('sim hog-grow 4194304', t)).toBe('accepted');
  });

  it('knows pinned=, longterm= (percentages), pattern= and as=', () => {
    const t = simTarget();
    expect(rejection('sim hog-grow 10 size=3', t)).toBe('unknown option "size=" (allowed: pinned, longterm, pattern, as)');
    expect(rejection('sim hog-grow 10 pinned=101', t)).toBe('pinned= must be in 0..100, got 101');
    expect(rejection('sim hog-grow 10 longterm=101', t)).toBe('longterm= must be in 0..100, got 101');
    expect(rejection('sim hog-grow 10 pattern=zigzag', t)).toBe('pattern=zigzag: must be one of dense, interleave, random');
    expect(rejection('sim hog-grow 10 as=1st', t)).toBe('as=1st: a handle is a letter followed by up to 31 letters, digits, _ . -');
    expect(rejection('sim hog-grow 10 pinned=100 longterm=100 pattern=dense as=game', t)).toBe('accepted');
  });
});

describe('sim hog-shrink, hog-release and hog-stat check their arguments', () => {
  it('hog-shrink takes a hog and a page count', () => {
    const t = simTarget();
    expect(loadError('sim hog-shrink game', t)).toBe(
      't.trace:1: sim hog-shrink: expected 2 arguments (NAME PAGES), got 1 (usage: sim hog-shrink NAME PAGES): sim hog-shrink game',
    );
    expect(rejection('sim hog-shrink game 10 20', t)).toBe('expected 2 arguments (NAME PAGES), got 3');
    expect(rejection('sim hog-shrink game all', t)).toBe('PAGES must be a number, got "all"');
    expect(rejection('sim hog-shrink game 4194305', t)).toBe('PAGES must be in 0..4194304, got 4194305');
    expect(rejection('sim hog-shrink game 0', t)).toBe('accepted');
  });

  it('hog-release and hog-stat take exactly one hog', () => {
    const t = simTarget();
    expect(loadError('sim hog-release', t)).toBe('t.trace:1: sim hog-release: expected one hog handle, got 0 arguments (usage: sim hog-release NAME): sim hog-release');
    expect(rejection('sim hog-release a b', t)).toBe('expected one hog handle, got 2 arguments');
    expect(loadError('sim hog-stat', t)).toBe('t.trace:1: sim hog-stat: expected one hog handle, got 0 arguments (usage: sim hog-stat NAME): sim hog-stat');
    expect(rejection('sim hog-stat a b', t)).toBe('expected one hog handle, got 2 arguments');
  });
});

describe('the verb registry classes every one of these as EINVAL', () => {
  it('whatever the hog verb, bad arguments are EINVAL', () => {
    const t = simTarget();
    const bad: [string, string[]][] = [['hog-grow', ['10', 'pattern=zigzag']], ['hog-shrink', ['game']], ['hog-release', []], ['hog-stat', ['a', 'b']]];
    for (const [verb, args] of bad) expect(t.sim.check(verb, args), `${verb} ${args.join(' ')}`).toMatchObject({ ok: false, errno: 'EINVAL' });
  });
});
