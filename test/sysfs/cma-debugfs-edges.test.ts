// Edges of `echo N > /sys/kernel/debug/cma/AREA/{alloc,free}` without an allocator: kstrtoull's details and hex digits, cma_alloc_mem plan reasons, the int range, CmaDebugList asserts.
import { describe, expect, it } from 'vitest';
import { err, ok } from '../../src/base/errno.ts';
import { CmaBitmap } from '../../src/cma/cma-bitmap.ts';
import { CmaDebugList, parseSimpleAttrWrite, planCmaDebugfsAlloc } from '../../src/sysfs/cma-debugfs.ts';
import { assertionMessage } from '../base/assertion-message.ts';

const U64_MAX = (1n << 64n) - 1n;
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

/** A 64-page area at PFN 0x1000. */
const area = (orderPerBit: number): CmaBitmap => new CmaBitmap(0x1000, 64, orderPerBit);

describe('kstrtoull(buf, 0) on what was written', () => {
  it('hex digits a-f count in either case, "a" included', () => {
    expect(parseSimpleAttrWrite('0xa\n')).toEqual(ok(10n));
    expect(parseSimpleAttrWrite('0XA\n')).toEqual(ok(10n));
    expect(parseSimpleAttrWrite('0xaF\n')).toEqual(ok(175n));
  });

  it('"0x" not followed by a hex digit is octal 0 followed by an unexpected "x"', () => {
    expect(parseSimpleAttrWrite('0x\n')).toEqual(err('EINVAL', 'kstrtoull: unexpected "x\\n" in "0x\\n"'));
    expect(parseSimpleAttrWrite('0xg\n')).toEqual(err('EINVAL', 'kstrtoull: unexpected "xg\\n" in "0xg\\n"'));
  });

  it('a number above 2^64 - 1 is ERANGE, quoted without its newline', () => {
    expect(parseSimpleAttrWrite('18446744073709551616\n')).toEqual(err('ERANGE', 'kstrtoull: "18446744073709551616" does not fit in 64 bits'));
  });

  it('a write with no digits is EINVAL "no digits", quoting the write', () => {
    expect(parseSimpleAttrWrite('\n')).toEqual(err('EINVAL', 'kstrtoull: no digits in "\\n"'));
    expect(parseSimpleAttrWrite('+x\n')).toEqual(err('EINVAL', 'kstrtoull: no digits in "+x\\n"'));
  });

  it('echo -n 16M: one trailing byte that is not a newline is EINVAL, naming just that byte', () => {
    expect(parseSimpleAttrWrite('16M')).toEqual(err('EINVAL', 'kstrtoull: unexpected "M" in "16M"'));
    expect(parseSimpleAttrWrite('5 6\n')).toEqual(err('EINVAL', 'kstrtoull: unexpected " 6\\n" in "5 6\\n"'));
  });
});

describe('cma_alloc_mem(area, pages): why cma_alloc returns NULL', () => {
  it('echo 0 > alloc: count 0', () => {
    expect(planCmaDebugfsAlloc(0, area(0))).toEqual({ kind: 'fail', countPages: 0n, reason: 'cma_alloc: count 0' });
  });

  it('more pages than the area: bitmap_count > maxno, in bits of 2^order_per_bit pages', () => {
    expect(planCmaDebugfsAlloc(65, area(0))).toEqual({ kind: 'fail', countPages: 65n, reason: 'cma_alloc: bitmap_count 65 > maxno 64' });
    expect(planCmaDebugfsAlloc(65, area(2))).toEqual({ kind: 'fail', countPages: 65n, reason: 'cma_alloc: bitmap_count 17 > maxno 16' });
  });

  it('the int extremes: INT_MAX is too many pages, INT_MIN wraps to 2^64 - 2^31 pages', () => {
    expect(planCmaDebugfsAlloc(INT_MAX, area(0))).toEqual({ kind: 'fail', countPages: 2147483647n, reason: 'cma_alloc: bitmap_count 2147483647 > maxno 64' });
    expect(planCmaDebugfsAlloc(INT_MIN, area(0))).toEqual({
      kind: 'fail', countPages: 18446744071562067968n, reason: 'cma_alloc: bitmap_count 18446744071562067968 > maxno 64',
    });
  });

  it('a wrapped 0-bit request on a full area: no clear bit', () => {
    const full = area(2);
    full.reserve(0, full.bitmapMaxno);
    expect(planCmaDebugfsAlloc(-1, full)).toEqual({ kind: 'fail', countPages: U64_MAX, reason: 'cma_alloc: no clear bit for a 0-bit request' });
  });

  it('order_per_bit 2 and pages -1 or -3: alloc_contig_range(pfn, pfn + count) would end below its start', () => {
    expect(planCmaDebugfsAlloc(-1, area(2))).toEqual({
      kind: 'kernelUndefined', countPages: U64_MAX, pfn: 4096, detail: 'alloc_contig_range(4096, 4095) with end below start (count -1 wrapped)',
    });
    expect(planCmaDebugfsAlloc(-3, area(2))).toEqual({
      kind: 'kernelUndefined', countPages: U64_MAX - 2n, pfn: 4096, detail: 'alloc_contig_range(4096, 4093) with end below start (count -3 wrapped)',
    });
  });

  it('asserts its count is a 32-bit int', () => {
    expect(assertionMessage(() => planCmaDebugfsAlloc(2 ** 31, area(0)))).toBe('planCmaDebugfsAlloc: 2147483648 is not an int');
    expect(assertionMessage(() => planCmaDebugfsAlloc(INT_MIN - 1, area(0)))).toBe('planCmaDebugfsAlloc: -2147483649 is not an int');
    expect(assertionMessage(() => planCmaDebugfsAlloc(1.5, area(0)))).toBe('planCmaDebugfsAlloc: 1.5 is not an int');
  });
});

describe('CmaDebugList (mem_head) edges', () => {
  it('an allocation at PFN 0 is an ordinary entry', () => {
    const list = new CmaDebugList(0);
    list.push(0, 4);
    expect(list.entries()).toEqual([{ pfn: 0, pageCount: 4 }]);
    expect(list.free(4)).toEqual([{ pfn: 0, pageCount: 4 }]);
  });

  it('echo 2147483648 > free (int INT_MIN, huge as unsigned long) releases every entry, newest first', () => {
    const list = new CmaDebugList(0);
    list.push(100, 8);
    list.push(200, 4);
    expect(list.free(INT_MIN)).toEqual([{ pfn: 200, pageCount: 4 }, { pfn: 100, pageCount: 8 }]);
    expect(list.entries()).toEqual([]);
  });

  it('asserts on a bad order_per_bit, a bad entry or a count outside int, naming the value', () => {
    expect(assertionMessage(() => new CmaDebugList(-1))).toBe('CmaDebugList: bad orderPerBit -1');
    expect(assertionMessage(() => new CmaDebugList(0.5))).toBe('CmaDebugList: bad orderPerBit 0.5');
    const list = new CmaDebugList(0);
    expect(assertionMessage(() => list.push(-1, 4))).toBe('CmaDebugList.push: bad entry -1+4');
    expect(assertionMessage(() => list.push(2 ** 53, 4))).toBe('CmaDebugList.push: bad entry 9007199254740992+4');
    expect(assertionMessage(() => list.push(5, 1.5))).toBe('CmaDebugList.push: bad entry 5+1.5');
    expect(assertionMessage(() => list.free(INT_MIN - 1))).toBe('CmaDebugList.free: -2147483649 is not an int');
    expect(assertionMessage(() => list.free(0.5))).toBe('CmaDebugList.free: 0.5 is not an int');
    expect(list.entries()).toEqual([]);
  });
});
