// The allocator-free half of /sys/kernel/debug/cma/<area>/{alloc,free}: what `echo N >` means to
// Linux 6.1 (fs/libfs.c simple_attr_write + lib/kstrtox.c kstrtoull, then mm/cma_debug.c
// cma_alloc_write/cma_free_write's `int pages = val`) and the per-area mem_head list that
// cma_alloc_mem pushes to and cma_free_mem pops from.
import { assert } from '../base/assert.ts';
import { err, ok, type Result } from '../base/errno.ts';
import type { PageCount, Pfn } from '../base/units.ts';
import type { CmaBitmap } from '../cma/cma-bitmap.ts';

/** sizeof(struct simple_attr.set_buf): only the first 23 bytes of a write are parsed. */
export const SIMPLE_ATTR_SET_BUF_BYTES = 24;

const U64_BITS = 64;
const INT_BITS = 32;
const NEWLINE = 0x0a;

function digitValue(byte: number | undefined): number {
  if (byte === undefined || byte === 0) return 99;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return 99;
}

/** The bytes simple_attr_write hands to kstrtoull: at most 23 bytes, ending at the first NUL. */
function setBuf(written: string): Uint8Array {
  const bytes = new TextEncoder().encode(written).slice(0, SIMPLE_ATTR_SET_BUF_BYTES - 1);
  const nul = bytes.indexOf(0);
  return nul < 0 ? bytes : bytes.slice(0, nul);
}

/** _parse_integer_fixup_radix with base 0. */
function fixupRadix(buf: Uint8Array, at: number): { base: number; digitsAt: number } {
  if (buf[at] !== 0x30) return { base: 10, digitsAt: at };
  const x = buf[at + 1];
  if ((x === 0x78 || x === 0x58) && digitValue(buf[at + 2]) < 16) return { base: 16, digitsAt: at + 2 };
  return { base: 8, digitsAt: at };
}

/**
 * What a write of `written` to a DEFINE_DEBUGFS_ATTRIBUTE file turns into, as 6.1 does it:
 * simple_attr_write copies min(len, 23) bytes and calls kstrtoull(buf, 0, &val). Accepted: one
 * optional '+', then decimal, 0x/0X-hex or 0-octal digits, then at most one '\n'. EINVAL for
 * anything else (empty text, '-', spaces anywhere, "0x" with no hex digit, "08", a second newline,
 * trailing text); ERANGE when the digits exceed 2^64 - 1. Bytes after the 23rd are never seen, so
 * "000000000000000000000000005" reads as 0. `echo N` writes "N\n".
 */
export function parseSimpleAttrWrite(written: string): Result<bigint> {
  const buf = setBuf(written);
  const signAt = buf[0] === 0x2b ? 1 : 0;
  const { base, digitsAt } = fixupRadix(buf, signAt);
  let value = 0n;
  let overflow = false;
  let index = digitsAt;
  for (; digitValue(buf[index]) < base; index++) {
    value = value * BigInt(base) + BigInt(digitValue(buf[index]));
    if (value > (1n << 64n) - 1n) overflow = true;
  }
  if (overflow) return err('ERANGE', `kstrtoull: "${written.trim()}" does not fit in 64 bits`);
  if (index === digitsAt) return err('EINVAL', `kstrtoull: no digits in ${JSON.stringify(written)}`);
  if (buf[index] === NEWLINE) index++;
  if (index < buf.length) return err('EINVAL', `kstrtoull: unexpected ${JSON.stringify(new TextDecoder().decode(buf.slice(index)))} in ${JSON.stringify(written)}`);
  return ok(value);
}

/** `int pages = val;` in cma_alloc_write/cma_free_write: the u64 truncated to a 32-bit signed int (gcc: modulo 2^32). */
export function u64ToInt(value: bigint): number {
  return Number(BigInt.asIntN(INT_BITS, value));
}

/** parseSimpleAttrWrite followed by the `int pages = val` truncation: the count cma_alloc_mem/cma_free_mem receive. */
export function parseDebugfsPages(written: string): Result<number> {
  const parsed = parseSimpleAttrWrite(written);
  return parsed.ok ? ok(u64ToInt(parsed.value)) : parsed;
}

/**
 * What cma_alloc_mem(cma, pages) does with an `int` page count, decided from the area's bitmap:
 * - `alloc`: a real request; call cma_alloc(area, pageCount, 0, no_warn = false). NULL → -ENOMEM;
 *   success → push {pfn, pageCount} on the CmaDebugList.
 * - `fail`: cma_alloc returns NULL without calling alloc_contig_range and without touching the
 *   bitmap (count 0; `bitmap_count > maxno`, which is what every negative `int` gives when
 *   order_per_bit is 0; or a 0-bit request on a full bitmap). The write fails with ENOMEM. Linux
 *   still counts CMA_ALLOC_FAIL and adds `countPages` (a u64, so negative counts wrap) to the
 *   area's nr_pages_failed.
 * - `kernelUndefined`: order_per_bit > 0 and pages in [-(2^opb - 1), -1]. The u64 count makes
 *   ALIGN() wrap so bitmap_count is 0, and 6.1 calls alloc_contig_range(pfn, pfn + count) with
 *   an end below its start; its "free the tail" step then frees pages the caller never owned.
 *   There is nothing faithful to simulate; a trace runner should refuse the statement.
 */
export type CmaDebugfsAllocPlan =
  | { readonly kind: 'alloc'; readonly pageCount: PageCount }
  | { readonly kind: 'fail'; readonly countPages: bigint; readonly reason: string }
  | { readonly kind: 'kernelUndefined'; readonly countPages: bigint; readonly pfn: Pfn; readonly detail: string };

/** cma_bitmap_pages_to_bits on an `unsigned long` count: ALIGN() wraps modulo 2^64. */
function pagesToBitsU64(countPages: bigint, orderPerBit: number): bigint {
  const step = 1n << BigInt(orderPerBit);
  return BigInt.asUintN(U64_BITS, countPages + step - 1n) >> BigInt(orderPerBit);
}

/** Decides, without side effects, how 6.1's cma_alloc_mem(area, pages) plays out up to alloc_contig_range. */
export function planCmaDebugfsAlloc(pages: number, bitmap: CmaBitmap): CmaDebugfsAllocPlan {
  assert(Number.isInteger(pages) && pages >= -(2 ** 31) && pages < 2 ** 31, () => `planCmaDebugfsAlloc: ${pages} is not an int`);
  const countPages = BigInt.asUintN(U64_BITS, BigInt(pages));
  if (countPages === 0n) return { kind: 'fail', countPages, reason: 'cma_alloc: count 0' };
  const bitmapCount = pagesToBitsU64(countPages, bitmap.orderPerBit);
  if (bitmapCount > BigInt(bitmap.bitmapMaxno)) {
    return { kind: 'fail', countPages, reason: `cma_alloc: bitmap_count ${bitmapCount} > maxno ${bitmap.bitmapMaxno}` };
  }
  if (pages > 0) return { kind: 'alloc', pageCount: pages };
  const bitmapNo = bitmap.findRange(0, 0, 0, 0);
  if (bitmapNo >= bitmap.bitmapMaxno) return { kind: 'fail', countPages, reason: 'cma_alloc: no clear bit for a 0-bit request' };
  const pfn = bitmap.pfnOfBit(bitmapNo);
  return { kind: 'kernelUndefined', countPages, pfn, detail: `alloc_contig_range(${pfn}, ${pfn + pages}) with end below start (count ${pages} wrapped)` };
}

/** One debugfs allocation, as struct cma_mem: its first PFN and page count. */
export interface CmaDebugEntry {
  readonly pfn: Pfn;
  readonly pageCount: PageCount;
}

/**
 * The per-area `mem_head` hlist of mm/cma_debug.c: successful debugfs allocations, newest first.
 * The list only decides; the caller performs each cma_release it returns.
 */
export class CmaDebugList {
  readonly orderPerBit: number;
  private readonly newestFirst: CmaDebugEntry[] = [];

  /** An empty list for an area with this order_per_bit (cma_free_mem splits entries only when it is 0). */
  constructor(orderPerBit: number) {
    assert(Number.isInteger(orderPerBit) && orderPerBit >= 0, () => `CmaDebugList: bad orderPerBit ${orderPerBit}`);
    this.orderPerBit = orderPerBit;
  }

  /** cma_add_to_cma_mem_list: hlist_add_head after a successful cma_alloc. */
  push(pfn: Pfn, pageCount: PageCount): void {
    assert(Number.isSafeInteger(pfn) && pfn >= 0 && Number.isInteger(pageCount) && pageCount > 0, () => `CmaDebugList.push: bad entry ${pfn}+${pageCount}`);
    this.newestFirst.unshift({ pfn, pageCount });
  }

  /** The entries, newest (head) first. */
  entries(): readonly CmaDebugEntry[] {
    return [...this.newestFirst];
  }

  /**
   * cma_free_mem(cma, count) with count an `int` (from parseDebugfsPages). Returns the cma_release
   * calls to make, in order, and updates the list:
   * `while (count) { pop head (empty: stop); if (mem->n <= count) release all, count -= n;
   * else if (order_per_bit == 0) release the first count pages, keep the rest at the head, stop;
   * else put it back and stop }`.
   * `mem->n <= count` compares as unsigned long, so a negative count (from a u64 ≥ 2^31 truncated
   * to int) is larger than any entry: `echo 4294967295 > free` releases every entry. `count -= n`
   * wraps as an int. The write itself always succeeds (rc 0), even with nothing to free.
   */
  free(count: number): CmaDebugEntry[] {
    assert(Number.isInteger(count) && count >= -(2 ** 31) && count < 2 ** 31, () => `CmaDebugList.free: ${count} is not an int`);
    const releases: CmaDebugEntry[] = [];
    let remaining = count;
    while (remaining !== 0) {
      const head = this.newestFirst.shift();
      if (head === undefined) break;
      if (remaining < 0 || head.pageCount <= remaining) {
        releases.push(head);
        remaining = (remaining - head.pageCount) | 0;
      } else if (this.orderPerBit === 0) {
        releases.push({ pfn: head.pfn, pageCount: remaining });
        this.newestFirst.unshift({ pfn: head.pfn + remaining, pageCount: head.pageCount - remaining });
        remaining = 0;
      } else {
        this.newestFirst.unshift(head);
        break;
      }
    }
    return releases;
  }
}
