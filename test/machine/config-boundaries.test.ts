// Machine-config limits at their exact edges (CMA alignment 4K, 8 CMA areas, 128 heaps, 4M chunks), where the command line declares the cma= area, and optional fields that stay absent.
import { describe, expect, it } from 'vitest';
import { defaultReservations } from '../../src/machine/config.ts';
import { errorOf, machine, MiB, parsedOk } from './machine-fixtures.ts';

describe('CMA area alignment', () => {
  it('accepts exactly one page (4K)', () => {
    expect(parsedOk(machine({ cma: { areas: [{ name: 'a', size: '2M', alignment: 4096 }] } })).cma.areas[0]?.alignmentBytes).toBe(4096);
  });

  it('refuses a power of two below a page', () => {
    expect(errorOf(machine({ cma: { areas: [{ name: 'a', size: '2M', alignment: 2048 }] } }))).toBe(
      'machine.json: cma.areas[0].alignment: must be a power of two >= 4K (got 2K)');
  });
});

describe('how many CMA areas and heaps fit', () => {
  it('accepts exactly MAX_CMA_AREAS (8) platform areas', () => {
    const areas = Array.from({ length: 8 }, (_, i) => ({ name: `a${i}`, size: '2M' }));
    expect(parsedOk(machine({ cma: { areas } })).cma.areas.map((area) => area.name)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7']);
  });

  it('accepts exactly 128 heaps (the system heap and 127 CPA heaps), one per dma-heap minor', () => {
    const cpa = Array.from({ length: 127 }, (_, i) => ({ name: `c${i}`, lowmark: 0, fillmark: 0, highmark: 0 }));
    expect(parsedOk(machine({ heaps: { cpa } })).heaps?.cpa).toHaveLength(127);
  });
});

describe('chunk heap chunk size', () => {
  it('accepts exactly 4M, one MAX_PAGE_ORDER block', () => {
    const config = parsedOk(machine({ cmdline: 'cma=16M', heaps: { chunk: [{ name: 'c', area: 'reserved', chunkSize: '4M' }] } }));
    expect(config.heaps?.chunk).toStrictEqual([{ name: 'c', area: 'reserved', chunkSizeBytes: 4 * MiB }]);
  });
});

describe('which command lines declare the cma= area "reserved"', () => {
  const variantNamedReserved = { system: { variants: [{ name: 'reserved', caching: 'uncached' }] } };

  it('cma= after a blank does: a heap variant can no longer be named reserved', () => {
    expect(errorOf(machine({ cmdline: 'quiet cma=16M', heaps: variantNamedReserved }))).toBe(
      'machine.json: heaps.system.variants[0].name: "reserved" is already the name of the cma= heap');
  });

  it('cma=0 and a cma= after "--" (init\'s arguments) create no reserved area, so the name stays free', () => {
    for (const cmdline of ['cma=0', 'quiet -- cma=16M']) {
      expect(parsedOk(machine({ cmdline, heaps: variantNamedReserved })).heaps?.system.variants).toEqual([{ name: 'reserved', caching: 'uncached' }]);
    }
  });

  it('hugetlb_cma= does not (cma= after a non-blank is another parameter)', () => {
    expect(parsedOk(machine({ cmdline: 'hugetlb_cma=64M', heaps: variantNamedReserved })).heaps?.system.variants).toEqual([
      { name: 'reserved', caching: 'uncached' },
    ]);
    expect(errorOf(machine({ cmdline: 'hugetlb_cma=64M', heaps: { chunk: [{ name: 'c', area: 'reserved', chunkSize: '64K' }] } }))).toBe(
      'machine.json: heaps.chunk[0].area: no CMA area is named "reserved" (declare it in cma.areas, or use "reserved" with a non-zero cma= on the cmdline)');
  });
});

describe('optional fields stay absent from the normalized config', () => {
  it('a CMA area without base or bank has no baseBytes or bank key', () => {
    expect(parsedOk(machine({ cma: { areas: [{ name: 'a', size: '2M' }] } })).cma.areas).toStrictEqual([
      { name: 'a', sizeBytes: 2 * MiB, alignmentBytes: 2 * MiB, orderPerBit: 0 },
    ]);
  });

  it('vm without minFreeKbytes has no minFreeKbytes key (Linux computes it)', () => {
    expect(parsedOk(machine({ vm: {} })).vm).toStrictEqual({ watermarkScaleFactor: 10 });
  });

  it('a system heap without poolLimit has no poolLimitBytes key', () => {
    expect(parsedOk(machine({ heaps: { system: { pool: 'shrinker' } } })).heaps?.system).toStrictEqual({
      pool: 'shrinker', shrinkerStyle: 'ion', staticPoolEntries: 1024, deferredFree: false,
      zeroBudgetBytesPerTick: 8 * MiB, sizeCap: true, variants: [],
    });
  });

  it('no banks means no default kernel reservation', () => {
    expect(defaultReservations([])).toEqual([]);
  });
});

describe('memory limits at their exact edges', () => {
  const GiB = 1024 * MiB;
  const bankAt = (name: string, base: number, size: number): Record<string, unknown> => ({ name, base, size, zone: 'Normal' });

  it('a bank may end exactly at the 52-bit physical address limit, not 2M beyond it', () => {
    const base = 2 ** 52 - 2 * MiB;
    expect(parsedOk({ banks: [bankAt('top', base, 2 * MiB)] }).banks[0]?.baseBytes).toBe(base);
    expect(errorOf({ banks: [bankAt('top', base + 2 * MiB, 2 * MiB)] })).toBe(
      'machine.json: banks[0]: ends at 0x10000000200000, beyond the 52-bit physical address space');
  });

  it('exactly 16G of memory in total is accepted', () => {
    expect(parsedOk({ banks: [bankAt('a', 0, 8 * GiB), bankAt('b', 8 * GiB, 8 * GiB)] }).banks).toHaveLength(2);
  });

  it('banks spanning exactly 64G are accepted, and the span is high minus low, wherever the banks sit', () => {
    expect(parsedOk({ banks: [bankAt('low', 0, 2 * MiB), bankAt('high', 64 * GiB - 2 * MiB, 2 * MiB)] }).banks).toHaveLength(2);
    expect(parsedOk({ banks: [bankAt('a', 40 * GiB, 2 * MiB), bankAt('b', 48 * GiB, 2 * MiB)] }).banks).toHaveLength(2);
  });

  it('a reservation may end exactly at its bank\'s end; one that starts in a hole before a bank is not inside one bank', () => {
    const banks = [bankAt('a', 0, 256 * MiB), bankAt('b', 512 * MiB, 256 * MiB)];
    expect(parsedOk({ banks, reserved: [{ label: 'fb', base: '254M', size: '2M' }] }).reserved).toEqual([{ label: 'fb', baseBytes: 254 * MiB, sizeBytes: 2 * MiB }]);
    expect(errorOf({ banks, reserved: [{ label: 'fb', base: '510M', size: '4M' }] })).toBe(
      'machine.json: reserved[0]: 0x1fe00000-0x20200000 is not inside one bank');
  });
});
