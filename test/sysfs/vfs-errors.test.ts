// VfsRegistry failure paths: the exact errno and detail of every way open/read/write/list fails, and the messages of the registration asserts.
import { describe, expect, it } from 'vitest';
import { err, ok } from '../../src/base/errno.ts';
import { VfsRegistry } from '../../src/sysfs/vfs.ts';
import { assertionMessage } from '../base/assertion-message.ts';

const CMA = '/sys/kernel/debug/cma/reserved';

/** A small tree with one file of each flavor, with and without each operation. */
function tree(): VfsRegistry {
  const vfs = new VfsRegistry();
  vfs.registerFile(`${CMA}/alloc`, { write: () => ok(undefined) });
  vfs.registerFile(`${CMA}/count`, { read: () => ok('4096\n') });
  vfs.registerFile(`${CMA}/bitmap`, { read: () => ok('0\n'), flavor: 'fops' });
  vfs.registerFile('/proc/meminfo', { read: () => ok('MemTotal:          65536 kB\n'), flavor: 'proc' });
  vfs.registerFile('/proc/sysrq-trigger', { write: () => ok(undefined), flavor: 'proc' });
  return vfs;
}

describe('open(2) failures, with their details', () => {
  it('cat of a missing file in an existing directory is ENOENT, through open() and read()', () => {
    const vfs = tree();
    const expected = err('ENOENT', `no such file ${CMA}/nosuch`);
    expect(vfs.open(`${CMA}/nosuch`, 'read')).toEqual(expected);
    expect(vfs.read(`${CMA}/nosuch`)).toEqual(expected);
  });

  it('echo > a missing file in an existing debugfs directory is EACCES: the directory has no ->create', () => {
    const vfs = tree();
    const expected = err('EACCES', `cannot create ${CMA}/nosuch: pseudo file systems have no create operation`);
    expect(vfs.open(`${CMA}/nosuch`, 'write')).toEqual(expected);
    expect(vfs.write(`${CMA}/nosuch`, '1\n')).toEqual(expected);
  });

  it('a missing parent directory is ENOENT naming the parent, for reading and writing', () => {
    const vfs = tree();
    const expected = err('ENOENT', 'no such directory /sys/kernel/debug/cma/other');
    expect(vfs.read('/sys/kernel/debug/cma/other/alloc')).toEqual(expected);
    expect(vfs.write('/sys/kernel/debug/cma/other/alloc', '1\n')).toEqual(expected);
  });

  it('a relative path is ENOENT (traces have no working directory)', () => {
    expect(tree().open('proc/meminfo', 'read')).toEqual(err('ENOENT', 'relative path proc/meminfo (paths must start with /)'));
  });

  it('a path through a file is ENOTDIR naming the file, however it is opened', () => {
    const vfs = tree();
    const expected = err('ENOTDIR', `${CMA}/count is not a directory`);
    expect(vfs.open(`${CMA}/count/x`, 'read')).toEqual(expected);
    expect(vfs.read(`${CMA}/count/x`)).toEqual(expected);
    expect(vfs.write(`${CMA}/count/x`, '1\n')).toEqual(expected);
  });

  it('a directory opens for reading, but echo > it is EISDIR and read() of it is EISDIR', () => {
    const vfs = tree();
    expect(vfs.open(CMA, 'read')).toEqual(ok(undefined));
    expect(vfs.open(CMA, 'write')).toEqual(err('EISDIR', `${CMA} is a directory`));
    expect(vfs.write(CMA, '1\n')).toEqual(err('EISDIR', `${CMA} is a directory`));
    expect(vfs.read(CMA)).toEqual(err('EISDIR', `${CMA} is a directory`));
    expect(vfs.read('/proc')).toEqual(err('EISDIR', '/proc is a directory'));
  });
});

describe('a missing file operation fails the way its flavor does', () => {
  it('simple attributes: cat alloc and echo > count are EACCES (simple_attr_read/write without get/set)', () => {
    const vfs = tree();
    expect(vfs.read(`${CMA}/alloc`)).toEqual(err('EACCES', `${CMA}/alloc cannot be read (simple-attr without a read operation)`));
    expect(vfs.write(`${CMA}/count`, '1\n')).toEqual(err('EACCES', `${CMA}/count cannot be written (simple-attr without a write operation)`));
  });

  it('fops files: echo > bitmap is EINVAL (vfs_write without FMODE_CAN_WRITE)', () => {
    expect(tree().write(`${CMA}/bitmap`, '1\n')).toEqual(err('EINVAL', `${CMA}/bitmap cannot be written (fops without a write operation)`));
  });

  it('procfs files: echo > /proc/meminfo and cat /proc/sysrq-trigger are EIO (pde_write/pde_read)', () => {
    const vfs = tree();
    expect(vfs.write('/proc/meminfo', '1\n')).toEqual(err('EIO', '/proc/meminfo cannot be written (proc without a write operation)'));
    expect(vfs.read('/proc/sysrq-trigger')).toEqual(err('EIO', '/proc/sysrq-trigger cannot be read (proc without a read operation)'));
  });
});

describe('listing directories', () => {
  it('ls of a file is ENOTDIR, of a missing or relative directory ENOENT', () => {
    const vfs = tree();
    expect(vfs.list(`${CMA}/count`)).toEqual(err('ENOTDIR', `${CMA}/count is not a directory`));
    expect(vfs.list('/proc/sys')).toEqual(err('ENOENT', 'no such directory /proc/sys'));
    expect(vfs.list('proc')).toEqual(err('ENOENT', 'no such directory proc'));
    expect(vfs.list('/proc/./')).toEqual(ok(['meminfo', 'sysrq-trigger']));
  });
});

describe('registration asserts name the path', () => {
  it('a directory cannot replace a file', () => {
    expect(assertionMessage(() => tree().registerDirectory(`${CMA}/count`))).toBe(`vfs: ${CMA}/count is already a file`);
  });

  it('a file cannot replace a file, a directory or the root', () => {
    const vfs = tree();
    expect(assertionMessage(() => vfs.registerFile(`${CMA}/count`, {}))).toBe(`vfs: ${CMA}/count is already registered`);
    expect(assertionMessage(() => vfs.registerFile(CMA, {}))).toBe(`vfs: ${CMA} is already registered`);
    expect(assertionMessage(() => vfs.registerFile('/', {}))).toBe('vfs: / is already registered');
  });

  it('registered paths must be canonical and absolute', () => {
    const vfs = tree();
    expect(assertionMessage(() => vfs.registerFile('/proc//buddyinfo', {}))).toBe('vfs: register with a canonical absolute path, not "/proc//buddyinfo"');
    expect(assertionMessage(() => vfs.registerDirectory('dev/dma_heap'))).toBe('vfs: register with a canonical absolute path, not "dev/dma_heap"');
  });
});
