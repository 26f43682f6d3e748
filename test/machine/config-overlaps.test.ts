// Overlapping and out-of-order banks and reservations in a machine config: which entry the error names, the span limit's address range, and what is accepted.
import { describe, expect, it } from 'vitest';
import { bank, errorOf, machine, MiB, parsedOk } from './machine-fixtures.ts';

describe('overlapping banks', () => {
  it('names the bank listed later, even when it has the lower address', () => {
    const banks = [bank({ name: 'hi', base: '512M', size: '1G' }), bank({ name: 'lo', base: 0, size: '1G' })];
    expect(errorOf({ banks })).toBe('machine.json: banks[1]: lo (0x0-0x40000000) overlaps banks[0] hi (0x20000000-0x60000000)');
  });

  it('finds an overlap between banks that are not next to each other in the list', () => {
    const banks = [
      bank({ name: 'a', base: 0, size: '1G' }),
      bank({ name: 'b', base: '2G', size: '1G' }),
      bank({ name: 'c', base: '512M', size: '1G' }),
    ];
    expect(errorOf({ banks })).toBe('machine.json: banks[2]: c (0x20000000-0x60000000) overlaps banks[0] a (0x0-0x40000000)');
  });

  it('accepts touching banks listed from high to low', () => {
    const banks = [bank({ name: 'hi', base: '1G', size: '1G' }), bank({ name: 'lo', base: 0, size: '1G' })];
    expect(parsedOk({ banks }).banks.map((b) => [b.name, b.baseBytes, b.node])).toEqual([['hi', 1024 * MiB, 0], ['lo', 0, 1]]);
  });
});

describe('the 64G span limit', () => {
  it('measures from the lowest bank base, not from address 0', () => {
    const banks = [bank({ name: 'a', base: '2G', size: '1G' }), bank({ name: 'b', base: '66G', size: '1G' })];
    expect(errorOf({ banks })).toBe('machine.json: banks: the banks span 65G (0x80000000-0x10c0000000), more than the 64G limit');
  });
});

describe('reservations', () => {
  it('a size that is not a multiple of 2M names the size field', () => {
    expect(errorOf(machine({ reserved: [{ label: 'fb', base: '4M', size: '3M' }] }))).toBe(
      'machine.json: reserved[0].size: must be a multiple of 2M (got 3M)');
  });

  it('accepts reservations listed from high to low, apart or touching, and keeps them in order', () => {
    const apart = [{ label: 'fb', base: '64M', size: '8M' }, { label: 'kernel', base: 0, size: '8M' }];
    expect(parsedOk(machine({ reserved: apart })).reserved).toStrictEqual([
      { label: 'fb', baseBytes: 64 * MiB, sizeBytes: 8 * MiB },
      { label: 'kernel', baseBytes: 0, sizeBytes: 8 * MiB },
    ]);
    const touching = [{ label: 'fb', base: '8M', size: '2M' }, { label: 'kernel', base: 0, size: '8M' }];
    expect(parsedOk(machine({ reserved: touching })).reserved).toStrictEqual([
      { label: 'fb', baseBytes: 8 * MiB, sizeBytes: 2 * MiB },
      { label: 'kernel', baseBytes: 0, sizeBytes: 8 * MiB },
    ]);
  });

  it('a later reservation inside an earlier, higher one overlaps it', () => {
    const reserved = [{ label: 'fb', base: '64M', size: '8M' }, { label: 'logo', base: '66M', size: '2M' }];
    expect(errorOf(machine({ reserved }))).toBe('machine.json: reserved[1]: 0x4200000-0x4400000 overlaps reserved[0]');
  });
});
