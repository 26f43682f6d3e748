// dma-buf edge paths: EBADF/EINVAL/EFAULT details naming the verb and range, mmap range defaults and bounds, fd-less buffers kept alive by a mapping, pfnAt bounds, buffer ids, and what hashInto feeds the state hash.
import { describe, expect, it } from 'vitest';
import { StateHasher } from '../../src/base/hash.ts';
import { PAGE_SIZE } from '../../src/base/units.ts';
import { DmaBufTable, O_CLOEXEC, O_RDONLY, O_WRONLY, type HeapBuffer } from '../../src/heaps/dma-buf.ts';
import { alloc, boot } from './heap-fixtures.ts';

function backing(chunks: { pfn: number; order: number }[], sizeBytes: number): HeapBuffer {
  return { chunks, sizeBytes, release: () => undefined };
}

function digest(feed: (hasher: StateHasher) => void): string {
  const hasher = new StateHasher();
  feed(hasher);
  return hasher.digestHex();
}

describe('DmaBuf construction (exp_info.size against the sg list)', () => {
  const bad: [string, { pfn: number; order: number }[], number][] = [
    ['a zero sizeBytes', [{ pfn: 0, order: 0 }], 0],
    ['a sizeBytes that is not a page multiple', [{ pfn: 0, order: 0 }], PAGE_SIZE - 1],
    ['a sizeBytes larger than the chunks cover', [{ pfn: 0, order: 0 }], 2 * PAGE_SIZE],
  ];
  it.each(bad)('rejects %s', (_name, chunks, sizeBytes) => {
    const table = new DmaBufTable(boot().buddy.table);
    expect(() => table.export('test', backing(chunks, sizeBytes), O_CLOEXEC)).toThrow(/pages cannot back/);
  });

  it('accepts chunks covering exactly sizeBytes, and ids increase from 1', () => {
    const table = new DmaBufTable(boot().buddy.table);
    const first = table.export('test', backing([{ pfn: 0, order: 1 }], 2 * PAGE_SIZE), O_CLOEXEC);
    const second = table.export('test', backing([{ pfn: 2, order: 0 }], PAGE_SIZE), O_CLOEXEC);
    expect([first.id, second.id]).toEqual([1, 2]);
    expect(table.get(2)).toBe(second);
    expect(table.get(3)).toBeUndefined();
  });
});

describe('EBADF details name the verb and whether the buffer is gone', () => {
  it('after release: "VERB: buffer N has no open fd (released)"', () => {
    const buf = alloc(boot(), 'system', PAGE_SIZE);
    buf.close();
    const details = [buf.dup(), buf.close(), buf.mmap('r'), buf.attach('gpu'), buf.sizeBySeek()].map((r) => (r.ok ? 'ok' : r.detail));
    expect(details).toEqual(['dup', 'close', 'mmap', 'attach', 'lseek'].map((verb) => `${verb}: buffer ${buf.id} has no open fd (released)`));
  });

  it('fds closed but a mapping alive: EBADF without "(released)", and read(2)/write(2) are EBADF too', () => {
    const buf = alloc(boot(), 'system', 2 * PAGE_SIZE);
    const map = buf.mmap('rw');
    expect(map.ok).toBe(true);
    expect(buf.close().ok).toBe(true);
    expect(buf.isReleased).toBe(false);
    expect(buf.fdCount).toBe(0);
    expect(buf.dup()).toEqual({ ok: false, errno: 'EBADF', detail: `dup: buffer ${buf.id} has no open fd` });
    expect(buf.fdRead()).toEqual({ ok: false, errno: 'EBADF', detail: `buffer ${buf.id}: fd not open for reading` });
    expect(buf.fdWrite()).toEqual({ ok: false, errno: 'EBADF', detail: `buffer ${buf.id}: fd not open for writing` });
  });

  it('an open O_RDWR fd: read(2) and write(2) are EINVAL (dma_buf_fops has neither)', () => {
    const buf = alloc(boot(), 'system', PAGE_SIZE);
    expect(buf.fdRead()).toEqual({ ok: false, errno: 'EINVAL', detail: 'dma-buf files have no read operation' });
    expect(buf.fdWrite()).toEqual({ ok: false, errno: 'EINVAL', detail: 'dma-buf files have no write operation' });
  });
});

describe('mmap ranges', () => {
  it('pageOffset alone maps the rest of the buffer (pageCount defaults to pageCount - pageOffset)', () => {
    const buf = alloc(boot(), 'system', 4 * PAGE_SIZE);
    const map = buf.mmap('r', 1);
    if (!map.ok) throw new Error(map.detail);
    expect(buf.mappingPages(map.value)).toBe(3);
  });

  const invalid: [string, number, number, RegExp][] = [
    ['an empty range', 0, 0, /^mmap of 0 pages at page 0$/],
    ['a negative pageOffset', -1, 1, /^mmap of 1 pages at page -1$/],
    ['a range ending past the buffer', 2, 3, /^pages 2\.\.5 past the 4-page buffer$/],
  ];
  it.each(invalid)('rejects %s with EINVAL', (_name, pageOffset, pageCount, detail) => {
    const buf = alloc(boot(), 'system', 4 * PAGE_SIZE);
    const map = buf.mmap('r', pageOffset, pageCount);
    expect(map.ok).toBe(false);
    if (map.ok) return;
    expect(map.errno).toBe('EINVAL');
    expect(map.detail).toMatch(detail);
    expect(buf.mappingCount).toBe(0);
  });

  it('the EACCES details name the missing mode and the fd_flags in hex', () => {
    const rdonly = alloc(boot(), 'system', PAGE_SIZE, O_RDONLY | O_CLOEXEC);
    expect(rdonly.mmap('rw')).toMatchObject({ errno: 'EACCES', detail: `buffer ${rdonly.id} was not opened for writing (fd_flags 0x80000)` });
    const wronly = alloc(boot(), 'system', PAGE_SIZE, O_WRONLY);
    expect(wronly.mmap('r')).toMatchObject({ errno: 'EACCES', detail: `buffer ${wronly.id} was not opened for reading (fd_flags 0x1)` });
  });
});

describe('dead mappings and attachments', () => {
  it('munmap and detach of unknown ids are EINVAL naming the id; mappingPages is undefined', () => {
    const buf = alloc(boot(), 'system', PAGE_SIZE);
    expect(buf.munmap(99)).toEqual({ ok: false, errno: 'EINVAL', detail: `no live mapping 99 of buffer ${buf.id}` });
    expect(buf.detach(98)).toEqual({ ok: false, errno: 'EINVAL', detail: `no live attachment 98 of buffer ${buf.id}` });
    expect(buf.mappingPages(99)).toBeUndefined();
    expect(buf.refcount).toBe(1);
  });

  it('write and read through an unknown mapping are EFAULT naming it', () => {
    const buf = alloc(boot(), 'system', PAGE_SIZE);
    expect(buf.write(7, 0, 1)).toEqual({ ok: false, errno: 'EFAULT', detail: `no live mapping 7 of buffer ${buf.id}` });
    expect(buf.read(7, 0, 1)).toEqual({ ok: false, errno: 'EFAULT', detail: `no live mapping 7 of buffer ${buf.id}` });
  });

  it('a store through a read-only mapping is EFAULT', () => {
    const buf = alloc(boot(), 'system', PAGE_SIZE);
    const map = buf.mmap('r');
    if (!map.ok) throw new Error(map.detail);
    expect(buf.write(map.value, 0, 1)).toEqual({ ok: false, errno: 'EFAULT', detail: `mapping ${map.value} of buffer ${buf.id} is read-only` });
  });

  const outside: [string, number, number, string][] = [
    ['a fractional pageOffset', 0.5, 1, 'pages 0.5..1.5 outside the 2-page mapping'],
    ['a fractional pageCount', 0, 1.5, 'pages 0..1.5 outside the 2-page mapping'],
    ['a negative pageOffset', -1, 1, 'pages -1..0 outside the 2-page mapping'],
    ['an empty range', 0, 0, 'pages 0..0 outside the 2-page mapping'],
    ['a range past the mapping', 1, 2, 'pages 1..3 outside the 2-page mapping'],
  ];
  it.each(outside)('access with %s is EFAULT for both read and write', (_name, pageOffset, pageCount, detail) => {
    const buf = alloc(boot(), 'system', 3 * PAGE_SIZE);
    const map = buf.mmap('rw', 1, 2);
    if (!map.ok) throw new Error(map.detail);
    expect(buf.write(map.value, pageOffset, pageCount)).toEqual({ ok: false, errno: 'EFAULT', detail });
    expect(buf.read(map.value, pageOffset, pageCount)).toEqual({ ok: false, errno: 'EFAULT', detail });
  });
});

describe('pfnAt', () => {
  it.each([-1, 4, 1.5])('asserts on page index %s of a 4-page buffer', (pageIndex) => {
    const buf = alloc(boot(), 'system', 4 * PAGE_SIZE);
    expect(() => buf.pfnAt(pageIndex)).toThrow(new RegExp(`^buffer ${buf.id}: no page ${pageIndex}$`));
  });

  it('walks a multi-chunk sg list: each page index maps into its chunk', () => {
    const table = new DmaBufTable(boot().buddy.table);
    const buf = table.export('test', backing([{ pfn: 100, order: 1 }, { pfn: 40, order: 0 }, { pfn: 64, order: 2 }], 7 * PAGE_SIZE), O_CLOEXEC);
    expect([0, 1, 2, 3, 4, 5, 6].map((page) => buf.pfnAt(page))).toEqual([100, 101, 40, 64, 65, 66, 67]);
  });
});

describe('hashInto', () => {
  it('a buffer feeds its mappings, attachments and sg list', () => {
    const table = new DmaBufTable(boot().buddy.table);
    const a = table.export('test', backing([{ pfn: 10, order: 0 }], PAGE_SIZE), O_CLOEXEC);
    const base = digest((h) => a.hashInto(h));
    const map = a.mmap('r');
    const mapped = digest((h) => a.hashInto(h));
    expect(mapped).not.toBe(base);
    if (map.ok) a.munmap(map.value);
    expect(digest((h) => a.hashInto(h))).toBe(base);
    const att = a.attach('gpu');
    expect(digest((h) => a.hashInto(h))).not.toBe(base);
    if (att.ok) a.detach(att.value);

    const other = new DmaBufTable(boot().buddy.table);
    const b = other.export('test', backing([{ pfn: 11, order: 0 }], PAGE_SIZE), O_CLOEXEC);
    expect(digest((h) => b.hashInto(h))).not.toBe(base);
  });

  it('the table feeds its content-tag counter', () => {
    const table = new DmaBufTable(boot().buddy.table);
    const before = digest((h) => table.hashInto(h));
    expect(table.nextContentTag()).toBe(1);
    expect(digest((h) => table.hashInto(h))).not.toBe(before);
  });

  it('the machine state hash changes when a mapping is added and not otherwise', () => {
    const machine = boot();
    const buf = alloc(machine, 'system', PAGE_SIZE);
    const before = machine.stateHash();
    expect(machine.stateHash()).toBe(before);
    expect(buf.mmap('r').ok).toBe(true);
    expect(machine.stateHash()).not.toBe(before);
  });
});
