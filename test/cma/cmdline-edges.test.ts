// Edge cases of `cma=` parsing (Linux 6.1 early_cma, memparse, simple_strtoull radix fixup, next_arg quoting, parse_args "--").
import { describe, expect, it } from 'vitest';
import { memparse, parseKernelCmdline, type KernelCmdline } from '../../src/cma/cmdline.ts';

const M = 2 ** 20;

function parsed(text: string): KernelCmdline {
  const result = parseKernelCmdline(text);
  if (!result.ok) throw new Error(`${result.errno}: ${result.detail}`);
  return result.value;
}

function failure(text: string): { errno: string; detail: string } | 'ok' {
  const result = parseKernelCmdline(text);
  return result.ok ? 'ok' : { errno: result.errno, detail: result.detail };
}

describe('memparse: digits, radix and suffixes', () => {
  it.each([
    ['0xa', 10n, ''],
    ['0XaB', 171n, ''],
    ['0X1f', 31n, ''],
    ['0XAk', 10n << 10n, ''],
    ['0xg', 0n, 'xg'],
    ['1@2', 1n, '@2'],
    ['9-1', 9n, '-1'],
    ['12a', 12n, 'a'],
    ['017f', 15n, 'f'],
    ['1k', 1n << 10n, ''],
    ['1K', 1n << 10n, ''],
    ['1m', 1n << 20n, ''],
    ['1g', 1n << 30n, ''],
    ['1G', 1n << 30n, ''],
    ['1t', 1n << 40n, ''],
    ['1T', 1n << 40n, ''],
    ['1p', 1n << 50n, ''],
    ['1P', 1n << 50n, ''],
    ['1E', 1n << 60n, ''],
    ['2KK', 2n << 10n, 'K'],
    ['3x', 3n, 'x'],
    ['', 0n, ''],
  ])('memparse(%j) = %s, rest %j', (text, value, rest) => {
    expect(memparse(text)).toEqual({ value, rest });
  });
});

describe('parseKernelCmdline: representable range', () => {
  it('2^53 - 1 is the largest size pagelab accepts', () => {
    expect(parsed('cma=9007199254740991').cma).toEqual({ sizeBytes: Number.MAX_SAFE_INTEGER, fixed: false });
    expect(failure('cma=9007199254740992')).toEqual({
      errno: 'ERANGE',
      detail: 'cma: sizeBytes 9007199254740992 from "cma=9007199254740992" is beyond what pagelab can represent (2^53 - 1)',
    });
  });

  it('an unrepresentable base or limit is ERANGE naming that field', () => {
    expect(failure('cma=1M@1E')).toEqual({
      errno: 'ERANGE',
      detail: 'cma: baseBytes 1152921504606846976 from "cma=1M@1E" is beyond what pagelab can represent (2^53 - 1)',
    });
    expect(failure('cma=1M@0-1E')).toEqual({
      errno: 'ERANGE',
      detail: 'cma: limitBytes 1152921504606846976 from "cma=1M@0-1E" is beyond what pagelab can represent (2^53 - 1)',
    });
  });

  it('the "unset" marker warning quotes the cma= text', () => {
    expect(parsed('cma=0xffffffffffffffff').warnings).toEqual(['cma=0xffffffffffffffff: size 2^64 - 1 equals the "unset" marker, so Linux ignores cma=']);
  });
});

describe('parseKernelCmdline: next_arg quoting', () => {
  it('a quoted value loses both quotes and leaves nothing to warn about', () => {
    expect(parsed('cma="64M"')).toEqual({ cma: { sizeBytes: 64 * M, fixed: false }, unknown: [], warnings: [] });
    expect(parsed('"cma=64M"')).toEqual({ cma: { sizeBytes: 64 * M, fixed: false }, unknown: [], warnings: [] });
  });

  it('an unterminated quote removes only the opening quote', () => {
    expect(parsed('cma="64M')).toEqual({ cma: { sizeBytes: 64 * M, fixed: false }, unknown: [], warnings: [] });
    expect(parsed('"cma=64M')).toEqual({ cma: { sizeBytes: 64 * M, fixed: false }, unknown: [], warnings: [] });
  });

  it('a closing quote without an opening one stays in the value', () => {
    expect(parsed('cma=64M"')).toEqual({
      cma: { sizeBytes: 64 * M, fixed: false },
      unknown: [],
      warnings: ['cma=64M": Linux ignores the trailing """'],
    });
  });

  it('a quoted bare "cma" is still the cma parameter without a value (EINVAL)', () => {
    expect(failure('"cma"')).toMatchObject({ errno: 'EINVAL', detail: expect.stringContaining('needs a value') });
    expect(failure('"cma')).toMatchObject({ errno: 'EINVAL', detail: expect.stringContaining('needs a value') });
  });

  it('an unquoted cma" is some other parameter', () => {
    expect(parsed('cma"')).toEqual({ unknown: ['cma"'], warnings: [] });
  });
});

describe('parseKernelCmdline: parse_args stops only at a bare "--"', () => {
  it('"--" with a value is an ordinary parameter', () => {
    expect(parsed('--=1 cma=64M')).toEqual({ cma: { sizeBytes: 64 * M, fixed: false }, unknown: ['--=1'], warnings: [] });
  });

  it('init arguments have no empty words', () => {
    expect(parsed('quiet --').unknown).toEqual(['quiet', '--']);
    expect(parsed('quiet -- a  b\t').unknown).toEqual(['quiet', '--', 'a', 'b']);
  });

  it('init arguments split on kernel whitespace (including \\v), not on letters', () => {
    expect(parsed('-- aVb c\vd').unknown).toEqual(['--', 'aVb', 'c', 'd']);
  });
});
