// The machine config's `heaps.chunk` section: normalization, one-line errors naming the field (chunk size, area, duplicate heap names), and the boot-time check that the bound area exists.
import { describe, expect, it } from 'vitest';
import { createEnv } from '../../src/env/env.ts';
import { chunkHeapsOf, heapsConfigOf, type MachineConfig } from '../../src/machine/config.ts';
import { Machine } from '../../src/machine/machine.ts';
import { errorOf as configError, machine, parsedOk } from './machine-fixtures.ts';

const parsed = (extra: Record<string, unknown>): MachineConfig => parsedOk(machine(extra));
const errorOf = (extra: Record<string, unknown>): string => configError(machine(extra));

describe('heaps.chunk', () => {
  it('normalizes chunkSize to bytes, keeps config order, and is absent (no chunk heaps) by default', () => {
    const config = parsed({
      cmdline: 'cma=16M',
      cma: { areas: [{ name: 'video', size: '16M' }] },
      heaps: { chunk: [{ name: 'chunk', area: 'reserved', chunkSize: '64K' }, { name: 'chunk-video', area: 'video', chunkSize: 2097152 }] },
    });
    expect(chunkHeapsOf(heapsConfigOf(config))).toEqual([
      { name: 'chunk', area: 'reserved', chunkSizeBytes: 65536 },
      { name: 'chunk-video', area: 'video', chunkSizeBytes: 2 * 2 ** 20 },
    ]);
    expect(chunkHeapsOf(heapsConfigOf(parsed({})))).toEqual([]);
    expect(parsed({ heaps: {} }).heaps?.chunk).toBeUndefined();
  });

  const withCma = { cmdline: 'cma=16M', cma: { areas: [{ name: 'video', size: '16M', orderPerBit: 4 }] } };
  const cases: [string, Record<string, unknown>, string][] = [
    ['not a power of two', { ...withCma, heaps: { chunk: [{ name: 'c', area: 'reserved', chunkSize: '48K' }] } },
      'machine.json: heaps.chunk[0].chunkSize: must be a power of two >= 4K (got 48K)'],
    ['below a page', { ...withCma, heaps: { chunk: [{ name: 'c', area: 'reserved', chunkSize: 2048 }] } },
      'machine.json: heaps.chunk[0].chunkSize: must be a power of two >= 4K (got 2K)'],
    ['above order 10', { ...withCma, heaps: { chunk: [{ name: 'c', area: 'reserved', chunkSize: '8M' }] } },
      'machine.json: heaps.chunk[0].chunkSize: must be at most 4M (order 10) (got 8M)'],
    ['unknown area', { ...withCma, heaps: { chunk: [{ name: 'c', area: 'camera', chunkSize: '64K' }] } },
      'machine.json: heaps.chunk[0].area: no CMA area is named "camera" (declare it in cma.areas, or use "reserved" with a non-zero cma= on the cmdline)'],
    ['reserved without cma=', { heaps: { chunk: [{ name: 'c', area: 'reserved', chunkSize: '64K' }] } },
      'machine.json: heaps.chunk[0].area: no CMA area is named "reserved" (declare it in cma.areas, or use "reserved" with a non-zero cma= on the cmdline)'],
    ['smaller than a bitmap bit', { ...withCma, heaps: { chunk: [{ name: 'c', area: 'video', chunkSize: '32K' }] } },
      'machine.json: heaps.chunk[0].chunkSize: 32K is smaller than one bitmap bit of area "video" (orderPerBit 4 = 64K)'],
    ['named like the cma= heap', { ...withCma, heaps: { chunk: [{ name: 'reserved', area: 'reserved', chunkSize: '64K' }] } },
      'machine.json: heaps.chunk[0].name: "reserved" is already the name of the cma= heap'],
    ['named like an exported device heap', { ...withCma, devices: [{ name: 'mfc', cma: ['video'], exportHeap: true }], heaps: { chunk: [{ name: 'video', area: 'video', chunkSize: '64K' }] } },
      'machine.json: heaps.chunk[0].name: "video" is already the name of devices[0]'],
    ['two chunk heaps with one name', { ...withCma, heaps: { chunk: [{ name: 'c', area: 'reserved', chunkSize: '64K' }, { name: 'c', area: 'video', chunkSize: '64K' }] } },
      'machine.json: heaps.chunk[1].name: "c" is already the name of heaps.chunk[0]'],
    ['named like a CPA heap', { ...withCma, heaps: { cpa: [{ name: 'c', lowmark: 0, fillmark: 0, highmark: 0 }], chunk: [{ name: 'c', area: 'reserved', chunkSize: '64K' }] } },
      'machine.json: heaps.chunk[0].name: "c" is already the name of heaps.cpa[0]'],
    ['unknown field', { ...withCma, heaps: { chunk: [{ name: 'c', area: 'reserved', chunkSize: '64K', order: 4 }] } },
      'machine.json: heaps.chunk[0].order: unknown field'],
    ['missing area', { ...withCma, heaps: { chunk: [{ name: 'c', chunkSize: '64K' }] } }, 'machine.json: heaps.chunk[0].area: missing (required)'],
    ['bad size text', { ...withCma, heaps: { chunk: [{ name: 'c', area: 'reserved', chunkSize: '64Q' }] } },
      'machine.json: heaps.chunk[0].chunkSize: expected a size such as 4096, "256M" or "0x40000000" (got "64Q")'],
  ];
  it.each(cases)('%s', (_name, extra, message) => {
    const detail = errorOf(extra);
    expect(detail).toBe(message);
    expect(detail).not.toContain('\n');
  });

  it('cma=0 creates no "reserved" area (dma_contiguous_reserve skips size 0), so a chunk heap on it is refused, naming the field', () => {
    expect(errorOf({ cmdline: 'cma=0', heaps: { chunk: [{ name: 'c', area: 'reserved', chunkSize: '64K' }] } })).toBe(
      'machine.json: heaps.chunk[0].area: no CMA area is named "reserved" (declare it in cma.areas, or use "reserved" with a non-zero cma= on the cmdline)');
  });

  it('a hand-built config whose chunk heap names an area the layout did not create is refused at boot, naming the field', () => {
    const config = { ...parsed({ cmdline: 'cma=16M', heaps: { chunk: [{ name: 'c', area: 'reserved', chunkSize: '64K' }] } }), cmdline: 'cma=0' };
    const machine = Machine.create(config, createEnv('t'), 'machine.json');
    expect(machine.ok ? 'ok' : `${machine.errno} ${machine.detail}`).toBe(
      'EINVAL machine.json: heaps.chunk[0].area: CMA area "reserved" was not created, so the chunk heap cannot register');
  });
});
