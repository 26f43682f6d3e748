// The kernel command line as far as CMA cares: `cma=` parsed like Linux 6.1 early_cma()
// (kernel/dma/contiguous.c) with memparse() (lib/cmdline.c) and simple_strtoull() (lib/vsprintf.c,
// lib/kstrtox.c _parse_integer_fixup_radix), tokenised like next_arg()/parse_args().
import { err, ok, type Result } from '../base/errno.ts';

const U64_BITS = 64;
const U64_MINUS_ONE = (1n << 64n) - 1n;
const SUFFIX_SHIFTS: Readonly<Record<string, bigint>> = { k: 10n, m: 20n, g: 30n, t: 40n, p: 50n, e: 60n };

/** What `cma=` asked for, after every occurrence on the line has been applied in order. */
export interface CmaCmdline {
  /** size_cmdline: bytes (u64 arithmetic, so "cma=16E" wraps to 0). 0 disables the default area. */
  readonly sizeBytes: number;
  /** base_cmdline, present once any occurrence had `@`. */
  readonly baseBytes?: number;
  /** limit_cmdline, present when non-zero (`-end`, or base + size after a bare `@base`). */
  readonly limitBytes?: number;
  /** dma_contiguous_reserve(): `base_cmdline + size_cmdline == limit_cmdline` (u64). */
  readonly fixed: boolean;
}

/** The parsed command line: the `cma=` outcome, everything else verbatim, and notes on text Linux silently ignores. */
export interface KernelCmdline {
  readonly cma?: CmaCmdline;
  readonly unknown: readonly string[];
  readonly warnings: readonly string[];
}

interface CmdlineArg {
  readonly raw: string;
  readonly param: string;
  readonly value: string | undefined;
}

interface EarlyCmaState {
  size: bigint | undefined;
  base: bigint;
  limit: bigint;
  sawBase: boolean;
}

interface Memparsed {
  readonly value: bigint;
  readonly rest: string;
}

function isKernelSpace(char: string | undefined): boolean {
  return char !== undefined && ' \t\n\v\f\r'.includes(char);
}

function skipSpaces(text: string, from: number): number {
  let index = from;
  while (isKernelSpace(text[index])) index++;
  return index;
}

function stripQuotes(param: string, value: string | undefined, quoted: boolean): { param: string; value: string | undefined } {
  let cleanParam = param;
  let cleanValue = value;
  if (cleanValue !== undefined && cleanValue.startsWith('"')) {
    cleanValue = cleanValue.slice(1);
    if (cleanValue.endsWith('"')) cleanValue = cleanValue.slice(0, -1);
  } else if (quoted && cleanValue !== undefined && cleanValue.endsWith('"')) {
    cleanValue = cleanValue.slice(0, -1);
  } else if (quoted && cleanValue === undefined && cleanParam.endsWith('"')) {
    cleanParam = cleanParam.slice(0, -1);
  }
  return { param: cleanParam, value: cleanValue };
}

/** next_arg(): one `param[=value]` token; double quotes group spaces and are dropped from the value. */
function nextArg(text: string, from: number): { arg: CmdlineArg; next: number } {
  const quoted = text[from] === '"';
  const begin = quoted ? from + 1 : from;
  let inQuote = quoted;
  let equals = -1;
  let index = begin;
  for (; index < text.length; index++) {
    const char = text[index];
    if (isKernelSpace(char) && !inQuote) break;
    if (equals < 0 && char === '=') equals = index;
    if (char === '"') inQuote = !inQuote;
  }
  const token = text.slice(begin, index);
  const rawParam = equals < 0 ? token : text.slice(begin, equals);
  const rawValue = equals < 0 ? undefined : text.slice(equals + 1, index);
  const { param, value } = stripQuotes(rawParam, rawValue, quoted);
  return { arg: { raw: text.slice(from, index), param, value }, next: skipSpaces(text, index + 1) };
}

/** parse_args() over the whole line; stops at a bare `--` (the rest goes to init, not the kernel). */
function splitArgs(text: string): { args: CmdlineArg[]; initArgs: string[] } {
  const args: CmdlineArg[] = [];
  let index = skipSpaces(text, 0);
  while (index < text.length) {
    const { arg, next } = nextArg(text, index);
    if (arg.value === undefined && arg.param === '--') {
      return { args, initArgs: [arg.raw, ...text.slice(next).split(/[ \t\n\v\f\r]+/).filter((word) => word !== '')] };
    }
    args.push(arg);
    index = next;
  }
  return { args, initArgs: [] };
}

function digitValue(char: string | undefined): number {
  if (char === undefined) return 99;
  const code = char.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 97 + 10;
  return 99;
}

/** _parse_integer_fixup_radix with base 0: "0x" + hex digit → 16, leading "0" → 8, else 10. */
function fixupRadix(text: string): { base: number; digitsAt: number } {
  if (text[0] !== '0') return { base: 10, digitsAt: 0 };
  if ((text[1] === 'x' || text[1] === 'X') && digitValue(text[2]) < 16) return { base: 16, digitsAt: 2 };
  return { base: 8, digitsAt: 0 };
}

/** simple_strtoull(text, &end, 0): no sign, no leading spaces, silent wrap-around modulo 2^64. */
function simpleStrtoull(text: string): Memparsed {
  const { base, digitsAt } = fixupRadix(text);
  let value = 0n;
  let index = digitsAt;
  while (digitValue(text[index]) < base) {
    value = BigInt.asUintN(U64_BITS, value * BigInt(base) + BigInt(digitValue(text[index])));
    index++;
  }
  return { value, rest: text.slice(index) };
}

/** memparse(): simple_strtoull then one optional K/M/G/T/P/E suffix (either case), shifted modulo 2^64. */
export function memparse(text: string): Memparsed {
  const parsed = simpleStrtoull(text);
  const shift = SUFFIX_SHIFTS[(parsed.rest[0] ?? '').toLowerCase()];
  if (shift === undefined) return parsed;
  return { value: BigInt.asUintN(U64_BITS, parsed.value << shift), rest: parsed.rest.slice(1) };
}

/** early_cma(p): size, then `@base`, then `-limit`; a missing `-limit` makes limit = base + size. */
function earlyCma(state: EarlyCmaState, value: string, warnings: string[]): void {
  const size = memparse(value);
  state.size = size.value;
  if (!size.rest.startsWith('@')) {
    noteIgnored(warnings, value, size.rest);
    return;
  }
  const base = memparse(size.rest.slice(1));
  state.base = base.value;
  state.sawBase = true;
  if (!base.rest.startsWith('-')) {
    state.limit = BigInt.asUintN(U64_BITS, base.value + size.value);
    noteIgnored(warnings, value, base.rest);
    return;
  }
  const limit = memparse(base.rest.slice(1));
  state.limit = limit.value;
  noteIgnored(warnings, value, limit.rest);
}

function noteIgnored(warnings: string[], value: string, rest: string): void {
  if (rest !== '') warnings.push(`cma=${value}: Linux ignores the trailing "${rest}"`);
}

function toSafeNumber(field: string, value: bigint, text: string): Result<number> {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    return err('ERANGE', `cma: ${field} ${value} from "${text}" is beyond what pagelab can represent (2^53 - 1)`);
  }
  return ok(Number(value));
}

function buildCma(state: EarlyCmaState & { size: bigint }, text: string): Result<CmaCmdline> {
  const size = toSafeNumber('sizeBytes', state.size, text);
  if (!size.ok) return size;
  const base = toSafeNumber('baseBytes', state.base, text);
  if (!base.ok) return base;
  const limit = toSafeNumber('limitBytes', state.limit, text);
  if (!limit.ok) return limit;
  const fixed = BigInt.asUintN(U64_BITS, state.base + state.size) === state.limit;
  return ok({
    sizeBytes: size.value,
    ...(state.sawBase ? { baseBytes: base.value } : {}),
    ...(limit.value !== 0 ? { limitBytes: limit.value } : {}),
    fixed,
  });
}

/**
 * Parses a kernel command line the way Linux 6.1 does for `cma=`:
 * `cma=nn[KMGTPE][@start[KMGTPE][-end[KMGTPE]]]`, numbers decimal, 0x-hex or 0-octal.
 * `@start` sets the base; without `-end` the limit is start + size, which makes the area fixed
 * (placed exactly at start); with `-end` the area is fixed only when start + size == end, otherwise
 * it is placed anywhere in [start, end). Every `cma=` occurrence is applied in order and base/limit
 * persist across them, as early_cma's static variables do; "cma=" (empty) or a non-number gives
 * size 0 (no default area). `cma` with no `=value` is an error (Linux: "Malformed early option
 * 'cma'", then ignored). A value above 2^53 - 1 is ERANGE (a pagelab limit). Text after `--`
 * belongs to init and is returned in `unknown` without being interpreted.
 */
export function parseKernelCmdline(text: string): Result<KernelCmdline> {
  const { args, initArgs } = splitArgs(text);
  const state: EarlyCmaState = { size: undefined, base: 0n, limit: 0n, sawBase: false };
  const unknown: string[] = [];
  const warnings: string[] = [];
  let cmaText = '';
  for (const arg of args) {
    if (arg.param !== 'cma') {
      unknown.push(arg.raw);
      continue;
    }
    if (arg.value === undefined) return err('EINVAL', `cma: "${arg.raw}" needs a value (cma=nn[KMG][@start[KMG][-end[KMG]]])`);
    earlyCma(state, arg.value, warnings);
    cmaText = arg.raw;
  }
  unknown.push(...initArgs);
  if (state.size === U64_MINUS_ONE) {
    warnings.push(`${cmaText}: size 2^64 - 1 equals the "unset" marker, so Linux ignores cma=`);
    return ok({ unknown, warnings });
  }
  if (state.size === undefined) return ok({ unknown, warnings });
  const cma = buildCma({ ...state, size: state.size }, cmaText);
  if (!cma.ok) return cma;
  return ok({ cma: cma.value, unknown, warnings });
}
