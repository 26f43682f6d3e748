// Registers the procfs files of a machine (/proc/buddyinfo, /proc/pagetypeinfo, /proc/meminfo) in its VFS.
import { ok } from '../base/errno.ts';
import type { Machine } from '../machine/machine.ts';
import { formatBuddyinfo } from './proc-buddyinfo.ts';
import { formatMeminfo } from './proc-meminfo.ts';
import { formatPagetypeinfo } from './proc-pagetypeinfo.ts';
import type { VfsRegistry } from './vfs.ts';

/** Adds the read-only procfs views of `machine` to `vfs` (writes fail with EIO, as proc_reg_write does). */
export function registerProcFiles(vfs: VfsRegistry, machine: Machine): void {
  vfs.registerFile('/proc/buddyinfo', { read: () => ok(formatBuddyinfo(machine.buddy)), flavor: 'proc' });
  vfs.registerFile('/proc/pagetypeinfo', { read: () => ok(formatPagetypeinfo(machine.buddy)), flavor: 'proc' });
  vfs.registerFile('/proc/meminfo', { read: () => ok(formatMeminfo(machine.buddy)), flavor: 'proc' });
}
