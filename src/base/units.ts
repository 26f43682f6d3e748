// Units and the only conversions between them: bytes, pages, orders, PFNs; plus Linux's size-suffix parsing (memparse).
import { assert } from './assert.ts';
import { err, ok, type Result } from './errno.ts';

/** A page frame number. Ranges are half-open: [pfnStart, pfnEnd). */
export type Pfn = number;
/** A buddy order: a block of order k spans 2^k pages. */
export type Order = number;
/** A number of 4 KiB pages. */
export type PageCount = number;

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
/** MAX_PAGE_ORDER (6.4+ naming; 6.1's exclusive MAX_ORDER = 11): orders 0..10 inclusive. */
export const MAX_PAGE_ORDER = 10;
export const NR_PAGE_ORDERS = MAX_PAGE_ORDER + 1;
export const MAX_ORDER_NR_PAGES = 1 << MAX_PAGE_ORDER;
/** pageblock_order on x86-64 with hugetlb (HUGETLB_PAGE_ORDER). */
export const PAGEBLOCK_ORDER = 9;
export const PAGEBLOCK_NR_PAGES = 1 << PAGEBLOCK_ORDER;
/** PAGE_ALLOC_COSTLY_ORDER: the highest order kept on per-CPU lists. */
export const PAGE_ALLOC_COSTLY_ORDER = 3;

export function orderToPages(order: Order): PageCount {
  return 2 ** order;
}

export function pagesToBytes(pageCount: PageCount): number {
  return pageCount * PAGE_SIZE;
}

/** Whole pages in `sizeBytes`; asserts page alignment (use pageAlignUp first for arbitrary sizes). */
export function bytesToPages(sizeBytes: number): PageCount {
  assert(sizeBytes % PAGE_SIZE === 0, () => `bytesToPages: ${sizeBytes} is not page aligned`);
  return sizeBytes / PAGE_SIZE;
}

export function pageAlignUp(sizeBytes: number): number {
  return Math.ceil(sizeBytes / PAGE_SIZE) * PAGE_SIZE;
}

export function isAlignedToOrder(pfn: Pfn, order: Order): boolean {
  return pfn % orderToPages(order) === 0;
}

/** Linux get_order(size): the smallest order whose block holds `sizeBytes` (get_order(0) is undefined in Linux; asserts > 0). */
export function getOrder(sizeBytes: number): Order {
  assert(sizeBytes > 0, 'getOrder of 0 bytes');
  let order = 0;
  while (pagesToBytes(orderToPages(order)) < sizeBytes) order++;
  return order;
}

/** The highest order k with 2^k <= pageCount (Linux __fls); asserts pageCount >= 1. */
export function floorLog2(pageCount: PageCount): Order {
  assert(pageCount >= 1, 'floorLog2 of 0');
  return Math.floor(Math.log2(pageCount));
}

const SUFFIX_SHIFT: Readonly<Record<string, number>> = { K: 10, M: 20, G: 30, T: 40 };

/**
 * Parses a size the way Linux memparse() does: a number (decimal, or 0x-hex) with an optional
 * K/M/G/T suffix (either case). Returns the remaining text so callers can parse `@start-end`.
 */
export function parseSizePrefix(text: string): Result<{ sizeBytes: number; rest: string }> {
  const match = /^(0x[0-9a-fA-F]+|[0-9]+)([KMGTkmgt]?)/.exec(text);
  if (match === null) return err('EINVAL', `expected a size like 16M, got "${text}"`);
  const digits = match[1] ?? '';
  const suffix = (match[2] ?? '').toUpperCase();
  const base = Number(digits);
  const sizeBytes = base * 2 ** (SUFFIX_SHIFT[suffix] ?? 0);
  if (!Number.isSafeInteger(sizeBytes)) return err('ERANGE', `size "${match[0]}" is too large`);
  return ok({ sizeBytes, rest: text.slice(match[0].length) });
}

/** Parses a whole size string such as "256M"; rejects trailing garbage. */
export function parseSize(text: string): Result<number> {
  const parsed = parseSizePrefix(text.trim());
  if (!parsed.ok) return parsed;
  if (parsed.value.rest !== '') return err('EINVAL', `unexpected "${parsed.value.rest}" after size in "${text}"`);
  return ok(parsed.value.sizeBytes);
}

/** Formats bytes with the largest exact binary suffix ("16M", "1536K", "4096"). */
export function formatSize(sizeBytes: number): string {
  for (const [suffix, shift] of [['G', 30], ['M', 20], ['K', 10]] as const) {
    if (sizeBytes !== 0 && sizeBytes % 2 ** shift === 0) return `${sizeBytes / 2 ** shift}${suffix}`;
  }
  return String(sizeBytes);
}
