// sim verb arguments (src/trace/verb-args.ts): positional/key=value splitting, integer parsing with bounds, options, handle names, arity — and the error texts naming the argument.
import { describe, expect, it } from 'vitest';
import { expectPositionals, handleOption, intOption, parseIntArg, splitArgs } from '../../src/trace/verb-args.ts';

describe('splitArgs', () => {
  it('separates positionals from key=value options, keeping positional order', () => {
    expect(splitArgs(['3', 'order=2', 'GFP_KERNEL', 'as=buf'], ['order', 'as'])).toEqual({
      ok: true,
      value: { positional: ['3', 'GFP_KERNEL'], options: new Map([['order', '2'], ['as', 'buf']]) },
    });
  });

  it('splits at the first =, so values may contain = and may be empty', () => {
    const result = splitArgs(['gfp=a=b', 'as='], ['gfp', 'as']);
    expect(result.ok && [...result.value.options]).toEqual([['gfp', 'a=b'], ['as', '']]);
  });

  it('rejects an option it does not allow, listing the allowed keys', () => {
    expect(splitArgs(['count=4'], ['order', 'as'])).toEqual({ ok: false, errno: 'EINVAL', detail: 'unknown option "count=" (allowed: order, as)' });
  });

  it('says "none" when a verb takes no options, and treats "=x" as the unknown empty key', () => {
    expect(splitArgs(['as=x'], [])).toEqual({ ok: false, errno: 'EINVAL', detail: 'unknown option "as=" (allowed: none)' });
    expect(splitArgs(['=x'], ['as'])).toEqual({ ok: false, errno: 'EINVAL', detail: 'unknown option "=" (allowed: as)' });
  });

  it('rejects an option given twice', () => {
    expect(splitArgs(['order=1', 'order=2'], ['order'])).toEqual({ ok: false, errno: 'EINVAL', detail: 'option "order=" given twice' });
  });

  it('accepts no arguments at all', () => {
    expect(splitArgs([], ['as'])).toEqual({ ok: true, value: { positional: [], options: new Map() } });
  });
});

describe('parseIntArg', () => {
  it('parses decimal and 0x-hex (either digit case) within inclusive bounds', () => {
    expect(parseIntArg('0', 'order', 0, 10)).toEqual({ ok: true, value: 0 });
    expect(parseIntArg('10', 'order', 0, 10)).toEqual({ ok: true, value: 10 });
    expect(parseIntArg('0x1F', 'pfn', 0, 100)).toEqual({ ok: true, value: 31 });
    expect(parseIntArg('0xff', 'pfn', 0, 1000)).toEqual({ ok: true, value: 255 });
  });

  it('reports a missing argument by name', () => {
    expect(parseIntArg(undefined, 'order', 0, 10)).toEqual({ ok: false, errno: 'EINVAL', detail: 'missing order' });
  });

  it('rejects non-numbers, quoting the text and naming the argument', () => {
    expect(parseIntArg('two', 'order', 0, 10)).toEqual({ ok: false, errno: 'EINVAL', detail: 'order must be a number, got "two"' });
    for (const text of ['', '-1', '+1', '1.0', '1e3', ' 1', '1 ', '010', '0X10', '0x', '16M']) {
      const result = parseIntArg(text, 'count', 0, 1000);
      expect(result.ok, text).toBe(false);
      if (!result.ok) expect(result.detail).toBe(`count must be a number, got "${text}"`);
    }
  });

  it('rejects values outside [min, max], naming the range', () => {
    expect(parseIntArg('11', 'order', 0, 10)).toEqual({ ok: false, errno: 'EINVAL', detail: 'order must be in 0..10, got 11' });
    expect(parseIntArg('0', 'cpu', 1, 4)).toEqual({ ok: false, errno: 'EINVAL', detail: 'cpu must be in 1..4, got 0' });
  });

  it('rejects integers beyond 2^53 - 1 even when max allows them', () => {
    const result = parseIntArg('9007199254740993', 'pfn', 0, Number.POSITIVE_INFINITY);
    expect(result.ok).toBe(false);
    expect(parseIntArg('9007199254740991', 'pfn', 0, Number.POSITIVE_INFINITY)).toEqual({ ok: true, value: 2 ** 53 - 1 });
  });
});

describe('intOption', () => {
  it('returns the default when the option is absent', () => {
    expect(intOption(new Map(), 'order', 3, 0, 10)).toEqual({ ok: true, value: 3 });
  });

  it('parses the option when present, naming it as "key=" in errors', () => {
    expect(intOption(new Map([['order', '5']]), 'order', 0, 0, 10)).toEqual({ ok: true, value: 5 });
    expect(intOption(new Map([['order', '11']]), 'order', 0, 0, 10)).toEqual({ ok: false, errno: 'EINVAL', detail: 'order= must be in 0..10, got 11' });
    expect(intOption(new Map([['order', '']]), 'order', 0, 0, 10)).toEqual({ ok: false, errno: 'EINVAL', detail: 'order= must be a number, got ""' });
  });
});

describe('handleOption (as=NAME)', () => {
  it('is undefined without as=', () => {
    expect(handleOption(new Map([['order', '1']]))).toEqual({ ok: true, value: undefined });
  });

  it('accepts a letter or _ followed by up to 31 letters, digits, _ . -', () => {
    for (const name of ['a', 'buf0', '_tmp', 'cma.video-1', `x${'y'.repeat(31)}`]) {
      expect(handleOption(new Map([['as', name]]))).toEqual({ ok: true, value: name });
    }
  });

  it('rejects empty, over-long, digit-first and punctuated names, quoting the name', () => {
    for (const name of ['', '1buf', '-a', '.a', 'a b', 'a/b', 'a=b', `x${'y'.repeat(32)}`, 'ünï']) {
      const result = handleOption(new Map([['as', name]]));
      expect(result.ok, name).toBe(false);
      if (!result.ok) {
        expect(result.errno).toBe('EINVAL');
        expect(result.detail).toBe(`as=${name}: a handle is a letter followed by up to 31 letters, digits, _ . -`);
      }
    }
  });
});

describe('expectPositionals', () => {
  it('accepts counts within [min, max]', () => {
    expect(expectPositionals(['a'], 1, 1, 'alloc ORDER')).toEqual({ ok: true, value: undefined });
    expect(expectPositionals([], 0, 2, 'free [H [N]]')).toEqual({ ok: true, value: undefined });
    expect(expectPositionals(['a', 'b'], 0, 2, 'free [H [N]]')).toEqual({ ok: true, value: undefined });
  });

  it('reports a fixed count and the usage when the count is wrong', () => {
    expect(expectPositionals([], 1, 1, 'alloc ORDER')).toEqual({ ok: false, errno: 'EINVAL', detail: 'expected 1 arguments (alloc ORDER), got 0' });
  });

  it('reports a range as min..max', () => {
    expect(expectPositionals(['a', 'b', 'c'], 1, 2, 'cma alloc AREA COUNT')).toEqual({ ok: false, errno: 'EINVAL', detail: 'expected 1..2 arguments (cma alloc AREA COUNT), got 3' });
  });
});
