// CMA entry points at their edges: argument checks of the bitmap arithmetic, cma_alloc, cma_release and cma_alloc_bulk (unsigned or VM_BUG_ON in Linux 6.1 mm/cma.c), the empty-area and count-0 failures, bulk's stop on a non-EBUSY error, and the counters in the state hash.
import { describe, expect, it } from 'vitest';
import { StateHasher } from '../../src/base/hash.ts';
import { cmaAlloc, CmaArea, cmaRelease } from '../../src/cma/cma-area.ts';
import { CmaBitmap, cmaBitmapAlignedMask, cmaBitmapAlignedOffset, cmaBitmapMaxno, cmaBitmapPagesToBits } from '../../src/cma/cma-bitmap.ts';
import { cmaAllocBulk } from '../../src/cma/cma-bulk.ts';
import { bootDefault, mapUser } from '../contig/machine-fixtures.ts';
import { deps, reserved } from './cma-fixtures.ts';

describe('the bitmap arithmetic takes non-negative integers only', () => {
  it.each([
    ['cmaBitmapMaxno pageCount', () => cmaBitmapMaxno(-1, 0)],
    ['cmaBitmapMaxno orderPerBit', () => cmaBitmapMaxno(8, 0.5)],
    ['cmaBitmapPagesToBits pageCount', () => cmaBitmapPagesToBits(1.5, 0)],
    ['cmaBitmapPagesToBits orderPerBit', () => cmaBitmapPagesToBits(8, -1)],
    ['cmaBitmapAlignedMask alignOrder', () => cmaBitmapAlignedMask(-1, 0)],
    ['cmaBitmapAlignedMask orderPerBit', () => cmaBitmapAlignedMask(4, -2)],
    ['cmaBitmapAlignedOffset basePfn', () => cmaBitmapAlignedOffset(-512, 4, 0)],
    ['cmaBitmapAlignedOffset alignOrder', () => cmaBitmapAlignedOffset(512, 0.5, 0)],
    ['cmaBitmapAlignedOffset orderPerBit', () => cmaBitmapAlignedOffset(512, 4, -1)],
    ['CmaBitmap basePfn', () => new CmaBitmap(-1, 64, 0)],
  ])('%s', (what, call) => {
    expect(call).toThrow(new RegExp(`^${what}: expected a non-negative integer, got `));
  });
});

describe('CmaBitmap reserve and clearPages stay inside the area', () => {
  const bitmap = (): CmaBitmap => new CmaBitmap(1024, 64, 1);

  it.each([
    ['a negative bit', (b: CmaBitmap) => b.reserve(-1, 1), /reserve: bits \[-1, 0\) outside 32/],
    ['bits past maxno', (b: CmaBitmap) => b.reserve(31, 2), /reserve: bits \[31, 33\) outside 32/],
    ['bits already set', (b: CmaBitmap) => (b.reserve(4, 4), b.reserve(6, 1)), /reserve: bits \[6, 7\) already in use/],
    ['a PFN below the base', (b: CmaBitmap) => b.clearPages(1023, 1), /clearPages: pfn 1023 below base 1024/],
    ['pages past the end', (b: CmaBitmap) => b.clearPages(1024 + 60, 6), /clearPages: 6 pages at 1084 overrun the area/],
  ])('asserts on %s', (_what, misuse, message) => {
    expect(() => misuse(bitmap())).toThrow(message);
  });

  it('clears up to the very last bit', () => {
    const b = bitmap();
    b.reserve(30, 2);
    b.clearPages(1024 + 60, 4);
    expect(b.usedBits()).toBe(0);
  });
});

describe('cma_alloc and cma_release arguments', () => {
  it.each([
    [{ pageCount: -1, alignOrder: 0 }, /cmaAlloc: bad page count -1/],
    [{ pageCount: 2.5, alignOrder: 0 }, /cmaAlloc: bad page count 2.5/],
    [{ pageCount: 1, alignOrder: -1 }, /cmaAlloc: bad align order -1/],
    [{ pageCount: 1, alignOrder: 0.5 }, /cmaAlloc: bad align order 0.5/],
    [{ pageCount: 1, alignOrder: 31 }, /cmaAlloc: bad align order 31/],
  ])('cma_alloc(%o) asserts', (request, message) => {
    const machine = bootDefault();
    expect(() => cmaAlloc(reserved(machine), deps(machine), request)).toThrow(message);
  });

  it('accepts align order 30 and fails a count of 0 as CMA_ALLOC_FAIL', () => {
    const machine = bootDefault();
    const area = reserved(machine);
    expect(cmaAlloc(area, deps(machine), { pageCount: 1, alignOrder: 30 }).ok).toBe(false);
    expect(cmaAlloc(area, deps(machine), { pageCount: 0, alignOrder: 0 })).toMatchObject({ ok: false, errno: 'ENOMEM', detail: 'cma_alloc(reserved, 0): count is 0' });
    expect(machine.events.get('cma_alloc_fail')).toBe(2);
  });

  it('fails at once on an area without pages (!cma->count), counting the request as failed', () => {
    const machine = bootDefault();
    const empty = new CmaArea('empty', 0, 0, 0, reserved(machine).owner);
    expect(cmaAlloc(empty, deps(machine), { pageCount: 4, alignOrder: 0 })).toMatchObject({ ok: false, errno: 'ENOMEM', detail: 'cma_alloc(empty, 4): area has no pages' });
    expect(empty.nrPagesFailed).toBe(4n);
    expect(cmaAllocBulk(empty, deps(machine), { alignOrder: 0, order: 0, nrRequests: 2, mode: 'normal' })).toEqual({ chunks: [], nrAllocated: 0, errno: 'EINVAL' });
  });

  it('cma_release asserts on a range running past the area and accepts a count of 0', () => {
    const machine = bootDefault();
    const area = reserved(machine);
    expect(() => cmaRelease(area, deps(machine), area.pfnEnd - 1, 2)).toThrow(/cma_release\(reserved\): 2 pages at \d+ run past the area end/);
    expect(() => cmaRelease(area, deps(machine), area.basePfn, -1)).toThrow(/cma_release\(reserved\): -1 pages/);
    expect(() => cmaRelease(area, deps(machine), area.basePfn, 0.5)).toThrow(/cma_release\(reserved\): 0.5 pages/);
    expect(cmaRelease(area, deps(machine), area.basePfn, 0)).toBe(true);
  });
});

describe('cma_alloc_bulk arguments and outcome', () => {
  it.each([
    [{ order: -1, nrRequests: 1, alignOrder: 0 }, /cmaAllocBulk: bad order -1 or count 1/],
    [{ order: 31, nrRequests: 1, alignOrder: 0 }, /cmaAllocBulk: bad order 31 or count 1/],
    [{ order: 0.5, nrRequests: 1, alignOrder: 0 }, /cmaAllocBulk: bad order 0.5 or count 1/],
    [{ order: 0, nrRequests: -1, alignOrder: 0 }, /cmaAllocBulk: bad order 0 or count -1/],
    [{ order: 0, nrRequests: 1.5, alignOrder: 0 }, /cmaAllocBulk: bad order 0 or count 1.5/],
    [{ order: 0, nrRequests: 1, alignOrder: -1 }, /cmaAllocBulk: bad align order -1/],
    [{ order: 0, nrRequests: 1, alignOrder: 0.5 }, /cmaAllocBulk: bad align order 0.5/],
    [{ order: 0, nrRequests: 1, alignOrder: 31 }, /cmaAllocBulk: bad align order 31/],
  ])('asserts on %o', (request, message) => {
    const machine = bootDefault();
    expect(() => cmaAllocBulk(reserved(machine), deps(machine), { ...request, mode: 'normal' })).toThrow(message);
  });

  it('a complete allocation reports no error and no partial', () => {
    const machine = bootDefault();
    const result = cmaAllocBulk(reserved(machine), deps(machine), { alignOrder: 9, order: 9, nrRequests: 2, mode: 'normal' });
    expect(result).toStrictEqual({ chunks: [reserved(machine).basePfn, reserved(machine).basePfn + 512], nrAllocated: 2 });
    expect(machine.events.get('cma_bulk_partial')).toBe(0);
  });

  it('stops at the first error other than EBUSY (a fatal signal: EINTR)', () => {
    const machine = bootDefault('64M', 'cma=32M');
    mapUser(machine, 2000);
    machine.env.faults.arm('fatal_signal', 1);
    const result = cmaAllocBulk(reserved(machine), deps(machine), { alignOrder: 9, order: 9, nrRequests: 4, mode: 'normal' });
    expect(result).toEqual({ chunks: [], nrAllocated: 0, errno: 'EINTR' });
    expect(machine.events.get('cma_bulk_partial')).toBe(1);
  });
});

describe('the CMA state hash', () => {
  it('covers each area\'s counters', () => {
    const machine = bootDefault();
    const digest = (): string => {
      const hasher = new StateHasher();
      machine.cma.hashInto(hasher);
      return hasher.digestHex();
    };
    const area = reserved(machine);
    const booted = digest();
    area.nrPagesFailed = 1n;
    expect(digest()).not.toBe(booted);
  });
});
