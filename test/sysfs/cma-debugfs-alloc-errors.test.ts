// The exact errno and detail of a failing `echo N > /sys/kernel/debug/cma/AREA/alloc` on a booted machine, and what it leaves in the counters.
import { describe, expect, it } from 'vitest';
import { err, ok } from '../../src/base/errno.ts';
import { registerCmaDebugfsFiles } from '../../src/sysfs/cma-debugfs-files.ts';
import { VfsRegistry } from '../../src/sysfs/vfs.ts';
import { bootDefault, bootRaw, expectSound } from '../contig/machine-fixtures.ts';

describe('echo N > /sys/kernel/debug/cma/AREA/alloc failing', () => {
  it('a count cma_alloc cannot place (the area is full) is ENOMEM with cma_alloc\'s reason, and counts as failed pages', () => {
    const machine = bootDefault();
    const vfs = new VfsRegistry();
    registerCmaDebugfsFiles(vfs, machine);
    const dir = '/sys/kernel/debug/cma/reserved';
    expect(vfs.read(`${dir}/count`)).toEqual(ok('4096\n'));
    expect(vfs.write(`${dir}/alloc`, '4096\n')).toEqual(ok(undefined));
    expect(vfs.write(`${dir}/alloc`, '1\n')).toEqual(err('ENOMEM', 'cma_alloc(reserved, 1): no free aligned window'));
    expect(vfs.read(`${dir}/used`)).toEqual(ok('4096\n'));
    expect(vfs.read('/sys/kernel/mm/cma/reserved/alloc_pages_success')).toEqual(ok('4096\n'));
    expect(vfs.read('/sys/kernel/mm/cma/reserved/alloc_pages_fail')).toEqual(ok('1\n'));
    expectSound(machine);
  });

  it('order_per_bit 2 and echo 4294967295 (pages -1): refused with EINVAL naming the backwards alloc_contig_range, nothing counted', () => {
    const machine = bootRaw({ banks: [{ name: 'dram0', base: 0, size: '64M', zone: 'Normal' }], cma: { areas: [{ name: 'q', size: '8M', orderPerBit: 2 }] } });
    const vfs = new VfsRegistry();
    registerCmaDebugfsFiles(vfs, machine);
    const dir = '/sys/kernel/debug/cma/q';
    const basePfn = vfs.read(`${dir}/base_pfn`);
    if (!basePfn.ok) throw new Error(basePfn.detail);
    const pfn = Number.parseInt(basePfn.value, 10);
    expect(vfs.write(`${dir}/alloc`, '4294967295\n')).toEqual(
      err('EINVAL', `refused: alloc_contig_range(${pfn}, ${pfn - 1}) with end below start (count -1 wrapped)`),
    );
    expect(vfs.read('/sys/kernel/mm/cma/q/alloc_pages_fail')).toEqual(ok('0\n'));
    expect(machine.events.get('cma_alloc_fail')).toBe(0);
    expectSound(machine);
  });
});
