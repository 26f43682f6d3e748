// What the page-allocator sim verbs (alloc, free/get/put, bulk, drain, tick, check/hash/stat/events) refuse before a trace runs, and the exact reason a trace author reads.
import { describe, expect, it } from 'vitest';
import { loadError, rejection } from './bch-verbs-fixtures.ts';
import { simTarget } from './trace-fixtures.ts';

describe('sim alloc checks its arguments before the trace runs', () => {
  it('names the line, the problem, the usage and the statement', () => {
    expect(loadError('sim alloc', simTarget())).toBe(
      't.trace:1: sim alloc: expected 1..2 arguments (ORDER [GFP]), got 0 (usage: sim alloc ORDER [GFP] [cpu=N] [node=N] [as=NAME]): sim alloc',
    );
  });

  it('takes an order, an optional gfp mask and nothing more', () => {
    const t = simTarget();
    expect(rejection('sim alloc 0 GFP_KERNEL 1', t)).toBe('expected 1..2 arguments (ORDER [GFP]), got 3');
    expect(rejection('sim alloc x', t)).toBe('ORDER must be a number, got "x"');
    expect(rejection('sim alloc 32', t)).toBe('ORDER must be in 0..31, got 32');
    expect(rejection('sim alloc 31 GFP_KERNEL', t)).toBe('accepted');
  });

  it('knows only the options cpu=, node= and as=, each within its range', () => {
    const t = simTarget();
    expect(rejection('sim alloc 0 size=1', t)).toBe('unknown option "size=" (allowed: cpu, node, as)');
    // The default machine has 2 CPUs.
    expect(rejection('sim alloc 0 cpu=2', t)).toBe('cpu= must be in 0..1, got 2');
    expect(rejection('sim alloc 0 node=64', t)).toBe('node= must be in 0..63, got 64');
    expect(rejection('sim alloc 0 node=x', t)).toBe('node= must be a number, got "x"');
    expect(rejection('sim alloc 0 as=9x', t)).toBe('as=9x: a handle is a letter followed by up to 31 letters, digits, _ . -');
    expect(rejection('sim alloc 0 cpu=1 node=0 as=x', t)).toBe('accepted');
  });
});

describe('sim free, get and put take exactly one handle', () => {
  it('says how many arguments it got instead', () => {
    const t = simTarget();
    expect(rejection('sim free', t)).toBe('expected one handle, got 0 arguments');
    expect(rejection('sim get a b', t)).toBe('expected one handle, got 2 arguments');
    expect(rejection('sim put', t)).toBe('expected one handle, got 0 arguments');
    expect(loadError('sim put a b', t)).toBe('t.trace:1: sim put: expected one handle, got 2 arguments (usage: sim put NAME): sim put a b');
  });
});

describe('sim bulk checks its arguments before the trace runs', () => {
  it('takes a slot count, an optional gfp mask and nothing more', () => {
    const t = simTarget();
    expect(loadError('sim bulk', t)).toBe(
      't.trace:1: sim bulk: expected 1..2 arguments (NR [GFP]), got 0 (usage: sim bulk NR [GFP] [prefill=I,J,...] [cpu=N] [as=PREFIX]): sim bulk',
    );
    expect(rejection('sim bulk 1 GFP_KERNEL 2', t)).toBe('expected 1..2 arguments (NR [GFP]), got 3');
    expect(rejection('sim bulk x', t)).toBe('NR must be a number, got "x"');
    expect(rejection('sim bulk 65537', t)).toBe('NR must be in 0..65536, got 65537');
    expect(rejection('sim bulk 1 GFP_BOGUS', t)).toBe('unknown gfp flag "GFP_BOGUS" in "GFP_BOGUS"');
    expect(rejection('sim bulk 65536 GFP_KERNEL', t)).toBe('accepted');
  });

  it('knows only cpu=, prefill= and as=; a prefilled slot must be one of the NR slots', () => {
    const t = simTarget();
    expect(rejection('sim bulk 4 size=1', t)).toBe('unknown option "size=" (allowed: cpu, prefill, as)');
    expect(rejection('sim bulk 4 cpu=2', t)).toBe('cpu= must be in 0..1, got 2');
    expect(rejection('sim bulk 4 prefill=4', t)).toBe('prefill slot must be in 0..3, got 4');
    expect(rejection('sim bulk 4 prefill=1,x', t)).toBe('prefill slot must be a number, got "x"');
    expect(rejection('sim bulk 4 as=.b', t)).toBe('as=.b: a handle is a letter followed by up to 31 letters, digits, _ . -');
    expect(rejection('sim bulk 4 cpu=1 prefill=3 as=b', t)).toBe('accepted');
  });

  it('an empty prefill= list and empty items in it mark no slot', () => {
    const t = simTarget();
    expect(rejection('sim bulk 4', t)).toBe('accepted');
    expect(rejection('sim bulk 4 prefill=', t)).toBe('accepted');
    expect(rejection('sim bulk 4 prefill=1,,3,', t)).toBe('accepted');
  });
});

describe('sim drain and sim tick check their arguments', () => {
  it('drain takes only cpu=N, a CPU of the machine', () => {
    const t = simTarget();
    expect(loadError('sim drain 1', t)).toBe('t.trace:1: sim drain: drain takes only cpu=N (usage: sim drain [cpu=N]): sim drain 1');
    expect(rejection('sim drain node=0', t)).toBe('unknown option "node=" (allowed: cpu)');
    expect(rejection('sim drain cpu=2', t)).toBe('cpu= must be in 0..1, got 2');
    expect(rejection('sim drain cpu=1', t)).toBe('accepted');
    expect(rejection('sim drain', t)).toBe('accepted');
  });

  it('tick takes at most one number of nanoseconds', () => {
    const t = simTarget();
    expect(loadError('sim tick 1 2', t)).toBe('t.trace:1: sim tick: tick takes at most one number (usage: sim tick [NS]): sim tick 1 2');
    expect(rejection('sim tick x', t)).toBe('NS must be a number, got "x"');
    expect(rejection('sim tick 3600000000001', t)).toBe('NS must be in 0..3600000000000, got 3600000000001');
  });

  it('check, hash, stat and events take no arguments', () => {
    const t = simTarget();
    for (const verb of ['check', 'hash', 'stat', 'events']) {
      expect(loadError(`sim ${verb} now`, t)).toBe(`t.trace:1: sim ${verb}: takes no arguments (usage: sim ${verb}): sim ${verb} now`);
    }
  });
});

describe('the verb registry classes every one of these as EINVAL', () => {
  it('whatever the verb, bad arguments are EINVAL (an unknown verb would be ENOENT)', () => {
    const t = simTarget();
    const bad: [string, string[]][] = [['free', []], ['get', ['a', 'b']], ['drain', ['1']], ['tick', ['1', '2']], ['check', ['x']], ['events', ['x']], ['alloc', []], ['bulk', ['4', 'prefill=4']]];
    for (const [verb, args] of bad) expect(t.sim.check(verb, args), `${verb} ${args.join(' ')}`).toMatchObject({ ok: false, errno: 'EINVAL' });
  });
});
