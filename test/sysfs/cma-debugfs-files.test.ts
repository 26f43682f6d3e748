// The CMA debugfs and sysfs files of a machine: which exist, how each fails to be read or written, counters, opb > 0 frees, refused kernel-UB input.
import { describe, expect, it } from 'vitest';
import { registerCmaDebugfsFiles } from '../../src/sysfs/cma-debugfs-files.ts';
import { VfsRegistry } from '../../src/sysfs/vfs.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { bootDefault, bootRaw, expectSound } from '../contig/machine-fixtures.ts';

const DIR = '/sys/kernel/debug/cma/reserved';

function files(machine: Machine): VfsRegistry {
  const vfs = new VfsRegistry();
  registerCmaDebugfsFiles(vfs, machine);
  return vfs;
}

function errnoOf(result: { ok: boolean; errno?: string }): string {
  return result.ok ? 'ok' : (result.errno ?? '?');
}

describe('CMA debugfs files', () => {
  it('creates one directory per area with the eight cma_debug.c files, plus the sysfs counters', () => {
    const machine = bootRaw({ banks: [{ name: 'dram0', base: 0, size: '128M', zone: 'Normal' }], cmdline: 'cma=8M', cma: { areas: [{ name: 'video', size: '4M' }] } });
    const vfs = files(machine);
    expect(vfs.list('/sys/kernel/debug/cma')).toEqual({ ok: true, value: ['reserved', 'video'] });
    expect(vfs.list(DIR)).toEqual({ ok: true, value: ['alloc', 'base_pfn', 'bitmap', 'count', 'free', 'maxchunk', 'order_per_bit', 'used'] });
    expect(vfs.list('/sys/kernel/mm/cma/video')).toEqual({ ok: true, value: ['alloc_pages_fail', 'alloc_pages_success'] });
  });

  it('no CMA area, no directory', () => {
    const vfs = files(bootDefault('64M', ''));
    expect(errnoOf(vfs.list('/sys/kernel/debug/cma'))).toBe('ENOENT');
  });

  it('alloc/free are write-only (read: EACCES), the numbers read-only (write: EACCES), bitmap has no write (EINVAL)', () => {
    const vfs = files(bootDefault());
    expect([errnoOf(vfs.read(`${DIR}/alloc`)), errnoOf(vfs.read(`${DIR}/free`))]).toEqual(['EACCES', 'EACCES']);
    for (const name of ['base_pfn', 'count', 'order_per_bit', 'used', 'maxchunk']) expect(errnoOf(vfs.write(`${DIR}/${name}`, '1\n'))).toBe('EACCES');
    expect(errnoOf(vfs.write(`${DIR}/bitmap`, '1\n'))).toBe('EINVAL');
    expect(errnoOf(vfs.write('/sys/kernel/mm/cma/reserved/alloc_pages_success', '1\n'))).toBe('EACCES');
  });

  it('alloc failures are ENOMEM (and parse errors EINVAL/ERANGE); frees always succeed once parsed', () => {
    const machine = bootDefault();
    const vfs = files(machine);
    expect(['0\n', '4097\n', 'x\n', '99999999999999999999\n'].map((text) => errnoOf(vfs.write(`${DIR}/alloc`, text)))).toEqual(['ENOMEM', 'ENOMEM', 'EINVAL', 'ERANGE']);
    expect(['5\n', '0\n', '4294967295\n'].map((text) => errnoOf(vfs.write(`${DIR}/free`, text)))).toEqual(['ok', 'ok', 'ok']);
    expect(errnoOf(vfs.write(`${DIR}/free`, '-1\n'))).toBe('EINVAL');
  });

  it('the sysfs counters add the u64 count of every failure, wrapped like Linux for a negative int', () => {
    const machine = bootDefault();
    const vfs = files(machine);
    expect(vfs.write(`${DIR}/alloc`, '16\n').ok).toBe(true);
    expect(vfs.write(`${DIR}/alloc`, '4097\n').ok).toBe(false);
    expect(vfs.write(`${DIR}/alloc`, '4294967295\n').ok).toBe(false);
    expect(vfs.read('/sys/kernel/mm/cma/reserved/alloc_pages_success')).toEqual({ ok: true, value: '16\n' });
    // 4097 + (2^64 - 1) wraps to 4096.
    expect(vfs.read('/sys/kernel/mm/cma/reserved/alloc_pages_fail')).toEqual({ ok: true, value: '4096\n' });
    expect([machine.events.get('cma_alloc_success'), machine.events.get('cma_alloc_fail')]).toEqual([1, 2]);
  });

  it('with order_per_bit > 0 a free never splits an allocation, and the kernel-UB count is refused without effect', () => {
    const machine = bootRaw({ banks: [{ name: 'dram0', base: 0, size: '64M', zone: 'Normal' }], cma: { areas: [{ name: 'q', size: '8M', orderPerBit: 2 }] } });
    const vfs = files(machine);
    const dir = '/sys/kernel/debug/cma/q';
    expect(vfs.write(`${dir}/alloc`, '6\n').ok).toBe(true);
    expect(vfs.read(`${dir}/used`)).toEqual({ ok: true, value: '8\n' });
    expect(vfs.write(`${dir}/free`, '5\n').ok).toBe(true);
    expect(vfs.read(`${dir}/used`)).toEqual({ ok: true, value: '8\n' });
    const refused = vfs.write(`${dir}/alloc`, '4294967295\n');
    expect(refused.ok ? 'ok' : refused.detail).toMatch(/^refused: alloc_contig_range/);
    expect(vfs.read(`${dir}/used`)).toEqual({ ok: true, value: '8\n' });
    expect(vfs.write(`${dir}/free`, '6\n').ok).toBe(true);
    expect(vfs.read(`${dir}/used`)).toEqual({ ok: true, value: '0\n' });
    expectSound(machine);
  });
});
