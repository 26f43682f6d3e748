// CmaRegistry: areas from the platform and from cma=, devices with ordered fallback lists (seed 001's "kinds"), the default area.
import { describe, expect, it } from 'vitest';
import { CmaRegistry } from '../../src/cma/cma-registry.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { bootRaw, expectSound } from '../contig/machine-fixtures.ts';

function platform(): Machine {
  return bootRaw({
    banks: [{ name: 'bank0', base: 0, size: '128M', zone: 'Normal' }, { name: 'bank1', base: '0x10000000', size: '128M', zone: 'Normal', node: 0 }],
    cmdline: 'cma=16M',
    cma: { areas: [{ name: 'mfc-a', size: '4M', bank: 'bank0' }, { name: 'mfc-b', size: '8M', bank: 'bank1' }] },
    devices: [{ name: 's5p-mfc', cma: ['mfc-a', 'mfc-b'] }, { name: 'jpeg', cma: [] }],
  });
}

describe('CmaRegistry', () => {
  it('knows the platform areas and the cma= default area by name, in layout order', () => {
    const machine = platform();
    expect(machine.cma.areas.map((a) => [a.name, a.pageCount])).toEqual([['mfc-a', 1024], ['mfc-b', 2048], ['reserved', 4096]]);
    expect(machine.cma.defaultArea?.name).toBe('reserved');
    expect(machine.cma.area('mfc-b')?.basePfn).toBeGreaterThanOrEqual(0x10000);
    expect(machine.cma.deviceNames()).toEqual(['s5p-mfc', 'jpeg']);
  });

  it('a device takes memory of its kind from its first area, then falls back to the next one when that is full', () => {
    const machine = platform();
    const first = machine.cma.deviceAlloc('s5p-mfc', { pageCount: 768, alignOrder: 0 });
    const second = machine.cma.deviceAlloc('s5p-mfc', { pageCount: 512, alignOrder: 0 });
    const third = machine.cma.deviceAlloc('s5p-mfc', { pageCount: 256, alignOrder: 0 });
    expect([first, second, third].map((r) => (r.ok ? r.value.area.name : r.errno))).toEqual(['mfc-a', 'mfc-b', 'mfc-a']);
    const tooBig = machine.cma.deviceAlloc('s5p-mfc', { pageCount: 2048, alignOrder: 0 });
    expect(tooBig.ok ? 'ok' : tooBig.detail).toBe('device s5p-mfc: mfc-a: ENOMEM, mfc-b: ENOMEM');
    expectSound(machine);
  });

  it('a device listing no area uses the default area, like dev_get_cma_area(); an unknown device is ENODEV', () => {
    const machine = platform();
    const got = machine.cma.deviceAlloc('jpeg', { pageCount: 16, alignOrder: 4 });
    expect(got.ok && [got.value.area.name, got.value.pfn % 16]).toEqual(['reserved', 0]);
    const unknown = machine.cma.deviceAlloc('nope', { pageCount: 1, alignOrder: 0 });
    expect(unknown.ok ? 'ok' : unknown.errno).toBe('ENODEV');
  });

  it('alloc/release/allocBulk by area name; unknown names fail without side effects', () => {
    const machine = platform();
    const got = machine.cma.alloc('mfc-b', { pageCount: 3, alignOrder: 0 });
    expect(got.ok).toBe(true);
    if (got.ok) expect(machine.cma.release('mfc-b', got.value, 3)).toBe(true);
    const unknown = machine.cma.alloc('nope', { pageCount: 1, alignOrder: 0 });
    expect(unknown).toEqual({ ok: false, errno: 'ENOENT', detail: 'no CMA area named "nope"' });
    expect(machine.cma.release('nope', 0, 1)).toBe(false);
    expect(machine.cma.allocBulk('nope', { alignOrder: 0, order: 0, nrRequests: 1, mode: 'normal' })).toStrictEqual({ chunks: [], nrAllocated: 0, errno: 'ENOENT' });
    expect(machine.cma.areas.map((a) => a.bitmap.usedBits())).toEqual([0, 0, 0]);
  });

  it('each area\'s default owner, whom its cma_alloc pages are charged to, is of kind "cma" and labelled with the area name', () => {
    const machine = platform();
    expect(machine.cma.areas.map((a) => [machine.owners.kindOf(a.owner), machine.owners.labelOf(a.owner)])).toEqual([['cma', 'mfc-a'], ['cma', 'mfc-b'], ['cma', 'reserved']]);
  });

  it('a device listing no area on a machine without cma= has no area at all: ENOMEM saying so, nothing tried', () => {
    const machine = bootRaw({
      banks: [{ name: 'bank0', base: 0, size: '64M', zone: 'Normal' }],
      cma: { areas: [{ name: 'mfc-a', size: '4M' }] },
      devices: [{ name: 'jpeg', cma: [] }],
    });
    expect(machine.cma.defaultArea).toBeUndefined();
    expect(machine.cma.deviceAreas('jpeg')).toEqual({ ok: true, value: [] });
    expect(machine.cma.deviceAlloc('jpeg', { pageCount: 1, alignOrder: 0 })).toEqual({ ok: false, errno: 'ENOMEM', detail: 'device jpeg has no CMA area' });
    expect(machine.events.get('cma_alloc_fail')).toBe(0);
  });

  it('a registry built directly (config validation bypassed) skips a device\'s area names it does not know', () => {
    const machine = platform();
    const deps = { contig: machine.contig, events: machine.events, buddy: machine.buddy, user: machine.user };
    const ranges = machine.cma.areas.map((a) => ({ name: a.name, pfnStart: a.basePfn, pfnEnd: a.pfnEnd, orderPerBit: a.orderPerBit }));
    const registry = new CmaRegistry(ranges, [{ name: 'isp', cmaAreas: ['gone', 'mfc-b'] }], machine.owners, deps);
    const areas = registry.deviceAreas('isp');
    expect(areas.ok && areas.value.map((a) => a.name)).toEqual(['mfc-b']);
  });
});
