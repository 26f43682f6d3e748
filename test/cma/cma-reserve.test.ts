// CMA reservation checks and placement (6.1 cma_declare_contiguous_nid / cma_init_reserved_mem / dma_contiguous_reserve).
import { describe, expect, it } from 'vitest';
import type { Result } from '../../src/base/errno.ts';
import { PAGE_SIZE } from '../../src/base/units.ts';
import {
  CMA_MIN_ALIGNMENT_BYTES,
  MAX_CMA_AREAS,
  cmaDeclareContiguous,
  cmaInitReservedMem,
  dmaContiguousReserve,
  type CmaReserveContext,
} from '../../src/cma/cma-reserve.ts';
import type { CmaRange } from '../../src/mem/platform.ts';
import { area, bank, big, G, M, placedAt, reservation, small } from './cma-reserve-fixtures.ts';

function errnoOf(result: Result<unknown>): string {
  return result.ok ? 'ok' : result.errno;
}

describe('cma_declare_contiguous placement', () => {
  it('places top-down below 4 GiB + size, inside [base, limit)', () => {
    expect(placedAt(cmaDeclareContiguous(small, { sizeBytes: 16 * M, name: 'a' }))).toBe(G - 16 * M);
    const withTop = { ...small, reserved: [...small.reserved, reservation('fw', G - 4 * M, G)] };
    expect(placedAt(cmaDeclareContiguous(withTop, { sizeBytes: 16 * M, name: 'a' }))).toBe(G - 20 * M);
    expect(placedAt(cmaDeclareContiguous(small, { sizeBytes: 16 * M, limitBytes: 512 * M, name: 'a' }))).toBe(496 * M);
  });

  it('returns the requested name, page range and order_per_bit', () => {
    const result = cmaDeclareContiguous(small, { sizeBytes: 16 * M, orderPerBit: 2, name: 'video' });
    expect(result).toEqual({ ok: true, value: { name: 'video', pfnStart: (G - 16 * M) / PAGE_SIZE, pfnEnd: G / PAGE_SIZE, orderPerBit: 2 } });
  });

  it('on 64-bit tries bottom-up from 4 GiB first when memory reaches 4 GiB + size', () => {
    expect(placedAt(cmaDeclareContiguous(big, { sizeBytes: 64 * M, name: 'a' }))).toBe(4 * G);
    const busy = { ...big, reserved: [...big.reserved, reservation('fw', 4 * G, 4 * G + PAGE_SIZE)] };
    expect(placedAt(cmaDeclareContiguous(busy, { sizeBytes: 64 * M, name: 'a' }))).toBe(4 * G + 2 * M);
  });

  it('the bottom-up attempt ignores base (6.1): cma=64M@6G-8G lands at 4 GiB', () => {
    expect(placedAt(cmaDeclareContiguous(big, { sizeBytes: 64 * M, baseBytes: 6 * G, limitBytes: 8 * G, name: 'a' }))).toBe(4 * G);
  });

  it('falls back to top-down in [base, limit) when the limit is below 4 GiB + size', () => {
    expect(placedAt(cmaDeclareContiguous(big, { sizeBytes: 64 * M, limitBytes: G, name: 'a' }))).toBe(G - 64 * M);
    expect(placedAt(cmaDeclareContiguous(big, { sizeBytes: 64 * M, limitBytes: 4 * G + 32 * M, name: 'a' }))).toBe(4 * G - 64 * M);
  });

  it('with memblock bottom-up it takes the lowest aligned hole above base', () => {
    const ctx = { ...small, memblockBottomUp: true };
    expect(placedAt(cmaDeclareContiguous(ctx, { sizeBytes: 16 * M, name: 'a' }))).toBe(34 * M);
  });

  it('never places across two banks, even when they touch', () => {
    const split: CmaReserveContext = { banks: [bank('a', 0, 40 * M), bank('b', 40 * M, 64 * M)], reserved: [reservation('k', 30 * M, 34 * M)], cmaAreas: [] };
    expect(placedAt(cmaDeclareContiguous(split, { sizeBytes: 16 * M, name: 'a' }))).toBe(48 * M);
    expect(placedAt(cmaDeclareContiguous(split, { sizeBytes: 24 * M, name: 'a' }))).toBe(40 * M);
    expect(errnoOf(cmaDeclareContiguous(split, { sizeBytes: 32 * M, name: 'a' }))).toBe('ENOMEM');
  });

  it('rounds size and base up, and the limit down, to max(alignment, 2 MiB)', () => {
    const tiny = cmaDeclareContiguous(small, { sizeBytes: 1, name: 'a' });
    expect(tiny.ok && tiny.value.pfnEnd - tiny.value.pfnStart).toBe(CMA_MIN_ALIGNMENT_BYTES / PAGE_SIZE);
    const three = cmaDeclareContiguous(small, { sizeBytes: 3 * M, alignmentBytes: 4 * M, name: 'a' });
    expect(three.ok && (three.value.pfnEnd - three.value.pfnStart) * PAGE_SIZE).toBe(4 * M);
    expect(placedAt(three) % (4 * M)).toBe(0);
    expect(placedAt(cmaDeclareContiguous({ ...small, memblockBottomUp: true }, { sizeBytes: 2 * M, baseBytes: 35 * M, name: 'a' }))).toBe(36 * M);
  });

  it('a limit below the alignment rounds to 0, which means the end of memory', () => {
    expect(placedAt(cmaDeclareContiguous(small, { sizeBytes: 16 * M, limitBytes: M, name: 'a' }))).toBe(G - 16 * M);
  });

  it('fixed reserves exactly at base; base 0 turns fixed off', () => {
    expect(placedAt(cmaDeclareContiguous(small, { sizeBytes: 16 * M, baseBytes: 256 * M, fixed: true, name: 'a' }))).toBe(256 * M);
    expect(placedAt(cmaDeclareContiguous(small, { sizeBytes: 16 * M, baseBytes: 0, fixed: true, name: 'a' }))).toBe(G - 16 * M);
  });

  it('names: default cma<N>, truncated to 63 characters', () => {
    const first = cmaDeclareContiguous(small, { sizeBytes: 2 * M });
    expect(first.ok && first.value.name).toBe('cma0');
    const second = cmaDeclareContiguous({ ...small, cmaAreas: [area('x', 512 * M, 2 * M)] }, { sizeBytes: 2 * M });
    expect(second.ok && second.value.name).toBe('cma1');
    const long = cmaDeclareContiguous(small, { sizeBytes: 2 * M, name: 'n'.repeat(80) });
    expect(long.ok && long.value.name).toBe('n'.repeat(63));
  });
});

describe('cma_declare_contiguous errors', () => {
  const full: CmaReserveContext = { ...small, cmaAreas: Array.from({ length: MAX_CMA_AREAS }, (_, i) => area(`a${i}`, 512 * M + i * 2 * M, 2 * M)) };

  it.each<[string, CmaReserveContext, Parameters<typeof cmaDeclareContiguous>[1], string, string]>([
    ['all slots used', full, { sizeBytes: 2 * M, name: 'z' }, 'ENOSPC', 'MAX_CMA_AREAS'],
    ['size 0', small, { sizeBytes: 0, name: 'z' }, 'EINVAL', 'sizeBytes 0'],
    ['alignment not a power of two', small, { sizeBytes: 2 * M, alignmentBytes: 3 * M, name: 'z' }, 'EINVAL', 'alignmentBytes 3145728'],
    ['fixed base not aligned', small, { sizeBytes: 2 * M, baseBytes: 3 * M, fixed: true, name: 'z' }, 'EINVAL', 'baseBytes 0x300000'],
    ['size not a multiple of PAGE_SIZE << opb', small, { sizeBytes: 2 * M, orderPerBit: 10, name: 'z' }, 'EINVAL', 'PAGE_SIZE << orderPerBit'],
    ['opb above pageblock_order (cma_init_reserved_mem)', small, { sizeBytes: 4 * M, orderPerBit: 10, name: 'z' }, 'EINVAL', 'CMA_MIN_ALIGNMENT_PAGES'],
    ['fixed area across the end of memory', small, { sizeBytes: 4 * M, baseBytes: G - 2 * M, fixed: true, name: 'z' }, 'EINVAL', 'low/high memory boundary'],
    ['base + size > limit', small, { sizeBytes: 64 * M, baseBytes: 512 * M, limitBytes: 544 * M, name: 'z' }, 'EINVAL', 'exceeds limitBytes 0x22000000'],
    ['floating base beyond memory', small, { sizeBytes: 2 * M, baseBytes: 2 * G, name: 'z' }, 'EINVAL', 'exceeds limitBytes'],
    ['fixed over a boot reservation', small, { sizeBytes: 4 * M, baseBytes: 32 * M, fixed: true, name: 'z' }, 'EBUSY', 'overlaps an existing reservation'],
    ['fixed over another CMA area', { ...small, cmaAreas: [area('x', 512 * M, 8 * M)] }, { sizeBytes: 4 * M, baseBytes: 516 * M, fixed: true, name: 'z' }, 'EBUSY', 'overlaps'],
    ['fixed in a hole between banks', { ...small, banks: [bank('a', 0, 256 * M), bank('b', 512 * M, G)] }, { sizeBytes: 4 * M, baseBytes: 300 * M, fixed: true, name: 'z' }, 'EINVAL', 'not inside one bank'],
    ['floating with no room', small, { sizeBytes: 2 * G - 64 * M, name: 'z' }, 'EINVAL', 'exceeds limitBytes'],
    ['floating with no hole large enough', { ...small, reserved: [reservation('k', M, 600 * M)] }, { sizeBytes: 512 * M, name: 'z' }, 'ENOMEM', 'no free'],
    ['duplicate name (pagelab check)', { ...small, cmaAreas: [area('video', 512 * M, 2 * M)] }, { sizeBytes: 2 * M, name: 'video' }, 'EINVAL', 'already used'],
    ['name with a slash (pagelab check)', small, { sizeBytes: 2 * M, name: 'a/b' }, 'EINVAL', 'name "a/b"'],
    ['empty name (pagelab check)', small, { sizeBytes: 2 * M, name: '' }, 'EINVAL', 'empty'],
  ])('%s → %s', (_what, ctx, request, errno, detail) => {
    const result = cmaDeclareContiguous(ctx, request);
    expect(errnoOf(result)).toBe(errno);
    expect(!result.ok && result.detail).toContain(detail);
  });
});

describe('cma_init_reserved_mem', () => {
  const dt: CmaReserveContext = { ...small, reserved: [...small.reserved, reservation('linux,cma', 512 * M, 576 * M)] };

  it('turns a reserved, aligned region into an area', () => {
    expect(cmaInitReservedMem(dt, { baseBytes: 512 * M, sizeBytes: 64 * M, name: 'linux,cma' })).toEqual({
      ok: true,
      value: { name: 'linux,cma', pfnStart: (512 * M) / PAGE_SIZE, pfnEnd: (576 * M) / PAGE_SIZE, orderPerBit: 0 },
    });
  });

  it.each<[string, CmaReserveContext, Parameters<typeof cmaInitReservedMem>[1], string, string]>([
    ['all slots used', { ...dt, maxAreas: 0 }, { baseBytes: 512 * M, sizeBytes: 64 * M }, 'ENOSPC', 'slots'],
    ['size 0', dt, { baseBytes: 512 * M, sizeBytes: 0 }, 'EINVAL', 'sizeBytes 0'],
    ['not memblock-reserved', dt, { baseBytes: 768 * M, sizeBytes: 64 * M }, 'EINVAL', 'not memblock-reserved'],
    ['opb above pageblock_order', dt, { baseBytes: 512 * M, sizeBytes: 64 * M, orderPerBit: 10 }, 'EINVAL', 'orderPerBit 10'],
    ['base not 2 MiB aligned', dt, { baseBytes: 513 * M, sizeBytes: 62 * M }, 'EINVAL', 'CMA_MIN_ALIGNMENT_BYTES'],
    ['size not 2 MiB aligned', dt, { baseBytes: 512 * M, sizeBytes: 63 * M }, 'EINVAL', 'CMA_MIN_ALIGNMENT_BYTES'],
    ['outside every bank (pagelab check)', { ...dt, reserved: [reservation('far', 2 * G, 2 * G + 64 * M)] }, { baseBytes: 2 * G, sizeBytes: 64 * M }, 'EINVAL', 'not inside one bank'],
    ['overlapping another area (pagelab check)', { ...dt, cmaAreas: [area('x', 512 * M, 2 * M)] }, { baseBytes: 512 * M, sizeBytes: 64 * M }, 'EBUSY', 'overlaps CMA area "x"'],
  ])('%s → %s', (_what, ctx, request, errno, detail) => {
    const result = cmaInitReservedMem(ctx, request);
    expect(errnoOf(result)).toBe(errno);
    expect(!result.ok && result.detail).toContain(detail);
  });
});

describe('dma_contiguous_reserve', () => {
  it('declares "reserved" with CONFIG_CMA_SIZE_MBYTES (16 MiB) when there is no cma=', () => {
    const result = dmaContiguousReserve(small, undefined);
    expect(result.ok && result.value?.name).toBe('reserved');
    expect(result.ok && result.value && (result.value.pfnEnd - result.value.pfnStart) * PAGE_SIZE).toBe(16 * M);
  });

  it('declares nothing for size 0 (cma=0, or an x86 config without cma=)', () => {
    expect(dmaContiguousReserve(small, { sizeBytes: 0, fixed: true })).toEqual({ ok: true, value: undefined });
    expect(dmaContiguousReserve(small, undefined, { defaultSizeBytes: 0 })).toEqual({ ok: true, value: undefined });
  });

  it('uses base and fixed from the command line and min_not_zero(limit, arch limit)', () => {
    const fixed = dmaContiguousReserve(small, { sizeBytes: 64 * M, baseBytes: 256 * M, limitBytes: 320 * M, fixed: true });
    expect(placedAt(fixed as Result<CmaRange>)).toBe(256 * M);
    const limited = dmaContiguousReserve(small, { sizeBytes: 64 * M, fixed: false }, { archLimitBytes: 512 * M });
    expect(placedAt(limited as Result<CmaRange>)).toBe(448 * M);
    const both = dmaContiguousReserve(small, { sizeBytes: 64 * M, baseBytes: 0, limitBytes: 256 * M, fixed: false }, { archLimitBytes: 512 * M });
    expect(placedAt(both as Result<CmaRange>)).toBe(192 * M);
  });
});
