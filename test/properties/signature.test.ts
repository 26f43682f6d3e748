// Failure signatures: stable across versions (a pinned digest), blind to op arguments, runs of one kind counted once, sensitive to the invariant and the kind order; the corpus names entries with them.
import { describe, expect, it } from 'vitest';
import { corpusEntryFor } from '../../properties/corpus.ts';
import { collapsedKinds, failureId, failureSignature } from '../../properties/signature.ts';
import { SMALL_CONFIG } from './harness-fixtures.ts';

const OPS = [{ op: 'allocPages', order: 3 }, { op: 'freePages', target: 0 }, { op: 'allocPages', order: 0 }];

describe('failure signatures', () => {
  it('are 12 hex digits of a pinned digest (changing the scheme renames every corpus entry)', () => {
    expect(failureSignature('zeroed-pages', OPS)).toMatch(/^[0-9a-f]{12}$/);
    expect(failureSignature('zeroed-pages', OPS)).toBe('87472e06bbdf');
    expect(failureId('zeroed-pages', OPS)).toBe('zeroed-pages-87472e06bbdf');
  });

  it('ignore op arguments and count runs of one kind once', () => {
    expect(collapsedKinds([{ op: 'a' }, { op: 'a' }, { op: 'b' }, { op: 'a' }])).toEqual(['a', 'b', 'a']);
    const repeated = [{ op: 'allocPages' }, { op: 'allocPages' }, { op: 'freePages', target: 9 }, { op: 'allocPages', order: 7 }];
    expect(failureSignature('zeroed-pages', repeated)).toBe(failureSignature('zeroed-pages', OPS));
  });

  it('tell invariants and kind orders apart', () => {
    expect(failureSignature('conservation', OPS)).not.toBe(failureSignature('zeroed-pages', OPS));
    expect(failureSignature('zeroed-pages', [...OPS].reverse())).not.toBe(failureSignature('zeroed-pages', [{ op: 'freePages' }, { op: 'allocPages' }]));
    expect(failureSignature('zeroed-pages', [])).not.toBe(failureSignature('zeroed-pages', OPS));
  });

  it('name corpus entries', () => {
    const ops = [{ op: 'allocPages' as const, gfp: 'GFP_KERNEL', order: 0, cpu: 0 }, { op: 'allocPages' as const, gfp: 'GFP_KERNEL', order: 1, cpu: 0 }];
    const entry = corpusEntryFor({
      scenario: { config: SMALL_CONFIG, seed: '1', auditEvery: 100, weights: {}, ops },
      failure: { invariant: 'conservation', opIndex: 1, phase: 'op', message: 'x', details: {} }, pagelabVersion: '0.1.0', foundBy: 'a test',
    });
    expect(entry.id).toBe(failureId('conservation', [{ op: 'allocPages' }]));
  });
});
