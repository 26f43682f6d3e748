// What the CMA sim verbs (cma-alloc, device-alloc, cma-bulk, cma-release, cma-info) refuse before a trace runs, and the exact reason a trace author reads.
import { describe, expect, it } from 'vitest';
import { loadError, rejection } from './bch-verbs-fixtures.ts';
import { simTarget } from './trace-fixtures.ts';

describe('sim cma-alloc and sim device-alloc check their arguments before the trace runs', () => {
  it('name the line, the problem, the usage and the statement', () => {
    const t = simTarget();
    expect(loadError('sim cma-alloc reserved', t)).toBe(
      't.trace:1: sim cma-alloc: expected 2..3 arguments (AREA PAGES [ALIGN_ORDER]), got 1 (usage: sim cma-alloc AREA PAGES [ALIGN_ORDER] [as=NAME]): sim cma-alloc reserved',
    );
    expect(loadError('sim device-alloc cam', t)).toBe(
      't.trace:1: sim device-alloc: expected 2..3 arguments (DEVICE PAGES [ALIGN_ORDER]), got 1 (usage: sim device-alloc DEVICE PAGES [ALIGN_ORDER] [as=NAME]): sim device-alloc cam',
    );
  });

  it('take a target, a page count and an optional alignment order', () => {
    const t = simTarget();
    for (const verb of ['cma-alloc', 'device-alloc']) {
      expect(rejection(`sim ${verb} reserved 1 0 9`, t)).toMatch(/^expected 2\.\.3 arguments \((AREA|DEVICE) PAGES \[ALIGN_ORDER\]\), got 4$/);
      expect(rejection(`sim ${verb} reserved x`, t)).toBe('PAGES must be a number, got "x"');
      expect(rejection(`sim ${verb} reserved 4194305`, t)).toBe('PAGES must be in 0..4194304, got 4194305');
      expect(rejection(`sim ${verb} reserved 1 31`, t)).toBe('ALIGN_ORDER must be in 0..30, got 31');
      expect(rejection(`sim ${verb} reserved 1 x`, t)).toBe('ALIGN_ORDER must be a number, got "x"');
      expect(rejection(`sim ${verb} reserved 1 size=2`, t)).toBe('unknown option "size=" (allowed: as)');
      expect(rejection(`sim ${verb} reserved 1 as=9a`, t)).toBe('as=9a: a handle is a letter followed by up to 31 letters, digits, _ . -');
      expect(rejection(`sim ${verb} reserved 4194304 30 as=a`, t)).toBe('accepted');
    }
  });
});

describe('sim cma-bulk checks its arguments before the trace runs', () => {
  it('takes an area, a chunk order, a chunk count and an optional alignment order', () => {
    const t = simTarget();
    expect(loadError('sim cma-bulk reserved 0', t)).toBe(
      't.trace:1: sim cma-bulk: expected 3..4 arguments (AREA ORDER NR [ALIGN_ORDER] [fast]), got 2 (usage: sim cma-bulk AREA ORDER NR [ALIGN_ORDER] [fast] [as=NAME]): sim cma-bulk reserved 0',
    );
    expect(rejection('sim cma-bulk reserved 0 1 0 fast 1', t)).toBe('expected 3..4 arguments (AREA ORDER NR [ALIGN_ORDER] [fast]), got 5');
    expect(rejection('sim cma-bulk reserved 31 1', t)).toBe('ORDER must be in 0..30, got 31');
    expect(rejection('sim cma-bulk reserved 0 x', t)).toBe('NR must be a number, got "x"');
    expect(rejection('sim cma-bulk reserved 0 4194305', t)).toBe('NR must be in 0..4194304, got 4194305');
    expect(rejection('sim cma-bulk reserved 0 1 31', t)).toBe('ALIGN_ORDER must be in 0..30, got 31');
    expect(rejection('sim cma-bulk reserved 0 1 x', t)).toBe('ALIGN_ORDER must be a number, got "x"');
    expect(rejection('sim cma-bulk reserved 0 1 size=1', t)).toBe('unknown option "size=" (allowed: as)');
    expect(rejection('sim cma-bulk reserved 0 1 as=-b', t)).toBe('as=-b: a handle is a letter followed by up to 31 letters, digits, _ . -');
    expect(rejection('sim cma-bulk reserved 0 1 0 fast as=b', t)).toBe('accepted');
  });

  it('asks for at most 2^22 pages in all (NR × 2^ORDER)', () => {
    const t = simTarget();
    expect(rejection('sim cma-bulk reserved 22 2', t)).toBe('NR × 2^ORDER exceeds 4194304 pages');
    expect(rejection('sim cma-bulk reserved 21 3', t)).toBe('NR × 2^ORDER exceeds 4194304 pages');
    expect(rejection('sim cma-bulk reserved 22 1', t)).toBe('accepted');
    expect(rejection('sim cma-bulk reserved 0 4194304', t)).toBe('accepted');
  });

  it('the fast keyword may stand anywhere among the arguments', () => {
    const t = simTarget();
    expect(rejection('sim cma-bulk fast reserved 0 1', t)).toBe('accepted');
    expect(rejection('sim cma-bulk reserved 0 fast 1 0', t)).toBe('accepted');
    expect(rejection('sim cma-bulk reserved 0 1 0 fast', t)).toBe('accepted');
  });
});

describe('sim cma-release and sim cma-info take exactly one name', () => {
  it('say what they expected', () => {
    const t = simTarget();
    expect(loadError('sim cma-release', t)).toBe('t.trace:1: sim cma-release: expected one CMA handle, got 0 arguments (usage: sim cma-release NAME): sim cma-release');
    expect(rejection('sim cma-release a b', t)).toBe('expected one CMA handle, got 2 arguments');
    expect(loadError('sim cma-info', t)).toBe('t.trace:1: sim cma-info: expected one area name (usage: sim cma-info AREA): sim cma-info');
    expect(rejection('sim cma-info reserved other', t)).toBe('expected one area name');
  });
});

describe('the verb registry classes every one of these as EINVAL', () => {
  it('whatever the CMA verb, bad arguments are EINVAL', () => {
    const t = simTarget();
    const bad: [string, string[]][] = [['cma-release', []], ['cma-info', []], ['cma-bulk', ['reserved', '22', '2']], ['cma-alloc', ['reserved']], ['device-alloc', ['cam', 'x']]];
    for (const [verb, args] of bad) expect(t.sim.check(verb, args), `${verb} ${args.join(' ')}`).toMatchObject({ ok: false, errno: 'EINVAL' });
  });
});
