// ManualClock (src/env/clock.ts): virtual time starts at 0, moves only through advance(), and rejects bad deltas.
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/base/assert.ts';
import { ManualClock } from '../../src/env/clock.ts';

describe('ManualClock', () => {
  it('starts at 0 ns', () => {
    expect(new ManualClock().nowNs()).toBe(0);
  });

  it('does not move when only read', () => {
    const clock = new ManualClock();
    for (let i = 0; i < 5; i++) expect(clock.nowNs()).toBe(0);
    clock.advance(10);
    expect(clock.nowNs()).toBe(10);
    expect(clock.nowNs()).toBe(10);
  });

  it('accumulates every advance exactly', () => {
    const clock = new ManualClock();
    clock.advance(1_000_000);
    clock.advance(250);
    clock.advance(0);
    expect(clock.nowNs()).toBe(1_000_250);
  });

  it('keeps separate clocks independent', () => {
    const a = new ManualClock();
    const b = new ManualClock();
    a.advance(5);
    expect(b.nowNs()).toBe(0);
  });

  it('refuses to move backwards, by a fraction, or by a non-number, and stays where it was', () => {
    const clock = new ManualClock();
    clock.advance(7);
    expect(() => clock.advance(-1)).toThrow(AssertionError);
    expect(() => clock.advance(-1)).toThrow('clock cannot move by -1 ns');
    expect(() => clock.advance(0.5)).toThrow('clock cannot move by 0.5 ns');
    expect(() => clock.advance(Number.NaN)).toThrow('clock cannot move by NaN ns');
    expect(() => clock.advance(Number.POSITIVE_INFINITY)).toThrow(AssertionError);
    expect(clock.nowNs()).toBe(7);
  });
});
