// VfsRegistry: registration, directory listing, path resolution, and the Linux 6.1 errnos for open/read/write failures.
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/base/assert.ts';
import { err, ok } from '../../src/base/errno.ts';
import { normalizePath, VfsRegistry } from '../../src/sysfs/vfs.ts';

const CMA = '/sys/kernel/debug/cma/reserved';

function cmaDirectory(): { vfs: VfsRegistry; writes: string[] } {
  const vfs = new VfsRegistry();
  const writes: string[] = [];
  vfs.registerFile(`${CMA}/alloc`, { write: (text) => (writes.push(text), ok(undefined)) });
  vfs.registerFile(`${CMA}/count`, { read: () => ok('4096\n') });
  vfs.registerFile(`${CMA}/bitmap`, { read: () => ok('0 0\n'), flavor: 'fops' });
  vfs.registerFile(`${CMA}/free`, { write: () => err('EINVAL', 'nothing allocated') });
  return { vfs, writes };
}

describe('normalizePath', () => {
  it('resolves . .. and repeated slashes lexically', () => {
    expect(normalizePath('/sys//kernel/./debug/../debug/cma/')).toBe('/sys/kernel/debug/cma');
    expect(normalizePath('/..')).toBe('/');
    expect(normalizePath('sys/kernel')).toBeUndefined();
  });
});

describe('VfsRegistry', () => {
  it('reads and writes registered files', () => {
    const { vfs, writes } = cmaDirectory();
    expect(vfs.read(`${CMA}/count`)).toEqual(ok('4096\n'));
    expect(vfs.write(`${CMA}/alloc`, '16\n')).toEqual(ok(undefined));
    expect(writes).toEqual(['16\n']);
    expect(vfs.read('/sys//kernel/debug/cma/reserved/./count')).toEqual(ok('4096\n'));
  });

  it('passes a handler error through', () => {
    expect(cmaDirectory().vfs.write(`${CMA}/free`, '1\n')).toEqual(err('EINVAL', 'nothing allocated'));
  });

  it('lists directories, which exist implicitly above files', () => {
    const { vfs } = cmaDirectory();
    vfs.registerDirectory('/dev/dma_heap');
    expect(vfs.list(CMA)).toEqual(ok(['alloc', 'bitmap', 'count', 'free']));
    expect(vfs.list('/')).toEqual(ok(['dev', 'sys']));
    expect(vfs.list('/dev/dma_heap')).toEqual(ok([]));
    expect(vfs.list('/proc')).toMatchObject({ ok: false, errno: 'ENOENT' });
    expect(vfs.list(`${CMA}/count`)).toMatchObject({ ok: false });
    expect(vfs.isFile(`${CMA}/count`)).toBe(true);
    expect(vfs.isFile(CMA)).toBe(false);
  });

  it('an empty registry has no files: everything is ENOENT', () => {
    const vfs = new VfsRegistry();
    expect(vfs.read('/proc/meminfo')).toMatchObject({ ok: false, errno: 'ENOENT' });
    expect(vfs.write('/sys/kernel/debug/cma/reserved/alloc', '1\n')).toMatchObject({ ok: false, errno: 'ENOENT' });
  });

  it('simple attributes without get/set fail with EACCES, as simple_attr_read/write do', () => {
    const { vfs } = cmaDirectory();
    expect(vfs.open(`${CMA}/alloc`, 'read')).toEqual(ok(undefined));
    expect(vfs.read(`${CMA}/alloc`)).toMatchObject({ ok: false, errno: 'EACCES' });
    expect(vfs.write(`${CMA}/count`, '1\n')).toMatchObject({ ok: false, errno: 'EACCES' });
  });

  it('files whose fops lack the operation fail with EINVAL, as vfs_read/vfs_write do', () => {
    const { vfs } = cmaDirectory();
    expect(vfs.write(`${CMA}/bitmap`, '1\n')).toMatchObject({ ok: false, errno: 'EINVAL' });
  });

  it('open reports what open(2) would', () => {
    const { vfs } = cmaDirectory();
    expect(vfs.open(`${CMA}/nosuch`, 'write')).toMatchObject({ ok: false, errno: 'EACCES' });
    expect(vfs.open(`${CMA}/nosuch`, 'read')).toMatchObject({ ok: false, errno: 'ENOENT' });
    expect(vfs.open('/sys/kernel/debug/cma/other/alloc', 'write')).toMatchObject({ ok: false, errno: 'ENOENT' });
    expect(vfs.open('relative/path', 'read')).toMatchObject({ ok: false, errno: 'ENOENT' });
    expect(vfs.open(CMA, 'read')).toEqual(ok(undefined));
    expect(vfs.open(CMA, 'write')).toMatchObject({ ok: false });
    expect(vfs.read(CMA)).toMatchObject({ ok: false });
    expect(vfs.open(`${CMA}/count/x`, 'read')).toMatchObject({ ok: false });
  });

  it('asserts on registration mistakes (programmer errors)', () => {
    const { vfs } = cmaDirectory();
    expect(() => vfs.registerFile(`${CMA}/count`, {})).toThrow(AssertionError);
    expect(() => vfs.registerFile('/sys/kernel/debug/cma', {})).toThrow(AssertionError);
    expect(() => vfs.registerFile('/proc//meminfo', {})).toThrow(AssertionError);
    expect(() => vfs.registerDirectory(`${CMA}/count`)).toThrow(AssertionError);
  });
});
