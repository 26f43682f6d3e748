// dma-buf objects: references (dup/close, mappings, attachments), access modes from the fd flags as 6.1's OPEN_FMODE and do_mmap give them, content tags through mappings, EBADF after release.
import { describe, expect, it } from 'vitest';
import { O_ACCMODE, O_CLOEXEC, O_RDONLY, O_RDWR, O_WRONLY, openFmode } from '../../src/heaps/dma-buf.ts';
import { alloc, boot, freePages, RDWR_CLOEXEC } from './heap-fixtures.ts';

describe('openFmode (OPEN_FMODE)', () => {
  it('maps O_RDONLY, O_WRONLY, O_RDWR and O_ACCMODE to read, write, both and neither', () => {
    expect(openFmode(O_RDONLY)).toEqual({ read: true, write: false });
    expect(openFmode(O_WRONLY | O_CLOEXEC)).toEqual({ read: false, write: true });
    expect(openFmode(O_RDWR)).toEqual({ read: true, write: true });
    expect(openFmode(O_ACCMODE)).toEqual({ read: false, write: false });
  });
});

describe('mmap, read(2) and write(2) per access mode', () => {
  const cases: [string, number, { r: string; w: string; rw: string; fdRead: string; fdWrite: string }][] = [
    ['O_RDONLY', O_RDONLY, { r: 'ok', w: 'EACCES', rw: 'EACCES', fdRead: 'EINVAL', fdWrite: 'EBADF' }],
    ['O_WRONLY', O_WRONLY, { r: 'EACCES', w: 'EACCES', rw: 'EACCES', fdRead: 'EBADF', fdWrite: 'EINVAL' }],
    ['O_RDWR', O_RDWR, { r: 'ok', w: 'ok', rw: 'ok', fdRead: 'EINVAL', fdWrite: 'EINVAL' }],
    ['O_ACCMODE', O_ACCMODE, { r: 'EACCES', w: 'EACCES', rw: 'EACCES', fdRead: 'EBADF', fdWrite: 'EBADF' }],
  ];
  it.each(cases)('%s', (_name, flags, expected) => {
    const machine = boot();
    const buf = alloc(machine, 'system', 8192, flags | O_CLOEXEC);
    const outcome = (result: { ok: boolean; errno?: string }): string => (result.ok ? 'ok' : (result.errno as string));
    for (const access of ['r', 'w', 'rw'] as const) {
      const map = buf.mmap(access);
      expect(outcome(map), access).toBe(expected[access]);
      if (map.ok) buf.munmap(map.value);
    }
    expect(outcome(buf.fdRead())).toBe(expected.fdRead);
    expect(outcome(buf.fdWrite())).toBe(expected.fdWrite);
    expect(buf.sizeBySeek()).toEqual({ ok: true, value: 8192 });
  });
});

describe('references', () => {
  it('dup adds an fd; the last close releases the buffer back to its heap', () => {
    const machine = boot();
    const before = freePages(machine);
    const buf = alloc(machine, 'system', 3 * 4096);
    expect(buf.dup().ok).toBe(true);
    expect(buf.refcount).toBe(2);
    expect(buf.close().ok).toBe(true);
    expect(buf.isReleased).toBe(false);
    expect(machine.heaps.buffers.live()).toEqual([buf]);
    expect(buf.close().ok).toBe(true);
    expect(buf.isReleased).toBe(true);
    expect(machine.heaps.buffers.live()).toEqual([]);
    expect(freePages(machine)).toBe(before);
    expect(machine.events.get('heap_release')).toBe(1);
  });

  it('a mapping and an attachment each keep the buffer alive after its fds are closed', () => {
    const machine = boot();
    const buf = alloc(machine, 'system', 4096);
    const map = buf.mmap('rw');
    const att = buf.attach('gpu');
    expect(map.ok && att.ok).toBe(true);
    if (!map.ok || !att.ok) return;
    expect(buf.attachedDevices()).toEqual(['gpu']);
    buf.close();
    expect(buf.refcount).toBe(2);
    expect(buf.write(map.value, 0, 1).ok).toBe(true);
    expect(buf.munmap(map.value).ok).toBe(true);
    expect(buf.isReleased).toBe(false);
    expect(buf.detach(att.value).ok).toBe(true);
    expect(buf.isReleased).toBe(true);
  });

  it('every use after release is EBADF (fd verbs) or fails on the dead mapping', () => {
    const machine = boot();
    const buf = alloc(machine, 'system', 4096);
    const map = buf.mmap('r');
    buf.close();
    if (map.ok) buf.munmap(map.value);
    expect(buf.isReleased).toBe(true);
    for (const result of [buf.dup(), buf.close(), buf.mmap('r'), buf.attach('x'), buf.sizeBySeek(), buf.fdRead(), buf.fdWrite()]) {
      expect(result.ok ? 'ok' : result.errno).toBe('EBADF');
    }
    expect(map.ok && !buf.read(map.value, 0, 1).ok).toBe(true);
    expect(map.ok && buf.munmap(map.value).ok).toBe(false);
  });

  it('without an fd, dup/mmap/attach are EBADF even while a mapping holds the buffer', () => {
    const machine = boot();
    const buf = alloc(machine, 'system', 4096);
    const map = buf.mmap('r');
    buf.close();
    expect(buf.dup()).toMatchObject({ ok: false, errno: 'EBADF' });
    expect(buf.attach('x').ok).toBe(false);
    if (map.ok) buf.munmap(map.value);
  });
});

describe('mappings and content tags', () => {
  it('writes set a fresh tag on exactly the written pages; reads report it', () => {
    const machine = boot();
    const buf = alloc(machine, 'system', 64 * 1024 + 3 * 4096);
    const map = buf.mmap('rw', 2, 10);
    expect(map.ok).toBe(true);
    if (!map.ok) return;
    const first = buf.write(map.value, 1, 2);
    const second = buf.write(map.value, 5, 1);
    expect(first.ok && second.ok && second.value !== first.value).toBe(true);
    const seen = buf.read(map.value, 0, 10);
    expect(seen.ok && seen.value).toEqual({ pageCount: 10, zeroPages: 7, firstTag: first.ok ? first.value : -1 });
    const table = machine.buddy.table;
    expect(table.content[table.pageIndex(buf.pfnAt(3))]).toBe(first.ok ? first.value : -1);
    expect(table.content[table.pageIndex(buf.pfnAt(2))]).toBe(0);
  });

  it('rejects ranges past the buffer (EINVAL) or past the mapping (EFAULT), and stores through a read-only mapping (EFAULT)', () => {
    const machine = boot();
    const buf = alloc(machine, 'system', 4 * 4096, RDWR_CLOEXEC);
    expect(buf.mmap('r', 3, 2).ok ? 'ok' : 'EINVAL').toBe('EINVAL');
    expect(buf.mmap('r', 0, 0).ok).toBe(false);
    const map = buf.mmap('r', 1, 2);
    expect(map.ok).toBe(true);
    if (!map.ok) return;
    expect(buf.read(map.value, 1, 2)).toMatchObject({ ok: false, errno: 'EFAULT' });
    const store = buf.write(map.value, 0, 1);
    expect(store.ok ? 'ok' : store.errno).toBe('EFAULT');
  });

  it('pfnAt walks the sg list across chunks of different orders', () => {
    const machine = boot();
    const buf = alloc(machine, 'system', 256 * 4096 + 16 * 4096 + 4096);
    expect(buf.chunks.map((c) => c.order)).toEqual([8, 4, 0]);
    expect(buf.pfnAt(0)).toBe(buf.chunks[0]?.pfn);
    expect(buf.pfnAt(255)).toBe((buf.chunks[0]?.pfn ?? 0) + 255);
    expect(buf.pfnAt(256)).toBe(buf.chunks[1]?.pfn);
    expect(buf.pfnAt(272)).toBe(buf.chunks[2]?.pfn);
  });
});
