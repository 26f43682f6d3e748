// GFP flags (src/mem/gfp.ts): bit values and composites equal Linux 6.1 include/linux/gfp_types.h; parseGfp/formatGfp text form and errors.
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/env/rng.ts';
import * as gfp from '../../src/mem/gfp.ts';
import { formatGfp, parseGfp } from '../../src/mem/gfp.ts';

describe('single flags equal Linux 6.1 ___GFP_* bits (include/linux/gfp_types.h, "Plain integer GFP bitmasks")', () => {
  it.each<[string, number]>([
    ['__GFP_DMA', 0x01],
    ['__GFP_HIGHMEM', 0x02],
    ['__GFP_DMA32', 0x04],
    ['__GFP_MOVABLE', 0x08],
    ['__GFP_RECLAIMABLE', 0x10],
    ['__GFP_HIGH', 0x20],
    ['__GFP_IO', 0x40],
    ['__GFP_FS', 0x80],
    ['__GFP_ZERO', 0x100],
    ['__GFP_ATOMIC', 0x200],
    ['__GFP_DIRECT_RECLAIM', 0x400],
    ['__GFP_KSWAPD_RECLAIM', 0x800],
    ['__GFP_WRITE', 0x1000],
    ['__GFP_NOWARN', 0x2000],
    ['__GFP_RETRY_MAYFAIL', 0x4000],
    ['__GFP_NOFAIL', 0x8000],
    ['__GFP_NORETRY', 0x10000],
    ['__GFP_MEMALLOC', 0x20000],
    ['__GFP_COMP', 0x40000],
    ['__GFP_NOMEMALLOC', 0x80000],
    ['__GFP_HARDWALL', 0x100000],
    ['__GFP_THISNODE', 0x200000],
  ])('%s is %i', (name, value) => {
    expect((gfp as unknown as Record<string, number>)[name]).toBe(value);
  });
});

describe('composite masks equal Linux 6.1 (include/linux/gfp_types.h, "Useful GFP flag combinations")', () => {
  it('__GFP_RECLAIM = __GFP_DIRECT_RECLAIM|__GFP_KSWAPD_RECLAIM = 0xc00', () => {
    expect(gfp.__GFP_RECLAIM).toBe(0xc00);
  });

  it('GFP_KERNEL = __GFP_RECLAIM|__GFP_IO|__GFP_FS = 0xcc0', () => {
    expect(gfp.GFP_KERNEL).toBe(0xcc0);
    expect(gfp.GFP_KERNEL).toBe(gfp.__GFP_RECLAIM | gfp.__GFP_IO | gfp.__GFP_FS);
  });

  it('GFP_ATOMIC = __GFP_HIGH|__GFP_ATOMIC|__GFP_KSWAPD_RECLAIM = 0xa20 (6.1; 6.3 dropped __GFP_ATOMIC)', () => {
    expect(gfp.GFP_ATOMIC).toBe(0xa20);
  });

  it('GFP_NOWAIT = 0x800, GFP_NOIO = 0xc00, GFP_NOFS = 0xc40', () => {
    expect(gfp.GFP_NOWAIT).toBe(0x800);
    expect(gfp.GFP_NOIO).toBe(0xc00);
    expect(gfp.GFP_NOFS).toBe(0xc40);
  });

  it('GFP_USER = 0x100cc0 and GFP_HIGHUSER = 0x100cc2', () => {
    expect(gfp.GFP_USER).toBe(0x100cc0);
    expect(gfp.GFP_HIGHUSER).toBe(0x100cc2);
  });

  // 6.1 also ORs __GFP_SKIP_KASAN_POISON|__GFP_SKIP_KASAN_UNPOISON, which are 0 without CONFIG_KASAN_HW_TAGS.
  it('GFP_HIGHUSER_MOVABLE = GFP_HIGHUSER|__GFP_MOVABLE = 0x100cca', () => {
    expect(gfp.GFP_HIGHUSER_MOVABLE).toBe(0x100cca);
  });

  it('GFP_TRANSHUGE_LIGHT = (GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_NOMEMALLOC|__GFP_NOWARN) & ~__GFP_RECLAIM = 0x1c20ca', () => {
    expect(gfp.GFP_TRANSHUGE_LIGHT).toBe(0x1c20ca);
    expect(gfp.GFP_TRANSHUGE_LIGHT & gfp.__GFP_RECLAIM).toBe(0);
  });
});

describe('parseGfp', () => {
  it('parses single names and composites', () => {
    expect(parseGfp('GFP_KERNEL')).toEqual({ ok: true, value: 0xcc0 });
    expect(parseGfp('__GFP_ZERO')).toEqual({ ok: true, value: 0x100 });
    expect(parseGfp('__GFP_RECLAIM')).toEqual({ ok: true, value: 0xc00 });
  });

  it('ORs terms separated by | or by commas, ignoring spaces around them', () => {
    expect(parseGfp('GFP_KERNEL|__GFP_ZERO')).toEqual({ ok: true, value: 0xdc0 });
    expect(parseGfp('GFP_KERNEL,__GFP_ZERO')).toEqual({ ok: true, value: 0xdc0 });
    expect(parseGfp(' GFP_KERNEL | __GFP_COMP ,__GFP_NOWARN ')).toEqual({ ok: true, value: 0xcc0 | 0x40000 | 0x2000 });
  });

  it('clears the bits of a ~NAME term, applying terms left to right', () => {
    expect(parseGfp('GFP_HIGHUSER_MOVABLE|~__GFP_RECLAIM')).toEqual({ ok: true, value: 0x1000ca });
    expect(parseGfp('~__GFP_IO|GFP_KERNEL')).toEqual({ ok: true, value: 0xcc0 });
    expect(parseGfp('~__GFP_IO')).toEqual({ ok: true, value: 0 });
  });

  it('takes bare decimal or 0x-hex numbers as masks, and ~NUMBER clears them', () => {
    expect(parseGfp('0xcc0')).toEqual({ ok: true, value: 0xcc0 });
    expect(parseGfp('3264')).toEqual({ ok: true, value: 0xcc0 });
    expect(parseGfp('GFP_KERNEL|~0x80')).toEqual({ ok: true, value: 0xc40 });
  });

  it('rejects an unknown name with EINVAL naming the term and the whole text', () => {
    expect(parseGfp('GFP_KERNEL|__GFP_BOGUS')).toEqual({ ok: false, errno: 'EINVAL', detail: 'unknown gfp flag "__GFP_BOGUS" in "GFP_KERNEL|__GFP_BOGUS"' });
  });

  it('rejects names pagelab does not model (GFP_DMA, __GFP_ACCOUNT), lower case, and empty terms', () => {
    for (const text of ['GFP_DMA', '__GFP_ACCOUNT', 'gfp_kernel', '', 'GFP_KERNEL|', 'GFP_KERNEL||__GFP_ZERO', '0x', '-1', '~']) {
      const result = parseGfp(text);
      expect(result.ok, text).toBe(false);
      if (!result.ok) expect(result.errno).toBe('EINVAL');
    }
    expect(parseGfp('')).toEqual({ ok: false, errno: 'EINVAL', detail: 'unknown gfp flag "" in ""' });
  });
});

describe('formatGfp', () => {
  it('names a composite by itself', () => {
    expect(formatGfp(gfp.GFP_KERNEL)).toBe('GFP_KERNEL');
    expect(formatGfp(gfp.GFP_HIGHUSER_MOVABLE)).toBe('GFP_HIGHUSER_MOVABLE');
    expect(formatGfp(gfp.GFP_ATOMIC)).toBe('GFP_ATOMIC');
    expect(formatGfp(gfp.GFP_NOWAIT)).toBe('GFP_NOWAIT');
  });

  it('prefers the largest composite, then single flags in bit order', () => {
    expect(formatGfp(gfp.GFP_KERNEL | gfp.__GFP_ZERO | gfp.__GFP_COMP)).toBe('GFP_KERNEL|__GFP_ZERO|__GFP_COMP');
    expect(formatGfp(gfp.GFP_USER | gfp.__GFP_MOVABLE)).toBe('GFP_USER|__GFP_MOVABLE');
  });

  it('prints __GFP_RECLAIM alone as GFP_NOIO (same value), never as __GFP_RECLAIM', () => {
    expect(formatGfp(0xc00)).toBe('GFP_NOIO');
  });

  it('falls back to single flags when reclaim bits are cleared (GFP_TRANSHUGE_LIGHT)', () => {
    expect(formatGfp(gfp.GFP_TRANSHUGE_LIGHT)).toBe('__GFP_HIGHMEM|__GFP_MOVABLE|__GFP_IO|__GFP_FS|__GFP_NOWARN|__GFP_COMP|__GFP_NOMEMALLOC|__GFP_HARDWALL');
  });

  it('prints 0 as "0" and unknown bits as one trailing hex term', () => {
    expect(formatGfp(0)).toBe('0');
    expect(formatGfp(0x400000)).toBe('0x400000');
    expect(formatGfp(gfp.GFP_KERNEL | 0x1400000)).toBe('GFP_KERNEL|0x1400000');
  });

  it('round-trips through parseGfp for every 23-bit mask sampled', () => {
    const rng = createRng('gfp-roundtrip');
    for (let i = 0; i < 3000; i++) {
      const mask = rng.int(0, 2 ** 23 - 1);
      expect(parseGfp(formatGfp(mask))).toEqual({ ok: true, value: mask });
    }
  });
});

describe('gfp_t is 32 bits', () => {
  it('parseGfp refuses a numeric mask above 32 bits instead of dropping the high bits', () => {
    const result = parseGfp('0x100000cc0');
    expect(result).toEqual({ ok: false, errno: 'EINVAL', detail: 'gfp mask "0x100000cc0" in "0x100000cc0" does not fit the 32-bit gfp_t' });
  });

  it('parseGfp takes the largest 32-bit mask, 0xffffffff', () => {
    expect(parseGfp('0xffffffff')).toEqual({ ok: true, value: 0xffff_ffff });
  });

  it('bit 31 stays a positive mask and formats as hex', () => {
    const result = parseGfp('0x80000000|GFP_KERNEL');
    expect(result).toEqual({ ok: true, value: 0x80000000 + gfp.GFP_KERNEL });
    expect(formatGfp(0x80000000 + gfp.GFP_KERNEL)).toBe('GFP_KERNEL|0x80000000');
  });
});
