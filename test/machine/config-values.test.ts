// How a machine config error shows the offending value (strings cut at 40 characters, arrays, null, objects), how zod issues become one line, and that every config error is EINVAL.
import { describe, expect, it } from 'vitest';
import { mergeCliOverrides, parseMachineConfig } from '../../src/machine/config.ts';
import { bank, errorOf, machine, MiB, parsedOk } from './machine-fixtures.ts';

const SIZE_HINT = 'expected a size such as 4096, "256M" or "0x40000000"';
const NAME_RULE = 'must be 1-63 characters from A-Z a-z 0-9 _ . - (not starting with . or -)';

describe('a bad string value is quoted, and cut after 40 characters', () => {
  const forty = 'two hundred and fifty six megabytes, ok?';
  const fortyOne = 'two hundred and fifty six megabytes, okay';

  it('a 40-character size string is quoted whole', () => {
    expect(forty).toHaveLength(40);
    expect(errorOf(machine({ banks: [bank({ size: forty })] }))).toBe(
      `machine.json: banks[0].size: ${SIZE_HINT} (got "two hundred and fifty six megabytes, ok?")`);
  });

  it('a 41-character size string shows its first 40 characters and "..."', () => {
    expect(fortyOne).toHaveLength(41);
    expect(errorOf(machine({ banks: [bank({ size: fortyOne })] }))).toBe(
      `machine.json: banks[0].size: ${SIZE_HINT} (got "two hundred and fifty six megabytes, oka...")`);
  });

  it('a long bad name is cut the same way', () => {
    const name = 'main DRAM bank next to the SoC, channel 0 and 1';
    expect(errorOf(machine({ banks: [bank({ name })] }))).toBe(
      `machine.json: banks[0].name: ${NAME_RULE} (got "main DRAM bank next to the SoC, channel ...")`);
  });
});

describe('a value of the wrong JSON type is named, not printed', () => {
  const cases: [string, unknown, string][] = [
    ['cmdline as an array', [], 'machine.json: cmdline: expected a string, got an array'],
    ['cmdline as null', null, 'machine.json: cmdline: expected a string, got null'],
    ['cmdline as an object', { cma: '16M' }, 'machine.json: cmdline: expected a string, got an object'],
    ['cmdline as a number', 16, 'machine.json: cmdline: expected a string, got 16'],
  ];
  it.each(cases)('%s', (_name, cmdline, message) => {
    expect(errorOf(machine({ cmdline }))).toBe(message);
  });

  const sizes: [string, unknown, string][] = [
    ['size as an array', ['256M'], 'machine.json: banks[0].size: expected a size (bytes, or a string like "256M"), got an array'],
    ['size as null', null, 'machine.json: banks[0].size: expected a size (bytes, or a string like "256M"), got null'],
    ['size as an object', { mib: 256 }, 'machine.json: banks[0].size: expected a size (bytes, or a string like "256M"), got an object'],
    ['size as a fraction of a byte', 1.5, 'machine.json: banks[0].size: must be a whole number of bytes >= 0 (got 1.5)'],
  ];
  it.each(sizes)('%s', (_name, size, message) => {
    expect(errorOf(machine({ banks: [bank({ size })] }))).toBe(message);
  });
});

describe('a field with a fixed set of values', () => {
  it('missing: the allowed values, with no "got"', () => {
    expect(errorOf({ banks: [{ name: 'dram0', base: 0, size: '256M' }] })).toBe(
      'machine.json: banks[0].zone: must be one of DMA, DMA32, Normal, Movable');
  });

  it('null: the allowed values and "got null"', () => {
    expect(errorOf(machine({ banks: [bank({ zone: null })] }))).toBe(
      'machine.json: banks[0].zone: must be one of DMA, DMA32, Normal, Movable (got null)');
    expect(errorOf(machine({ heaps: { system: { pool: null } } }))).toBe(
      'machine.json: heaps.system.pool: must be one of none, static, shrinker (got null)');
  });

  it('an array or an object: the allowed values only', () => {
    expect(errorOf(machine({ banks: [bank({ zone: ['Normal'] })] }))).toBe(
      'machine.json: banks[0].zone: must be one of DMA, DMA32, Normal, Movable');
    expect(errorOf(machine({ banks: [bank({ zone: { kind: 'Normal' } })] }))).toBe(
      'machine.json: banks[0].zone: must be one of DMA, DMA32, Normal, Movable');
  });
});

describe('every config error is EINVAL', () => {
  it('a schema error (wrong shape)', () => {
    expect(parseMachineConfig({ banks: [] }, 'machine.json')).toEqual({
      ok: false, errno: 'EINVAL', detail: 'machine.json: banks: must list at least one bank',
    });
  });

  it('a rule broken after the banks are valid (a reservation outside memory)', () => {
    expect(parseMachineConfig(machine({ reserved: [{ label: 'fb', base: '512M', size: '8M' }] }), 'machine.json')).toEqual({
      ok: false, errno: 'EINVAL', detail: 'machine.json: reserved[0]: 0x20000000-0x20800000 is not inside one bank',
    });
  });

  it('--mem on a two-bank config', () => {
    const twoBanks = parsedOk({ banks: [bank({ name: 'a', size: '1G' }), bank({ name: 'b', base: '1G', size: '1G' })] });
    expect(mergeCliOverrides(twoBanks, { memBytes: 64 * MiB })).toEqual({
      ok: false, errno: 'EINVAL',
      detail: '--mem 64M: the config file describes 2 banks; --mem can only resize a single-bank machine (edit banks[] instead)',
    });
  });

  it('--mem that is not a multiple of 2M', () => {
    expect(mergeCliOverrides(parsedOk(machine()), { memBytes: 5 * MiB })).toEqual({
      ok: false, errno: 'EINVAL', detail: '--mem 5M: banks[0].size: must be a multiple of 2M (got 5M)',
    });
  });
});
