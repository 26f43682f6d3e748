// registerProcFiles: /proc/buddyinfo, /proc/pagetypeinfo and /proc/meminfo of a booted machine, read through the VFS, and writes to them.
import { describe, expect, it } from 'vitest';
import { err, ok } from '../../src/base/errno.ts';
import { formatBuddyinfo } from '../../src/sysfs/proc-buddyinfo.ts';
import { registerProcFiles } from '../../src/sysfs/proc-files.ts';
import { formatMeminfo } from '../../src/sysfs/proc-meminfo.ts';
import { formatPagetypeinfo } from '../../src/sysfs/proc-pagetypeinfo.ts';
import { VfsRegistry } from '../../src/sysfs/vfs.ts';
import { bootDefault, mapUser } from '../contig/machine-fixtures.ts';

const PROC_FILES = ['/proc/buddyinfo', '/proc/pagetypeinfo', '/proc/meminfo'] as const;

describe('procfs files of a machine', () => {
  it('ls /proc shows buddyinfo, meminfo and pagetypeinfo', () => {
    const vfs = new VfsRegistry();
    registerProcFiles(vfs, bootDefault());
    expect(vfs.list('/proc')).toEqual(ok(['buddyinfo', 'meminfo', 'pagetypeinfo']));
  });

  it('cat prints the current state of the buddy allocator, regenerated on every read', () => {
    const machine = bootDefault();
    const vfs = new VfsRegistry();
    registerProcFiles(vfs, machine);
    const before = PROC_FILES.map((path) => vfs.read(path));
    expect(before).toEqual([ok(formatBuddyinfo(machine.buddy)), ok(formatPagetypeinfo(machine.buddy)), ok(formatMeminfo(machine.buddy))]);
    expect(before.map((read) => (read.ok ? read.value.split('\n')[0] : read.errno))).toEqual([
      expect.stringMatching(/^Node 0, zone +\w+ /), 'Page block order: 9', expect.stringMatching(/^MemTotal: +\d+ kB$/),
    ]);
    mapUser(machine, 1000);
    const after = PROC_FILES.map((path) => vfs.read(path));
    expect(after).toEqual([ok(formatBuddyinfo(machine.buddy)), ok(formatPagetypeinfo(machine.buddy)), ok(formatMeminfo(machine.buddy))]);
    expect(after[2]).not.toEqual(before[2]);
  });

  it('echo > any of them is EIO: their proc_ops have no proc_write', () => {
    const vfs = new VfsRegistry();
    registerProcFiles(vfs, bootDefault());
    expect(PROC_FILES.map((path) => vfs.write(path, '1\n'))).toEqual(
      PROC_FILES.map((path) => err('EIO', `${path} cannot be written (proc without a write operation)`)),
    );
  });
});
