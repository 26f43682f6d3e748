// units (src/base/units.ts): Linux page/order constants, byte/page/order conversions, get_order, __fls, and size parse/format.
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/base/assert.ts';
import {
  MAX_ORDER_NR_PAGES, MAX_PAGE_ORDER, NR_PAGE_ORDERS, PAGEBLOCK_NR_PAGES, PAGEBLOCK_ORDER, PAGE_ALLOC_COSTLY_ORDER, PAGE_SHIFT,
  PAGE_SIZE, bytesToPages, floorLog2, formatSize, getOrder, isAlignedToOrder, orderToPages, pageAlignUp, pagesToBytes, parseSize,
  parseSizePrefix,
} from '../../src/base/units.ts';

const KiB = 2 ** 10;
const MiB = 2 ** 20;
const GiB = 2 ** 30;

describe('constants match Linux 6.1 x86-64', () => {
  it('has 4 KiB pages (arch/x86/include/asm/page_types.h PAGE_SHIFT 12)', () => {
    expect(PAGE_SHIFT).toBe(12);
    expect(PAGE_SIZE).toBe(4096);
  });

  it('has orders 0..10 (include/linux/mmzone.h: 6.1 MAX_ORDER 11 exclusive)', () => {
    expect(MAX_PAGE_ORDER).toBe(10);
    expect(NR_PAGE_ORDERS).toBe(11);
    expect(MAX_ORDER_NR_PAGES).toBe(1024);
  });

  it('has 2 MiB pageblocks (pageblock_order = HUGETLB_PAGE_ORDER = 9) and PAGE_ALLOC_COSTLY_ORDER 3', () => {
    expect(PAGEBLOCK_ORDER).toBe(9);
    expect(PAGEBLOCK_NR_PAGES).toBe(512);
    expect(PAGE_ALLOC_COSTLY_ORDER).toBe(3);
  });
});

describe('conversions', () => {
  it('orderToPages is 2^order', () => {
    expect([0, 1, 3, 9, 10].map(orderToPages)).toEqual([1, 2, 8, 512, 1024]);
  });

  it('pagesToBytes and bytesToPages are inverse for page-aligned sizes', () => {
    expect(pagesToBytes(3)).toBe(12288);
    expect(bytesToPages(12288)).toBe(3);
    expect(bytesToPages(0)).toBe(0);
  });

  it('bytesToPages asserts page alignment, naming the size', () => {
    expect(() => bytesToPages(4097)).toThrow(AssertionError);
    expect(() => bytesToPages(4097)).toThrow('bytesToPages: 4097 is not page aligned');
  });

  it('pageAlignUp rounds up to the next page and leaves aligned sizes alone', () => {
    expect([0, 1, 4095, 4096, 4097].map(pageAlignUp)).toEqual([0, 4096, 4096, 4096, 8192]);
  });

  it('isAlignedToOrder checks pfn against 2^order', () => {
    expect(isAlignedToOrder(0, 10)).toBe(true);
    expect(isAlignedToOrder(512, 9)).toBe(true);
    expect(isAlignedToOrder(256, 9)).toBe(false);
    expect(isAlignedToOrder(7, 0)).toBe(true);
    expect(isAlignedToOrder(6, 1)).toBe(true);
    expect(isAlignedToOrder(6, 2)).toBe(false);
  });
});

describe('getOrder (Linux get_order, include/asm-generic/getorder.h)', () => {
  it('returns the smallest order whose block holds the size', () => {
    expect(getOrder(1)).toBe(0);
    expect(getOrder(4096)).toBe(0);
    expect(getOrder(4097)).toBe(1);
    expect(getOrder(8192)).toBe(1);
    expect(getOrder(8193)).toBe(2);
    expect(getOrder(4 * MiB)).toBe(10);
    expect(getOrder(4 * MiB + 1)).toBe(11);
  });

  it('asserts on 0 bytes (undefined in Linux)', () => {
    expect(() => getOrder(0)).toThrow('getOrder of 0 bytes');
  });
});

describe('floorLog2 (Linux __fls)', () => {
  it('returns the highest k with 2^k <= pageCount', () => {
    expect([1, 2, 3, 4, 511, 512, 513, 1024].map(floorLog2)).toEqual([0, 1, 1, 2, 8, 9, 9, 10]);
  });

  it('asserts on 0', () => {
    expect(() => floorLog2(0)).toThrow('floorLog2 of 0');
  });
});

describe('parseSizePrefix / parseSize (memparse-style sizes)', () => {
  it.each<[string, number]>([
    ['0', 0],
    ['4096', 4096],
    ['16K', 16 * KiB],
    ['16k', 16 * KiB],
    ['16M', 16 * MiB],
    ['256m', 256 * MiB],
    ['2G', 2 * GiB],
    ['1T', 2 ** 40],
    ['0x1000', 4096],
    ['0x10M', 16 * MiB],
    ['0xfF', 255],
    ['  64M  ', 64 * MiB],
  ])('parseSize(%j) is %d bytes', (text, bytes) => {
    expect(parseSize(text)).toEqual({ ok: true, value: bytes });
  });

  it('returns what follows the size, for `size@start-end` forms', () => {
    expect(parseSizePrefix('64M@0x10000000-1G')).toEqual({ ok: true, value: { sizeBytes: 64 * MiB, rest: '@0x10000000-1G' } });
    expect(parseSizePrefix('8')).toEqual({ ok: true, value: { sizeBytes: 8, rest: '' } });
  });

  it('takes a leading 0 as decimal (unlike Linux memparse, which would read "010" as octal 8)', () => {
    expect(parseSize('010')).toEqual({ ok: true, value: 10 });
  });

  it('rejects text that does not start with a number, as EINVAL quoting it', () => {
    for (const text of ['', 'M', '-1M', 'x10', ' ']) {
      const result = parseSize(text);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.errno).toBe('EINVAL');
    }
    expect(parseSizePrefix('abc')).toEqual({ ok: false, errno: 'EINVAL', detail: 'expected a size like 16M, got "abc"' });
  });

  it('rejects trailing garbage, quoting both the garbage and the input', () => {
    expect(parseSize('16MB')).toEqual({ ok: false, errno: 'EINVAL', detail: 'unexpected "B" after size in "16MB"' });
    expect(parseSize('1.5G')).toEqual({ ok: false, errno: 'EINVAL', detail: 'unexpected ".5G" after size in "1.5G"' });
    expect(parseSize('16 M').ok).toBe(false);
    expect(parseSize('16P').ok).toBe(false);
  });

  it('returns ERANGE for sizes beyond 2^53 - 1 bytes', () => {
    expect(parseSize('8192T')).toEqual({ ok: false, errno: 'ERANGE', detail: 'size "8192T" is too large' });
    expect(parseSize('9007199254740993').ok).toBe(false);
    expect(parseSize('8191T')).toEqual({ ok: true, value: 8191 * 2 ** 40 });
  });
});

describe('formatSize', () => {
  it('uses the largest exact binary suffix', () => {
    expect(formatSize(16 * MiB)).toBe('16M');
    expect(formatSize(1536 * KiB)).toBe('1536K');
    expect(formatSize(3 * GiB)).toBe('3G');
    expect(formatSize(4096)).toBe('4K');
  });

  it('prints plain bytes for 0 and for sizes that are not whole KiB', () => {
    expect(formatSize(0)).toBe('0');
    expect(formatSize(100)).toBe('100');
    expect(formatSize(4097)).toBe('4097');
  });

  it('has no T suffix: 1 TiB prints as 1024G', () => {
    expect(formatSize(2 ** 40)).toBe('1024G');
  });

  it('round-trips through parseSize', () => {
    for (const bytes of [0, 1, 4096, 1536 * KiB, 16 * MiB, 3 * GiB, 2 ** 40, 123456789]) {
      expect(parseSize(formatSize(bytes))).toEqual({ ok: true, value: bytes });
    }
  });
});
