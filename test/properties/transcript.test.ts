// Replay transcripts: counters with what changed since the previous op, the events an op moved, and the expected-vs-actual diff of structured failure details.
import { describe, expect, it } from 'vitest';
import type { OpRecord } from '../../properties/run-sequence.ts';
import { diffValues, eventDeltas, formatFacts, formatFailureDiff, formatRecordLine } from '../../properties/transcript.ts';

const FACTS = { free: 100, pcp: 4, isolated: 0, allocated: 20, live: 3 };

describe('transcript', () => {
  it('shows the real and model counters with their changes', () => {
    expect(formatFacts(FACTS)).toBe('[real: free 100, pcp 4, isolated 0 | model: allocated 20, live 3]');
    expect(formatFacts(FACTS, { ...FACTS, free: 108, allocated: 12, live: 2 })).toBe('[real: free 100 -8, pcp 4, isolated 0 | model: allocated 20 +8, live 3 +1]');
  });

  it('lists the event counters an op moved', () => {
    expect(eventDeltas({ pgalloc: 9, pgfree: 2, pcp_refill: 1 }, { pgalloc: 1, pgfree: 2 })).toEqual({ pgalloc: 8, pcp_refill: 1 });
    expect(eventDeltas(undefined, { pgalloc: 1 })).toEqual({});
    const record: OpRecord = { index: 7, op: { op: 'drain' }, text: 'drain all CPUs → 4 per-CPU pages', status: 'ok', facts: { ...FACTS, pcp: 0, free: 104 }, events: { pcp_drain: 1 } };
    const previous: OpRecord = { ...record, index: 6, facts: FACTS, events: {} };
    expect(formatRecordLine(record, 2, previous)).toBe(' 7  drain all CPUs → 4 per-CPU pages   [real: free 104 +4, pcp 0 -4, isolated 0 | model: allocated 20, live 3]  pcp_drain+1'.replace(/^/, '  '));
  });

  it('diffs structured expected and actual values leaf by leaf', () => {
    expect(diffValues({ pfns: [1, 2, 3], order: 2 }, { pfns: [1, 5], order: 2, extra: true })).toEqual([
      { path: 'pfns[1]', expected: 2, actual: 5 },
      { path: 'pfns[2]', expected: 3, actual: expect.anything() as unknown },
      { path: 'extra', expected: expect.anything() as unknown, actual: true },
    ]);
    expect(formatFailureDiff({ expected: [1, 2], actual: [1, 3], free: 7, stack: 'x' })).toEqual([
      '  diff (expected → actual), 1 differences:', '    [1]: 2 → 3', '  facts: free=7',
    ]);
    expect(formatFailureDiff({ expected: { a: [1] }, actual: { a: [] } })).toEqual(['  diff (expected → actual), 1 differences:', '    a[0]: 1 → (absent)']);
    expect(formatFailureDiff({ expected: 0, actual: 1 })).toEqual([]);
    const many = formatFailureDiff({ expected: Array.from({ length: 40 }, (_, i) => i), actual: Array.from({ length: 40 }, () => -1) });
    expect(many[0]).toBe('  diff (expected → actual), first 20 differences:');
    expect(many).toHaveLength(21);
  });
});
