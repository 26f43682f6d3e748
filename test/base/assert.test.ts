// assert / unreachable / AssertionError (src/base/assert.ts): throws only on false, with the given (lazily built) message.
import { describe, expect, it } from 'vitest';
import { AssertionError, assert, unreachable } from '../../src/base/assert.ts';

describe('assert', () => {
  it('returns quietly when the condition holds', () => {
    expect(() => assert(true, 'never shown')).not.toThrow();
  });

  it('throws an AssertionError carrying the message when the condition fails', () => {
    let caught: unknown;
    try {
      assert(1 > 2, 'pfn 5 is outside zone Normal');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AssertionError);
    expect(caught).toBeInstanceOf(Error);
    expect((caught as AssertionError).message).toBe('pfn 5 is outside zone Normal');
    expect((caught as AssertionError).name).toBe('AssertionError');
  });

  it('builds a function message only when the assertion fails', () => {
    let built = 0;
    const message = (): string => {
      built++;
      return `built ${built}`;
    };
    assert(true, message);
    expect(built).toBe(0);
    expect(() => assert(false, message)).toThrow('built 1');
    expect(built).toBe(1);
  });

  it('narrows the asserted type', () => {
    const value: string | undefined = ['x'][0];
    assert(value !== undefined, 'value missing');
    expect(value.length).toBe(1);
  });
});

describe('unreachable', () => {
  it('throws an AssertionError naming what was unexpected', () => {
    expect(() => unreachable('Movable' as never, 'zone kind')).toThrow(AssertionError);
    expect(() => unreachable('Movable' as never, 'zone kind')).toThrow('unreachable zone kind: Movable');
    expect(() => unreachable(7 as never)).toThrow('unreachable value: 7');
  });
});
