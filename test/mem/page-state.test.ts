// Page-state vocabulary (src/mem/page-state.ts): state values and names line up, flag bits do not overlap, caching attribute encoding.
import { describe, expect, it } from 'vitest';
import {
  CACHE_ATTR_NAMES, CACHE_UC, CACHE_WB, CACHE_WC, CONTENT_ZERO, PAGE_ABSENT, PAGE_ALLOCATED, PAGE_FREE, PAGE_PCP, PAGE_RESERVED,
  PAGE_STATE_NAMES, PG_BUDDY, PG_CACHE_MASK, PG_CACHE_SHIFT, PG_COMPOUND, PG_HEAD, PG_MOVABLE,
} from '../../src/mem/page-state.ts';

describe('page states', () => {
  it('are 0..4 with absent as 0 (a zero-filled state array means "no page frames")', () => {
    expect([PAGE_ABSENT, PAGE_RESERVED, PAGE_FREE, PAGE_PCP, PAGE_ALLOCATED]).toEqual([0, 1, 2, 3, 4]);
  });

  it('have one display name per value, indexed by the value', () => {
    expect(PAGE_STATE_NAMES).toEqual(['absent', 'reserved', 'free', 'pcp', 'allocated']);
    expect(PAGE_STATE_NAMES[PAGE_PCP]).toBe('pcp');
  });
});

describe('page flags', () => {
  it('are distinct single bits below the caching field', () => {
    const flags = [PG_BUDDY, PG_HEAD, PG_COMPOUND, PG_MOVABLE];
    expect(flags).toEqual([0x01, 0x02, 0x04, 0x08]);
    expect(flags.reduce((a, b) => a | b, 0)).toBe(0x0f);
    for (const flag of flags) expect(flag & PG_CACHE_MASK).toBe(0);
  });

  it('keep the two-bit caching attribute at PG_CACHE_SHIFT, and every attribute fits the mask', () => {
    expect(PG_CACHE_SHIFT).toBe(4);
    expect(PG_CACHE_MASK).toBe(0b11 << PG_CACHE_SHIFT);
    for (const attr of [CACHE_WB, CACHE_WC, CACHE_UC]) {
      const encoded = attr << PG_CACHE_SHIFT;
      expect(encoded & ~PG_CACHE_MASK).toBe(0);
      expect((encoded & PG_CACHE_MASK) >> PG_CACHE_SHIFT).toBe(attr);
    }
  });

  it('fit with the caching field in the one byte per page that PageTable.flags stores', () => {
    expect((PG_BUDDY | PG_HEAD | PG_COMPOUND | PG_MOVABLE | PG_CACHE_MASK) & ~0xff).toBe(0);
  });
});

describe('caching attributes and content', () => {
  it('number WB/WC/UC as 0/1/2 with matching names (write-back is the zero default)', () => {
    expect([CACHE_WB, CACHE_WC, CACHE_UC]).toEqual([0, 1, 2]);
    expect(CACHE_ATTR_NAMES).toEqual(['cached', 'write-combined', 'uncached']);
  });

  it('uses content tag 0 for zero-filled pages', () => {
    expect(CONTENT_ZERO).toBe(0);
  });
});
