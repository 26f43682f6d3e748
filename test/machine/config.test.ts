// Machine config: defaults, every validation error with its exact one-line message, and the --mem/--cmdline overrides.
import { describe, expect, it } from 'vitest';
import {
  defaultMachineConfig, defaultReservations, mergeCliOverrides, parseMachineConfig,
} from '../../src/machine/config.ts';
import { bank, errorOf, GiB, machine, MiB, parsedOk } from './machine-fixtures.ts';

describe('parseMachineConfig defaults', () => {
  it('fills every default explicitly', () => {
    expect(parsedOk(machine())).toEqual({
      banks: [{ name: 'dram0', baseBytes: 0, sizeBytes: 256 * MiB, zone: 'Normal', node: 0 }],
      cpuCount: 2,
      reserved: [{ label: 'kernel', baseBytes: 0, sizeBytes: 8 * MiB }],
      cmdline: '',
      cma: { areas: [] },
      devices: [],
      pinning: { longtermMigratesCma: true },
      vm: { watermarkScaleFactor: 10 },
    });
  });

  it('accepts sizes as bytes, suffixed strings and hex strings', () => {
    const config = parsedOk({
      banks: [bank({ size: 64 * MiB }), bank({ name: 'dram1', base: '0x40000000', size: '1G', zone: 'Movable' })],
    });
    expect(config.banks.map((b) => [b.baseBytes, b.sizeBytes, b.node])).toEqual([[0, 64 * MiB, 0], [GiB, GiB, 1]]);
  });

  it('defaults the kernel reservation to min(8M, mem/16) rounded up to 2M in the lowest bank', () => {
    const low = { name: 'low', baseBytes: 0, sizeBytes: 2 * MiB, zone: 'DMA', node: 0 } as const;
    expect(defaultReservations([{ ...low, sizeBytes: 40 * MiB }])).toEqual([{ label: 'kernel', baseBytes: 0, sizeBytes: 4 * MiB }]);
    expect(defaultReservations([{ ...low, sizeBytes: 16 * GiB }])[0]?.sizeBytes).toBe(8 * MiB);
    const high = { ...low, name: 'high', baseBytes: GiB, sizeBytes: GiB };
    expect(defaultReservations([high, low])).toEqual([{ label: 'kernel', baseBytes: 0, sizeBytes: 2 * MiB }]);
  });

  it('keeps optional CMA fields absent and defaults alignment and orderPerBit', () => {
    const config = parsedOk(machine({
      cma: { areas: [{ name: 'mfc', size: '32M' }, { name: 'isp', size: '16M', range: { start: 0, end: '128M' }, bank: 'dram0', alignment: '4M', orderPerBit: 2 }] },
      devices: [{ name: 'codec', cma: ['mfc', 'isp'] }, { name: 'display', cma: ['isp'], exportHeap: true }],
      vm: { minFreeKbytes: 1024 },
    }));
    expect(config.cma.areas).toEqual([
      { name: 'mfc', sizeBytes: 32 * MiB, alignmentBytes: 2 * MiB, orderPerBit: 0 },
      { name: 'isp', sizeBytes: 16 * MiB, range: { startBytes: 0, endBytes: 128 * MiB }, alignmentBytes: 4 * MiB, orderPerBit: 2, bank: 'dram0' },
    ]);
    expect(config.devices).toEqual([
      { name: 'codec', cmaAreas: ['mfc', 'isp'], exportHeap: false },
      { name: 'display', cmaAreas: ['isp'], exportHeap: true },
    ]);
    expect(config.vm).toEqual({ minFreeKbytes: 1024, watermarkScaleFactor: 10 });
  });
});

const twoBanks = (second: Record<string, unknown>): Record<string, unknown> =>
  ({ banks: [bank({ name: 'a', size: '1G' }), bank({ name: 'b', base: '1G', size: '1G', ...second })] });

const ERROR_CASES: ReadonlyArray<readonly [string, unknown, string]> = [
  ['not an object', 'x', 'machine.json: expected an object, got "x"'],
  ['banks missing', {}, 'machine.json: banks: missing (required)'],
  ['banks empty', { banks: [] }, 'machine.json: banks: must list at least one bank'],
  ['unknown top-level field', machine({ frob: 1 }), 'machine.json: frob: unknown field'],
  ['unknown nested field wins over the missing one', { banks: [{ name: 'a', base: 0, sise: '2M', zone: 'Normal' }] }, 'machine.json: banks[0].sise: unknown field'],
  ['bad size string', machine({ banks: [bank({ size: '12Q' })] }), 'machine.json: banks[0].size: expected a size such as 4096, "256M" or "0x40000000" (got "12Q")'],
  ['negative size', machine({ banks: [bank({ size: -5 })] }), 'machine.json: banks[0].size: must be a whole number of bytes >= 0 (got -5)'],
  ['size of the wrong type', machine({ banks: [bank({ size: true })] }), 'machine.json: banks[0].size: expected a size (bytes, or a string like "256M"), got true'],
  ['size missing', machine({ banks: [{ name: 'a', base: 0, zone: 'Normal' }] }), 'machine.json: banks[0].size: missing (required)'],
  ['misaligned size', twoBanks({ size: '3M' }), 'machine.json: banks[1].size: must be a multiple of 2M (got 3M)'],
  ['misaligned base', machine({ banks: [bank({ base: '1M' })] }), 'machine.json: banks[0].base: must be a multiple of 2M (got 1M)'],
  ['empty bank', machine({ banks: [bank({ size: 0 })] }), 'machine.json: banks[0].size: must be > 0'],
  ['unknown zone', machine({ banks: [bank({ zone: 'Highmem' })] }), 'machine.json: banks[0].zone: must be one of DMA, DMA32, Normal, Movable (got "Highmem")'],
  ['node out of range', machine({ banks: [bank({ node: 64 })] }), 'machine.json: banks[0].node: must be between 0 and 63 (got 64)'],
  ['bad name', machine({ banks: [bank({ name: 'a/b' })] }), 'machine.json: banks[0].name: must be 1-63 characters from A-Z a-z 0-9 _ . - (not starting with . or -) (got "a/b")'],
  ['duplicate bank names', twoBanks({ name: 'a' }), 'machine.json: banks[1].name: "a" is already used by banks[0]'],
  ['overlapping banks', twoBanks({ base: '512M' }), 'machine.json: banks[1]: b (0x20000000-0x60000000) overlaps banks[0] a (0x0-0x40000000)'],
  ['too much memory', { banks: [bank({ name: 'a', size: '16G' }), bank({ name: 'b', base: '16G', size: '1G' })] }, 'machine.json: banks: 17G of memory in total, more than the 16G limit'],
  ['span too large', twoBanks({ base: '64G' }), 'machine.json: banks: the banks span 65G (0x0-0x1040000000), more than the 64G limit'],
  ['beyond 52 bits', machine({ banks: [bank({ base: 2 ** 52, size: '2M' })] }), 'machine.json: banks[0]: ends at 0x10000000200000, beyond the 52-bit physical address space'],
  ['cpus too many', machine({ cpus: 65 }), 'machine.json: cpus: must be between 1 and 64 (got 65)'],
  ['cpus zero', machine({ cpus: 0 }), 'machine.json: cpus: must be between 1 and 64 (got 0)'],
  ['cpus fractional', machine({ cpus: 1.5 }), 'machine.json: cpus: expected a whole number, got 1.5'],
  ['cmdline not a string', machine({ cmdline: 5 }), 'machine.json: cmdline: expected a string, got 5'],
  ['reservation misaligned', machine({ reserved: [{ label: 'fb', base: '1M', size: '2M' }] }), 'machine.json: reserved[0].base: must be a multiple of 2M (got 1M)'],
  ['reservation empty', machine({ reserved: [{ label: 'fb', base: 0, size: 0 }] }), 'machine.json: reserved[0].size: must be > 0'],
  ['reservation outside banks', machine({ reserved: [{ label: 'fb', base: '254M', size: '4M' }] }), 'machine.json: reserved[0]: 0xfe00000-0x10200000 is not inside one bank'],
  ['reservations overlap', machine({ reserved: [{ label: 'a', base: 0, size: '4M' }, { label: 'b', base: '2M', size: '2M' }] }), 'machine.json: reserved[1]: 0x200000-0x400000 overlaps reserved[0]'],
  ['reservation labels repeat', machine({ reserved: [{ label: 'a', base: 0, size: '2M' }, { label: 'a', base: '2M', size: '2M' }] }), 'machine.json: reserved[1].label: "a" is already used by reserved[0]'],
  ['too many CMA areas', machine({ cma: { areas: Array.from({ length: 9 }, (_, i) => ({ name: `a${i}`, size: '2M' })) } }), 'machine.json: cma.areas: 9 areas, more than MAX_CMA_AREAS (8, which includes the cma= area)'],
  ['CMA area empty', machine({ cma: { areas: [{ name: 'a', size: 0 }] } }), 'machine.json: cma.areas[0].size: must be > 0'],
  ['CMA base and range', machine({ cma: { areas: [{ name: 'a', size: '2M', base: 0, range: { start: 0, end: '4M' } }] } }), 'machine.json: cma.areas[0]: base (a fixed placement) and range (placement limits) exclude each other'],
  ['CMA range reversed', machine({ cma: { areas: [{ name: 'a', size: '2M', range: { start: '4M', end: '4M' } }] } }), 'machine.json: cma.areas[0].range: start must be below end (got 0x400000-0x400000)'],
  ['CMA alignment not a power of two', machine({ cma: { areas: [{ name: 'a', size: '2M', alignment: '3M' }] } }), 'machine.json: cma.areas[0].alignment: must be a power of two >= 4K (got 3M)'],
  ['CMA bank dangling', machine({ cma: { areas: [{ name: 'a', size: '2M', bank: 'dram9' }] } }), 'machine.json: cma.areas[0].bank: no bank is named "dram9"'],
  ['CMA orderPerBit too large', machine({ cma: { areas: [{ name: 'a', size: '2M', orderPerBit: 11 }] } }), 'machine.json: cma.areas[0].orderPerBit: must be between 0 and 10 (got 11)'],
  ['CMA names repeat', machine({ cma: { areas: [{ name: 'a', size: '2M' }, { name: 'a', size: '2M' }] } }), 'machine.json: cma.areas[1].name: "a" is already used by cma.areas[0]'],
  ['CMA unknown field', machine({ cma: { areas: [{ name: 'a', size: '2M', fixed: true }] } }), 'machine.json: cma.areas[0].fixed: unknown field'],
  ['device area dangling', machine({ devices: [{ name: 'd', cma: ['x'] }] }), 'machine.json: devices[0].cma[0]: no CMA area is named "x" (declare it in cma.areas)'],
  ['device area twice', machine({ cma: { areas: [{ name: 'a', size: '2M' }] }, devices: [{ name: 'd', cma: ['a', 'a'] }] }), 'machine.json: devices[0].cma[1]: "a" is listed twice'],
  ['exportHeap without area', machine({ devices: [{ name: 'd', exportHeap: true }] }), 'machine.json: devices[0].exportHeap: the device must list the area it exports in cma'],
  ['exportHeap named system', machine({ cma: { areas: [{ name: 'system', size: '2M' }] }, devices: [{ name: 'd', cma: ['system'], exportHeap: true }] }), 'machine.json: devices[0].exportHeap: a heap named "system" already exists (the system heap)'],
  ['area exported twice', machine({ cma: { areas: [{ name: 'a', size: '2M' }] }, devices: [{ name: 'd', cma: ['a'], exportHeap: true }, { name: 'e', cma: ['a'], exportHeap: true }] }), 'machine.json: devices[1].exportHeap: area "a" is already exported as a heap by devices[0]'],
  ['device names repeat', machine({ devices: [{ name: 'd' }, { name: 'd' }] }), 'machine.json: devices[1].name: "d" is already used by devices[0]'],
  ['pinning not boolean', machine({ pinning: { longtermMigratesCma: 'yes' } }), 'machine.json: pinning.longtermMigratesCma: expected true or false, got "yes"'],
  ['watermark scale factor zero', machine({ vm: { watermarkScaleFactor: 0 } }), 'machine.json: vm.watermarkScaleFactor: must be between 1 and 3000 (got 0)'],
  ['min_free_kbytes negative', machine({ vm: { minFreeKbytes: -1 } }), 'machine.json: vm.minFreeKbytes: must be a whole number >= 0 (got -1)'],
];

describe('parseMachineConfig errors', () => {
  it.each(ERROR_CASES)('%s', (_name, raw, message) => {
    expect(errorOf(raw)).toBe(message);
  });

  it('reports errors as EINVAL on one line', () => {
    const result = parseMachineConfig(twoBanks({ size: '3M' }), 'machine.json');
    expect(result).toMatchObject({ ok: false, errno: 'EINVAL' });
    for (const [, raw] of ERROR_CASES) expect(errorOf(raw)).not.toContain('\n');
  });
});

describe('defaultMachineConfig', () => {
  it('builds one Normal bank dram0 at 0 with the command line', () => {
    const result = defaultMachineConfig({ memBytes: 64 * MiB, cmdline: 'cma=16M' });
    expect(result.ok && result.value.banks).toEqual([{ name: 'dram0', baseBytes: 0, sizeBytes: 64 * MiB, zone: 'Normal', node: 0 }]);
    expect(result.ok && result.value.cmdline).toBe('cma=16M');
    expect(result.ok && result.value.reserved).toEqual([{ label: 'kernel', baseBytes: 0, sizeBytes: 4 * MiB }]);
  });

  it('names --mem in errors', () => {
    expect(defaultMachineConfig({ memBytes: 3 * MiB, cmdline: '' })).toEqual({
      ok: false, errno: 'EINVAL', detail: '--mem 3M: banks[0].size: must be a multiple of 2M (got 3M)',
    });
    const huge = defaultMachineConfig({ memBytes: 32 * GiB, cmdline: '' });
    expect(huge.ok ? '' : huge.detail).toBe('--mem 32G: banks: 32G of memory in total, more than the 16G limit');
  });
});

describe('mergeCliOverrides', () => {
  const fileConfig = parsedOk(machine({ cmdline: 'cma=8M' }));

  it('leaves the file alone without flags', () => {
    expect(mergeCliOverrides(fileConfig, {})).toEqual({ ok: true, value: fileConfig });
  });

  it('--cmdline replaces the file command line', () => {
    const merged = mergeCliOverrides(fileConfig, { cmdline: 'cma=32M' });
    expect(merged.ok && merged.value.cmdline).toBe('cma=32M');
  });

  it('--mem resizes the only bank and the default kernel reservation follows', () => {
    const merged = mergeCliOverrides(fileConfig, { memBytes: 32 * MiB });
    expect(merged.ok && merged.value.banks[0]?.sizeBytes).toBe(32 * MiB);
    expect(merged.ok && merged.value.reserved).toEqual([{ label: 'kernel', baseBytes: 0, sizeBytes: 2 * MiB }]);
  });

  it('--mem keeps reservations written in the file and checks they still fit', () => {
    const withFb = parsedOk(machine({ reserved: [{ label: 'fb', base: '100M', size: '8M' }] }));
    const merged = mergeCliOverrides(withFb, { memBytes: 128 * MiB });
    expect(merged.ok && merged.value.reserved).toEqual([{ label: 'fb', baseBytes: 100 * MiB, sizeBytes: 8 * MiB }]);
    const tooSmall = mergeCliOverrides(withFb, { memBytes: 64 * MiB });
    expect(tooSmall.ok ? '' : tooSmall.detail).toBe('--mem 64M: reserved[0]: 0x6400000-0x6c00000 is not inside one bank');
  });

  it('--mem with a multi-bank config is an error', () => {
    const merged = mergeCliOverrides(parsedOk(twoBanks({})), { memBytes: 64 * MiB });
    expect(merged.ok ? '' : merged.detail).toBe(
      '--mem 64M: the config file describes 2 banks; --mem can only resize a single-bank machine (edit banks[] instead)');
  });

  it('--mem is validated like the file', () => {
    const merged = mergeCliOverrides(fileConfig, { memBytes: 5 * MiB });
    expect(merged.ok ? '' : merged.detail).toBe('--mem 5M: banks[0].size: must be a multiple of 2M (got 5M)');
  });
});
