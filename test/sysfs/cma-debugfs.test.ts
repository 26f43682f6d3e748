// `echo N > /sys/kernel/debug/cma/AREA/{alloc,free}` as Linux 6.1 reads it, and the mem_head list behind free.
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/base/assert.ts';
import { CmaBitmap } from '../../src/cma/cma-bitmap.ts';
import {
  CmaDebugList,
  SIMPLE_ATTR_SET_BUF_BYTES,
  parseDebugfsPages,
  parseSimpleAttrWrite,
  planCmaDebugfsAlloc,
  u64ToInt,
} from '../../src/sysfs/cma-debugfs.ts';

const U64_MAX = (1n << 64n) - 1n;

describe('simple_attr_write + kstrtoull(buf, 0)', () => {
  it.each<[string, bigint | 'EINVAL' | 'ERANGE']>([
    ['5\n', 5n],
    ['5', 5n],
    ['0\n', 0n],
    ['+5\n', 5n],
    ['0x10\n', 16n],
    ['0X1f\n', 31n],
    ['010\n', 8n],
    ['007\n', 7n],
    ['4294967296\n', 4294967296n],
    ['18446744073709551615\n', U64_MAX],
    ['0xffffffffffffffff\n', U64_MAX],
    ['18446744073709551616\n', 'ERANGE'],
    ['0x10000000000000000\n', 'ERANGE'],
    ['99999999999999999999999999\n', 'ERANGE'],
    ['000000000000000000000000005\n', 0n],
    ['5\u0000junk', 5n],
    ['08\n', 'EINVAL'],
    ['0x\n', 'EINVAL'],
    ['0xg\n', 'EINVAL'],
    ['-1\n', 'EINVAL'],
    ['-0\n', 'EINVAL'],
    ['++5\n', 'EINVAL'],
    ['+\n', 'EINVAL'],
    [' 5\n', 'EINVAL'],
    ['5 \n', 'EINVAL'],
    ['5 6\n', 'EINVAL'],
    ['5\n\n', 'EINVAL'],
    ['\n', 'EINVAL'],
    ['', 'EINVAL'],
    ['abc\n', 'EINVAL'],
    ['1e3\n', 'EINVAL'],
    ['16M\n', 'EINVAL'],
    ['0b101\n', 'EINVAL'],
    ['٣\n', 'EINVAL'],
  ])('write %j → %s', (written, expected) => {
    const result = parseSimpleAttrWrite(written);
    if (typeof expected === 'bigint') expect(result).toEqual({ ok: true, value: expected });
    else expect(!result.ok && result.errno).toBe(expected);
  });

  it('only the first 23 bytes are parsed', () => {
    expect(SIMPLE_ATTR_SET_BUF_BYTES - 1).toBe(23);
    expect(parseSimpleAttrWrite(`${'1'.repeat(19)}\n`).ok).toBe(true);
    expect(parseSimpleAttrWrite(`${'0'.repeat(22)}7junk`)).toEqual({ ok: true, value: 7n });
  });
});

describe('int pages = val', () => {
  it.each<[bigint, number]>([
    [5n, 5],
    [2147483647n, 2147483647],
    [2147483648n, -2147483648],
    [4294967295n, -1],
    [4294967296n, 0],
    [4294967297n, 1],
    [U64_MAX, -1],
  ])('%s → %i', (value, pages) => {
    expect(u64ToInt(value)).toBe(pages);
  });

  it('parseDebugfsPages composes both steps', () => {
    expect(parseDebugfsPages('4294967300\n')).toEqual({ ok: true, value: 4 });
    expect(parseDebugfsPages('-4\n')).toMatchObject({ ok: false, errno: 'EINVAL' });
  });
});

describe('cma_alloc_mem(area, pages) plan', () => {
  const area = (orderPerBit: number) => new CmaBitmap(0x1000, 64, orderPerBit);

  it('a positive count within the area is a real cma_alloc', () => {
    expect(planCmaDebugfsAlloc(5, area(0))).toEqual({ kind: 'alloc', pageCount: 5 });
    expect(planCmaDebugfsAlloc(64, area(2))).toEqual({ kind: 'alloc', pageCount: 64 });
  });

  it('count 0 and counts beyond the area fail before any alloc_contig_range (ENOMEM)', () => {
    expect(planCmaDebugfsAlloc(0, area(0))).toMatchObject({ kind: 'fail', countPages: 0n });
    expect(planCmaDebugfsAlloc(65, area(0))).toMatchObject({ kind: 'fail', countPages: 65n });
    expect(planCmaDebugfsAlloc(65, area(2))).toMatchObject({ kind: 'fail' });
  });

  it('negative counts fail as huge unsigned longs when order_per_bit is 0', () => {
    expect(planCmaDebugfsAlloc(-1, area(0))).toMatchObject({ kind: 'fail', countPages: U64_MAX });
  });

  it('with order_per_bit > 0, small negative counts wrap ALIGN() to 0 bits: kernel-undefined', () => {
    const plan = planCmaDebugfsAlloc(-1, area(2));
    expect(plan).toMatchObject({ kind: 'kernelUndefined', countPages: U64_MAX, pfn: 0x1000 });
    expect(planCmaDebugfsAlloc(-3, area(2)).kind).toBe('kernelUndefined');
    expect(planCmaDebugfsAlloc(-4, area(2)).kind).toBe('fail');
  });

  it('the wrapped 0-bit request fails cleanly when no bit is clear', () => {
    const full = area(2);
    full.reserve(0, full.bitmapMaxno);
    expect(planCmaDebugfsAlloc(-1, full)).toMatchObject({ kind: 'fail', countPages: U64_MAX });
  });
});

describe('CmaDebugList (mem_head) and cma_free_mem', () => {
  function listOf(orderPerBit: number, ...entries: [number, number][]): CmaDebugList {
    const list = new CmaDebugList(orderPerBit);
    for (const [pfn, pageCount] of entries) list.push(pfn, pageCount);
    return list;
  }

  it('pushes at the head and frees newest first', () => {
    const list = listOf(0, [100, 4], [200, 8], [300, 2]);
    expect(list.entries()).toEqual([{ pfn: 300, pageCount: 2 }, { pfn: 200, pageCount: 8 }, { pfn: 100, pageCount: 4 }]);
    expect(list.free(10)).toEqual([{ pfn: 300, pageCount: 2 }, { pfn: 200, pageCount: 8 }]);
    expect(list.entries()).toEqual([{ pfn: 100, pageCount: 4 }]);
  });

  it('splits an entry only when order_per_bit is 0, releasing its first pages', () => {
    const list = listOf(0, [100, 8]);
    expect(list.free(3)).toEqual([{ pfn: 100, pageCount: 3 }]);
    expect(list.entries()).toEqual([{ pfn: 103, pageCount: 5 }]);
  });

  it('with order_per_bit > 0 stops at the first entry larger than what is left', () => {
    const list = listOf(1, [100, 8], [200, 2]);
    expect(list.free(5)).toEqual([{ pfn: 200, pageCount: 2 }]);
    expect(list.entries()).toEqual([{ pfn: 100, pageCount: 8 }]);
  });

  it('0 frees nothing; an empty list frees nothing; both succeed', () => {
    expect(listOf(0, [100, 8]).free(0)).toEqual([]);
    expect(new CmaDebugList(0).free(5)).toEqual([]);
  });

  it('a negative count (echo 4294967295 > free) releases every entry', () => {
    const list = listOf(2, [100, 8], [200, 4], [300, 12]);
    expect(list.free(u64ToInt(4294967295n))).toHaveLength(3);
    expect(list.entries()).toEqual([]);
  });

  it('asserts on bad entries and non-int counts', () => {
    expect(() => new CmaDebugList(0).push(5, 0)).toThrow(AssertionError);
    expect(() => new CmaDebugList(0).free(2 ** 31)).toThrow(AssertionError);
  });
});
