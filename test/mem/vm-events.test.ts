// VmEvents (src/mem/vm-events.ts): counters start at 0, count() adds 1 or `by`, get() reads one, snapshot() is an ordered copy.
import { describe, expect, it } from 'vitest';
import { VM_EVENTS, VmEvents } from '../../src/mem/vm-events.ts';

describe('VM_EVENTS', () => {
  it('names every counter once', () => {
    expect(new Set(VM_EVENTS).size).toBe(VM_EVENTS.length);
  });

  it('includes the /proc/vmstat names pagelab mirrors from Linux', () => {
    for (const name of ['pgalloc', 'pgfree', 'allocstall', 'compact_stall', 'compact_success', 'pgmigrate_success', 'pgmigrate_fail', 'cma_alloc_success', 'cma_alloc_fail']) {
      expect(VM_EVENTS).toContain(name);
    }
  });
});

describe('VmEvents', () => {
  it('starts with every counter at 0', () => {
    const events = new VmEvents();
    for (const name of VM_EVENTS) expect(events.get(name)).toBe(0);
  });

  it('counts 1 by default and `by` when given, touching only that counter', () => {
    const events = new VmEvents();
    events.count('pgalloc');
    events.count('pgalloc');
    events.count('pgfree', 512);
    events.count('pgfree', 0);
    expect(events.get('pgalloc')).toBe(2);
    expect(events.get('pgfree')).toBe(512);
    expect(events.get('pgalloc_fail')).toBe(0);
  });

  it('counts past 2^32 without wrapping (Float64 storage)', () => {
    const events = new VmEvents();
    events.count('pgalloc', 2 ** 32);
    events.count('pgalloc', 1);
    expect(events.get('pgalloc')).toBe(2 ** 32 + 1);
  });

  it('snapshots every counter in declaration order', () => {
    const events = new VmEvents();
    events.count('cma_release', 3);
    const snapshot = events.snapshot();
    expect(Object.keys(snapshot)).toEqual([...VM_EVENTS]);
    expect(snapshot.cma_release).toBe(3);
    expect(snapshot.pgalloc).toBe(0);
  });

  it('returns a copy: later counts do not change an old snapshot, and editing it does not change the counters', () => {
    const events = new VmEvents();
    const before = events.snapshot();
    events.count('kswapd_wake');
    expect(before.kswapd_wake).toBe(0);
    const after = events.snapshot();
    after.kswapd_wake = 100;
    expect(events.get('kswapd_wake')).toBe(1);
  });

  it('keeps separate instances independent', () => {
    const a = new VmEvents();
    const b = new VmEvents();
    a.count('pool_hit');
    expect(b.get('pool_hit')).toBe(0);
  });
});
