// Boundary cases of CMA reservation (6.1 cma_declare_contiguous_nid / cma_init_reserved_mem / dma_contiguous_reserve): exact limits, adjacency, argument asserts, exact details.
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/base/assert.ts';
import type { Result } from '../../src/base/errno.ts';
import { PAGE_SIZE } from '../../src/base/units.ts';
import { cmaDeclareContiguous, cmaInitReservedMem, dmaContiguousReserve, type CmaReserveContext } from '../../src/cma/cma-reserve.ts';
import { area, bank, big, G, M, placedAt, reservation, small } from './cma-reserve-fixtures.ts';

function failure(result: Result<unknown>): { errno: string; detail: string } | 'ok' {
  return result.ok ? 'ok' : { errno: result.errno, detail: result.detail };
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectAssertion(fn: () => unknown, message: string): void {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(AssertionError);
  expect((error as Error).message).toBe(message);
}

describe('cma_declare_contiguous: argument asserts (programmer errors)', () => {
  const byteCount = 'expected a non-negative integer byte count, got';

  it.each<[string, Parameters<typeof cmaDeclareContiguous>[1], string]>([
    ['negative size', { sizeBytes: -1, name: 'a' }, `cma_declare_contiguous sizeBytes: ${byteCount} -1`],
    ['fractional size', { sizeBytes: 1.5, name: 'a' }, `cma_declare_contiguous sizeBytes: ${byteCount} 1.5`],
    ['negative base', { sizeBytes: 2 * M, baseBytes: -2 * M, name: 'a' }, `cma_declare_contiguous baseBytes: ${byteCount} -2097152`],
    ['negative limit', { sizeBytes: 2 * M, limitBytes: -1, name: 'a' }, `cma_declare_contiguous limitBytes: ${byteCount} -1`],
    ['negative alignment', { sizeBytes: 2 * M, alignmentBytes: -4 * M, name: 'a' }, `cma_declare_contiguous alignmentBytes: ${byteCount} -4194304`],
    ['negative orderPerBit', { sizeBytes: 2 * M, orderPerBit: -1, name: 'a' }, 'cma_declare_contiguous: bad orderPerBit -1'],
    ['fractional orderPerBit', { sizeBytes: 2 * M, orderPerBit: 0.5, name: 'a' }, 'cma_declare_contiguous: bad orderPerBit 0.5'],
  ])('%s throws AssertionError', (_what, request, message) => {
    expectAssertion(() => cmaDeclareContiguous(small, request), message);
  });
});

describe('cma_init_reserved_mem: argument asserts (programmer errors)', () => {
  const dt: CmaReserveContext = { ...small, reserved: [...small.reserved, reservation('linux,cma', 512 * M, 576 * M)] };

  it.each<[string, Parameters<typeof cmaInitReservedMem>[1], string]>([
    ['negative base', { baseBytes: -1, sizeBytes: 64 * M }, 'cma_init_reserved_mem baseBytes: expected a non-negative integer byte count, got -1'],
    ['fractional size', { baseBytes: 512 * M, sizeBytes: 1.5 }, 'cma_init_reserved_mem sizeBytes: expected a non-negative integer byte count, got 1.5'],
    ['negative orderPerBit', { baseBytes: 512 * M, sizeBytes: 64 * M, orderPerBit: -1 }, 'cma_init_reserved_mem: bad orderPerBit -1'],
    ['fractional orderPerBit', { baseBytes: 512 * M, sizeBytes: 64 * M, orderPerBit: 1.5 }, 'cma_init_reserved_mem: bad orderPerBit 1.5'],
  ])('%s throws AssertionError', (_what, request, message) => {
    expectAssertion(() => cmaInitReservedMem(dt, request), message);
  });
});

describe('cma_init_reserved_mem: exact details and boundaries', () => {
  const dt: CmaReserveContext = { ...small, reserved: [...small.reserved, reservation('linux,cma', 512 * M, 576 * M)] };

  it('names each rejection after cma_init_reserved_mem', () => {
    expect(failure(cmaInitReservedMem(dt, { baseBytes: 512 * M, sizeBytes: 0 }))).toEqual({ errno: 'EINVAL', detail: 'cma_init_reserved_mem: sizeBytes 0' });
  });

  it('reports the unaligned base and the region size (end - start) in hex', () => {
    expect(failure(cmaInitReservedMem(dt, { baseBytes: 513 * M, sizeBytes: 62 * M }))).toEqual({
      errno: 'EINVAL',
      detail: 'cma_init_reserved_mem: baseBytes 0x20100000 / sizeBytes 0x3e00000 not a multiple of CMA_MIN_ALIGNMENT_BYTES 0x200000',
    });
  });

  it('a bad name is rejected before anything else (pagelab check)', () => {
    const ctx = { ...dt, cmaAreas: [area('x', 768 * M, 2 * M)] };
    expect(failure(cmaInitReservedMem(ctx, { baseBytes: 512 * M, sizeBytes: 64 * M, name: 'x' }))).toEqual({
      errno: 'EINVAL',
      detail: 'cma_init_reserved_mem: name "x" is already used by another CMA area (pagelab check; Linux does not check)',
    });
  });

  it('a reservation that only touches the region does not make it memblock-reserved', () => {
    const touching = { ...small, reserved: [reservation('below', 510 * M, 512 * M), reservation('above', 576 * M, 578 * M)] };
    expect(failure(cmaInitReservedMem(touching, { baseBytes: 512 * M, sizeBytes: 64 * M }))).toEqual({
      errno: 'EINVAL',
      detail: 'cma_init_reserved_mem: region 0x20000000-0x24000000 is not memblock-reserved',
    });
  });

  it('CMA areas that merely touch the region, or lie far above it, do not clash', () => {
    const ctx = { ...dt, cmaAreas: [area('below', 510 * M, 2 * M), area('above', 576 * M, 2 * M), area('far', 768 * M, 2 * M)] };
    const result = cmaInitReservedMem(ctx, { baseBytes: 512 * M, sizeBytes: 64 * M, name: 'dt' });
    expect(result).toEqual({ ok: true, value: { name: 'dt', pfnStart: (512 * M) / PAGE_SIZE, pfnEnd: (576 * M) / PAGE_SIZE, orderPerBit: 0 } });
  });

  it('a region that ends exactly at the end of its bank is inside it', () => {
    const ctx = { ...small, reserved: [reservation('top', G - 64 * M, G)] };
    expect(placedAt(cmaInitReservedMem(ctx, { baseBytes: G - 64 * M, sizeBytes: 64 * M, name: 'top' }))).toBe(G - 64 * M);
  });
});

describe('cma_declare_contiguous: fixed areas at the boundaries', () => {
  it('a fixed area ending exactly at the end of memory is accepted', () => {
    expect(placedAt(cmaDeclareContiguous(small, { sizeBytes: 16 * M, baseBytes: G - 16 * M, fixed: true, name: 'a' }))).toBe(G - 16 * M);
  });

  it('a fixed area starting exactly at the start of a second bank is inside that bank', () => {
    const split = { ...small, banks: [bank('a', 0, 256 * M), bank('b', 256 * M, G)] };
    expect(placedAt(cmaDeclareContiguous(split, { sizeBytes: 16 * M, baseBytes: 256 * M, fixed: true, name: 'a' }))).toBe(256 * M);
  });

  it('a fixed area at or beyond the end of memory fails the limit check, not the low/high boundary check', () => {
    expect(failure(cmaDeclareContiguous(small, { sizeBytes: 16 * M, baseBytes: G, fixed: true, name: 'a' }))).toEqual({
      errno: 'EINVAL',
      detail: 'cma_declare_contiguous: sizeBytes 0x1000000 at baseBytes 0x40000000 exceeds limitBytes 0x40000000',
    });
    expect(failure(cmaDeclareContiguous(small, { sizeBytes: 16 * M, baseBytes: 2 * G, fixed: true, name: 'a' }))).toEqual({
      errno: 'EINVAL',
      detail: 'cma_declare_contiguous: sizeBytes 0x1000000 at baseBytes 0x80000000 exceeds limitBytes 0x40000000',
    });
  });

  it('a fixed area straddling the end of memory names the boundary', () => {
    expect(failure(cmaDeclareContiguous(small, { sizeBytes: 4 * M, baseBytes: G - 2 * M, fixed: true, name: 'a' }))).toEqual({
      errno: 'EINVAL',
      detail: 'cma_declare_contiguous: fixed area at 0x3fe00000 (sizeBytes 0x400000) crosses the low/high memory boundary 0x40000000',
    });
  });

  it('a fixed area touching a reservation on either side, or below it, does not overlap it', () => {
    const ctx = { ...small, reserved: [...small.reserved, reservation('fw', 64 * M, 66 * M)] };
    expect(placedAt(cmaDeclareContiguous(ctx, { sizeBytes: 2 * M, baseBytes: 62 * M, fixed: true, name: 'a' }))).toBe(62 * M);
    expect(placedAt(cmaDeclareContiguous(ctx, { sizeBytes: 2 * M, baseBytes: 66 * M, fixed: true, name: 'a' }))).toBe(66 * M);
    expect(placedAt(cmaDeclareContiguous(ctx, { sizeBytes: 2 * M, baseBytes: 40 * M, fixed: true, name: 'a' }))).toBe(40 * M);
    expect(failure(cmaDeclareContiguous(ctx, { sizeBytes: 4 * M, baseBytes: 62 * M, fixed: true, name: 'a' }))).toEqual({
      errno: 'EBUSY',
      detail: 'cma_declare_contiguous: fixed area 0x3e00000-0x4200000 overlaps an existing reservation',
    });
  });
});

describe('cma_declare_contiguous: floating placement edges', () => {
  it('a limit above the end of memory is clamped to it (limit check, not ENOMEM)', () => {
    expect(failure(cmaDeclareContiguous(small, { sizeBytes: 2 * M, baseBytes: 2 * G, limitBytes: 4 * G, name: 'a' }))).toEqual({
      errno: 'EINVAL',
      detail: 'cma_declare_contiguous: sizeBytes 0x200000 at baseBytes 0x80000000 exceeds limitBytes 0x40000000',
    });
  });

  it('banks given out of address order are searched from the highest address down', () => {
    const ctx = { ...small, banks: [bank('b', 512 * M, G), bank('a', 0, 512 * M)] };
    expect(placedAt(cmaDeclareContiguous(ctx, { sizeBytes: 16 * M, name: 'a' }))).toBe(G - 16 * M);
  });

  it('a reservation in a later bank does not extend the free range of an earlier bank', () => {
    const ctx: CmaReserveContext = {
      banks: [bank('a', 0, 512 * M), bank('b', 512 * M, G)],
      reserved: [reservation('kernel', M, 33 * M), reservation('fw', 520 * M, G)],
      cmaAreas: [],
    };
    expect(placedAt(cmaDeclareContiguous(ctx, { sizeBytes: 16 * M, name: 'a' }))).toBe(496 * M);
  });

  it('bottom-up takes a hole that fits exactly', () => {
    const ctx = { ...small, memblockBottomUp: true, reserved: [...small.reserved, reservation('fw', 50 * M, 52 * M)] };
    expect(placedAt(cmaDeclareContiguous(ctx, { sizeBytes: 16 * M, name: 'a' }))).toBe(34 * M);
  });

  it('with memblock bottom-up there is no separate attempt from 4 GiB', () => {
    expect(placedAt(cmaDeclareContiguous({ ...big, memblockBottomUp: true }, { sizeBytes: 64 * M, name: 'a' }))).toBe(34 * M);
  });

  it('the order_per_bit rejection after placement is reported by cma_init_reserved_mem', () => {
    expect(failure(cmaDeclareContiguous(small, { sizeBytes: 4 * M, orderPerBit: 10, name: 'a' }))).toEqual({
      errno: 'EINVAL',
      detail: 'cma_init_reserved_mem: orderPerBit 10: CMA_MIN_ALIGNMENT_PAGES (512) is not a multiple of 2^orderPerBit',
    });
  });
});

describe('dma_contiguous_reserve: what it takes from cma=', () => {
  it('the command-line limit applies when the architecture gives none', () => {
    expect(placedAt(dmaContiguousReserve(small, { sizeBytes: 64 * M, baseBytes: 256 * M, limitBytes: 512 * M, fixed: false }))).toBe(448 * M);
  });

  it('the command-line base bounds a bottom-up search', () => {
    const ctx = { ...small, memblockBottomUp: true };
    expect(placedAt(dmaContiguousReserve(ctx, { sizeBytes: 64 * M, baseBytes: 256 * M, limitBytes: 512 * M, fixed: false }))).toBe(256 * M);
  });

  it('a fixed command-line area is reserved exactly at base (EBUSY when taken), never moved', () => {
    const ctx = { ...small, reserved: [...small.reserved, reservation('fw', 300 * M, 302 * M)] };
    expect(failure(dmaContiguousReserve(ctx, { sizeBytes: 64 * M, baseBytes: 256 * M, limitBytes: 320 * M, fixed: true }))).toEqual({
      errno: 'EBUSY',
      detail: 'cma_declare_contiguous: fixed area 0x10000000-0x14000000 overlaps an existing reservation',
    });
  });

  it('without cma= the default area floats', () => {
    expect(placedAt(dmaContiguousReserve(small, undefined))).toBe(G - 16 * M);
  });
});
