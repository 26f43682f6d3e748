// `cma=` parsing as Linux 6.1 early_cma + memparse read it, and command-line tokenising.
import { describe, expect, it } from 'vitest';
import { memparse, parseKernelCmdline, type CmaCmdline } from '../../src/cma/cmdline.ts';

const M = 2 ** 20;
const G = 2 ** 30;

function cmaOf(text: string): CmaCmdline | undefined {
  const parsed = parseKernelCmdline(text);
  if (!parsed.ok) throw new Error(parsed.detail);
  return parsed.value.cma;
}

describe('memparse', () => {
  it.each([
    ['64M', 64n * 2n ** 20n, ''],
    ['64m', 64n * 2n ** 20n, ''],
    ['4k@', 4096n, '@'],
    ['1G-2G', 2n ** 30n, '-2G'],
    ['010', 8n, ''],
    ['0x10M', 16n * 2n ** 20n, ''],
    ['0x1e', 30n, ''],
    ['1e', 2n ** 60n, ''],
    ['16E', 0n, ''],
    ['0x', 0n, 'x'],
    ['08', 0n, '8'],
    ['abc', 0n, 'abc'],
    ['M', 0n, ''],
    ['-5', 0n, '-5'],
    ['18446744073709551617', 1n, ''],
  ])('memparse(%j) = %s, rest %j', (text, value, rest) => {
    expect(memparse(text)).toEqual({ value, rest });
  });
});

describe('parseKernelCmdline: cma=', () => {
  it('size only: floating, no base, no limit', () => {
    expect(cmaOf('cma=64M')).toEqual({ sizeBytes: 64 * M, fixed: false });
  });

  it('size@base: limit = base + size, so the area is fixed', () => {
    expect(cmaOf('cma=64M@0x10000000')).toEqual({ sizeBytes: 64 * M, baseBytes: 0x10000000, limitBytes: 0x10000000 + 64 * M, fixed: true });
  });

  it('size@base-end: placed within [base, end), fixed only when base + size == end', () => {
    expect(cmaOf('cma=64M@256M-512M')).toEqual({ sizeBytes: 64 * M, baseBytes: 256 * M, limitBytes: 512 * M, fixed: false });
    expect(cmaOf('cma=64M@256M-320M')?.fixed).toBe(true);
  });

  it('size@0 is "fixed" on the command line (cma_declare_contiguous later drops fixed for base 0)', () => {
    expect(cmaOf('cma=1G@0')).toEqual({ sizeBytes: G, baseBytes: 0, limitBytes: G, fixed: true });
  });

  it('0, empty, or a non-number means size 0 (no default area)', () => {
    expect(cmaOf('cma=0')).toEqual({ sizeBytes: 0, fixed: true });
    expect(cmaOf('cma=')).toEqual({ sizeBytes: 0, fixed: true });
    expect(cmaOf('cma=-5')?.sizeBytes).toBe(0);
    expect(cmaOf('cma=16E')?.sizeBytes).toBe(0);
  });

  it('octal and hex like simple_strtoull(…, 0)', () => {
    expect(cmaOf('cma=010M')?.sizeBytes).toBe(8 * M);
    expect(cmaOf('cma=0x4000000')?.sizeBytes).toBe(64 * M);
  });

  it('trailing text is ignored like Linux, with a warning', () => {
    const parsed = parseKernelCmdline('cma=64Mfoo');
    expect(parsed.ok && parsed.value.cma?.sizeBytes).toBe(64 * M);
    expect(parsed.ok && parsed.value.warnings[0]).toContain('"foo"');
  });

  it('later occurrences win for the size, base and limit persist', () => {
    expect(cmaOf('cma=64M@0x10000000 cma=32M')).toEqual({ sizeBytes: 32 * M, baseBytes: 0x10000000, limitBytes: 0x10000000 + 64 * M, fixed: false });
  });

  it('strips double quotes like next_arg', () => {
    expect(cmaOf('cma="64M"')?.sizeBytes).toBe(64 * M);
    expect(cmaOf('"cma=64M" quiet')?.sizeBytes).toBe(64 * M);
  });

  it('2^64 - 1 equals the "unset" marker: Linux ignores it', () => {
    const parsed = parseKernelCmdline('cma=0xffffffffffffffff');
    expect(parsed.ok && parsed.value.cma).toBeUndefined();
    expect(parsed.ok && parsed.value.warnings).toHaveLength(1);
  });

  it('no cma= at all leaves cma undefined', () => {
    expect(cmaOf('quiet')).toBeUndefined();
    expect(cmaOf('')).toBeUndefined();
  });
});

describe('parseKernelCmdline: errors and other parameters', () => {
  it('"cma" without a value is EINVAL (Linux: Malformed early option)', () => {
    const parsed = parseKernelCmdline('quiet cma');
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.errno).toBe('EINVAL');
    expect(!parsed.ok && parsed.detail).toContain('"cma"');
  });

  it('values beyond 2^53 - 1 are ERANGE naming the text', () => {
    const parsed = parseKernelCmdline('cma=1E');
    expect(!parsed.ok && parsed.errno).toBe('ERANGE');
    expect(!parsed.ok && parsed.detail).toContain('cma=1E');
  });

  it('returns the other parameters verbatim, split on any whitespace', () => {
    const parsed = parseKernelCmdline('  quiet\troot=/dev/sda1 cma=64M\nloglevel=7 x="a b" ');
    expect(parsed.ok && parsed.value.unknown).toEqual(['quiet', 'root=/dev/sda1', 'loglevel=7', 'x="a b"']);
    expect(parsed.ok && parsed.value.cma?.sizeBytes).toBe(64 * M);
  });

  it('stops interpreting at "--": the rest belongs to init', () => {
    const parsed = parseKernelCmdline('quiet -- cma=64M single');
    expect(parsed.ok && parsed.value.cma).toBeUndefined();
    expect(parsed.ok && parsed.value.unknown).toEqual(['quiet', '--', 'cma=64M', 'single']);
  });

  it('only the exact parameter name "cma" counts', () => {
    const parsed = parseKernelCmdline('cma_pernuma=16M foo.cma=1M');
    expect(parsed.ok && parsed.value.cma).toBeUndefined();
    expect(parsed.ok && parsed.value.unknown).toEqual(['cma_pernuma=16M', 'foo.cma=1M']);
  });
});
