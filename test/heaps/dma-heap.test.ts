// The heap registry (dma_heap_add rules of 6.1, 128 minors) and DMA_HEAP_IOCTL_ALLOC's order of checks; a user-defined heap registered through the public API behaves like a built-in one.
import { describe, expect, it } from 'vitest';
import { err, ok, type Result } from '../../src/base/errno.ts';
import { PAGE_SIZE } from '../../src/base/units.ts';
import { O_CLOEXEC, O_RDWR, type HeapBuffer } from '../../src/heaps/dma-buf.ts';
import { NUM_HEAP_MINORS, pageAlignU64, type DmaHeap, type HeapAllocRequest } from '../../src/heaps/dma-heap.ts';
import { __GFP_ZERO, GFP_HIGHUSER } from '../../src/mem/gfp.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { alloc, boot, freePages, readsZero } from './heap-fixtures.ts';

const U64_MAX = (1n << 64n) - 1n;

/** A heap that records what it was asked for and hands out order-0 pages (the docs/heaps.md example shape). */
function recordingHeap(machine: Machine, name: string, calls: HeapAllocRequest[]): DmaHeap {
  const owner = machine.owners.register('heap', name);
  return {
    name,
    allocate: (request) => {
      calls.push(request);
      const pfns: number[] = [];
      for (let i = 0; i < request.pageCount; i++) {
        const pfn = machine.buddy.allocPages(GFP_HIGHUSER | __GFP_ZERO, 0, { owner });
        if (!pfn.ok) {
          for (const taken of pfns) machine.buddy.freePages(taken, 0);
          return err('ENOMEM', 'out of pages');
        }
        pfns.push(pfn.value);
      }
      const buffer: HeapBuffer = {
        chunks: pfns.map((pfn) => ({ pfn, order: 0 })),
        sizeBytes: request.pageCount * PAGE_SIZE,
        release: () => pfns.forEach((pfn) => machine.buddy.freePages(pfn, 0)),
      };
      return ok(buffer);
    },
  };
}

describe('pageAlignU64', () => {
  it('rounds up to 4096 and wraps to 0 above 2^64 - 4096', () => {
    expect(pageAlignU64(0n)).toBe(0n);
    expect(pageAlignU64(1n)).toBe(4096n);
    expect(pageAlignU64(4097n)).toBe(8192n);
    expect(pageAlignU64(U64_MAX - 4095n)).toBe(U64_MAX - 4095n);
    expect(pageAlignU64(U64_MAX - 4094n)).toBe(0n);
    expect(pageAlignU64(U64_MAX)).toBe(0n);
  });
});

describe('DmaHeapRegistry.add (dma_heap_add, 6.1)', () => {
  it('has system on every machine, and only system by default', () => {
    expect(boot().heaps.names()).toEqual(['system']);
  });

  it('rejects an empty name, a missing allocate and a duplicate name with EINVAL', () => {
    const machine = boot();
    expect(machine.heaps.add({ name: '', allocate: () => err('ENOMEM', 'x') })).toMatchObject({ ok: false, errno: 'EINVAL' });
    expect(machine.heaps.add({ name: 'x' } as unknown as DmaHeap)).toMatchObject({ ok: false, errno: 'EINVAL' });
    expect(machine.heaps.add({ name: 'system', allocate: () => err('ENOMEM', 'x') })).toMatchObject({ ok: false, errno: 'EINVAL' });
  });

  it('allows 128 heaps; the 129th is EBUSY, while a duplicate is still EINVAL (name checked first in 6.1)', () => {
    const machine = boot();
    for (let i = 1; i < NUM_HEAP_MINORS; i++) expect(machine.heaps.add({ name: `h${i}`, allocate: () => err('ENOMEM', 'x') }).ok).toBe(true);
    expect(machine.heaps.names()).toHaveLength(128);
    expect(machine.heaps.add({ name: 'one-more', allocate: () => err('ENOMEM', 'x') })).toMatchObject({ ok: false, errno: 'EBUSY' });
    expect(machine.heaps.add({ name: 'h5', allocate: () => err('ENOMEM', 'x') })).toMatchObject({ ok: false, errno: 'EINVAL' });
  });
});

describe('dmaHeapIoctlAlloc order of checks', () => {
  function setup(): { machine: Machine; calls: HeapAllocRequest[] } {
    const machine = boot();
    const calls: HeapAllocRequest[] = [];
    const added = machine.heaps.add(recordingHeap(machine, 'rec', calls));
    expect(added.ok).toBe(true);
    return { machine, calls };
  }
  const errnoOf = (result: Result<unknown>): string => (result.ok ? 'ok' : result.errno);

  it('ENOENT for a missing heap comes before every argument check', () => {
    const { machine } = setup();
    expect(errnoOf(machine.heaps.dmaHeapIoctlAlloc('nosuch', { lenBytes: 0n, fd: 7, fdFlags: 0x1000, heapFlags: 1n }))).toBe('ENOENT');
  });

  it('then fd != 0, then bad fd_flags, then heap_flags, then len: each EINVAL, none reaching the heap', () => {
    const { machine, calls } = setup();
    const call = (lenBytes: bigint, fd: number, fdFlags: number, heapFlags: bigint): string =>
      errnoOf(machine.heaps.dmaHeapIoctlAlloc('rec', { lenBytes, fd, fdFlags, heapFlags }));
    expect(call(4096n, 3, O_RDWR, 0n)).toBe('EINVAL');
    expect(call(4096n, 0, 0x1000, 0n)).toBe('EINVAL');
    expect(call(4096n, 0, O_RDWR | 0x40, 0n)).toBe('EINVAL');
    expect(call(4096n, 0, O_RDWR, 1n)).toBe('EINVAL');
    expect(call(4096n, 0, O_RDWR, 1n << 63n)).toBe('EINVAL');
    expect(call(0n, 0, O_RDWR, 0n)).toBe('EINVAL');
    expect(call(U64_MAX, 0, O_RDWR, 0n)).toBe('EINVAL');
    expect(call(U64_MAX - 4094n, 0, O_RDWR, 0n)).toBe('EINVAL');
    expect(calls).toEqual([]);
    expect(machine.events.get('heap_alloc') + machine.events.get('heap_alloc_fail')).toBe(0);
  });

  it('hands the heap PAGE_ALIGN(len), the page count and the flags', () => {
    const { machine, calls } = setup();
    const buf = machine.heaps.dmaHeapIoctlAlloc('rec', { lenBytes: 4097n, fdFlags: O_RDWR | O_CLOEXEC, heapFlags: 0n });
    expect(buf.ok).toBe(true);
    expect(calls).toEqual([{ lenBytes: 8192n, pageCount: 2, fdFlags: O_RDWR | O_CLOEXEC, heapFlags: 0n }]);
    const huge = machine.heaps.dmaHeapIoctlAlloc('rec', { lenBytes: U64_MAX - 4095n, fdFlags: O_RDWR, heapFlags: 0n });
    expect(errnoOf(huge)).toBe('ENOMEM');
    expect(calls[1]?.pageCount).toBe(2 ** 52 - 1);
  });

  it('passes a heap error through unchanged and counts it', () => {
    const machine = boot();
    expect(machine.heaps.add({ name: 'busy', allocate: () => err('EBUSY', 'always') }).ok).toBe(true);
    expect(errnoOf(machine.heaps.dmaHeapIoctlAlloc('busy', { lenBytes: 1n, fdFlags: O_RDWR, heapFlags: 0n }))).toBe('EBUSY');
    expect(machine.events.get('heap_alloc_fail')).toBe(1);
  });
});

describe('a user-defined heap', () => {
  it('is allocated from, mapped, released and hashed like the built-in ones', () => {
    const machine = boot();
    const before = freePages(machine);
    const calls: HeapAllocRequest[] = [];
    expect(machine.heaps.add(recordingHeap(machine, 'mine', calls)).ok).toBe(true);
    const buf = alloc(machine, 'mine', 5 * 4096);
    expect(buf.heapName).toBe('mine');
    expect(readsZero(buf)).toBe(true);
    const hash = machine.stateHash();
    expect(buf.close().ok).toBe(true);
    expect(machine.stateHash()).not.toBe(hash);
    expect(freePages(machine)).toBe(before);
  });
});
