// CMA area reservation as pure functions over the bank layout: Linux 6.1 mm/cma.c
// (cma_init_reserved_mem, cma_declare_contiguous_nid), mm/memblock.c (memblock_find_in_range_node,
// __memblock_find_range_{top_down,bottom_up}, memblock_is_region_reserved) and
// kernel/dma/contiguous.c (dma_contiguous_reserve, dma_contiguous_reserve_area).
import { assert } from '../base/assert.ts';
import { err, ok, type Err, type Errno, type Result } from '../base/errno.ts';
import { PAGEBLOCK_NR_PAGES, PAGE_SIZE } from '../base/units.ts';
import type { BankLayout, CmaRange, ReservedRange } from '../mem/platform.ts';
import type { CmaCmdline } from './cmdline.ts';

/** MAX_CMA_AREAS in 6.1: 1 + CONFIG_CMA_AREAS, and CONFIG_CMA_AREAS defaults to 7 without NUMA (19 with). */
export const MAX_CMA_AREAS = 8;
/** CMA_MAX_NAME: names are stored with snprintf(name, 64, ...), so at most 63 characters survive. */
export const CMA_MAX_NAME = 64;
/** CMA_MIN_ALIGNMENT_PAGES = pageblock_nr_pages (6.1). */
export const CMA_MIN_ALIGNMENT_PAGES = PAGEBLOCK_NR_PAGES;
/** CMA_MIN_ALIGNMENT_BYTES = PAGE_SIZE * CMA_MIN_ALIGNMENT_PAGES (2 MiB). */
export const CMA_MIN_ALIGNMENT_BYTES = PAGE_SIZE * CMA_MIN_ALIGNMENT_PAGES;
/** CONFIG_CMA_SIZE_MBYTES default (kernel/dma/Kconfig: 16, but 0 on x86). Used when no `cma=` is given. */
export const CMA_SIZE_MBYTES = 16;
/** The name dma_contiguous_reserve_area() gives the default (command-line) area. */
export const DEFAULT_CMA_AREA_NAME = 'reserved';

const SZ_4G = 2 ** 32;
const SZ_1M = 2 ** 20;

/** What memblock knows when an area is reserved: the banks, the boot reservations, the areas already declared. */
export interface CmaReserveContext {
  readonly banks: readonly BankLayout[];
  /** memblock.reserved: kernel image, firmware, device-tree reservations (a CMA area's own region included, for cmaInitReservedMem). */
  readonly reserved: readonly ReservedRange[];
  /** Areas already declared (cma_areas[0 .. cma_area_count)); their regions count as memblock-reserved. */
  readonly cmaAreas: readonly CmaRange[];
  /** The slot count; defaults to MAX_CMA_AREAS. */
  readonly maxAreas?: number;
  /** memblock_bottom_up(); false (top-down) when dma_contiguous_reserve runs on x86-64 and arm64. */
  readonly memblockBottomUp?: boolean;
}

/** Arguments of cma_declare_contiguous(base, size, limit, alignment, order_per_bit, fixed, name). */
export interface CmaDeclareRequest {
  readonly sizeBytes: number;
  /** 0 or absent: anywhere. */
  readonly baseBytes?: number;
  /** 0 or absent: the end of memory. */
  readonly limitBytes?: number;
  /** 0 or absent: CMA_MIN_ALIGNMENT_BYTES; otherwise a power of two (raised to at least 2 MiB). */
  readonly alignmentBytes?: number;
  readonly orderPerBit?: number;
  /** Reserve exactly at baseBytes (ignored when the aligned base is 0). */
  readonly fixed?: boolean;
  /** Absent: "cma<N>" for slot N. */
  readonly name?: string;
}

/** Arguments of cma_init_reserved_mem(base, size, order_per_bit, name): the region is already memblock-reserved. */
export interface CmaInitRequest {
  readonly baseBytes: number;
  readonly sizeBytes: number;
  readonly orderPerBit?: number;
  readonly name?: string;
}

/** The architecture's side of dma_contiguous_reserve(limit) and the kernel configuration. */
export interface DmaContiguousOptions {
  /** The `limit` the architecture passes (x86-64: end of the direct map; arm64: arm64_dma_phys_limit); 0 = none. */
  readonly archLimitBytes?: number;
  /** CONFIG_CMA_SIZE_MBYTES in bytes (CONFIG_CMA_SIZE_SEL_MBYTES), used when there is no `cma=`. */
  readonly defaultSizeBytes?: number;
}

interface ByteRange {
  readonly start: number;
  readonly end: number;
}

function hex(value: number): string {
  return `0x${value.toString(16)}`;
}

function assertBytes(what: string, value: number): void {
  assert(Number.isSafeInteger(value) && value >= 0, () => `${what}: expected a non-negative integer byte count, got ${value}`);
}

function isPowerOfTwo(value: number): boolean {
  return value > 0 && Number.isInteger(Math.log2(value));
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

function alignDown(value: number, alignment: number): number {
  return Math.floor(value / alignment) * alignment;
}

function fail(errno: Errno, fn: string, detail: string): Err {
  return err(errno, `${fn}: ${detail}`);
}

function bankBytes(bank: BankLayout): ByteRange {
  return { start: bank.pfnStart * PAGE_SIZE, end: bank.pfnEnd * PAGE_SIZE };
}

/** memblock_end_of_DRAM(): the end of the highest bank. */
function memblockEnd(ctx: CmaReserveContext): number {
  return ctx.banks.reduce((end, bank) => Math.max(end, bank.pfnEnd * PAGE_SIZE), 0);
}

/** memblock.reserved as byte ranges, sorted: boot reservations plus the areas already declared. */
function reservedRanges(ctx: CmaReserveContext): ByteRange[] {
  const ranges = [...ctx.reserved, ...ctx.cmaAreas].map((r) => ({ start: r.pfnStart * PAGE_SIZE, end: r.pfnEnd * PAGE_SIZE }));
  return ranges.sort((a, b) => a.start - b.start);
}

function overlaps(a: ByteRange, b: ByteRange): boolean {
  return a.start < b.end && b.start < a.end;
}

/** memblock_is_region_reserved(): true when [base, base + size) overlaps any reserved range. */
function isRegionReserved(ctx: CmaReserveContext, region: ByteRange): boolean {
  return reservedRanges(ctx).some((r) => overlaps(r, region));
}

function bankContaining(ctx: CmaReserveContext, region: ByteRange): BankLayout | undefined {
  return ctx.banks.find((bank) => {
    const bytes = bankBytes(bank);
    return bytes.start <= region.start && region.end <= bytes.end;
  });
}

/**
 * for_each_free_mem_range: memory minus memblock.reserved, ascending. Each bank is its own memory
 * region here (memblock would merge two touching banks of one node; pagelab keeps every area
 * inside one bank, which is one zone, so cma_activate_area's same-zone check always holds).
 */
function freeRanges(ctx: CmaReserveContext): ByteRange[] {
  const reserved = reservedRanges(ctx);
  const banks = [...ctx.banks].map(bankBytes).sort((a, b) => a.start - b.start);
  return banks.flatMap((bank) => subtract(bank, reserved));
}

function subtract(bank: ByteRange, reserved: readonly ByteRange[]): ByteRange[] {
  const pieces: ByteRange[] = [];
  let cursor = bank.start;
  for (const r of reserved) {
    if (r.end <= cursor || r.start >= bank.end) continue;
    if (r.start > cursor) pieces.push({ start: cursor, end: r.start });
    cursor = Math.max(cursor, r.end);
  }
  if (cursor < bank.end) pieces.push({ start: cursor, end: bank.end });
  return pieces;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}

/** __memblock_find_range_top_down: the highest aligned fit; 0 when none. */
function findTopDown(free: readonly ByteRange[], window: ByteRange, sizeBytes: number, alignment: number): number {
  for (let i = free.length - 1; i >= 0; i--) {
    const range = free[i];
    if (range === undefined) continue;
    const thisStart = clamp(range.start, window.start, window.end);
    const thisEnd = clamp(range.end, window.start, window.end);
    if (thisEnd < sizeBytes) continue;
    const candidate = alignDown(thisEnd - sizeBytes, alignment);
    if (candidate >= thisStart) return candidate;
  }
  return 0;
}

/** __memblock_find_range_bottom_up: the lowest aligned fit; 0 when none. */
function findBottomUp(free: readonly ByteRange[], window: ByteRange, sizeBytes: number, alignment: number): number {
  for (const range of free) {
    const thisStart = clamp(range.start, window.start, window.end);
    const thisEnd = clamp(range.end, window.start, window.end);
    const candidate = alignUp(thisStart, alignment);
    if (candidate < thisEnd && thisEnd - candidate >= sizeBytes) return candidate;
  }
  return 0;
}

/** memblock_alloc_range_nid → memblock_find_in_range_node: never the first page; 0 means no room. */
function memblockFind(ctx: CmaReserveContext, sizeBytes: number, alignment: number, range: ByteRange, bottomUp: boolean): number {
  const start = Math.max(range.start, PAGE_SIZE);
  const window = { start, end: Math.max(start, range.end) };
  const free = freeRanges(ctx);
  return bottomUp ? findBottomUp(free, window, sizeBytes, alignment) : findTopDown(free, window, sizeBytes, alignment);
}

const NAME_FORBIDDEN = /[\s/%\u0000-\u001f\u007f]/;

/**
 * The area name. Linux 6.1 formats a missing name as "cma%d\n" (with a trailing newline) and
 * stores any name through snprintf(..., CMA_MAX_NAME, name), truncating to 63 characters. pagelab
 * truncates the same way but drops that newline, and adds checks Linux does not make, because the
 * name keys the debugfs directory and the CMA heap: empty names, '/', '%', whitespace and control
 * characters are EINVAL, and so is a name already in use (Linux accepts duplicates silently; the
 * second debugfs directory then fails with -EEXIST).
 */
function resolveName(ctx: CmaReserveContext, fn: string, name: string | undefined): Result<string> {
  const resolved = (name ?? `cma${ctx.cmaAreas.length}`).slice(0, CMA_MAX_NAME - 1);
  if (resolved === '') return fail('EINVAL', fn, 'name "" is empty (pagelab check)');
  if (NAME_FORBIDDEN.test(resolved)) {
    return fail('EINVAL', fn, `name ${JSON.stringify(resolved)} contains '/', '%', whitespace or a control character (pagelab check)`);
  }
  if (ctx.cmaAreas.some((area) => area.name === resolved)) {
    return fail('EINVAL', fn, `name "${resolved}" is already used by another CMA area (pagelab check; Linux does not check)`);
  }
  return ok(resolved);
}

function checkSlots(ctx: CmaReserveContext, fn: string): Err | undefined {
  const maxAreas = ctx.maxAreas ?? MAX_CMA_AREAS;
  if (ctx.cmaAreas.length >= maxAreas) return fail('ENOSPC', fn, `all ${maxAreas} CMA area slots are used (MAX_CMA_AREAS)`);
  return undefined;
}

function toRange(name: string, region: ByteRange, orderPerBit: number): CmaRange {
  return { name, pfnStart: region.start / PAGE_SIZE, pfnEnd: region.end / PAGE_SIZE, orderPerBit };
}

/** cma_init_reserved_mem's own checks, after the slot and size checks. */
function checkInitAlignment(fn: string, region: ByteRange, orderPerBit: number): Err | undefined {
  if (CMA_MIN_ALIGNMENT_PAGES % 2 ** orderPerBit !== 0) {
    return fail('EINVAL', fn, `orderPerBit ${orderPerBit}: CMA_MIN_ALIGNMENT_PAGES (${CMA_MIN_ALIGNMENT_PAGES}) is not a multiple of 2^orderPerBit`);
  }
  const sizeBytes = region.end - region.start;
  if (region.start % CMA_MIN_ALIGNMENT_BYTES !== 0 || sizeBytes % CMA_MIN_ALIGNMENT_BYTES !== 0) {
    return fail('EINVAL', fn, `baseBytes ${hex(region.start)} / sizeBytes ${hex(sizeBytes)} not a multiple of CMA_MIN_ALIGNMENT_BYTES ${hex(CMA_MIN_ALIGNMENT_BYTES)}`);
  }
  return undefined;
}

/**
 * cma_init_reserved_mem (6.1): turns an already memblock-reserved region (device-tree
 * `shared-dma-pool` with `reusable`) into a CMA area. Errors, in Linux's order: ENOSPC when every
 * slot is used; EINVAL for size 0, for a region that overlaps no reservation, for
 * CMA_MIN_ALIGNMENT_PAGES not a multiple of 2^orderPerBit (orderPerBit > 9), for base or size not a
 * multiple of 2 MiB. pagelab additionally rejects (documented divergences) bad or duplicate names
 * (EINVAL, checked first), a region not inside one bank (EINVAL: Linux would fail later in
 * cma_activate_area) and a region overlapping another CMA area (EBUSY: Linux does not check).
 */
export function cmaInitReservedMem(ctx: CmaReserveContext, request: CmaInitRequest): Result<CmaRange> {
  const fn = 'cma_init_reserved_mem';
  const orderPerBit = request.orderPerBit ?? 0;
  assertBytes(`${fn} baseBytes`, request.baseBytes);
  assertBytes(`${fn} sizeBytes`, request.sizeBytes);
  assert(Number.isInteger(orderPerBit) && orderPerBit >= 0, () => `${fn}: bad orderPerBit ${orderPerBit}`);
  const name = resolveName(ctx, fn, request.name);
  if (!name.ok) return name;
  const slots = checkSlots(ctx, fn);
  if (slots) return slots;
  const region = { start: request.baseBytes, end: request.baseBytes + request.sizeBytes };
  if (request.sizeBytes === 0) return fail('EINVAL', fn, 'sizeBytes 0');
  if (!isRegionReserved(ctx, region)) {
    return fail('EINVAL', fn, `region ${hex(region.start)}-${hex(region.end)} is not memblock-reserved`);
  }
  const alignment = checkInitAlignment(fn, region, orderPerBit);
  if (alignment) return alignment;
  if (!bankContaining(ctx, region)) {
    return fail('EINVAL', fn, `region ${hex(region.start)}-${hex(region.end)} is not inside one bank (pagelab check)`);
  }
  const clash = ctx.cmaAreas.find((area) => overlaps(region, { start: area.pfnStart * PAGE_SIZE, end: area.pfnEnd * PAGE_SIZE }));
  if (clash) return fail('EBUSY', fn, `region ${hex(region.start)}-${hex(region.end)} overlaps CMA area "${clash.name}" (pagelab check)`);
  return ok(toRange(name.value, region, orderPerBit));
}

/** The sanitised request: step 2-4 of cma_declare_contiguous_nid. */
interface Sanitised {
  readonly baseBytes: number;
  readonly sizeBytes: number;
  readonly limitBytes: number;
  readonly alignmentBytes: number;
  readonly fixed: boolean;
}

function sanitise(fn: string, request: CmaDeclareRequest): Result<Sanitised> {
  const requested = request.alignmentBytes ?? 0;
  if (requested !== 0 && !isPowerOfTwo(requested)) return fail('EINVAL', fn, `alignmentBytes ${requested} is not a power of two`);
  const alignmentBytes = Math.max(requested, CMA_MIN_ALIGNMENT_BYTES);
  const base = request.baseBytes ?? 0;
  const fixed = request.fixed ?? false;
  if (fixed && base % alignmentBytes !== 0) {
    return fail('EINVAL', fn, `baseBytes ${hex(base)} of a fixed area is not aligned to ${hex(alignmentBytes)}`);
  }
  const baseBytes = alignUp(base, alignmentBytes);
  return ok({
    baseBytes,
    sizeBytes: alignUp(request.sizeBytes, alignmentBytes),
    limitBytes: alignDown(request.limitBytes ?? 0, alignmentBytes),
    alignmentBytes,
    fixed: fixed && baseBytes !== 0,
  });
}

/** The checks between sanitising and reserving (steps 5-7); returns the effective limit. */
function checkBounds(ctx: CmaReserveContext, fn: string, s: Sanitised, orderPerBit: number): Result<number> {
  if ((s.sizeBytes / PAGE_SIZE) % 2 ** orderPerBit !== 0) {
    return fail('EINVAL', fn, `sizeBytes ${hex(s.sizeBytes)} is not a multiple of PAGE_SIZE << orderPerBit (${orderPerBit})`);
  }
  const end = memblockEnd(ctx);
  // On 64-bit there is no highmem: highmem_start == memblock_end_of_DRAM().
  if (s.fixed && s.baseBytes < end && s.baseBytes + s.sizeBytes > end) {
    return fail('EINVAL', fn, `fixed area at ${hex(s.baseBytes)} (sizeBytes ${hex(s.sizeBytes)}) crosses the low/high memory boundary ${hex(end)}`);
  }
  const limit = s.limitBytes === 0 || s.limitBytes > end ? end : s.limitBytes;
  if (s.baseBytes + s.sizeBytes > limit) {
    return fail('EINVAL', fn, `sizeBytes ${hex(s.sizeBytes)} at baseBytes ${hex(s.baseBytes)} exceeds limitBytes ${hex(limit)}`);
  }
  return ok(limit);
}

function reserveFixed(ctx: CmaReserveContext, fn: string, s: Sanitised): Result<ByteRange> {
  const region = { start: s.baseBytes, end: s.baseBytes + s.sizeBytes };
  if (isRegionReserved(ctx, region)) {
    return fail('EBUSY', fn, `fixed area ${hex(region.start)}-${hex(region.end)} overlaps an existing reservation`);
  }
  if (!bankContaining(ctx, region)) {
    return fail('EINVAL', fn, `fixed area ${hex(region.start)}-${hex(region.end)} is not inside one bank (pagelab check)`);
  }
  return ok(region);
}

/**
 * Non-fixed placement (6.1): on 64-bit, when memblock is top-down and memblock_end >= 4 GiB + size,
 * first try bottom-up in [4 GiB, limit) — note: this ignores `base` — then top-down (or bottom-up
 * if memblock is) in [base, limit). The highmem-first branch never applies on 64-bit.
 */
function placeFloating(ctx: CmaReserveContext, fn: string, s: Sanitised, limit: number): Result<ByteRange> {
  const bottomUp = ctx.memblockBottomUp ?? false;
  let addr = 0;
  if (!bottomUp && memblockEnd(ctx) >= SZ_4G + s.sizeBytes) {
    addr = memblockFind(ctx, s.sizeBytes, s.alignmentBytes, { start: SZ_4G, end: limit }, true);
  }
  if (addr === 0) addr = memblockFind(ctx, s.sizeBytes, s.alignmentBytes, { start: s.baseBytes, end: limit }, bottomUp);
  if (addr === 0) {
    return fail('ENOMEM', fn, `no free ${hex(s.sizeBytes)} bytes aligned to ${hex(s.alignmentBytes)} in ${hex(s.baseBytes)}-${hex(limit)}`);
  }
  return ok({ start: addr, end: addr + s.sizeBytes });
}

/**
 * cma_declare_contiguous (cma_declare_contiguous_nid, 6.1): reserves and declares a CMA area.
 * Errors in Linux's order: ENOSPC (all slots used); EINVAL for size 0; EINVAL for a non-power-of-two
 * alignment; EINVAL for a fixed base not aligned to max(alignment, 2 MiB); then base and size are
 * rounded up and the limit down to that alignment, and a base of 0 turns `fixed` off; EINVAL when
 * the size is not a multiple of PAGE_SIZE << orderPerBit; EINVAL for a fixed area across the end of
 * memory; EINVAL when base + size > limit (limit 0 = end of memory); EBUSY when a fixed area
 * overlaps a reservation or another area; ENOMEM when a floating area finds no room; finally
 * cma_init_reserved_mem's EINVAL for orderPerBit > pageblock_order. pagelab checks names first
 * (see cmaInitReservedMem) and keeps every area inside one bank (EINVAL for a fixed area that is
 * not; floating areas are only placed inside a bank).
 */
export function cmaDeclareContiguous(ctx: CmaReserveContext, request: CmaDeclareRequest): Result<CmaRange> {
  const fn = 'cma_declare_contiguous';
  const orderPerBit = request.orderPerBit ?? 0;
  assertBytes(`${fn} sizeBytes`, request.sizeBytes);
  assertBytes(`${fn} baseBytes`, request.baseBytes ?? 0);
  assertBytes(`${fn} limitBytes`, request.limitBytes ?? 0);
  assertBytes(`${fn} alignmentBytes`, request.alignmentBytes ?? 0);
  assert(Number.isInteger(orderPerBit) && orderPerBit >= 0, () => `${fn}: bad orderPerBit ${orderPerBit}`);
  const name = resolveName(ctx, fn, request.name);
  if (!name.ok) return name;
  const slots = checkSlots(ctx, fn);
  if (slots) return slots;
  if (request.sizeBytes === 0) return fail('EINVAL', fn, 'sizeBytes 0');
  const sanitised = sanitise(fn, request);
  if (!sanitised.ok) return sanitised;
  const limit = checkBounds(ctx, fn, sanitised.value, orderPerBit);
  if (!limit.ok) return limit;
  const region = sanitised.value.fixed ? reserveFixed(ctx, fn, sanitised.value) : placeFloating(ctx, fn, sanitised.value, limit.value);
  if (!region.ok) return region;
  const init = checkInitAlignment('cma_init_reserved_mem', region.value, orderPerBit);
  if (init) return init;
  return ok(toRange(name.value, region.value, orderPerBit));
}

/**
 * dma_contiguous_reserve(limit) (6.1): declares the default area "reserved" from `cma=`, or from
 * CONFIG_CMA_SIZE_MBYTES when the command line has no `cma=`. With `cma=`: size, base and
 * fixed come from the command line and the limit is min_not_zero(cmdline limit, arch limit).
 * Returns ok(undefined) when the selected size is 0 (no default area). Alignment is 0 (2 MiB) and
 * order_per_bit 0. Linux only logs a failure and boots without the area; the caller decides.
 */
export function dmaContiguousReserve(
  ctx: CmaReserveContext,
  cmdline: CmaCmdline | undefined,
  options: DmaContiguousOptions = {},
): Result<CmaRange | undefined> {
  const archLimit = options.archLimitBytes ?? 0;
  const sizeBytes = cmdline ? cmdline.sizeBytes : (options.defaultSizeBytes ?? CMA_SIZE_MBYTES * SZ_1M);
  if (sizeBytes === 0) return ok(undefined);
  const cmdlineLimit = cmdline?.limitBytes ?? 0;
  const limitBytes = cmdlineLimit === 0 ? archLimit : archLimit === 0 ? cmdlineLimit : Math.min(cmdlineLimit, archLimit);
  return cmaDeclareContiguous(ctx, {
    sizeBytes,
    baseBytes: cmdline?.baseBytes ?? 0,
    limitBytes,
    alignmentBytes: 0,
    orderPerBit: 0,
    fixed: cmdline?.fixed ?? false,
    name: DEFAULT_CMA_AREA_NAME,
  });
}
