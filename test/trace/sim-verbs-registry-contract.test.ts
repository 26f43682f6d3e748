// SimVerbRegistry contract: the exact assertion texts for malformed registrations and unchecked runs, the errnos and details of check(), `sim help` argument errors, and verbs listed sorted by name whatever the registration order.
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/base/assert.ts';
import { err, ok } from '../../src/base/errno.ts';
import { SimVerbRegistry, type SimVerb } from '../../src/trace/sim-verbs.ts';

/** The message of the AssertionError `fn` throws (fails the test when it throws nothing or something else). */
function assertionMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AssertionError);
    return (error as AssertionError).message;
  }
  throw new Error('expected an AssertionError');
}

function plain(verb: string, usage = verb): SimVerb<number> {
  return { verb, usage, summary: `the ${verb} verb`, parseArgs: () => ok(0), run: () => ok('ok') };
}

const tick: SimVerb<number> = {
  verb: 'tick',
  usage: 'tick NS',
  summary: 'advances the clock',
  parseArgs: (args) => (args.length === 1 ? ok(Number(args[0])) : err('EINVAL', 'expected NS')),
  run: (ns) => ok(`now=${ns}`),
};

describe('registration mistakes are assertion failures naming the verb', () => {
  it('a name that is not lowercase-with-dashes', () => {
    expect(assertionMessage(() => new SimVerbRegistry().register(plain('Bad')))).toBe('sim verb name "Bad" is not lowercase-with-dashes');
  });

  it('a name registered twice (help included)', () => {
    const verbs = new SimVerbRegistry();
    verbs.register(plain('x'));
    expect(assertionMessage(() => verbs.register(plain('x')))).toBe('sim verb "x" registered twice');
    expect(assertionMessage(() => verbs.register(plain('help')))).toBe('sim verb "help" registered twice');
  });

  it('a usage that does not start with the verb and a blank', () => {
    const verbs = new SimVerbRegistry();
    expect(assertionMessage(() => verbs.register(plain('y', 'z y')))).toBe('usage of "y" must start with it');
    expect(assertionMessage(() => verbs.register(plain('y', 'yy N')))).toBe('usage of "y" must start with it');
    expect(verbs.has('y')).toBe(false);
  });
});

describe('running what check() would refuse is an assertion failure', () => {
  it('arguments that do not parse name the verb and the parse detail', () => {
    const verbs = new SimVerbRegistry();
    verbs.register(tick);
    expect(assertionMessage(() => verbs.invoke('tick', [], { line: 1 }))).toBe('sim tick: arguments were not checked before running (expected NS)');
  });

  it('an unknown verb names the verb', () => {
    expect(assertionMessage(() => new SimVerbRegistry().invoke('nosuch', [], { line: 1 }))).toBe('sim nosuch: unknown verb reached the runner');
  });
});

describe('check()', () => {
  it('an unknown verb is ENOENT listing the known verbs', () => {
    const verbs = new SimVerbRegistry();
    verbs.register(tick);
    expect(verbs.check('frob', [])).toEqual(err('ENOENT', 'unknown sim verb "frob" (sim help lists them: help, tick)'));
  });

  it('bad arguments keep the verb\'s errno and add the usage', () => {
    const verbs = new SimVerbRegistry();
    verbs.register(tick);
    expect(verbs.check('tick', ['1', '2'])).toEqual(err('EINVAL', 'sim tick: expected NS (usage: sim tick NS)'));
    expect(verbs.check('tick', ['1'])).toEqual(ok(undefined));
  });
});

describe('sim help arguments', () => {
  const verbs = new SimVerbRegistry();
  verbs.register(tick);

  it('more than one verb name is EINVAL saying how many were given', () => {
    expect(verbs.check('help', ['help', 'tick'])).toEqual(
      err('EINVAL', 'sim help: expected at most one verb name, got 2 arguments (usage: sim help [VERB])'));
    expect(verbs.check('help', ['a', 'b', 'c'])).toEqual(
      err('EINVAL', 'sim help: expected at most one verb name, got 3 arguments (usage: sim help [VERB])'));
  });

  it('a name that is not a verb is EINVAL listing the known ones', () => {
    expect(verbs.check('help', ['frob'])).toEqual(err('EINVAL', 'sim help: no verb named "frob" (known: help, tick) (usage: sim help [VERB])'));
  });

  it('no name or one known name is fine', () => {
    expect(verbs.check('help', [])).toEqual(ok(undefined));
    expect(verbs.check('help', ['tick'])).toEqual(ok(undefined));
  });
});

describe('verbs are listed sorted by name, whatever the registration order', () => {
  function registry(): SimVerbRegistry {
    const verbs = new SimVerbRegistry();
    for (const name of ['zap', 'alloc', 'map', 'cma-alloc', 'a']) verbs.register(plain(name));
    return verbs;
  }

  it('list() gives verb, usage and summary only, sorted', () => {
    expect(registry().list()).toEqual([
      { verb: 'a', usage: 'a', summary: 'the a verb' },
      { verb: 'alloc', usage: 'alloc', summary: 'the alloc verb' },
      { verb: 'cma-alloc', usage: 'cma-alloc', summary: 'the cma-alloc verb' },
      { verb: 'help', usage: 'help [VERB]', summary: 'lists every sim verb with its usage, or describes one verb' },
      { verb: 'map', usage: 'map', summary: 'the map verb' },
      { verb: 'zap', usage: 'zap', summary: 'the zap verb' },
    ]);
  });

  it('sim help prints them in that order, and error messages list them in that order', () => {
    const verbs = registry();
    expect(verbs.invoke('help', [], { line: 1 })).toEqual(ok([
      'sim a: the a verb',
      'sim alloc: the alloc verb',
      'sim cma-alloc: the cma-alloc verb',
      'sim help [VERB]: lists every sim verb with its usage, or describes one verb',
      'sim map: the map verb',
      'sim zap: the zap verb',
    ].join('\n')));
    expect(verbs.check('nope', [])).toEqual(err('ENOENT', 'unknown sim verb "nope" (sim help lists them: a, alloc, cma-alloc, help, map, zap)'));
  });
});
