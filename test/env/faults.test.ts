// FaultInjector (src/env/faults.ts): the site list, arming counts that shouldFail() consumes one at a time, fired counts, clear().
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/base/assert.ts';
import { FAULT_SITES, FaultInjector, type FaultSite } from '../../src/env/faults.ts';

describe('FAULT_SITES', () => {
  it('lists the five Linux failure paths pagelab can inject, each once', () => {
    expect(FAULT_SITES).toEqual(['page_alloc', 'migrate', 'isolate', 'transient_pin', 'fatal_signal']);
    expect(new Set(FAULT_SITES).size).toBe(FAULT_SITES.length);
  });
});

describe('FaultInjector', () => {
  it('never fails a site that was not armed, and does not count such consults as fired', () => {
    const faults = new FaultInjector();
    for (const site of FAULT_SITES) {
      expect(faults.shouldFail(site)).toBe(false);
      expect(faults.armedCount(site)).toBe(0);
      expect(faults.firedCount(site)).toBe(0);
    }
  });

  it('fails exactly `count` consults, then passes again', () => {
    const faults = new FaultInjector();
    faults.arm('page_alloc', 3);
    expect(faults.armedCount('page_alloc')).toBe(3);
    expect([1, 2, 3, 4, 5].map(() => faults.shouldFail('page_alloc'))).toEqual([true, true, true, false, false]);
    expect(faults.armedCount('page_alloc')).toBe(0);
    expect(faults.firedCount('page_alloc')).toBe(3);
  });

  it('adds a second arm to what is already armed', () => {
    const faults = new FaultInjector();
    faults.arm('migrate', 1);
    faults.arm('migrate', 2);
    expect(faults.armedCount('migrate')).toBe(3);
  });

  it('treats arm(site, 0) as a no-op', () => {
    const faults = new FaultInjector();
    faults.arm('isolate', 0);
    expect(faults.shouldFail('isolate')).toBe(false);
    expect(faults.firedCount('isolate')).toBe(0);
  });

  it('keeps sites independent: consuming one leaves the others armed', () => {
    const faults = new FaultInjector();
    faults.arm('isolate', 1);
    faults.arm('fatal_signal', 2);
    expect(faults.shouldFail('migrate')).toBe(false);
    expect(faults.shouldFail('isolate')).toBe(true);
    expect(faults.shouldFail('isolate')).toBe(false);
    expect(faults.armedCount('fatal_signal')).toBe(2);
    expect(faults.firedCount('fatal_signal')).toBe(0);
  });

  it('clear() disarms every site but keeps the history of what already fired', () => {
    const faults = new FaultInjector();
    faults.arm('transient_pin', 2);
    faults.arm('page_alloc', 5);
    expect(faults.shouldFail('transient_pin')).toBe(true);
    faults.clear();
    for (const site of FAULT_SITES) expect(faults.armedCount(site)).toBe(0);
    expect(faults.shouldFail('transient_pin')).toBe(false);
    expect(faults.shouldFail('page_alloc')).toBe(false);
    expect(faults.firedCount('transient_pin')).toBe(1);
  });

  it('rejects negative, fractional or non-finite counts with an AssertionError naming the site', () => {
    const faults = new FaultInjector();
    expect(() => faults.arm('migrate', -1)).toThrow(AssertionError);
    expect(() => faults.arm('migrate', -1)).toThrow('cannot arm migrate -1 times');
    expect(() => faults.arm('migrate', 1.5)).toThrow('cannot arm migrate 1.5 times');
    expect(() => faults.arm('migrate', Number.POSITIVE_INFINITY)).toThrow(AssertionError);
    expect(faults.armedCount('migrate')).toBe(0);
  });

  it('answers "no failure" for a site name it does not know (e.g. from an old corpus file)', () => {
    const faults = new FaultInjector();
    const unknown = 'oom_kill' as FaultSite;
    expect(faults.shouldFail(unknown)).toBe(false);
    expect(faults.armedCount(unknown)).toBe(0);
    expect(faults.firedCount(unknown)).toBe(0);
  });

  it('keeps separate injectors independent', () => {
    const a = new FaultInjector();
    const b = new FaultInjector();
    a.arm('page_alloc', 1);
    expect(b.shouldFail('page_alloc')).toBe(false);
    expect(a.shouldFail('page_alloc')).toBe(true);
  });
});
