// Owners registry and the StateHasher: ids from 1 never reused, lookups, and digest stability.
import { describe, expect, it } from 'vitest';
import { StateHasher } from '../../src/base/hash.ts';
import { Owners } from '../../src/mem/owners.ts';

describe('Owners', () => {
  it('hands out ids from 1 in order and remembers kind and label', () => {
    const owners = new Owners();
    expect(owners.register('kernel', 'slab')).toBe(1);
    expect(owners.register('heap', 'system')).toBe(2);
    expect(owners.kindOf(2)).toBe('heap');
    expect(owners.labelOf(1)).toBe('slab');
    expect(owners.count).toBe(2);
    expect(owners.has(0)).toBe(false);
    expect(owners.has(3)).toBe(false);
  });

  it('asserts on ids it never handed out', () => {
    const owners = new Owners();
    expect(() => owners.kindOf(0)).toThrow(/unknown owner/);
    expect(() => owners.labelOf(1)).toThrow(/unknown owner/);
  });

  it('hashes registrations in order', () => {
    const digest = (labels: string[]): string => {
      const owners = new Owners();
      for (const label of labels) owners.register('test', label);
      const hasher = new StateHasher();
      owners.hashInto(hasher);
      return hasher.digestHex();
    };
    expect(digest(['a', 'b'])).toBe(digest(['a', 'b']));
    expect(digest(['a', 'b'])).not.toBe(digest(['b', 'a']));
  });
});

describe('StateHasher', () => {
  it('separates strings by length and numbers by value', () => {
    const hash = (feed: (hasher: StateHasher) => void): string => {
      const hasher = new StateHasher();
      feed(hasher);
      return hasher.digestHex();
    };
    expect(hash((h) => { h.updateString('ab'); h.updateString('c'); })).not.toBe(hash((h) => { h.updateString('a'); h.updateString('bc'); }));
    expect(hash((h) => h.updateNumber(1))).not.toBe(hash((h) => h.updateNumber(2)));
    expect(hash((h) => h.updateArray(new Uint8Array([1, 2])))).toBe(hash((h) => h.updateArray(new Uint8Array([1, 2]))));
    expect(hash((h) => h.updateArray(new Uint32Array([1])))).toMatch(/^[0-9a-f]{64}$/);
  });
});
